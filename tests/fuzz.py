"""The fuzz suite's bookkeeping (tests/test_fuzz_*.py): hostile inputs tried per surface, what a
clear refusal looks like, a memory cap to read them under, and one Hypothesis profile.

Every hostile input ends in a message a person can act on — an `UploadError`, a `ValueError`
or `TypeError` from a public call, a notice on the page, a CLI exit with a line on stderr —
never a traceback, a hang or unbounded memory. `tests/conftest.py` prints `TRIED` and `NOTES`
at the end of every run, so CI shows how much was tried.
"""

from __future__ import annotations

import resource
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, settings

TRIED: Counter[str] = Counter()
NOTES: list[str] = []  # measurements worth a line in the summary (the memory bombs)
SECONDS = 2.0  # the most one refusal may take here (the bombs' own test asks for 1 s, alone)

# deterministic (the same examples in CI as here), no example database left in the tree
PROFILE = settings(database=None, deadline=None, derandomize=True, max_examples=40,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                          HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])


def tried(surface: str, count: int = 1) -> None:
    TRIED[surface] += count


def assert_clear(message: str, *names: str) -> None:
    """A message a person can act on: it says something, is no traceback, and names what was
    wrong (each of `names`)."""
    assert message.strip(), "an empty message"
    assert "Traceback" not in message and 'File "' not in message, message
    for name in names:
        assert name in message, f"{name!r} not named in: {message}"


@contextmanager
def bounded(headroom: int = 2**30, seconds: float = SECONDS) -> Iterator[None]:
    """Run the block with the address space capped at what the process maps now plus
    `headroom` (Linux; a gigabyte-sized allocation fails instead of swapping), and fail it if
    it takes longer than `seconds`."""
    limit = resource.getrlimit(resource.RLIMIT_AS)
    mapped = _mapped_bytes()
    if mapped:
        resource.setrlimit(resource.RLIMIT_AS, (mapped + headroom, limit[1]))
    start = time.perf_counter()
    try:
        yield
    finally:
        if mapped:
            resource.setrlimit(resource.RLIMIT_AS, limit)
    took = time.perf_counter() - start
    assert took < seconds, f"took {took:.2f} s (bound {seconds} s)"


def _mapped_bytes() -> int:
    """VmSize of this process, 0 where /proc is not there."""
    status = Path("/proc/self/status")
    if not status.exists():
        return 0
    for line in status.read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0
