"""Headless runs: ``python -m explorer train --cell lstm --task adding --seq-len 50 --steps 2000``.

Prints the final loss and metric (on a held-out batch) next to the task's
baseline; ``--json`` prints them as JSON; ``--out DIR`` saves ``metrics.csv``
(one row per step) and ``trace.npz`` (the last probe recording).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path

from tqdm import tqdm

from explorer.config import RunConfig
from explorer.history import History
from explorer.train import ConfigError, Trainer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m explorer", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train one run headless")
    for f in fields(RunConfig):
        flag = "--" + f.name.replace("_", "-")
        if f.type in ("bool", bool):
            train.add_argument(flag, action=argparse.BooleanOptionalAction, default=f.default)
        elif f.name == "forget_bias":
            train.add_argument(flag, type=float, default=None)
        else:
            train.add_argument(flag, type=type(f.default), default=f.default)
    train.add_argument("--json", action="store_true", help="print the results as JSON")
    train.add_argument("--out", type=Path, help="save metrics.csv and trace.npz here")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def train(args: argparse.Namespace) -> int:
    config = RunConfig(**{f.name: getattr(args, f.name) for f in fields(RunConfig)})
    try:
        trainer = Trainer(config)
    except ConfigError as exc:
        print("Invalid settings:\n  " + "\n  ".join(exc.problems), file=sys.stderr)
        return 2
    history, trace = History(), None
    bar = tqdm(total=config.steps, disable=args.quiet or args.json, unit="step", file=sys.stderr)
    for progress in trainer.fit():
        history.append(progress)
        trace = progress.trace or trace
        bar.update(1)
        if progress.step % 10 == 0:
            bar.set_postfix(loss=f"{progress.loss:.4g}")
    bar.close()
    baseline = trainer.task.baseline(config.seq_len)
    result = {
        "status": trainer.status,
        "steps": trainer.step_count,
        "seconds": round(trainer.elapsed, 3),
        "metric_name": trainer.task.metric_name,
        "baseline_loss": baseline.loss,
        "baseline_metric": baseline.metric,
        "config": config.to_query(),
    }
    if trainer.divergence is not None:
        result["divergence"] = trainer.divergence.explain()
    else:
        result["loss"], result["metric"] = trainer.evaluate()
        forecast = trainer.forecast_mse()
        if forecast is not None:
            result["forecast_mse"] = forecast
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "metrics.csv").write_text(history.to_csv())
        if trace is not None:
            trace.save(args.out / "trace.npz")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_summary(result)
    return 1 if trainer.status == "diverged" else 0


def _print_summary(result: dict) -> None:
    print(f"status   {result['status']} after {result['steps']} steps ({result['seconds']:.1f} s)")
    if "divergence" in result:
        print(result["divergence"])
        return
    name = result["metric_name"]
    print(f"loss     {result['loss']:.4g}   (baseline {result['baseline_loss']:.4g})")
    print(f"{name:<8} {result['metric']:.4g}   (baseline {result['baseline_metric']:.4g})")
    if "forecast_mse" in result:
        print(f"free-running forecast over the second half: MSE {result['forecast_mse']:.4g}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return {"train": train}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
