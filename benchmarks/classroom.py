"""A classroom on one server, spoken at the protocol level: many sessions, no browser.

Each session is `benchmarks/st_client.py`'s client, which speaks the websocket protocol of the
installed streamlit the way its frontend does. It opens the Train page from a share link, waits
until the page is drawn, presses **Train** as the browser does (a rerun whose widget states
carry the button's trigger), then follows the live panel's fragment reruns at the interval the
server asks, on a timer that fires whether or not the last rerun has finished, as the browser's
does, and asks the live charts' feeds as the browser's charts do (where the server has them:
serve.py). Per session: chart updates per second while its run trains (a feed answer that brings
the loss chart something new, or else a delivery of the `train_loss_chart` element whose payload
differs from the one before; the rate counts from the
first "Training" it was shown to the run's end or the deadline, over at least 1 s: a quick run
shown training for less counts as 1 s, which can only understate its rate; checked
against Chromium with `python -m benchmarks.st_client_check`: in one session of 2000 steps the
page drew 42 changes of its loss chart and the client, fed the page's own frames, counted 44,
3.0 and 3.2 a second while training), time from
the press to "Training" and to the first loss point, queue places shown, errors (an exception
shown, "Could not train", a websocket closed, a page that did not load, a cached-message miss),
round trips (a rerun to the end of the run that answers it; a websocket ping to its pong, one at
a time, a probe the browser does not send). CPU and peak memory of the server
and of its worker processes, from /proc, from the first press to the end; the client's own CPU
(it shares the machine).

Scenarios, on loopback, each with a hard deadline; the server runs its default training workers
(one per core); pages open at most 6 at a time, then the presses come within 2 s, in random order:
(a) `seeds`: quick-start (LSTM, adding T=10, 32 units, 500 steps), one seed per session: one job
    each, most of them queue;
(b) `preset`: quick-start with 3000 steps and one seed for everyone: one job trains, all watch it;
(c) `many`: (b) with 100 sessions, each also pinging the server every second.
Before each scenario two small runs (50 steps) warm the server's workers. Every scenario runs on
a fresh server for each version of the code, versions alternating: the working tree, and a
baseline revision exported with `git archive` into benchmarks/out/ and served by this venv's
python (its own `explorer` first on PYTHONPATH).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import os
import random
import re
import resource
import subprocess
import sys
import tarfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.sampling import ProcSampler, f, loadavg, median, pct
from benchmarks.st_client import Session

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
BASELINE, TREE = "67aea64", "tree"
CHART, BUTTON, STATUS_LINE = "train_loss_chart", "train_start", "run_status"
STATUS = re.compile(r"Queued|Starting|Training|Paused|Finished|Stopped|Diverged|Could not train")
PLACE = re.compile(r"(\d+) in the queue")
FINAL = {"Finished", "Stopped", "Diverged", "Could not train"}
TEXTS = {"progress": "text", "markdown": "body", "text": "body"}  # where a status line can be
TARGET_RATE, TARGET_RTT, RATE_WINDOW_S = 2.0, 1.0, 1.0
LOAD_AT_ONCE, PAGE_TIMEOUT_S, PRESS_SPREAD_S, WARMUP_S = 6, 60.0, 2.0, 120.0
WARMUP = ({"steps": "50", "seed": "9001"}, {"steps": "50", "seed": "9002"})


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    sessions: int
    load_s: float  # budget for opening every page
    window_s: float  # hard deadline after the last press
    shared: bool  # one config for everyone (one job) or one seed each
    steps: int = 500  # quick-start's own
    ping_every_s: float = 0.0

    def queries(self, n: int) -> list[dict]:
        """Share links' queries: quick-start is the default config, so only what differs."""
        steps = {"steps": str(self.steps)} if self.steps != 500 else {}
        return [steps | {"seed": str(7 if self.shared else 1000 + i)} for i in range(n)]


SCENARIOS = {
    "seeds": Scenario("seeds", "(a) one seed each", 30, load_s=90, window_s=120, shared=False),
    "preset": Scenario("preset", "(b) one shared preset", 30, load_s=90, window_s=60, shared=True,
                       steps=3000),
    "many": Scenario("many", "(c) many, shared preset", 100, load_s=240, window_s=45, shared=True,
                     steps=3000, ping_every_s=1.0),
}


def points(payload: str) -> int:
    """Points in a live chart's payload: the longest `x` in it (a list, or Plotly's typed array
    `{"dtype", "bdata"}`), looking into JSON nested as strings (the figure travels as a JSON
    string in the component's data)."""
    def length(x) -> int:
        if isinstance(x, list):
            return len(x)
        if isinstance(x, dict) and isinstance(x.get("bdata"), str):
            return len(base64.b64decode(x["bdata"])) // int(x.get("dtype", "f8")[1:] or 8)
        return 0

    def walk(node, depth=0) -> int:
        if depth > 6:
            return 0
        if isinstance(node, str) and node[:1] in "{[":
            try:
                node = json.loads(node)
            except ValueError:
                return 0
        if isinstance(node, dict):
            return max([length(node.get("x")), *(walk(v, depth + 1) for k, v in node.items() if k != "x")])
        if isinstance(node, list):
            return max((walk(v, depth + 1) for v in node if isinstance(v, (dict, list, str))), default=0)
        return 0

    return walk(payload)


class Student(Session):
    """A session that records what its user sees after pressing Train."""

    def __init__(self, url: str, name: str):
        super().__init__(url, name)
        self.opened_at = self.loaded_at = self.pressed_at = None
        self.training_at = self.first_point_at = self.ended_at = None
        self.status, self.last_chart, self.button_ready = "", "", False
        self.updates: list[float] = []
        self.places: list[int] = []
        self.seen: set[str] = set()
        self.fragment_runs = Counter()  # after the press: "ok", or "superseded" (its end unsent)

    def on_element(self, kind, key, element, msg_hash, fragment_id, now) -> None:
        if key == BUTTON:
            self.button_ready = not element.disabled
        if self.pressed_at is None:
            return
        if key == CHART and CHART in self.feeds:
            return  # its points come from its feed: see on_feed
        if key == CHART and msg_hash != self.last_chart:
            self.last_chart = msg_hash
            self.updated(points(element.json), now)
        elif key == STATUS_LINE and (line := json.loads(getattr(element, "json", "") or "{}").get("status")):
            self.status_text(line["text"], now)  # a status line fed like the charts (serve.py)
        elif fragment_id and kind in TEXTS:
            self.status_text(getattr(element, TEXTS[kind]), now)

    def status_text(self, text: str, now: float) -> None:
        """A status line shown: the status, the queue place, the end of the run."""
        match = STATUS.search(text)
        if match is None:
            return
        self.status = match.group()
        self.seen.add(self.status)
        if self.status == "Training" and self.training_at is None:
            self.training_at = now
        if (place := PLACE.search(text)) is not None:
            self.places.append(int(place.group(1)))
        if self.status in FINAL and self.ended_at is None:
            self.ended_at = now
            if self.status == "Could not train":
                self.error(f"the run could not train: {text[:120]}")

    def on_feed(self, key, data, moved, now) -> None:
        if self.pressed_at is None:
            return
        if key == CHART and moved:
            self.updated(points(data.get("figure", "")) + sum(len(t[2]) for t in data.get("tail", [])), now)
        elif key == STATUS_LINE and data.get("status"):
            self.status_text(data["status"]["text"], now)

    def updated(self, points_drawn: int, now: float) -> None:
        self.updates.append(now)
        if self.first_point_at is None and points_drawn > 0:
            self.first_point_at = now

    def on_finished(self, status, fragment_ids, now) -> None:
        """A fragment run whose end the server rewrote as FINISHED_EARLY_FOR_RERUN was superseded:
        the next run started before its output was sent, and what was still queued was dropped."""
        if self.pressed_at is not None and fragment_ids:
            self.fragment_runs["superseded" if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN else "ok"] += 1

    def shown_training(self, deadline: float) -> tuple[float, int] | None:
        """Seconds from the first "Training" shown to the run's end (or the deadline), and the
        chart updates in them; None when never shown training."""
        if self.training_at is None:
            return None
        stop = self.ended_at or deadline
        return stop - self.training_at, sum(self.training_at < t <= stop for t in self.updates)

    def rate(self, deadline: float) -> float | None:
        """Chart updates per second from "Training" to the run's end (or the deadline), over at least
        RATE_WINDOW_S: a run shown training for less (a quick one) counts as that long, which can
        only understate its rate; None when never shown training."""
        shown = self.shown_training(deadline)
        return None if shown is None else shown[1] / max(shown[0], RATE_WINDOW_S)


# --- one classroom, asynchronously ------------------------------------------------------------
async def open_pages(students: list[Student], budget_s: float) -> None:
    """Open every page, at most LOAD_AT_ONCE at a time, until its Train button is drawn enabled."""
    gate, deadline = asyncio.Semaphore(LOAD_AT_ONCE), time.monotonic() + budget_s

    async def load(s: Student) -> None:
        await s.connect()
        while not (s.full_runs_finished and s.button_ready):
            await asyncio.sleep(0.05)

    async def one(s: Student) -> None:
        async with gate:
            left = deadline - time.monotonic()
            if left <= 0:
                return s.error("page not opened within the load budget")
            s.opened_at = time.monotonic()
            try:
                await asyncio.wait_for(load(s), min(PAGE_TIMEOUT_S, left))
                s.loaded_at = time.monotonic()
            except Exception as exc:  # noqa: BLE001 - a page that does not load is a result
                s.error(f"page did not load: {type(exc).__name__}: {str(exc)[:200]}")

    await asyncio.gather(*(one(s) for s in students))


async def press_all(students: list[Student], spread_s: float) -> None:
    """Every loaded page presses Train once, within `spread_s`, in a fixed random order."""
    rng = random.Random(0)
    loaded = [s for s in students if s.loaded_at]
    start = time.monotonic()

    async def one(s: Student, at: float) -> None:
        await asyncio.sleep(max(0.0, start + at - time.monotonic()))
        s.pressed_at = time.monotonic()
        if not await s.press(BUTTON):
            s.error("Train was not drawn, or disabled")

    offsets = sorted(rng.uniform(0, spread_s) for _ in loaded)
    await asyncio.gather(*(one(s, at) for s, at in zip(rng.sample(loaded, len(loaded)), offsets,
                                                         strict=True)))


async def watch(students: list[Student], window_s: float, ping_every_s: float) -> float:
    """Until every pressed session saw its run end, or `window_s`; pings meanwhile. The end time."""
    pressed = [s for s in students if s.pressed_at]
    deadline = time.monotonic() + window_s

    async def pings(s: Student, phase: float) -> None:
        await asyncio.sleep(phase)
        while True:
            await s.ping()
            await asyncio.sleep(ping_every_s)

    probes = [asyncio.create_task(pings(s, ping_every_s * k / len(pressed)))
              for k, s in enumerate(pressed)] if ping_every_s else []
    while time.monotonic() < deadline and not all(s.ended_at for s in pressed):
        await asyncio.sleep(0.25)
    for task in probes:
        task.cancel()
    return min(time.monotonic(), deadline)


async def loop_lag(samples: list[float], period: float = 0.1) -> None:
    """How late this client's event loop wakes up: a late client measures itself, not the server."""
    while True:
        start = time.monotonic()
        await asyncio.sleep(period)
        samples.append(time.monotonic() - start - period)


async def classroom(url: str, queries: list[dict], scenario: Scenario, server_pid: int) -> dict:
    """Open the pages, press Train everywhere, watch; what every session saw, and the machine."""
    students = [Student(f"{url}/?{urlencode(q)}", f"s{k}") for k, q in enumerate(queries)]
    lag: list[float] = []
    lag_task = asyncio.create_task(loop_lag(lag))
    began = time.monotonic()
    await open_pages(students, scenario.load_s)
    loaded = time.monotonic()
    sampler, cpu0, load_before = ProcSampler(server_pid, interval=1.0).start(), os.times(), loadavg()
    await press_all(students, PRESS_SPREAD_S)
    end = await watch(students, scenario.window_s, scenario.ping_every_s)
    usage, cpu1 = sampler.stop(), os.times()
    lag_task.cancel()
    await asyncio.gather(*(s.close() for s in students if s.ws is not None), return_exceptions=True)
    client_cores = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / usage["seconds"]
    return {"students": students, "end": end, "usage": usage, "load_s": loaded - began,
            "client_cores": client_cores, "lag": lag, "load_before": load_before, "load_after": loadavg()}


async def warm_up(url: str) -> float:
    """Two small runs at once, so both training workers have trained before the class comes."""
    began = time.monotonic()
    students = [Student(f"{url}/?{urlencode(q)}", f"warm{k}") for k, q in enumerate(WARMUP)]
    await open_pages(students, WARMUP_S)
    await press_all(students, 0.0)
    await watch(students, WARMUP_S, 0.0)
    await asyncio.gather(*(s.close() for s in students if s.ws is not None), return_exceptions=True)
    return time.monotonic() - began


# --- versions of the code, servers ---------------------------------------------------------------
@dataclass(frozen=True)
class Code:
    label: str  # a short commit, or "working tree"
    path: Path  # the app's folder


def code(rev: str) -> Code:
    """The working tree (`tree`), or `rev` exported once into benchmarks/out/rev-<commit> (ignored)."""
    if rev == TREE:
        return Code("working tree", ROOT)
    commit = subprocess.run(["git", "rev-parse", "--short=7", f"{rev}^{{commit}}"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    path = OUT / f"rev-{commit}"
    if not (path / "app.py").exists():
        archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(path, filter="data")
    found = subprocess.run([sys.executable, "-c", "import importlib.util as u; print(u.find_spec('explorer')"
                            ".origin)"], cwd=path, env=_env(path), check=True, capture_output=True,
                           text=True).stdout.strip()
    if not found.startswith(str(path)):
        raise RuntimeError(f"{path} would import explorer from {found}")
    return Code(commit, path)


def _env(path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(path)}


def _browser():
    """tests/browser.py: StreamlitServer, and Chromium's whereabouts."""
    if str(ROOT / "tests") not in sys.path:
        sys.path.insert(0, str(ROOT / "tests"))
    import browser

    return browser


def run(scenario: Scenario, version: Code, sessions: int) -> dict:
    """One scenario on a fresh server of one version of the code: its row."""
    browser = _browser()
    env = {"PYTHONPATH": str(version.path)} if version.path != ROOT else {}
    log = f"bench-classroom-{scenario.name}-{version.label.replace(' ', '-')}.log"
    started = time.monotonic()
    with browser.StreamlitServer(cwd=version.path, env=env, log_name=log) as server:
        healthy_s = time.monotonic() - started
        warm_s = asyncio.run(warm_up(server.url))
        seen = asyncio.run(classroom(server.url, scenario.queries(sessions), scenario, server.proc.pid))
    return summarize(scenario, version, sessions, seen) | {"healthy_s": healthy_s, "warm_s": warm_s,
                                                           "took_s": time.monotonic() - started}


def facts(s: Student, end: float) -> dict:
    """What one pressed session saw; times in seconds from its press."""
    after = [t for t in s.round_trips if t[0] >= s.pressed_at]
    press = [seconds for _, seconds, fragment in after if not fragment]
    return {
        "rate": s.rate(end),
        "shown_training": s.shown_training(end),
        "training_s": s.training_at - s.pressed_at if s.training_at else None,
        "first_point_s": s.first_point_at - s.pressed_at if s.first_point_at else None,
        "press_rtt_s": press[0] if press else None,
        "fragment_rtts": [seconds for _, seconds, fragment in after if fragment],
    }


def summarize(scenario: Scenario, version: Code, sessions: int, seen: dict) -> dict:
    """The row of one scenario on one version: per-session facts gathered into statistics."""
    students, end, usage = seen["students"], seen["end"], seen["usage"]
    pressed = [s for s in students if s.pressed_at]
    each = [facts(s, end) for s in pressed]
    rates = [e["rate"] for e in each if e["rate"] is not None]
    col = {k: [e[k] for e in each if e[k] is not None]
           for k in ("training_s", "first_point_s", "press_rtt_s")}
    fragment_rtts = [r for e in each for r in e["fragment_rtts"]]
    loads = [s.loaded_at - s.opened_at for s in students if s.loaded_at]
    # a pong still awaited at the end counts as that old
    pings = [r for s in pressed for r in s.pings] + [end - s.ping_sent for s in pressed if s.ping_sent]
    unseen = Counter(s.status or "nothing" for s in pressed if not s.training_at)
    runs = sum((s.fragment_runs for s in pressed), Counter())
    errors = [(s.name, text) for s in students for _, text in s.errors]
    row = {
        "bench": "classroom", "scenario": scenario.name, "title": scenario.title, "code": version.label,
        "sessions": sessions, "loaded": len(loads), "pressed": len(pressed),
        "jobs": len({s.query for s in pressed}), "ended": sum(bool(s.ended_at) for s in pressed),
        "rated": len(rates), "at_target": sum(r >= TARGET_RATE for r in rates),
        "short": sum(e["shown_training"] is not None and e["shown_training"][0] < RATE_WINDOW_S
                     for e in each),
        "rate_min": min(rates, default=None), "rate_median": median(rates),
        "rate_max": max(rates, default=None), "rates": [round(r, 2) for r in sorted(rates)],
        "trained": len(col["training_s"]),
        "saw_queued": sum("Queued" in s.seen for s in pressed),
        "saw_place": sum(bool(s.places) for s in pressed),
        "max_place": max((p for s in pressed for p in s.places), default=0),
        "errors": len(errors), "error_sessions": len({n for n, _ in errors}), "error_texts": errors[:50],
        "superseded_pct": 100 * runs["superseded"] / max(1, runs.total()), "fragment_runs": runs.total(),
        "pings": len(pings), "ping_s_max": max(pings, default=None),
        "pings_unanswered": sum(bool(s.ping_sent) for s in pressed),
        "never_trained_last": ", ".join(f"{k} {n}" for k, n in unseen.most_common()),
        "window_s": end - min((s.pressed_at for s in pressed), default=end), "load_s": seen["load_s"],
        "client_cores": seen["client_cores"],
        "client_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "client_lag_s_p99": pct(seen["lag"], 99), "client_lag_s_max": max(seen["lag"], default=None),
        "load_before": seen["load_before"], "load_after": seen["load_after"],
        **{k: usage[k] for k in ("server_cores", "workers_cores", "server_rss_mb", "workers_rss_mb")},
        "others_cores": usage["others_cores"] - seen["client_cores"],
    }
    for name, values in (("training_s", col["training_s"]), ("first_point_s", col["first_point_s"])):
        row[f"{name}_median"], row[f"{name}_max"] = median(values), max(values, default=None)
    for name, values in (("page_load_s", loads), ("press_rtt_s", col["press_rtt_s"]),
                         ("fragment_rtt_s", fragment_rtts), ("ping_s", pings)):
        row[f"{name}_p50"], row[f"{name}_p95"] = pct(values, 50), pct(values, 95)
    return row


# --- the report --------------------------------------------------------------------------------
def verdict(r: dict) -> str:
    """The issue's targets: (a) every session ≥ 2 updates/s while training, no errors, queue places
    shown; (b) one job, every session ≥ 2 updates/s; (c) websocket round trip p95 under 1 s (the
    ping's), no errors."""
    problems = []
    if r["loaded"] < r["sessions"]:
        problems.append(f"{r['sessions'] - r['loaded']} pages did not load")
    if r["scenario"] in ("seeds", "preset") and r["at_target"] < r["pressed"]:
        problems.append(f"{r['pressed'] - r['at_target']} of {r['pressed']} sessions under "
                        f"{TARGET_RATE:g} updates/s or never shown training")
    if r["scenario"] == "seeds" and not r["saw_place"]:
        problems.append("no queue place shown")
    if r["scenario"] != "seeds" and r["jobs"] != 1:
        problems.append(f"{r['jobs']} jobs")
    if r["scenario"] == "many" and (r["ping_s_p95"] is None or r["ping_s_p95"] >= TARGET_RTT):
        problems.append(f"ping p95 {f(r['ping_s_p95'], '.2f')} s")
    if r["errors"]:
        problems.append(f"{r['errors']} errors in {r['error_sessions']} sessions")
    return "**meets**" if not problems else "**misses**: " + "; ".join(problems)


def markdown(rows: list[dict], notes: list[str]) -> str:
    order = {name: k for k, name in enumerate(SCENARIOS)}
    rows = sorted(rows, key=lambda r: (order[r["scenario"]], r["code"] == "working tree"))
    lines = [
        "## A classroom at the protocol level (`benchmarks/classroom.py`)", "",
        __doc__.split("\n", 1)[1].strip(), "",
        f"{os.cpu_count()} CPUs, shared with other people's work while this ran (see *others* and the "
        "load averages): absolute rates are noisy; the versions alternate so both see the same noise. "
        f"Training workers: {os.environ.get('EXPLORER_WORKERS') or os.cpu_count()} (the servers inherit "
        "this process's environment, `EXPLORER_WORKERS` included).", "",
        "| scenario | code | sessions (loaded / pressed) | jobs | updates/s while training: min / median / "
        "max (sessions rated; of them shown training < 1 s) | ≥ 2/s "
        "| \"Training\" after press s: median / max "
        "| first point s: median / max | never shown training (last status shown) "
        "| shown a queue place (max) | errors (sessions) | verdict |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r['title']} | {r['code']} | {r['sessions']} ({r['loaded']} / {r['pressed']}) | {r['jobs']} "
        f"| {f(r['rate_min'], '.2f')} / {f(r['rate_median'], '.2f')} / {f(r['rate_max'], '.2f')} "
        f"({r['rated']}; {r.get('short', 0)}) "
        f"| {r['at_target']} | {f(r['training_s_median'])} / {f(r['training_s_max'])} "
        f"| {f(r['first_point_s_median'])} / {f(r['first_point_s_max'])} "
        f"| {r['pressed'] - r['trained']} ({r['never_trained_last'] or '—'}) "
        f"| {r['saw_place']} ({r['max_place']}) | {r['errors']} ({r['error_sessions']}) | {verdict(r)} |"
        for r in rows
    ]
    lines += [
        "", "Round trips (p50 / p95, seconds): page load = connect to the first run's end; press = the "
        "Train rerun to the end of the run that answers it; fragment = an automatic rerun of the live "
        "panel to the end of the run that answers it (coalesced requests share their answer), and the "
        "share of fragment runs whose end the server marked as superseded (the next run started before "
        "their output was sent: what was still queued was dropped); ping = "
        "a websocket ping to its pong (one at a time per session; a pong still awaited at the end counts "
        "as that old). CPU in cores from the first press to the end; *client* is this "
        "process (every session); *others* is the rest of the machine. Client lag p99: how late this "
        "process's event loop woke (a late client would measure itself).", "",
        "| scenario | code | page load | press | fragment (runs ended superseded) | ping (max; unanswered) "
        "| server cores | workers cores | client cores | others cores | RSS server / workers MB "
        "| client lag p99 s | window s | took s | load avg before → after |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r['title']} | {r['code']} | {f(r['page_load_s_p50'], '.2f')} / {f(r['page_load_s_p95'], '.2f')} "
        f"| {f(r['press_rtt_s_p50'], '.2f')} / {f(r['press_rtt_s_p95'], '.2f')} "
        f"| {f(r['fragment_rtt_s_p50'], '.2f')} / {f(r['fragment_rtt_s_p95'], '.2f')} "
        f"({r['superseded_pct']:.0f}% of {r['fragment_runs']}) "
        f"| {f(r['ping_s_p50'], '.3f')} / {f(r['ping_s_p95'], '.3f')} "
        f"({f(r['ping_s_max'], '.2f')}; {r['pings_unanswered']}) "
        f"| {r['server_cores']:.2f} | {r['workers_cores']:.2f} | {r['client_cores']:.2f} "
        f"| {r['others_cores']:.2f} | {r['server_rss_mb']:.0f} / {r['workers_rss_mb']:.0f} "
        f"| {f(r['client_lag_s_p99'], '.3f')} | {r['window_s']:.0f} | {r['took_s']:.0f} "
        f"| {r['load_before']} → {r['load_after']} |"
        for r in rows
    ]
    for r in rows:
        kinds = Counter(re.sub(r"\d+", "N", text)[:100] for _, text in r["error_texts"])
        notes += [f"{r['title']} on {r['code']}: {n}× {text}" for text, n in kinds.most_common(3)]
    return "\n".join(lines + ["", "Notes:", ""] + [f"- {n}" for n in notes] + [""])


def main(revs: tuple[str, ...] = (BASELINE, TREE), names: tuple[str, ...] = tuple(SCENARIOS),
         sessions: int | None = None) -> tuple[list[dict], str]:
    """Every scenario on every version (alternating which goes first); the RESULTS.md section."""
    began = time.monotonic()
    notes = [f"Load average at start: {loadavg()} ({os.cpu_count()} CPUs)."]
    versions = [code(rev) for rev in revs]
    rows = []
    for k, name in enumerate(names):
        scenario = SCENARIOS[name]
        for version in versions if k % 2 == 0 else versions[::-1]:
            print(f"  {scenario.title}, {sessions or scenario.sessions} sessions, on {version.label} ...",
                  flush=True)
            try:
                rows.append(run(scenario, version, sessions or scenario.sessions))
            except Exception as exc:  # noqa: BLE001 - reported; the other runs still count
                notes.append(f"{scenario.title} on {version.label} failed: {type(exc).__name__}: "
                             f"{str(exc)[:300]}")
    for r in rows:
        notes.append(f"{r['title']} on {r['code']}: server healthy after {r['healthy_s']:.1f} s, warm-up "
                     f"{r['warm_s']:.0f} s, pages opened in {r['load_s']:.0f} s; client loop lag max "
                     f"{f(r['client_lag_s_max'], '.2f')} s, client peak RSS {r['client_rss_mb']:.0f} MB.")
    notes.append(f"Load average at end: {loadavg()}; all of this took {time.monotonic() - began:.0f} s.")
    return rows, markdown(rows, notes)


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.classroom",
                                     description=__doc__.split("\n")[0],
                                     epilog="The servers inherit the environment: EXPLORER_WORKERS=4 "
                                            "python -m benchmarks.classroom ... trains four runs at once.")
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS),
                        help="seeds, preset or many (repeat for several; default: all)")
    parser.add_argument("--sessions", type=int, help="sessions per scenario instead of its own count")
    parser.add_argument("--rev", action="append",
                        help=f"a git revision to serve, or '{TREE}' for the working tree; repeat to put "
                             f"them side by side (default: {TREE})")
    parser.add_argument("--json", type=Path, help="also write the rows (with every session's rate) here")
    args = parser.parse_args(argv)
    rows, text = main(tuple(args.rev or [TREE]), tuple(args.scenario or SCENARIOS), args.sessions)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=str))


if __name__ == "__main__":
    cli()
