"""`CharCorpus`: a text as character ids, its baselines, and windows of it for training.

    corpus = CharCorpus.of("abab")        # alphabet "ab", ids [0, 1, 0, 1]
    corpus.unigram_entropy                # H(X) = -Σ p(c) ln p(c): ln 2 nats/char here
    corpus.bigram_entropy                 # H(X_t | X_{t-1}) = -Σ p(a, b) ln p(b | a): 0 here
    corpus.sample(rng, batch_size, seq_len)   # x = text[s : s+T], y = text[s+1 : s+T+1]
    corpus.held_out(rng, batch_size, seq_len) # the same from the last tenth, never trained on

Both baselines are the loss (nats/char) of a model that knows the corpus's own character
(unigram) or character-pair (bigram) frequencies and nothing more: a language model that
does not beat the bigram line has learnt nothing a table of pairs would not.

Corpora are named: a generated one by its `CORPORA` key, a person's own text by `user_key(text)`,
"u" and 16 hex digits of its SHA-256, so that no text goes into a URL or a cache key. The CLI
holds the text it read (`remember`) and looks it up by key (`load_corpus`); a training worker
keeps none: the Text page's job builds its task from the text it brings (explorer/jobs/text.py).
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from explorer.text.corpora import CORPORA, corpus_text
from explorer.textfile import UploadError, read_text

GENERATED_CHARS = 50_000  # characters of each generated corpus (seed 0): ~10k words of grammar
MIN_CHARS = 100  # a user text shorter than this cannot fill a training window
MAX_ALPHABET = 256  # distinct characters a user text may use (the model's output size)
KEPT_TEXTS = 16  # user texts one process keeps (a few MB each at most)
HELD_OUT = 0.1  # the last tenth of a text is never trained on: the held-out loss reads it
MIN_HELD_OUT = 200  # characters; a text whose last tenth is shorter is trained and scored whole
USER_KEY = re.compile(r"u[0-9a-f]{16}")
MISSING_TEXT = ("The uploaded text this run reads is not on this server any more (the server restarted, "
                "or it was uploaded in another session): upload it again.")


@dataclass(frozen=True, eq=False)
class CharCorpus:
    text: str
    alphabet: str  # the distinct characters, sorted: id k is alphabet[k]
    ids: np.ndarray  # (N,) int64

    @classmethod
    def of(cls, text: str) -> CharCorpus:
        alphabet = "".join(sorted(set(text)))
        lookup = {c: k for k, c in enumerate(alphabet)}
        return cls(text, alphabet, np.fromiter((lookup[c] for c in text), np.int64, len(text)))

    def __len__(self) -> int:
        return len(self.text)

    def encode(self, text: str) -> np.ndarray:
        """Characters -> ids; ValueError naming the characters this corpus never uses."""
        unknown = sorted(set(text) - set(self.alphabet))
        if unknown:
            raise ValueError(f"{''.join(unknown)!r} {'is' if len(unknown) == 1 else 'are'} not in the "
                             f"alphabet of this text ({self.alphabet!r}).")
        lookup = {c: k for k, c in enumerate(self.alphabet)}
        return np.array([lookup[c] for c in text], dtype=np.int64)

    def decode(self, ids) -> str:
        return "".join(self.alphabet[int(i)] for i in ids)

    @functools.cached_property
    def counts(self) -> np.ndarray:
        return np.bincount(self.ids, minlength=len(self.alphabet)).astype(np.float64)  # (V,)

    @functools.cached_property
    def unigram_entropy(self) -> float:
        p = self.counts / self.counts.sum()
        return float(-(p[p > 0] * np.log(p[p > 0])).sum())

    @functools.cached_property
    def bigram_entropy(self) -> float:
        v = len(self.alphabet)
        pairs = np.bincount(self.ids[:-1] * v + self.ids[1:], minlength=v * v).reshape(v, v)  # (V, V)
        joint = pairs / pairs.sum()
        given = pairs / np.maximum(pairs.sum(axis=1, keepdims=True), 1)  # p(b | a)
        seen = pairs > 0
        return float(-(joint[seen] * np.log(given[seen])).sum())

    @property
    def top_share(self) -> float:
        """How often the most frequent character comes: the accuracy of always guessing it."""
        return float(self.counts.max() / self.counts.sum())

    @property
    def cut(self) -> int:
        """Where the held-out tail starts: training windows end before it, held-out ones after."""
        tail = int(len(self.ids) * HELD_OUT)
        return len(self.ids) - tail if tail >= MIN_HELD_OUT else len(self.ids)

    @property
    def longest_window(self) -> int:
        """The longest window both parts can give (a window reads T + 1 characters)."""
        held = len(self.ids) - self.cut
        return min(self.cut, held or self.cut) - 1

    def sample(self, rng: np.random.Generator, batch_size: int, seq_len: int):
        """A `Batch` of windows of the training part."""
        return _windows(self.ids[:self.cut], rng, batch_size, seq_len)

    def held_out(self, rng: np.random.Generator, batch_size: int, seq_len: int):
        """A `Batch` of windows of the held-out tail (of the whole text when it is too short)."""
        tail = self.ids[self.cut:] if self.cut < len(self.ids) else self.ids
        return _windows(tail, rng, batch_size, seq_len)


def _windows(ids: np.ndarray, rng: np.random.Generator, batch_size: int, seq_len: int):
    """B windows of T characters at random places, each target the window moved on by one
    (`Batch` imported here: the task registry imports this module)."""
    from explorer.tasks.base import Batch

    if seq_len + 1 > len(ids):
        raise ValueError(f"A window of {seq_len} characters needs {seq_len + 1}; this part of the text "
                         f"has {len(ids)}. Shorten the sequence length.")
    starts = rng.integers(0, len(ids) - seq_len, size=batch_size)  # (B,)
    window = starts[:, None] + np.arange(seq_len)[None, :]  # (B, T)
    return Batch(x=ids[window], y=ids[window + 1])


def text_problems(text: str) -> list[str]:
    """Why a person's text cannot be a corpus (empty when it can)."""
    if not isinstance(text, str):
        return [f"The text must be a string (got a {type(text).__name__})."]
    problems = []
    if len(text) < MIN_CHARS:
        problems.append(f"The text has {len(text)} characters; a corpus needs at least {MIN_CHARS}.")
    if len(set(text)) < 2:
        problems.append("The text uses one character only: there is nothing to predict.")
    if len(set(text)) > MAX_ALPHABET:
        problems.append(f"The text uses {len(set(text)):,} distinct characters; at most {MAX_ALPHABET} "
                        "are modelled.")
    return problems


def text_from_upload(data: bytes) -> str:
    """An uploaded file's bytes as a corpus text: `textfile.read_text`'s checks (size, UTF-8,
    binary, empty), then `text_problems`; UploadError with the message otherwise."""
    text = read_text(data)
    problems = text_problems(text)
    if problems:
        raise UploadError(" ".join(problems))
    return text


def user_key(text: str) -> str:
    return "u" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_kept: OrderedDict[str, CharCorpus] = OrderedDict()


def remember(text: str) -> str:
    """Keep a person's text in this process (the newest KEPT_TEXTS) and return its key;
    ValueError with `text_problems` when it cannot be a corpus."""
    problems = text_problems(text)
    if problems:
        raise ValueError(" ".join(problems))
    key = user_key(text)
    if key not in _kept:
        _kept[key] = CharCorpus.of(text)
    _kept.move_to_end(key)
    while len(_kept) > KEPT_TEXTS:
        _kept.popitem(last=False)
    return key


def corpus_problems(name: str) -> list[str]:
    """Why `name` names no corpus (empty when it names a generated one or a user key)."""
    if name in CORPORA or (isinstance(name, str) and USER_KEY.fullmatch(name)):
        return []
    return [f"Unknown corpus {name!r}. Choose one of: {', '.join(CORPORA)} (or upload a text)."]


@functools.cache
def _generated(name: str) -> CharCorpus:
    return CharCorpus.of(corpus_text(name, seed=0, n_chars=GENERATED_CHARS))


def load_corpus(name: str) -> CharCorpus:
    """The corpus called `name`; LookupError saying what to do when it is not here."""
    if name in CORPORA:
        return _generated(name)
    if name in _kept:
        return _kept[name]
    raise LookupError(MISSING_TEXT)


def entropy_bits(nats: float) -> float:
    """nats/char -> bits/char."""
    return nats / math.log(2)
