"""Toy sentiment: is this made-up movie review positive? (many-to-one, variable length).

Sentences come from a small grammar of word tokens:

    clause   = SUBJECT VERB ["not"] [INTENSIFIER] ADJECTIVE
    SUBJECT  = "the movie" | "this film" | "the plot" | "the acting"
    VERB     = "was" | "is" | "felt"
    INTENSIFIER = "very" | "really"
    ADJECTIVE   = good | great | fun | brilliant        (positive)
                | bad | boring | awful | dull            (negative)
    sentence = clause | clause "but" clause, with neutral FILLER phrases inserted anywhere
               between them ("honestly", "i think", "with my friends",
               "i watched it on sunday", ...)

The label is the rule in `label_of`: take the last clause (the words after the last "but"),
read the polarity of its adjective and flip it if that clause contains "not". So in
"good but bad" the second clause decides; the first clause is drawn independently and is
pure distraction, which is what makes order matter. Fillers never carry polarity, "not" or
"but". Adjective polarity is a fair coin, so labels are balanced in expectation.

seq_len = T, the maximum sentence length in tokens. Each sentence first gets its clauses
(4 to 13 tokens; two clauses only when T >= 9), then a total length drawn uniformly from
its clause length up to T, and fillers pad it out to that length. A larger T therefore puts
more filler between the deciding adjective and the end of the sentence, where the answer is
read. Sentences are padded after their real length with "<pad>" (id 0) to T tokens, and
``lengths`` holds the real lengths. The smallest T is 6, enough for one full clause such as
"the movie was not very good".

Worked example (T = 14):

    sentence = "the movie was not very good but the acting was great honestly"   (12 words)
    x ids    = [1, 2, 7, 10, 11, 13, 21, 1, 6, 7, 14, 22, 0, 0]
    lengths  = [12]
    y        = 1 ("positive": the last clause "the acting was great" has no "not")

Baseline: chance, loss ln 2 ≈ 0.693, accuracy 0.5.
"""

from __future__ import annotations

import math

import numpy as np

from explorer.tasks.base import Baseline, Batch, Task

PAD_WORD = "<pad>"
SUBJECTS = ("the movie", "this film", "the plot", "the acting")
VERBS = ("was", "is", "felt")
NEGATION = "not"
INTENSIFIERS = ("very", "really")
POSITIVE = ("good", "great", "fun", "brilliant")
NEGATIVE = ("bad", "boring", "awful", "dull")
CONJUNCTION = "but"
FILLERS = (
    "honestly",
    "overall",
    "anyway",
    "well",
    "i think",
    "to me",
    "with my friends",
    "at the cinema",
    "in the evening",
    "to be fair",
    "it lasted two hours",
    "we saw it twice",
    "i watched it on sunday",
)

VOCAB: tuple[str, ...] = tuple(
    dict.fromkeys(
        word
        for phrase in (
            PAD_WORD,
            *SUBJECTS,
            *VERBS,
            NEGATION,
            *INTENSIFIERS,
            *POSITIVE,
            *NEGATIVE,
            CONJUNCTION,
            *FILLERS,
        )
        for word in phrase.split()
    )
)
WORD_TO_ID = {word: i for i, word in enumerate(VOCAB)}
PAD = WORD_TO_ID[PAD_WORD]
CLASSES = ("negative", "positive")

MIN_CLAUSE_LEN = 4  # SUBJECT (2 words) VERB ADJECTIVE
TWO_CLAUSE_MIN_LEN = 2 * MIN_CLAUSE_LEN + 1

_POLARITY = {**{w: 1 for w in POSITIVE}, **{w: 0 for w in NEGATIVE}}
_FILLER_WORDS = tuple(tuple(f.split()) for f in FILLERS)
_ONE_WORD_FILLERS = tuple(f for f in _FILLER_WORDS if len(f) == 1)


def label_of(words: list[str]) -> int:
    """The labelling rule: polarity of the last clause's adjective, flipped by its "not".

    The last clause is everything after the last "but" (or the whole sentence). Returns
    1 for positive, 0 for negative.
    """
    words = [w for w in words if w != PAD_WORD]
    start = len(words) - words[::-1].index(CONJUNCTION) if CONJUNCTION in words else 0
    last_clause = words[start:]
    adjectives = [w for w in last_clause if w in _POLARITY]
    if not adjectives:
        raise ValueError(f"no polar adjective in the last clause: {' '.join(last_clause)!r}")
    positive = _POLARITY[adjectives[-1]]
    negated = NEGATION in last_clause
    return int(positive != negated)


def encode(sentence: str) -> np.ndarray:
    """Words -> int64 token ids (no padding added)."""
    try:
        return np.array([WORD_TO_ID[w] for w in sentence.split()], dtype=np.int64)
    except KeyError as err:
        raise KeyError(f"unknown word {err.args[0]!r}; the vocabulary is {VOCAB}") from None


def decode(ids) -> str:
    """Token ids -> sentence, dropping padding."""
    return " ".join(VOCAB[int(i)] for i in ids if int(i) != PAD)


def _clause(rng: np.random.Generator) -> list[str]:
    subject = SUBJECTS[rng.integers(len(SUBJECTS))]
    verb = VERBS[rng.integers(len(VERBS))]
    negate, intensify, positive = rng.random(3) < (0.5, 0.3, 0.5)
    adjectives = POSITIVE if positive else NEGATIVE
    words = [*subject.split(), verb]
    if negate:
        words.append(NEGATION)
    if intensify:
        words.append(INTENSIFIERS[rng.integers(len(INTENSIFIERS))])
    words.append(adjectives[rng.integers(len(adjectives))])
    return words


def _sentence(rng: np.random.Generator, seq_len: int) -> list[str]:
    n_clauses = 2 if seq_len >= TWO_CLAUSE_MIN_LEN and rng.random() < 0.5 else 1
    while True:  # redraw until the clauses fit; the smallest always does
        clauses = [_clause(rng) for _ in range(n_clauses)]
        core_len = sum(len(c) for c in clauses) + n_clauses - 1
        if core_len <= seq_len:
            break

    # Slots for fillers: before and after each clause ("but" sits between clauses).
    slots: list[list[str]] = [[] for _ in range(2 * n_clauses)]
    remaining = int(rng.integers(core_len, seq_len + 1)) - core_len
    if remaining > 0:
        picks = rng.integers(len(_FILLER_WORDS), size=remaining)
        where = rng.integers(len(slots), size=remaining)
        for pick, slot in zip(picks, where, strict=True):
            filler = _FILLER_WORDS[pick]
            if len(filler) <= remaining:
                slots[slot].extend(filler)
                remaining -= len(filler)
                if remaining == 0:
                    break
    if remaining > 0:
        picks = rng.integers(len(_ONE_WORD_FILLERS), size=remaining)
        where = rng.integers(len(slots), size=remaining)
        for pick, slot in zip(picks, where, strict=True):
            slots[slot].extend(_ONE_WORD_FILLERS[pick])

    words: list[str] = []
    for i, clause in enumerate(clauses):
        if i > 0:
            words.append(CONJUNCTION)
        words += slots[2 * i] + clause + slots[2 * i + 1]
    return words


def sample(rng: np.random.Generator, batch_size: int, seq_len: int) -> Batch:
    x = np.full((batch_size, seq_len), PAD, dtype=np.int64)
    y = np.empty(batch_size, dtype=np.int64)
    lengths = np.empty(batch_size, dtype=np.int64)
    for b in range(batch_size):
        words = _sentence(rng, seq_len)
        x[b, : len(words)] = [WORD_TO_ID[w] for w in words]
        y[b] = label_of(words)
        lengths[b] = len(words)
    return Batch(x=x, y=y, lengths=lengths)


def baseline(seq_len: int) -> Baseline:
    return Baseline(loss=math.log(2), metric=0.5, label="chance: 1/2")


TASK = Task(
    name="sentiment",
    title="Toy sentiment",
    description=(
        "Made-up movie reviews from a tiny grammar; the network reads the words and says "
        "positive or negative. The last clause decides, and `not` flips it. Example: "
        "`the movie was not very good but the acting was great honestly` → positive. "
        "The clause before `but` is a distraction, and neutral filler phrases "
        "(`i think`, `with my friends`, ...) pad sentences out towards seq_len, so a longer "
        "seq_len puts more words between the deciding adjective and the end. "
        "Baseline: chance, 50%."
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
    min_seq_len=6,
    max_seq_len=200,
    vocab=VOCAB,
    classes=CLASSES,
)
