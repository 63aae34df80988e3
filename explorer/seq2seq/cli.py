"""`python -m explorer seq2seq --task reverse --seq-len 12`: an encoder-decoder trained headless.

Every field of `Seq2SeqConfig` is a flag (``--attention none``, ``--no-bidirectional`` …).
It prints the held-out exact match next to the task's trivial baseline; ``--json`` prints the
numbers as JSON; ``--out DIR`` saves ``metrics.csv`` (one row per step). The settings and the
``--out`` folder are checked before training starts: exit status 2 and a line saying which.
A run whose loss turns infinite exits 1 and explains.
"""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd
from tqdm import tqdm

from explorer.seq2seq.train import Seq2SeqConfig, Seq2SeqTrainer


def add_parser(commands) -> None:
    from explorer import schema

    parser = commands.add_parser("seq2seq", help="train an encoder-decoder headless (reverse, sort, "
                                                 "dates, addition)")
    schema.add_arguments(parser, Seq2SeqConfig)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--out", help="save metrics.csv in this folder (made if missing)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from explorer import schema
    from explorer.__main__ import ready_folder, refuse, save_into

    config = schema.from_arguments(Seq2SeqConfig, args)
    problems = config.validate()
    if problems:
        return refuse("Invalid settings", problems)
    out, problem = ready_folder(args.out)
    if problem:
        return refuse("Nothing was trained", [problem])
    trainer = Seq2SeqTrainer(config)
    rows = []
    bar = tqdm(total=config.steps, disable=args.quiet or args.json, unit="step", file=sys.stderr)
    for row in trainer.fit():
        rows.append(row)
        bar.update(1)
    bar.close()
    result = {"status": str(trainer.status), "steps": trainer.step_count,
              "seconds": round(trainer.elapsed, 3),
              "loss": rows[-1]["loss"], "baseline_exact_match": trainer.task.baseline(config.seq_len),
              "baseline": trainer.task.baseline_label}
    if trainer.divergence is not None:
        result["divergence"] = trainer.divergence.explain()
    else:
        result["exact_match"] = trainer.evaluate()
    print(json.dumps(result, indent=2) if args.json else _summary(result))
    code = 1 if trainer.divergence is not None else 0
    if out is not None:
        table = pd.DataFrame(rows).to_csv(index=False, float_format="%.6g")
        code = max(code, save_into(out, {"metrics.csv": lambda path: path.write_text(table)}))
    return code


def _summary(result: dict) -> str:
    lines = [f"status       {result['status']} after {result['steps']} steps ({result['seconds']:.1f} s)"]
    if "divergence" in result:
        return "\n".join([*lines, result["divergence"]])
    return "\n".join([*lines,
                      f"loss         {result['loss']:.4g}   (last training step)",
                      f"exact match  {result['exact_match']:.1%}   (held out; baseline "
                      f"{result['baseline_exact_match']:.1%}: {result['baseline']})"])
