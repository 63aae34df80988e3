"""Run every benchmark in this folder and rewrite benchmarks/RESULTS.md: `make bench`.

A benchmark is a module here with a `main()` that returns `(rows, markdown)`; its
markdown becomes one section of RESULTS.md, under a header naming the machine. Modules
without a `main()` are helpers the benchmarks share.
`make bench ONLY="lab classic_adding"` reruns only those, keeping the other sections.
"""

from __future__ import annotations

import datetime
import importlib
import os
import pkgutil
import platform
import sys
from pathlib import Path

import torch

HERE = Path(__file__).parent
MARK = "<!-- benchmarks."  # opens each section of RESULTS.md: <!-- benchmarks.NAME -->


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def header() -> str:
    today = datetime.date.today().isoformat()
    return (
        "# Benchmarks\n\n"
        "Command: `make bench` (one torch thread per process), which rewrites this file;\n"
        "`make bench ONLY=\"lab\"` reruns the sections named and keeps the others.\n\n"
        f"Machine: {len(os.sched_getaffinity(0))} CPUs (`nproc`), {cpu_model()}; "
        f"torch {torch.__version__}, Python {platform.python_version()}; run on {today}.\n"
    )


def previous_sections() -> dict[str, str]:
    """The sections of the current RESULTS.md by benchmark name (each opens with a MARK line)."""
    path = HERE / "RESULTS.md"
    text = path.read_text() if path.exists() else ""
    found = {}
    for chunk in text.split(MARK)[1:]:
        name, _, body = chunk.partition(" -->\n")
        found[name.strip()] = body
    return found


def main(only: list[str]) -> None:
    """Run every benchmark (or those named in `only`, keeping the others' last results) and
    rewrite RESULTS.md."""
    kept = previous_sections()
    sections = [header()]
    for info in pkgutil.iter_modules([str(HERE)]):
        if info.name == "run":
            continue
        if only and info.name not in only:
            if info.name in kept:
                sections.append(f"{MARK}{info.name} -->\n{kept[info.name]}")
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        if not hasattr(module, "main"):
            continue  # a helper the benchmarks share (sampling, st_client)
        print(f"benchmarks.{info.name} ...", flush=True)
        _, markdown = module.main()
        sections.append(f"{MARK}{info.name} -->\n{markdown}")
    # one blank line between sections, however many a kept section brought along
    (HERE / "RESULTS.md").write_text("\n".join(section.rstrip("\n") + "\n" for section in sections))
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main(sys.argv[1:])
