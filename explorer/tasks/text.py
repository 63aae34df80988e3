"""Character-level language modelling: predict each next character of a text (many-to-many).

The text is a corpus (`explorer/text`): a generated one — small-grammar English (the default),
brackets, code-like — or a person's own, named in `RunConfig.corpus`. Token ids are positions
in the corpus's alphabet (its distinct characters, sorted); a batch is B windows of T
characters at random places, each target the window moved on by one. The last tenth of the text
(when it holds at least 200 characters) is never trained on: the held-out loss reads it.

Worked example (grammar corpus, alphabet "\\n .AEMTabcdefghiklmnopqrstuvwxy"; T = 6):

    text = "Every happy fox"
    x    = "Every "  -> ids [4, 27, 11, 23, 30, 1]
    y    = "very h"  -> ids [27, 11, 23, 30, 1, 14]

Loss: cross-entropy in nats per character (÷ ln 2 for bits; e^loss is the perplexity).
Baseline: the corpus's unigram entropy, what knowing only how often each character comes
scores; the text page draws the bigram entropy (character pairs) too.
"""

from __future__ import annotations

from explorer.tasks.base import Baseline, Task
from explorer.text.corpus import CharCorpus, load_corpus

DEFAULT_CORPUS = "grammar"


def baseline_of(corpus: CharCorpus) -> Baseline:
    h = corpus.unigram_entropy
    return Baseline(loss=h, metric=corpus.top_share, label=f"unigram: {h:.2f} nats/char")


def lm_task(alphabet: str, corpus: CharCorpus | None = None) -> Task:
    """The task over `alphabet`; with `corpus` it samples and scores, without it only shapes a
    model (loading saved weights)."""

    def sample(rng, batch_size, seq_len):
        if corpus is None:
            raise ValueError("this text task has an alphabet but no corpus to sample")
        return corpus.sample(rng, batch_size, seq_len)

    def baseline(seq_len):
        return baseline_of(corpus) if corpus is not None else Baseline(0.0, 0.0, "")

    return Task(
        name="text",
        title="Text: next character",
        description=(
            "Read a text one character at a time and predict the next: a character-level "
            "language model. Example on the grammar corpus: `Every ` → `very h`. The corpus is "
            "generated English, brackets or code, or your own text (the Text page). Loss in "
            "nats per character; baseline: the unigram entropy, what knowing only each "
            "character's frequency scores."
        ),
        input_kind="tokens",
        input_size=len(alphabet),
        output="many_to_many",
        target_kind="class",
        output_size=len(alphabet),
        metric_name="accuracy",
        sample=sample,
        baseline=baseline,
        default_seq_len=32,
        min_seq_len=2,
        max_seq_len=min(500, corpus.longest_window) if corpus is not None else 500,
        vocab=tuple(alphabet),
        classes=tuple(alphabet),
        on_corpus=for_corpus,
        held_out=corpus.held_out if corpus is not None else None,
    )


def for_corpus(name: str) -> Task:
    """The text task on corpus `name` (LookupError when a user text is not here)."""
    corpus = load_corpus(name)
    return lm_task(corpus.alphabet, corpus)


TASK = for_corpus(DEFAULT_CORPUS)
