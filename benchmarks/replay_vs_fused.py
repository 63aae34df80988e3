"""What recording costs: a fused training step vs. the step-by-step replay of `trace_rnn`.

Per cell and sequence length T, on one adding-problem batch (B=64, 2 features, hidden 64, 1 layer):

- fused: the torch.nn module's forward + a linear head on the last step + MSE + backward + zero_grad;
- replay64: `trace_rnn(module, x, loss_fn)` with the same head and loss (float64, the default);
- replay32: the same replay with `dtype=torch.float32`.

The three are timed in turn (fused, replay64, replay32, fused, ...) so noise hits them alike;
ratios are medians of the per-round ratios. Then whole `Trainer` runs at T=100, probing every
5 steps vs. never, interleaved step by step. CPU, one thread (`torch.set_num_threads(1)`),
as the app's training workers run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from explorer import CELLS, TASKS, RunConfig, Trainer, trace_rnn

CELL_NAMES = ("rnn_tanh", "lstm", "gru")
SEQ_LENS = (50, 100, 200)
BATCH, HIDDEN = 64, 64
WARMUP, REPEATS = 2, 20

TRAIN_SEQ_LEN, TRAIN_WARMUP, TRAIN_STEPS = 100, 10, 150
PROBE_EVERY, NEVER, PROBE_SIZE = 5, 10_000, 8


def _variants(cell: str, seq_len: int) -> dict[str, Callable[[], object]]:
    """The three timed calls for one case, on one fixed batch."""
    spec = CELLS[cell]
    torch.manual_seed(0)
    rnn = spec.module(2, HIDDEN, batch_first=True, **spec.module_kwargs)
    head = nn.Linear(HIDDEN, 1)
    batch = TASKS["adding"].sample(np.random.default_rng(0), BATCH, seq_len)
    x, y = torch.as_tensor(batch.x), torch.as_tensor(batch.y)

    def loss_fn(output: torch.Tensor) -> torch.Tensor:
        return nn.functional.mse_loss(head(output[:, -1]), y)

    def fused() -> None:
        output, _ = rnn(x)
        loss_fn(output).backward()
        rnn.zero_grad()
        head.zero_grad()

    return {
        "fused": fused,
        "replay64": lambda: trace_rnn(rnn, x, loss_fn),
        "replay32": lambda: trace_rnn(rnn, x, loss_fn, dtype=torch.float32),
    }


def _seconds(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def step_rows() -> list[dict]:
    cases = {(cell, t): _variants(cell, t) for cell in CELL_NAMES for t in SEQ_LENS}
    times = {key: {name: [] for name in variants} for key, variants in cases.items()}
    for round_ in range(WARMUP + REPEATS):
        for key, variants in cases.items():
            for name, call in variants.items():
                elapsed = _seconds(call)
                if round_ >= WARMUP:
                    times[key][name].append(elapsed)
    rows = []
    for (cell, seq_len), t in times.items():
        row = {"cell": cell, "T": seq_len}
        row |= {f"{name}_ms": 1e3 * statistics.median(t[name]) for name in t}
        for name in ("replay64", "replay32"):
            row[f"{name}/fused"] = statistics.median(r / f for r, f in zip(t[name], t["fused"], strict=True))
        rows.append(row)
    return rows


def training_row(cell: str) -> dict:
    """Steps/s of two identical runs, one probing every PROBE_EVERY steps, one never."""
    trainers = {
        every: Trainer(RunConfig(
            cell=cell, task="adding", seq_len=TRAIN_SEQ_LEN, hidden_size=HIDDEN, batch_size=BATCH,
            probe_every=every, probe_size=PROBE_SIZE, device="cpu",
            steps=TRAIN_WARMUP + TRAIN_STEPS + 1,  # +1: the probe on the final step never runs
        ))
        for every in (PROBE_EVERY, NEVER)
    }
    for trainer in trainers.values():
        for _ in trainer.fit(TRAIN_WARMUP):
            pass
    runs = {every: trainer.fit(TRAIN_STEPS) for every, trainer in trainers.items()}
    seconds = dict.fromkeys(runs, 0.0)
    for _ in range(TRAIN_STEPS):
        for every, run in runs.items():
            seconds[every] += _seconds(run.__next__)
    probes = TRAIN_STEPS // PROBE_EVERY
    return {
        "cell": cell, "T": TRAIN_SEQ_LEN,
        "steps/s_never": TRAIN_STEPS / seconds[NEVER],
        "steps/s_probing": TRAIN_STEPS / seconds[PROBE_EVERY],
        "slowdown": seconds[PROBE_EVERY] / seconds[NEVER],
        "ms_per_probe": 1e3 * (seconds[PROBE_EVERY] - seconds[NEVER]) / probes,
    }


def markdown(steps: list[dict], training: list[dict]) -> str:
    title = {name: CELLS[name].title for name in CELL_NAMES}
    lines = [
        "## Fused training step vs. recorded replay (`benchmarks/replay_vs_fused.py`)",
        "",
        __doc__.split("\n", 1)[1].strip(),
        "",
        "Ratios: time / time of the fused step, lower is better. Absolute times are medians and depend "
        "on the machine; the ratios travel better.",
        "",
        "| cell | T | replay64 / fused | replay32 / fused | fused ms | replay64 ms | replay32 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {title[r['cell']]} | {r['T']} | {r['replay64/fused']:.2f} | {r['replay32/fused']:.2f} "
        f"| {r['fused_ms']:.1f} | {r['replay64_ms']:.1f} | {r['replay32_ms']:.1f} |"
        for r in steps
    ]
    lines += [
        "",
        f"Training (`Trainer.fit`, adding problem, T={TRAIN_SEQ_LEN}, B={BATCH}, hidden {HIDDEN}, Adam, "
        f"{TRAIN_STEPS} steps after {TRAIN_WARMUP} warm-up): probing {PROBE_SIZE} sequences every "
        f"{PROBE_EVERY} steps vs. never (probe_every={NEVER}).",
        "",
        "| cell | slowdown | steps/s, never | steps/s, probing | ms per probe |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {title[r['cell']]} | {r['slowdown']:.2f} | {r['steps/s_never']:.1f} "
        f"| {r['steps/s_probing']:.1f} | {r['ms_per_probe']:.1f} |"
        for r in training
    ]
    return "\n".join(lines + ["", interpretation(steps, training), ""])


def interpretation(steps: list[dict], training: list[dict]) -> str:
    r64 = [r["replay64/fused"] for r in steps]
    r32 = [r["replay32/fused"] for r in steps]
    f64_cost = statistics.median(r["replay64_ms"] / r["replay32_ms"] for r in steps)
    worst = max(steps, key=lambda r: r["replay64/fused"])
    slow = [r["slowdown"] for r in training]
    full = {r["cell"]: r["replay64_ms"] for r in steps if r["T"] == TRAIN_SEQ_LEN}
    probe_share = [r["ms_per_probe"] / full[r["cell"]] for r in training]
    return (
        f"The float64 replay costs {min(r64):.1f}–{max(r64):.1f}× a fused step "
        f"(worst: {CELLS[worst['cell']].title} at T={worst['T']}); in float32 it costs "
        f"{min(r32):.1f}–{max(r32):.1f}×, so float64 itself accounts for a factor of about {f64_cost:.1f} "
        f"(median). In training, probing {PROBE_SIZE} sequences every {PROBE_EVERY} steps slows training "
        f"by {min(slow):.2f}–{max(slow):.2f}× at T={TRAIN_SEQ_LEN}. One such probe costs "
        f"{min(probe_share):.0%}–{max(probe_share):.0%} of the {BATCH}-sequence replay above although it "
        f"has 1/{BATCH // PROBE_SIZE} of the sequences, so most of the replay's cost is per time step."
    )


def main() -> tuple[list[dict], str]:
    torch.set_num_threads(1)
    steps = step_rows()
    training = [training_row(cell) for cell in CELL_NAMES]
    return steps + training, markdown(steps, training)


if __name__ == "__main__":
    print(main()[1])
