"""Names → language: which invented language does this name come from? (many-to-one on characters).

Five languages, each with its own syllable rules (`LANGUAGES`): a name is 1–3 syllables,
each syllable an onset, a vowel and (sometimes) a coda from the language's own inventory,
then (sometimes) one of its endings. Korvat names sound like `vokurdrat`, Shimeo names like
`kushaya`: letters overlap between languages, so no single character gives the answer, but
the combinations do. Languages are drawn with unequal weights (30%, 25%, 20%, 15%, 10%), so
the memoryless baseline is the majority class, as with real name lists.

seq_len = T, the longest name in characters. A name longer than T is drawn again; names are
padded after their real length with "<pad>" (id 0) to T, and ``lengths`` holds the real lengths.

Worked example (T = 10), drawn by `sample(np.random.default_rng(0), 1, 10)`:

    name    = "nisha"    (5 characters: syllables "ni" "sha")
    x ids   = [14, 9, 19, 8, 1, 0, 0, 0, 0, 0]    (a=1 … z=26, <pad>=0)
    lengths = [5]
    y       = 2 ("Shimeo")

Baseline: always answer the most common language (Aleri): accuracy 30%, cross-entropy the
entropy of the language weights, 1.54 nats.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

from explorer.tasks.base import Baseline, Batch, Task

PAD_CHAR = "<pad>"
VOCAB: tuple[str, ...] = (PAD_CHAR, *string.ascii_lowercase)
CHAR_TO_ID = {c: i for i, c in enumerate(VOCAB)}
MAX_TYPED = 24  # the longest name the app reads


@dataclass(frozen=True)
class Language:
    """Syllable = onset + vowel + (coda, with probability `coda_rate`); name = 1–3 syllables
    + (an ending, with probability `ending_rate`)."""

    name: str
    weight: float  # share of names
    onsets: tuple[str, ...]
    vowels: tuple[str, ...]
    codas: tuple[str, ...]
    coda_rate: float
    endings: tuple[str, ...]
    ending_rate: float


LANGUAGES: tuple[Language, ...] = (
    Language("Aleri", 0.30, ("l", "r", "v", "n", "m", "s", "th", ""), ("a", "e", "i", "ia", "ae"),
             ("n", "l"), 0.3, ("iel", "wen", "a"), 0.5),
    Language("Korvat", 0.25, ("k", "g", "d", "t", "kr", "dr", "gr", "v"), ("o", "u", "a"),
             ("k", "g", "r", "rn", "t"), 0.6, ("ak", "ov", "uk"), 0.4),
    Language("Shimeo", 0.20, ("sh", "m", "n", "h", "t", "ch", "y", "k"), ("a", "i", "o", "e", "u"),
             (), 0.0, ("ko", "mi", "ro"), 0.5),
    Language("Zathyx", 0.15, ("z", "x", "q", "th", "j", "zh"), ("a", "y", "e"),
             ("th", "x", "z", "q"), 0.5, ("yx", "eth", "az"), 0.4),
    Language("Pelua", 0.10, ("p", "b", "w", "f", "pl", "bl"), ("ou", "ua", "e", "o"),
             ("s", "w"), 0.3, ("ous", "wa", "pe"), 0.5),
)
CLASSES = tuple(language.name for language in LANGUAGES)
WEIGHTS = np.array([language.weight for language in LANGUAGES])


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[rng.integers(len(options))]


def name_of(rng: np.random.Generator, language: Language) -> str:
    """One name by the language's rules, of any length."""
    parts = []
    for _ in range(int(rng.integers(1, 4))):
        parts += [_pick(rng, language.onsets), _pick(rng, language.vowels)]
        if language.codas and rng.random() < language.coda_rate:
            parts.append(_pick(rng, language.codas))
    if rng.random() < language.ending_rate:
        parts.append(_pick(rng, language.endings))
    return "".join(parts)


def sample(rng: np.random.Generator, batch_size: int, seq_len: int) -> Batch:
    x = np.zeros((batch_size, seq_len), dtype=np.int64)
    y = rng.choice(len(LANGUAGES), size=batch_size, p=WEIGHTS)
    lengths = np.empty(batch_size, dtype=np.int64)
    for b in range(batch_size):
        name = name_of(rng, LANGUAGES[y[b]])
        while len(name) > seq_len:  # the shortest names (one syllable) always fit: min_seq_len
            name = name_of(rng, LANGUAGES[y[b]])
        x[b, :len(name)] = encode(name)
        lengths[b] = len(name)
    return Batch(x=x, y=y.astype(np.int64), lengths=lengths)


def encode(name: str) -> np.ndarray:
    """Lowercase letters -> int64 ids (no padding); see `check` for typed text."""
    return np.array([CHAR_TO_ID[c] for c in name], dtype=np.int64)


def check(text: str, limit: int = MAX_TYPED) -> list[str]:
    """What is wrong with a typed name, in words; empty when it can be read (after lowercasing)."""
    name = text.strip().lower()
    if not name:
        return ["Type a name: one or more letters a–z."]
    if len(name) > limit:
        return [f"A name here has at most {limit} letters (this one has {len(name)})."]
    unknown = sorted({c for c in name if c not in CHAR_TO_ID or c == PAD_CHAR})
    if unknown:
        shown = ", ".join(repr(c) for c in unknown)
        return [f"The model reads only the letters a–z; it never saw {shown}."]
    return []


def baseline(seq_len: int) -> Baseline:
    entropy = -float(np.sum(WEIGHTS * np.log(WEIGHTS)))
    return Baseline(loss=entropy, metric=float(WEIGHTS.max()),
                    label=f"majority ({CLASSES[int(WEIGHTS.argmax())]}): {WEIGHTS.max():.0%}")


TASK = Task(
    name="names",
    title="Names → language",
    description=(
        "Names from five invented languages, each made by its own syllable rules; the network reads "
        "a name letter by letter and says which language it comes from. Example: `nisha` → Shimeo, "
        "`grurngrarnov` → Korvat. Letters overlap between languages, so the answer lies in how they "
        "combine. Names are 1–3 syllables (and sometimes an ending), padded to seq_len letters. "
        f"Baseline: always the most common language, {WEIGHTS.max():.0%}."
    ),
    input_kind="tokens",
    input_size=len(VOCAB),
    output="many_to_one",
    target_kind="class",
    output_size=len(CLASSES),
    metric_name="accuracy",
    sample=sample,
    baseline=baseline,
    default_seq_len=12,
    min_seq_len=8,
    max_seq_len=MAX_TYPED,
    vocab=VOCAB,
    classes=CLASSES,
)
