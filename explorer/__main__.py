"""Headless runs: ``python -m explorer train --cell lstm --task adding --seq-len 50 --steps 2000``.

Prints the final loss and metric (on a held-out batch) next to the task's
baseline; ``--json`` prints them as JSON; ``--out DIR`` saves ``metrics.csv``
(one row per step) and ``trace.npz`` (the last probe recording). The settings, the
``EXPLORER_*`` limits and the ``--out`` folder are all checked before training starts.
A text task (``--task text``, on a generated ``--corpus`` or ``--text-file PATH``) also saves
``model.safetensors`` and ``alphabet.json``, and ``python -m explorer sample DIR --length 200
--temperature 0.8 --prime "The " --seed 0`` prints characters drawn from that model.
``python -m explorer limits`` checks the limits alone and prints them (``make run`` does,
so a server with an invalid limit does not start).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict, fields
from pathlib import Path

from tqdm import tqdm

from explorer.config import RunConfig
from explorer.forecast import headless as series
from explorer.history import History
from explorer.jobs.forecast import ForecastWork
from explorer.limits import Limits, LimitsError, env_variable
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
    train.add_argument("--text-file", help="text task: train on this UTF-8 text file (named by its hash)")
    train.add_argument("--json", action="store_true", help="print the results as JSON")
    train.add_argument("--out", help="save metrics.csv and trace.npz in this folder (made if missing)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    series.add_flags(train)
    commands.add_parser("limits", help="check the EXPLORER_* limits of this environment and print them")
    sample = commands.add_parser("sample", help="print text drawn from a text model saved with train --out")
    sample.add_argument("folder", help="the --out folder of a text run")
    sample.add_argument("--length", type=int, default=200, help="characters to draw")
    sample.add_argument("--temperature", type=float, default=1.0, help="0.1 (careful) to 2 (wild)")
    sample.add_argument("--prime", default="", help="text the model reads before drawing")
    sample.add_argument("--top-k", type=int, default=0, help="draw from the k likeliest only (0: all)")
    sample.add_argument("--seed", type=int, default=0, help="same seed, same text")
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
    config = RunConfig(**{f.name: getattr(args, f.name) for f in fields(RunConfig)})
    if args.text_file is not None:
        from explorer.text.cli import corpus_from_file

        config, problem = corpus_from_file(config, args.text_file)
        if problem:
            return _refuse("Nothing was trained", [problem])
    problems = config.validate(bounds)
    spec, spec_problems = series.spec_from_args(args, config, bounds)
    if problems or spec_problems:
        return _refuse("Invalid settings", list(dict.fromkeys(problems + spec_problems)))
    out = None
    if args.out is not None:
        out, problem = _ready_folder(args.out)
        if problem:
            return _refuse("Nothing was trained", [problem])
    try:
        work = None if spec is None else ForecastWork(spec, bounds)
        if work is not None:
            work.begin()
        trainer = Trainer(config, bounds) if work is None else work.trainer
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
    elif work is not None:  # a series: forecasts of its held-out parts against the baselines
        result |= series.results(work.forecast(), work.ready)
        if note := trainer.end_note():
            result["note"] = note
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
            if trainer.task.on_corpus is not None:
                from explorer.text.cli import save_model

                save_model(out, trainer)
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
    if "per_step" in result:
        print(f"series   {result['series']}: {result['points']} points, forecast {result['horizon']} steps "
              f"ahead ({result['forecast']}), MSE on the test part")
        for name in ("forecast", "persistence", "seasonal_naive", "linear_ar"):
            print(f"  {name.replace('_', ' '):<16} {result[name + '_mse']:.4g}")
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
    if args.command == "sample":
        from explorer.text.cli import sample

        return sample(args)
    return {"train": train, "limits": limits}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
