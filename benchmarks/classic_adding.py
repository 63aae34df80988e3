"""The classic result, headless: on the adding problem at T=100, LSTM and GRU learn, a tanh RNN does not.

Settings: the `classic-adding` preset (`explorer/presets.py`), the same for every cell and
seed; recording is switched off (probe_every=10000) so only training is timed — the probe
never changes the run, it only reads the weights. Every EVAL_EVERY steps the model is
scored on a held-out batch of 256 sequences (`Trainer.evaluate`). A gated cell stops at
its first held-out MSE below TARGET; the tanh RNN trains the whole step budget, and its
lowest held-out MSE must stay above CEILING. Baseline: predicting 1 scores MSE 1/6.
"""

from __future__ import annotations

import time
from dataclasses import replace

import torch

from explorer import CELLS, RunConfig, Trainer
from explorer.presets import PRESETS

PRESET = "classic-adding"
CELL_NAMES = ("lstm", "gru", "rnn_tanh")
SEEDS = (0, 1, 2)
EVAL_EVERY = 100
TARGET, CEILING = 0.05, 0.1  # gated cells must get below TARGET, the tanh RNN stay above CEILING
LEARNERS = ("lstm", "gru")


def run(cfg: RunConfig) -> dict:
    """Train one cell and seed, scoring held out every EVAL_EVERY steps."""
    trainer = Trainer(cfg)
    start, hit, losses = time.perf_counter(), None, []
    for progress in trainer.fit():
        if progress.status == "diverged":
            break
        if progress.step % EVAL_EVERY == 0:
            losses.append(trainer.evaluate()[0])
            if losses[-1] < TARGET and hit is None:
                hit = progress.step
                if cfg.cell in LEARNERS:
                    break
    return {"cell": cfg.cell, "seed": cfg.seed, "status": trainer.status, "steps": trainer.step_count,
            "hit": hit, "final": losses[-1] if losses else float("nan"),
            "lowest": min(losses, default=float("nan")), "train_s": trainer.elapsed,
            "wall_s": time.perf_counter() - start}


def passed(row: dict) -> bool:
    if row["cell"] in LEARNERS:
        return row["hit"] is not None
    return row["status"] != "diverged" and row["lowest"] > CEILING


def markdown(cfg: RunConfig, rows: list[dict]) -> str:
    overrides = ", ".join(f"{k}={v!r}" for k, v in PRESETS[PRESET].overrides)
    lines = [
        "## The classic result: adding problem at T=100 (`benchmarks/classic_adding.py`)",
        "",
        __doc__.split("\n", 1)[1].strip(),
        "",
        f"Preset `{PRESET}`: {overrides}; optimizer {cfg.optimizer}, budget {cfg.steps} steps. "
        "CPU, one thread.",
        "",
        "| cell | seed | steps to held-out MSE < 0.05 | lowest held-out MSE | last held-out MSE "
        "| training s | wall s (with scoring) | as expected |",
        "|---|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in rows:
        hit = "—" if r["hit"] is None else str(r["hit"])
        lines.append(f"| {CELLS[r['cell']].title} | {r['seed']} | {hit} | {r['lowest']:.4f} "
                     f"| {r['final']:.4f} | {r['train_s']:.1f} | {r['wall_s']:.1f} "
                     f"| {'yes' if passed(r) else '**no**'} |")
    ok = all(passed(r) for r in rows)
    lines += ["", f"{'Reproduced' if ok else 'NOT reproduced'}: LSTM and GRU below {TARGET} within "
              f"{cfg.steps} steps and the tanh RNN above {CEILING} throughout, for seeds "
              f"{', '.join(str(s) for s in sorted({r['seed'] for r in rows}))}."
              " Steps are the portable figure; wall times depend on the machine and its load.", ""]
    return "\n".join(lines)


def main(cells=CELL_NAMES, seeds=SEEDS) -> tuple[list[dict], str]:
    torch.set_num_threads(1)
    cfg = replace(PRESETS[PRESET].config(), probe_every=10_000, device="cpu")
    rows = [run(replace(cfg, cell=cell, seed=seed)) for cell in cells for seed in seeds]
    return rows, markdown(cfg, rows)


if __name__ == "__main__":
    print(main()[1])
