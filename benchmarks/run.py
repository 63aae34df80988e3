"""Run every benchmark in this folder and rewrite benchmarks/RESULTS.md: `make bench`.

A benchmark is a module here with a `main()` that returns `(rows, markdown)`; its
markdown becomes one section of RESULTS.md, under a header naming the machine.
"""

from __future__ import annotations

import datetime
import importlib
import os
import pkgutil
import platform
from pathlib import Path

import torch

HERE = Path(__file__).parent


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def header() -> str:
    today = datetime.date.today().isoformat()
    return (
        "# Benchmarks\n\n"
        "Command: `make bench` (= `.venv/bin/python -m benchmarks.run`), which rewrites this file.\n\n"
        f"Machine: {len(os.sched_getaffinity(0))} CPUs (`nproc`), {cpu_model()}; "
        f"torch {torch.__version__}, Python {platform.python_version()}; run on {today}.\n"
    )


def main() -> None:
    sections = [header()]
    for info in pkgutil.iter_modules([str(HERE)]):
        if info.name == "run":
            continue
        print(f"benchmarks.{info.name} ...", flush=True)
        _, markdown = importlib.import_module(f"benchmarks.{info.name}").main()
        sections.append(markdown)
    (HERE / "RESULTS.md").write_text("\n".join(sections))
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
