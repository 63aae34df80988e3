"""Headless runs: ``python -m explorer train --cell lstm --task adding --seq-len 50 --steps 2000``.

Prints the final loss and metric (on a held-out batch) next to the task's
baseline; ``--json`` prints them as JSON; ``--out DIR`` saves ``metrics.csv``
(one row per step) and ``trace.npz`` (the last probe recording). The settings, the
``EXPLORER_*`` limits and the ``--out`` folder are all checked before training starts.
``python -m explorer limits`` checks the limits alone and prints them (``make run`` does,
so a server with an invalid limit does not start).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from explorer import schema
from explorer.config import RunConfig
from explorer.history import History
from explorer.limits import Limits, LimitsError, env_variable
from explorer.train import ConfigError, Trainer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m explorer", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train one run headless",
                                description="Train one run headless. Each setting's flag, help, choices "
                                            "and default come from RunConfig's schema.")
    schema.add_arguments(train, RunConfig)
    train.add_argument("--json", action="store_true", help="print the results as JSON")
    train.add_argument("--out", help="save metrics.csv and trace.npz in this folder (made if missing)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    commands.add_parser("limits", help="check the EXPLORER_* limits of this environment and print them")
    return parser


def _refuse(title: str, problems: list[str]) -> int:
    print(f"{title}:\n  " + "\n  ".join(problems), file=sys.stderr)
    return 2


def _ready_folder(raw: str) -> tuple[Path | None, str]:
    """The --out folder, made and written to once before any training; or why it cannot be."""
    if not raw.strip():
        return None, "--out needs the name of a folder; it was empty."
    path = Path(raw)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path) as probe:
            probe.write(b"\0")
            probe.flush()
    except FileExistsError:
        return None, f"--out {raw!r} is a file; give a folder (it is made if missing)."
    except (OSError, ValueError) as exc:
        return None, f"--out {raw!r}: cannot write there ({getattr(exc, 'strerror', None) or exc})."
    return path, ""


def limits(args: argparse.Namespace) -> int:
    try:
        checked = Limits.from_env()
    except LimitsError as exc:
        return _refuse("Invalid limits in the environment (RNN Explorer does not start)", exc.problems)
    for name, value in asdict(checked).items():
        print(f"{env_variable(name)}={value}")
    return 0


def train(args: argparse.Namespace) -> int:
    try:
        bounds = Limits.from_env()
    except LimitsError as exc:
        return _refuse("Invalid limits in the environment", exc.problems)
    config = schema.from_arguments(RunConfig, args)
    problems = config.validate(bounds)
    if problems:
        return _refuse("Invalid settings", problems)
    out = None
    if args.out is not None:
        out, problem = _ready_folder(args.out)
        if problem:
            return _refuse("Nothing was trained", [problem])
    try:
        trainer = Trainer(config, bounds)
    except ConfigError as exc:
        return _refuse("Invalid settings", exc.problems)
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
        if note := trainer.end_note(result["loss"]):
            result["note"] = note
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_summary(result)
    code = 1 if trainer.status == "diverged" else 0
    if out is not None:
        try:
            (out / "metrics.csv").write_text(history.to_csv())
            if trace is not None:
                trace.save(out / "trace.npz")
        except OSError as exc:
            print(f"Could not save into {str(out)!r} ({exc.strerror or exc}); the results are printed above.",
                  file=sys.stderr)
            code = 1
    return code


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
    if "note" in result:
        print(result["note"])


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return {"train": train, "limits": limits}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
