"""Named-entity tagging: a BIO tag for every word of a generated sentence (many-to-many on words).

Sentences come from templates (`TEMPLATES`) whose slots are filled with entities:

    PER = FIRST [SURNAME] | "mr" SURNAME      (anna garcia, mr lincoln)
    LOC = PLACE | "new york" | "hong kong"     (lagos, jordan)
    ORG = BASE SUFFIX                          (acme bank, jordan motors, lincoln university)

Each word is tagged O, or B-X (the first word of an entity of type X) or I-X (a later word).
Some words are deliberately several things: "jordan", "washington", "lincoln" and "georgia"
are people, places and the first word of organisations. Which one often depends on the word
*after* it ("jordan motors" is an organisation, "jordan said" a person), so a model that reads
only forwards cannot tag it when it reaches it; a bidirectional one can.

seq_len = T, the longest sentence in words. A template takes 4 to 10 words; neutral fillers
("today", "reportedly", "on monday" …) are added at the start or the end up to a length drawn
between that and T. Sentences are padded with "<pad>" (id 0, tag O, never scored) to T.

Worked example (T = 12), drawn by `sample(np.random.default_rng(0), 1, 12)`:

    words   = "washington welcomed john chen"      (4 words)
    x ids   = [17, 64, 4, 13, 0, 0, 0, 0, 0, 0, 0, 0]
    tags    =  B-LOC O B-PER I-PER                 (y = [3, 0, 1, 2, 0, …]: ids in CLASSES)
    lengths = [4]

Baseline: the most frequent tag of each word (`most_frequent_tags`, counted on a fixed sample),
the best a tagger without context can do; loss the conditional entropy of the tag given the word.
"""

from __future__ import annotations

import functools

import numpy as np

from explorer.tasks.base import Baseline, Batch, Task

PAD_WORD = "<pad>"
FIRST = ("anna", "maria", "john", "omar", "li", "sara", "david", "georgia", "victoria")
SURNAMES = ("smith", "garcia", "chen", "okafor", "jordan", "lincoln", "washington")
PLACES = ("london", "lagos", "lima", "oslo", "cairo", "jordan", "georgia", "washington", "lincoln",
          "victoria", "new york", "hong kong")
BASES = ("acme", "globex", "jordan", "washington", "lincoln", "lagos", "chen")
SUFFIXES = ("bank", "motors", "university", "times", "group")
TEMPLATES = (
    "PER visited LOC last week",
    "PER said ORG is hiring in LOC",
    "ORG opened an office in LOC",
    "yesterday PER met PER in LOC",
    "PER works for ORG",
    "PER flew from LOC to LOC",
    "the mayor of LOC thanked ORG",
    "ORG hired PER",
    "LOC welcomed PER",
    "PER met ORG staff",
)
FILLERS = ("today", "reportedly", "again", "on monday", "last year", "it seems")
ONE_WORD_FILLERS = tuple(f for f in FILLERS if " " not in f)
ENTITY_TYPES = ("PER", "LOC", "ORG")
CLASSES: tuple[str, ...] = ("O", *(f"{p}-{t}" for t in ENTITY_TYPES for p in "BI"))
TAG_TO_ID = {tag: i for i, tag in enumerate(CLASSES)}
MAX_TYPED = 40  # the longest sentence the app reads, in words


def _words(phrases) -> list[str]:
    return [w for phrase in phrases for w in phrase.split()]


VOCAB: tuple[str, ...] = tuple(dict.fromkeys(
    [PAD_WORD, "mr", *_words(FIRST + SURNAMES + PLACES + BASES + SUFFIXES + FILLERS),
     *(w for t in TEMPLATES for w in t.split() if w not in ENTITY_TYPES)]))
WORD_TO_ID = {w: i for i, w in enumerate(VOCAB)}
PAD = WORD_TO_ID[PAD_WORD]
# the longest template, each entity at its longest (2 words)
MIN_WORDS = max(len(t.split()) + sum(w in ENTITY_TYPES for w in t.split()) for t in TEMPLATES)


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[rng.integers(len(options))]


def _entity(rng: np.random.Generator, kind: str) -> list[str]:
    if kind == "PER":
        form = rng.integers(3)
        first = [_pick(rng, FIRST)] if form < 2 else ["mr"]
        return first + ([_pick(rng, SURNAMES)] if form > 0 else [])
    if kind == "LOC":
        return _pick(rng, PLACES).split()
    return [_pick(rng, BASES), _pick(rng, SUFFIXES)]


def sentence(rng: np.random.Generator, seq_len: int) -> tuple[list[str], list[str]]:
    """(words, tags) of one sentence of at most seq_len words."""
    words: list[str] = []
    tags: list[str] = []
    for token in _pick(rng, TEMPLATES).split():
        if token in ENTITY_TYPES:
            entity = _entity(rng, token)
            words += entity
            tags += [f"B-{token}"] + [f"I-{token}"] * (len(entity) - 1)
        else:
            words.append(token)
            tags.append("O")
    target = int(rng.integers(len(words), seq_len + 1))
    while len(words) < target:
        filler = _pick(rng, FILLERS if target - len(words) > 1 else ONE_WORD_FILLERS).split()
        filler = filler if len(words) + len(filler) <= target else [_pick(rng, ONE_WORD_FILLERS)]
        at_start = rng.random() < 0.5
        words = filler + words if at_start else words + filler
        tags = ["O"] * len(filler) + tags if at_start else tags + ["O"] * len(filler)
    return words, tags


def sample(rng: np.random.Generator, batch_size: int, seq_len: int) -> Batch:
    x = np.full((batch_size, seq_len), PAD, dtype=np.int64)
    y = np.zeros((batch_size, seq_len), dtype=np.int64)
    lengths = np.empty(batch_size, dtype=np.int64)
    for b in range(batch_size):
        words, tags = sentence(rng, seq_len)
        x[b, :len(words)] = [WORD_TO_ID[w] for w in words]
        y[b, :len(tags)] = [TAG_TO_ID[t] for t in tags]
        lengths[b] = len(words)
    return Batch(x=x, y=y, lengths=lengths)


def check(text: str, limit: int = MAX_TYPED) -> list[str]:
    """What is wrong with a typed sentence, in words; empty when it can be read (after lowercasing)."""
    words = text.lower().split()
    if not words:
        return ["Type a sentence: words separated by spaces."]
    if len(words) > limit:
        return [f"A sentence here has at most {limit} words (this one has {len(words)})."]
    unknown = list(dict.fromkeys(w for w in words if w not in WORD_TO_ID or w == PAD_WORD))
    if unknown:
        shown = ", ".join(repr(w) for w in unknown)
        return [f"The model knows {len(VOCAB) - 1} words (listed under the box), and not these: {shown}."]
    return []


def encode(text: str) -> np.ndarray:
    """A checked sentence -> int64 word ids (no padding)."""
    return np.array([WORD_TO_ID[w] for w in text.lower().split()], dtype=np.int64)


def entities(tags) -> set[tuple[int, int, str]]:
    """The entities in a row of tag ids, as (start, end exclusive, type): a B-X and the I-X that
    follow it; an I-X with no entity of type X open starts one (as conlleval reads it)."""
    found, start, kind = set(), 0, None
    for t, tag in enumerate([*(CLASSES[int(i)] for i in tags), "O"]):
        prefix, _, name = tag.partition("-")
        if kind is not None and (prefix != "I" or name != kind):
            found.add((start, t, kind))
            kind = None
        if prefix == "B" or (prefix == "I" and kind is None):
            start, kind = t, name
    return found


def entity_f1(predicted, gold, lengths) -> tuple[float, float, float]:
    """Precision, recall and F1 of whole entities (exact span and type) over a batch of (B, T) tag
    ids, each row read up to its length: F1 = 2PR / (P + R)."""
    hits = n_pred = n_gold = 0
    for p, g, n in zip(predicted, gold, lengths, strict=True):
        pred, true = entities(p[:n]), entities(g[:n])
        hits, n_pred, n_gold = hits + len(pred & true), n_pred + len(pred), n_gold + len(true)
    precision = hits / n_pred if n_pred else 0.0
    recall = hits / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@functools.lru_cache(maxsize=16)
def _counts(seq_len: int) -> np.ndarray:
    """(V, C) how often each word carries each tag in a fixed sample of 2,000 sentences."""
    batch = sample(np.random.default_rng(12345), 2000, seq_len)
    real = np.arange(seq_len)[None, :] < batch.lengths[:, None]
    counts = np.zeros((len(VOCAB), len(CLASSES)))
    np.add.at(counts, (batch.x[real], batch.y[real]), 1)
    return counts


def most_frequent_tags(seq_len: int) -> np.ndarray:
    """(V,) the tag each word carries most often: the baseline tagger, which reads no context."""
    return _counts(seq_len).argmax(axis=1)


def baseline(seq_len: int) -> Baseline:
    counts = _counts(seq_len)
    per_word = counts.sum(axis=1, keepdims=True)
    p = np.divide(counts, per_word, out=np.zeros_like(counts), where=per_word > 0)
    entropy = -float(np.sum(counts * np.log(np.where(p > 0, p, 1.0)))) / counts.sum()
    accuracy = float(counts.max(axis=1).sum() / counts.sum())
    return Baseline(loss=float(entropy), metric=accuracy, label=f"most frequent tag per word: {accuracy:.0%}")


TASK = Task(
    name="tagging",
    title="Entity tagging (BIO)",
    description=(
        "Generated sentences with people, places and organisations; the network tags every word "
        "O, B-X (an entity of type X starts) or I-X (it goes on). Example: `mr lincoln works for "
        "jordan motors` → `B-PER I-PER O O B-ORG I-ORG`. Words such as `jordan` are a person, a "
        "place or the start of an organisation, and often only the next word tells which: read "
        "both ways (bidirectional). Baseline: each word's most frequent tag, no context."
    ),
    input_kind="tokens",
    input_size=len(VOCAB),
    output="many_to_many",
    target_kind="class",
    output_size=len(CLASSES),
    metric_name="accuracy",
    sample=sample,
    baseline=baseline,
    default_seq_len=12,
    min_seq_len=MIN_WORDS,
    max_seq_len=MAX_TYPED,
    vocab=VOCAB,
    classes=CLASSES,
)
