"""Headless runs: ``python -m explorer train --cell lstm --task adding --seq-len 50 --steps 2000``.

Prints the final loss and metric (on a held-out batch) next to the task's
baseline; ``--json`` prints them as JSON; ``--out DIR`` saves ``metrics.csv``
(one row per step) and ``trace.npz`` (the last probe recording). The settings, the
``EXPLORER_*`` limits and the ``--out`` folder are all checked before training starts.
``--preset NAME`` starts from a preset (flags given explicitly override it); ``--export
FILE.py`` also writes the run as a standalone PyTorch script (explorer/script.py).
``python -m explorer seq2seq --task reverse`` trains an encoder-decoder the same way
(explorer/seq2seq/cli.py); ``python -m explorer list`` names every cell, task and preset.
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
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from explorer import schema
from explorer.cells import CELLS
from explorer.checks import brief
from explorer.config import RunConfig
from explorer.forecast import headless as series
from explorer.history import History
from explorer.jobs.forecast import ForecastWork
from explorer.limits import Limits, LimitsError, env_variable
from explorer.presets import PRESETS
from explorer.tasks import TASKS
from explorer.train import ConfigError, Trainer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m explorer", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train one run headless",
                                description="Train one run headless. Each setting's flag, help, choices "
                                            "and default come from RunConfig's schema.")
    schema.add_arguments(train, RunConfig)
    train.add_argument("--preset", help="start from this preset (python -m explorer list); "
                       "flags given explicitly override it")
    train.add_argument("--text-file", help="text task: train on this UTF-8 text file (named by its hash)")
    train.add_argument("--export", metavar="FILE.py",
                       help="also write the run as a standalone PyTorch script (torch and numpy only)")
    train.add_argument("--json", action="store_true", help="print the results as JSON")
    train.add_argument("--out", help="save metrics.csv and trace.npz in this folder (made if missing)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    series.add_flags(train)
    from explorer.seq2seq import cli as seq2seq_cli
    from explorer.text import cli as text_cli

    seq2seq_cli.add_parser(commands)
    commands.add_parser("list", help="name every cell, task and preset, one line each")
    commands.add_parser("limits", help="check the EXPLORER_* limits of this environment and print them")
    text_cli.add_parser(commands)
    return parser


def list_registries(args: argparse.Namespace) -> int:
    """Cells, tasks and presets, read from their registries: a name and its title on each line."""
    from explorer.seq2seq import TASKS as SEQ2SEQ_TASKS

    sections = (
        ("cells (--cell; 'custom' takes --custom-cell)", {n: c.title for n, c in CELLS.items()
                                                          if not c.cell.source}),
        ("tasks (--task)", {n: t.title for n, t in TASKS.items()}),
        ("presets (--preset)", {n: p.title for n, p in PRESETS.items()}),
        ("encoder-decoder tasks (seq2seq --task)", {n: t.title for n, t in SEQ2SEQ_TASKS.items()}),
    )
    for heading, entries in sections:
        print(heading)
        width = max(map(len, entries))
        for name, title in entries.items():
            print(f"  {name:<{width}}  {title}")
    return 0


def refuse(title: str, problems: list[str]) -> int:
    print(f"{title}:\n  " + "\n  ".join(problems), file=sys.stderr)
    return 2


def ready_folder(raw: str | None) -> tuple[Path | None, str]:
    """The --out folder, made and written to once before any training; or why it cannot be.
    (None, '') when none was asked for."""
    if raw is None:
        return None, ""
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
        return refuse("Invalid limits in the environment (RNN Explorer does not start)", exc.problems)
    for name, value in asdict(checked).items():
        print(f"{env_variable(name)}={value}")
    return 0


def train(args: argparse.Namespace) -> int:
    try:
        bounds = Limits.from_env()
    except LimitsError as exc:
        return refuse("Invalid limits in the environment", exc.problems)
    if args.preset is not None and args.preset not in PRESETS:
        return refuse("Invalid settings", [f"Unknown preset {brief(args.preset)}. Choose one of: "
                                           f"{', '.join(PRESETS)}."])
    config = schema.from_arguments(RunConfig, args, PRESETS[args.preset].config() if args.preset else None)
    if args.text_file is not None:
        from explorer.text.cli import corpus_from_file

        config, problem = corpus_from_file(config, args.text_file)
        if problem:
            return refuse("Nothing was trained", [problem])
    problems = config.validate(bounds)
    spec, spec_problems = series.spec_from_args(args, config, bounds)
    if problems or spec_problems:
        return refuse("Invalid settings", list(dict.fromkeys(problems + spec_problems)))
    out, problem = ready_folder(args.out)
    if problem:
        return refuse("Nothing was trained", [problem])
    if args.export is not None:
        problem = ("--export writes a run on a task's own data; a series from a file is not one."
                   if spec is not None else write_script(config, args.export, bounds))
        if problem:
            return refuse("Nothing was trained", [problem])
    try:
        work = None if spec is None else ForecastWork(spec, bounds)
        if work is not None:
            work.begin()
        trainer = Trainer(config, bounds) if work is None else work.trainer
    except ConfigError as exc:
        return refuse("Invalid settings", exc.problems)
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
        saves = {"metrics.csv": lambda path: path.write_text(history.to_csv())}
        if trace is not None:
            saves["trace.npz"] = trace.save
        if trainer.task.on_corpus is not None:
            from explorer.text.cli import model_saves

            saves |= model_saves(trainer)
        code = max(code, save_into(out, saves))
    return code


def save_into(out: Path, saves: dict[str, Callable[[Path], object]]) -> int:
    """Write each file into the --out folder with its writer; 1 and a message when one fails."""
    try:
        for name, write in saves.items():
            write(out / name)
    except OSError as exc:
        print(f"Could not save into {str(out)!r} ({exc.strerror or exc}); the results are printed above.",
              file=sys.stderr)
        return 1
    return 0


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


def write_script(config: RunConfig, raw: str, bounds: Limits) -> str:
    """Write the run as a standalone script at `raw`; '' when done, else why it could not be."""
    from explorer.script import ExportError, run_script

    if not raw.strip().endswith(".py"):
        return f"--export needs a file name ending in .py (got {brief(raw)})."
    try:
        Path(raw).write_text(run_script(config, bounds), encoding="utf-8")
    except ExportError as exc:
        return str(exc)
    except (OSError, ValueError) as exc:
        return f"--export {brief(raw)}: cannot write there ({getattr(exc, 'strerror', None) or exc})."
    return ""


def main(argv: list[str] | None = None) -> int:
    from explorer.seq2seq import cli as seq2seq_cli
    from explorer.text import cli as text_cli

    args = _parser().parse_args(argv)
    commands = {"train": train, "seq2seq": seq2seq_cli.run, "list": list_registries, "limits": limits,
                "sample": text_cli.sample}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
