"""What one live refresh costs the server, before (commit `BEFORE`) and after, side by side.

Two servers run at once: `streamlit run app.py` of this checkout and of the commit before the
incremental live charts (extracted with `git archive` under benchmarks/out/, ignored by git),
each with its own `explorer`. One Chromium session at a time, alternating between the two: it
opens the Train page at `QUERY` (a small GRU that passes step `FROM_STEP` about 15 s after the
press), presses Train, and once the loss chart shows step `FROM_STEP` measures for `WINDOW_S`:
- the loss chart's updates (page JS samples its drawn data every 20 ms: `benchmarks/lab.py`),
- the server process's CPU from /proc (the server alone: its training workers are apart),
- what went over the websocket: frames the page sent (its fragment reruns, a heartbeat now and
  then) and bytes it received.
Server CPU per chart update = server CPU-seconds / updates in the window. Then Pause, and the
same for `PAUSED_S` with nothing new to draw (the panel still polls): server CPU per poll.
The sessions are new ones each time (first page views of each server go before, uncounted),
each with a seed no cached run has.
"""

from __future__ import annotations

import datetime
import os
import statistics
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.lab import ROOT, ProcSampler, _browser_module, _chromium, _context, _f, _lab, _loadavg
from benchmarks.run import cpu_model

BEFORE = "67aea64"  # main before issue 11's live panels
QUERY = {"cell": "gru", "hidden_size": "16", "batch_size": "16", "steps": "20000", "probe_every": "25"}
FROM_STEP, WINDOW_S, PAUSED_S, REPEATS = 1800, 5.0, 4.0, 3
TIMEOUT_MS = 120_000
VARIANTS = ("before", "after")


def checkout(commit: str) -> Path:
    """The tree of `commit` under benchmarks/out/ (extracted once; no worktree, no git state)."""
    target = ROOT / "benchmarks" / "out" / f"tree-{commit}"
    if not (target / "app.py").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


class Wire:
    """Counts a page's websocket traffic: frames sent, bytes received."""

    def __init__(self, page):
        self.sent = self.received = 0
        page.on("websocket", self._watch)

    def _watch(self, ws) -> None:
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)

    def _sent(self, payload) -> None:
        self.sent += 1

    def _received(self, payload) -> None:
        self.received += len(payload)

    def mark(self) -> tuple[int, int]:
        return self.sent, self.received


def measure(variant: str, server, chromium, helpers, seed: int) -> dict:
    """One session on `server`: train, measure the refreshes around FROM_STEP, pause, measure again."""
    context = _context(chromium, helpers.VIEWPORT, 20)
    try:
        page = context.new_page()
        wire = Wire(page)
        page.goto(f"{server.url}/?{urlencode(QUERY | {'seed': str(seed)})}", timeout=TIMEOUT_MS)
        page.wait_for_function("() => { const b = document.querySelector('.st-key-train_start button');"
                               " return b && !b.disabled; }", timeout=TIMEOUT_MS)
        page.locator(".st-key-train_start button").first.click()
        page.wait_for_function(f"() => window.__lab && window.__lab.samples.length && window.__lab"
                               f".samples[window.__lab.samples.length - 1][2] >= {FROM_STEP}",
                               timeout=TIMEOUT_MS, polling=100)
        row = {"variant": variant, "seed": seed, "load": _loadavg()}
        row.update(_window(page, wire, server, WINDOW_S, "live"))
        page.locator(".st-key-train_pause button").first.click(timeout=10_000)
        page.wait_for_timeout(1500)  # the pause reaches the chart
        row.update(_window(page, wire, server, PAUSED_S, "paused"))
        page.locator(".st-key-train_stop button").first.click(timeout=10_000)
        page.wait_for_timeout(500)
        return row
    finally:
        context.close()


def thread_ms(pid: int) -> dict[int, float]:
    """CPU milliseconds so far of each thread of a process (/proc/PID/task)."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            rest = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(task.name)] = (int(rest[11]) + int(rest[12])) * 1000 / os.sysconf("SC_CLK_TCK")
    return found


def _window(page, wire: Wire, server, seconds: float, name: str) -> dict:
    """Updates, polls, bytes and server CPU over `seconds`. The server's CPU is split: its threads
    alive all along besides the main one ("background": the training pool's reader, which turns
    each step a worker reports into history, whether anyone watches or not) and the rest (the
    event loop that serves the websockets, and the ScriptRunner threads that run the reruns)."""
    start_ms, (sent0, bytes0), threads0 = time.time() * 1000, wire.mark(), thread_ms(server.proc.pid)
    sampler = ProcSampler(server.proc.pid, interval=1.0).start()
    page.wait_for_timeout(1000 * seconds)
    usage = sampler.stop()
    end_ms, (sent1, bytes1), threads1 = time.time() * 1000, wire.mark(), thread_ms(server.proc.pid)
    samples = [s for s in _lab(page)["samples"] if start_ms <= s[0] < end_ms]
    cpu_ms = 1000 * usage["server_cores"] * usage["seconds"]
    lasting = (threads1.keys() & threads0.keys()) - {server.proc.pid}
    background = sum(threads1[t] - threads0[t] for t in lasting)
    polls = sent1 - sent0
    return {
        f"{name}_updates": len(samples), f"{name}_updates/s": len(samples) / usage["seconds"],
        f"{name}_polls/s": polls / usage["seconds"], f"{name}_server_cores": usage["server_cores"],
        f"{name}_ms/update": cpu_ms / len(samples) if samples else None,
        f"{name}_refresh_ms/update": (cpu_ms - background) / len(samples) if samples else None,
        f"{name}_background_ms/update": background / len(samples) if samples else None,
        f"{name}_ms/poll": cpu_ms / polls if polls else None,
        f"{name}_kb/s": (bytes1 - bytes0) / 1024 / usage["seconds"],
        f"{name}_steps": (samples[0][2], samples[-1][2]) if samples else None,
        f"{name}_browser_cores": usage["browser_cores"],
    }


# Streamlit's own floor: a fragment that reruns every 0.2 s and draws `elements` texts, on a page
# with `widgets` select boxes (the Train page: about 10 elements per refresh, about 30 widgets).
FLOOR_APP = """import time
import streamlit as st
with st.sidebar:
    for i in range(int(st.query_params.get("widgets", 0))):
        st.selectbox(f"setting {i}", [1, 2, 3], key=f"w{i}")
@st.fragment(run_every=0.2)
def panel():
    for i in range(int(st.query_params.get("elements", 1))):
        st.text(f"{i}: {time.time()}")
panel()
"""
FLOORS = ((1, 0), (10, 30))  # (elements, widgets)
FLOOR_S = 8.0


def floor(chromium, helpers) -> list[dict]:
    """Server CPU per poll of a bare fragment (FLOOR_APP), as `measure` counts it: what any live
    panel costs Streamlit, whatever it draws."""
    root = ROOT / "benchmarks" / "out" / "floor"
    (root / ".streamlit").mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(FLOOR_APP)
    (root / ".streamlit" / "config.toml").write_text((ROOT / ".streamlit" / "config.toml").read_text())
    rows = []
    with helpers.StreamlitServer(cwd=root, log_name="bench-live-floor.log") as server:
        for elements, widgets in FLOORS:
            context = chromium.new_context()
            try:
                page = context.new_page()
                wire = Wire(page)
                page.goto(f"{server.url}/?elements={elements}&widgets={widgets}", timeout=TIMEOUT_MS)
                page.wait_for_timeout(4000)
                (sent0, _), sampler = wire.mark(), ProcSampler(server.proc.pid, interval=1.0).start()
                page.wait_for_timeout(1000 * FLOOR_S)
                usage, (sent1, _) = sampler.stop(), wire.mark()
                polls, cpu_ms = sent1 - sent0, 1000 * usage["server_cores"] * usage["seconds"]
                rows.append({"elements": elements, "widgets": widgets, "polls/s": polls / usage["seconds"],
                             "ms/poll": cpu_ms / polls if polls else None})
            finally:
                context.close()
    return rows


def run() -> tuple[list[dict], list[str]]:
    from playwright.sync_api import sync_playwright

    helpers = _browser_module()
    roots = {"before": checkout(BEFORE), "after": ROOT}
    notes = [f"Load average at start: {_loadavg()}."]
    rows, floors = [], []
    seed = int(time.time()) % 1_000_000 * 10  # a seed no cached run has
    servers = {v: helpers.StreamlitServer(cwd=roots[v], log_name=f"bench-live-{v}.log")
               for v in VARIANTS}
    try:
        for server in servers.values():
            server.start()
        with sync_playwright() as playwright, _chromium(playwright, helpers) as chromium:
            for rep in range(-1, REPEATS):  # rep -1: first page views (imports, plotly.js), not counted
                for variant in VARIANTS if rep % 2 == 0 else VARIANTS[::-1]:
                    seed += 1
                    try:
                        row = measure(variant, servers[variant], chromium, helpers, seed)
                    except Exception as exc:  # noqa: BLE001 - noted; the other sessions still count
                        notes.append(f"{variant}, rep {rep}: {type(exc).__name__}: {str(exc)[:200]}")
                        continue
                    if rep >= 0:
                        row["rep"] = rep
                        rows.append(row)
            floors = floor(chromium, helpers)
    finally:
        for server in servers.values():
            server.stop()
    notes.append(f"Load average at end: {_loadavg()}.")
    return rows, floors, notes


def _median(rows: list[dict], variant: str, column: str):
    values = [r[column] for r in rows if r["variant"] == variant and r.get(column) is not None]
    return statistics.median(values) if values else None


def markdown(rows: list[dict], floors: list[dict], notes: list[str]) -> str:
    query = ", ".join(f"{k}={v}" for k, v in QUERY.items())
    lines = [
        "## What a live refresh costs the server (`benchmarks/live_cost.py`)", "",
        f"One Chromium session on the Train page ({query}), on a server of this checkout (after) and "
        f"one of commit `{BEFORE}` (before), run side by side and used in turn, {REPEATS} sessions each. "
        f"From step {FROM_STEP} on the loss chart: {WINDOW_S:.0f} s training, then {PAUSED_S:.0f} s "
        "paused (the panel polls, nothing new). Server CPU is the server process's (/proc; its training "
        "workers apart), per loss-chart update drawn in the page and per poll (a frame the page sent). "
        "*Background* is the server's threads that live through the window besides the main one: the "
        "training pool's reader, which turns every step a worker reports into history whether anyone "
        "watches or not (the job layer's); *refresh* is the rest: the event loop serving the websocket "
        "and the threads that run the reruns.",
        "",
        "| variant | rep | steps in window | updates/s | server ms / update | refresh | background "
        "| polls/s | KB/s received | paused: ms / poll | paused: KB/s | load |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in sorted(rows, key=lambda r: (r["variant"] != "before", r["rep"])):
        steps = r.get("live_steps")
        lines.append(
            f"| {r['variant']} | {r['rep']} | {f'{steps[0]:.0f}–{steps[1]:.0f}' if steps else '—'} "
            f"| {r['live_updates/s']:.2f} | {_f(r['live_ms/update'])} | {_f(r['live_refresh_ms/update'])} "
            f"| {_f(r['live_background_ms/update'])} | {r['live_polls/s']:.2f} | {r['live_kb/s']:.0f} "
            f"| {_f(r['paused_ms/poll'])} | {r['paused_kb/s']:.1f} | {r['load']} |")
    m = {(v, c): _median(rows, v, c) for v in VARIANTS for c in (
        "live_ms/update", "live_refresh_ms/update", "live_updates/s", "paused_ms/poll", "live_kb/s")}

    def pair(column: str, spec: str = ".1f") -> str:
        before, after = m["before", column], m["after", column]
        ratio = f" (after/before **{after / before:.2f}**)" if before and after else ""
        return f"before **{_f(before, spec)}**, after **{_f(after, spec)}**{ratio}"

    lines += [
        "",
        f"Medians. Server CPU per chart update, ms: {pair('live_ms/update')}; of it the refresh itself: "
        f"{pair('live_refresh_ms/update')} (target ≤ 10 ms, goal 5 ms). Updates/s: "
        f"{pair('live_updates/s', '.2f')}. A poll with nothing new, ms: {pair('paused_ms/poll')}. "
        f"KB/s received while training: {pair('live_kb/s', '.0f')}.",
        "",
        "Streamlit's own floor on the same server, measured the same way: a fragment that reruns every "
        "0.2 s and draws texts, with nothing else to do, costs "
        + "; ".join(f"{_f(f['ms/poll'])} ms per poll with {f['elements']} element(s) on a page of "
                    f"{f['widgets']} widgets" for f in floors)
        + " (the Train page's panel redraws about 10 elements, on a page of about 30 widgets).",
        "", f"Run on {datetime.date.today().isoformat()}, {len(os.sched_getaffinity(0))} CPUs, "
        f"{cpu_model()}. " + " ".join(notes), "",
    ]
    return "\n".join(lines)


def main() -> tuple[list[dict], str]:
    rows, floors, notes = run()
    return rows + floors, markdown(rows, floors, notes)


if __name__ == "__main__":
    print(main()[1])
