"""Character-level language models on the generated corpora, beside their baselines.

nats/char after a fixed number of steps for a tanh RNN, an LSTM and a GRU, beside each corpus's
unigram and bigram entropies. Each run: `RunConfig(task="text", corpus=…)` with the settings
below, seed 0, recording off (probe_every=10000; the last probe still draws connectivity, outside
the timed steps). The loss is `Trainer.evaluate`: 256 windows of the corpus's last tenth, which
training never reads, at their own seed; cross-entropy in nats/char.
Below the bigram line a model uses more than the last character; on brackets that takes
remembering which brackets are still open.
"""

from __future__ import annotations

import math
import time

import torch

from explorer import CELLS, RunConfig, Trainer
from explorer.text.corpora import CORPORA
from explorer.text.corpus import load_corpus

CELL_NAMES = ("rnn_tanh", "lstm", "gru")
SETTINGS = dict(task="text", hidden_size=64, embedding_size=16, seq_len=64, batch_size=32, lr=3e-3,
                steps=400, probe_every=10_000, device="cpu", seed=0)


def run(corpus: str, cell: str) -> dict:
    trainer = Trainer(RunConfig(**SETTINGS | {"corpus": corpus, "cell": cell}))
    start = time.perf_counter()
    for _ in trainer.fit():
        pass
    loss, accuracy = trainer.evaluate()
    return {"corpus": corpus, "cell": cell, "loss": loss, "accuracy": accuracy, "train_s": trainer.elapsed,
            "wall_s": time.perf_counter() - start}


def markdown(rows: list[dict]) -> str:
    settings = ", ".join(f"{k}={v!r}" for k, v in SETTINGS.items() if k not in ("task", "device"))
    lines = ["## Character-level language models on the generated corpora (`benchmarks/text_lm.py`)", "",
             __doc__.split("\n", 1)[1].strip(), "", f"Settings: {settings}. CPU, one thread.", "",
             "| corpus | unigram | bigram | " + " | ".join(CELLS[c].title for c in CELL_NAMES)
             + " | best, bits/char |",
             "|---|---:|---:|" + "---:|" * len(CELL_NAMES) + "---:|"]
    for name in CORPORA:
        corpus = load_corpus(name)
        found = {r["cell"]: r for r in rows if r["corpus"] == name}
        best = min(r["loss"] for r in found.values())
        cells = " | ".join(f"{found[c]['loss']:.3f} ({found[c]['train_s']:.0f} s)" for c in CELL_NAMES)
        lines.append(f"| {CORPORA[name].title} | {corpus.unigram_entropy:.3f} | {corpus.bigram_entropy:.3f} "
                     f"| {cells} | {best / math.log(2):.3f} |")
    lines += ["", "nats/char on held-out windows (training seconds in brackets); unigram and bigram: the "
              "corpus's own character and character-pair entropies. Wall times depend on the machine "
              "and its load.", ""]
    return "\n".join(lines)


def main() -> tuple[list[dict], str]:
    torch.set_num_threads(1)
    rows = [run(corpus, cell) for corpus in CORPORA for cell in CELL_NAMES]
    return rows, markdown(rows)


if __name__ == "__main__":
    print(main()[1])
