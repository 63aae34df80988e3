"""What a benchmark measures around the code it runs: CPU and memory of a server's process tree
from /proc, the load average, and the small statistics the reports print.

Not a benchmark itself (no `main()`): `benchmarks/run.py` passes it over.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from pathlib import Path


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def pct(values, q: float):
    """The q-th percentile (0-100), linear between ranks; None when empty."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    pos = (len(values) - 1) * q / 100
    lo, hi = int(pos), min(int(pos) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def f(value, spec: str = ".1f", missing: str = "—") -> str:
    return missing if value is None else format(value, spec)


class ProcSampler:
    """CPU seconds and peak RSS of the server, its worker processes and the browser side, from /proc.

    Every `interval` s, reads utime+stime of every process: the server (its pid), the workers
    (every descendant of the server: the training processes and multiprocessing's resource
    tracker) and the browser side (this process's other descendants: Chromium and Playwright's
    driver). A process first seen after the first sample counts from zero; one that ends
    between samples loses at most `interval` of CPU. Also the machine's busy cores (/proc/stat).
    """

    GROUPS = ("server", "workers", "browser")

    def __init__(self, server_pid: int, interval: float = 0.5):
        self.server_pid, self.interval = server_pid, interval
        self.tick = os.sysconf("SC_CLK_TCK")
        self.first: dict[int, int] = {}
        self.last: dict[int, tuple[str, int]] = {}
        self.peak_rss = dict.fromkeys(self.GROUPS, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="proc-sampler", daemon=True)
        self._started = False

    def start(self) -> ProcSampler:
        self.t0, self.machine0 = time.monotonic(), self._machine()
        self._sample(first=True)
        self._started = True
        self._thread.start()
        return self

    def stop(self) -> dict:
        self._stop.set()
        if self._started:
            self._thread.join(timeout=5)
        self._sample(first=False)
        seconds = max(time.monotonic() - self.t0, 1e-9)
        busy0, total0 = self.machine0
        busy1, total1 = self._machine()
        cores = {g: 0.0 for g in self.GROUPS}
        for pid, (group, ticks) in self.last.items():
            cores[group] += (ticks - self.first.get(pid, 0)) / self.tick / seconds
        machine = (busy1 - busy0) / self.tick / seconds
        return {
            "seconds": seconds, **{f"{g}_cores": cores[g] for g in self.GROUPS},
            "machine_cores": machine, "others_cores": machine - sum(cores.values()),
            **{f"{g}_rss_mb": self.peak_rss[g] / 1024 for g in self.GROUPS},
        }

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample(first=False)

    @staticmethod
    def _machine() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
        return sum(values[:8]) - idle, sum(values[:8])

    def _sample(self, first: bool) -> None:
        parents, ticks = {}, {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            rest = stat[stat.rfind(")") + 2:].split()
            pid = int(entry.name)
            parents[pid], ticks[pid] = int(rest[1]), int(rest[11]) + int(rest[12])
        groups = {pid: self._group(pid, parents) for pid in ticks}
        rss = dict.fromkeys(self.GROUPS, 0)
        for pid, group in groups.items():
            if group is None or pid == os.getpid() or pid not in ticks:
                continue
            if first:
                self.first[pid] = ticks[pid]
            self.last[pid] = (group, ticks[pid])
            rss[group] += rss_kb(pid)
        for g in self.GROUPS:
            self.peak_rss[g] = max(self.peak_rss[g], rss[g])

    def _group(self, pid: int, parents: dict[int, int]) -> str | None:
        """"server", "workers" (the server's descendants), "browser" (this process's others) or None."""
        me, p, hops = os.getpid(), pid, 0
        while p > 1 and hops < 64:
            if p == self.server_pid:
                return "server" if pid == p else "workers"
            if p == me:
                return "browser" if pid != me else None
            p, hops = parents.get(p, 0), hops + 1
        return None


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
