"""Live charts and their pace: what one refresh of a live panel sends, and how often it may come.

No streamlit here (`explorer.ui` puts this on the page), no torch.

`LiveChart` (one per chart and session) remembers the figure the browser was last sent whole, its
*base* (JSON, under a random generation token `gen`), and answers each refresh with a small
payload: {"gen", "rev", "tail"} where `tail` holds, for each growing trace, the points from the
first one that differs from the base on: [trace, from, xs, ys] (and the trace's name when it
changed). Tails are cumulative since the base, so a payload that never reaches the browser costs
nothing: the next one carries the same points and more. `rev` moves when the tail does; a refresh
with nothing new sends the same payload, which the browser skips, and after TAIL_SENDS of them
only {"gen", "rev"} (a browser that lacks that revision asks again). A new base is made when the
figure's shape changes (a trace appears, a line is added), when a tail would pass TAIL_MAX points
(a bin stride doubled: every point moved), or, for a figure replaced whole (`show`), when it
changed. The figure JSON rides along ("figure") with the first BASE_SENDS payloads of a generation,
with every payload of a full script run (the page was drawn anew) and when the browser says it
lacks it. The growing curves are those of `explorer.figures.training` (see `Curve` there).

`Pace` (one per server) sets how often each live panel may refresh, from what the refreshes cost.
"""

from __future__ import annotations

import json
import math
import secrets
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

TAIL_MAX = 200  # points a trace's tail may hold before the figure is sent whole again
BASE_SENDS = 1  # payloads of a new generation that carry the figure (a browser that missed it asks)
TAIL_SENDS = 3  # payloads that carry the same tail; after that, {gen, rev} alone until it moves
_UNSET = object()
SKELETONS = 256  # curves' figure skeletons kept, shared by every chart (see LiveChart._skeleton)
_SKELETONS: dict[Hashable, tuple[str, list[dict]]] = {}
_SKELETONS_LOCK = threading.Lock()


def plain(values: np.ndarray) -> list[float | None]:
    """Numbers as JSON has them: None (a gap) for NaN and infinities."""
    return [v if math.isfinite(v) else None for v in np.asarray(values, dtype=float).tolist()]


def first_change(old_x: np.ndarray, old_y: np.ndarray, x: np.ndarray, y: np.ndarray) -> int:
    """The index of the first point of (x, y) that is not the same point of (old_x, old_y)."""
    n = min(len(old_x), len(x))
    with np.errstate(invalid="ignore"):
        same = (old_x[:n] == x[:n]) & ((old_y[:n] == y[:n]) | (np.isnan(old_y[:n]) & np.isnan(y[:n])))
    changed = np.flatnonzero(~same)
    return int(changed[0]) if len(changed) else n


class LiveChart:
    """One live chart of one session: its base, its tail, and the payload of the next refresh."""

    def __init__(self, curve=None, source=None):
        self.curve, self.source = curve, source  # a growing curve, and what it draws (a run)
        self.version, self.since = _UNSET, 0.0  # a whole figure's version, and when it was made
        self.gen, self.rev, self.tail = "", 0, []
        self.figure = ""  # the base, as JSON
        self._shape = _UNSET
        self._layout, self._traces = "", []  # a curve's figure: layout JSON, traces without points
        self._base: list[tuple[np.ndarray, np.ndarray, str]] = []  # a curve's traces in the base
        self._carried = 0  # payloads of this generation that carried the figure
        self._repeats = 0  # payloads that carried this generation's tail at this revision
        self._last = ("", -1)  # (gen, rev) of the last payload
        self.moved = False  # whether the last payload brought the browser something new

    def follows(self, curve, source) -> bool:
        """Whether this chart goes on drawing `curve` (same settings) of `source` (the same run)."""
        return self.curve is not None and self.source is source and self.curve.spec == curve.spec

    def feed(self, *columns) -> bool | None:
        """The curve takes the rows that are new (see `Curve.feed`); the tail follows."""
        taken = self.curve.feed(*columns)
        if taken or (taken is not None and not self.gen):
            self._update()
        return taken

    def show(self, figure_json: str, version: Hashable = None, now: float = 0.0) -> None:
        """A figure replaced whole (no tails): a new generation when it differs from the base."""
        self.version, self.since = version, now
        if figure_json != self.figure:
            self._new_base(figure_json)

    def stale(self, version: Hashable, now: float, every: float) -> bool:
        """Whether a whole figure of `version` should replace the base: a version moved at least
        `every` seconds after the last (None: always)."""
        return (self.version is _UNSET or version is None
                or (self.version != version and now - self.since >= every))

    def payload(self, whole: bool = False) -> dict:
        """What this refresh sends: the figure when `whole` or the generation is new; the tail
        until it has gone out TAIL_SENDS times (a browser that still lacks it asks)."""
        self.moved = (self.gen, self.rev) != self._last
        self._last, self._repeats = (self.gen, self.rev), 0 if self.moved else self._repeats
        data = {"gen": self.gen, "rev": self.rev}
        if whole or self._carried < BASE_SENDS:
            self._carried += 1
            data["figure"] = self.figure
        if whole or self._repeats < TAIL_SENDS:
            self._repeats += 1
            data["tail"] = self.tail
        return data

    def answer(self, have: str = "") -> dict:
        """What a browser that holds `have` ("gen:rev", as it last drew) lacks: the figure when it
        has another generation, the tail when another revision, else {"gen", "rev"} alone. No
        state is kept: a browser asks for this in turn (a feed, `explorer.feeds`)."""
        self.moved = have != f"{self.gen}:{self.rev}"
        data = {"gen": self.gen, "rev": self.rev}
        if have.partition(":")[0] != self.gen:
            data["figure"] = self.figure
        if self.moved:
            data["tail"] = self.tail
        return data

    def _update(self) -> None:
        shape, series = self.curve.shape(), self.curve.series()
        if shape != self._shape or not self.gen:
            self._shape = shape
            self._skeleton(shape, len(series))
            self._rebase(series)
            return
        tail = []
        for t, ((x, y, name), (old_x, old_y, old_name)) in enumerate(zip(series, self._base, strict=True)):
            start = first_change(old_x, old_y, x, y)
            if len(x) - start > TAIL_MAX:
                self._rebase(series)
                return
            if start < len(x) or len(x) != len(old_x) or name != old_name:
                renamed = [name] if name != old_name else []
                tail.append([t, start, plain(x[start:]), plain(y[start:]), *renamed])
        if tail != self.tail:
            self.tail, self.rev = tail, self.rev + 1

    def _skeleton(self, shape, growing: int) -> None:
        """Keep the figure's layout and its traces' attributes; the points come from `series`.
        They follow from the curve's kind, settings and shape alone (not its points), so every
        chart of the same ones shares them: a classroom watching one run builds each figure once."""
        key = (type(self.curve).__qualname__, self.curve.spec, shape, growing)
        try:
            with _SKELETONS_LOCK:
                kept = _SKELETONS.get(key)
        except TypeError:  # settings that cannot be a key: built for this chart alone
            key, kept = None, None
        if kept is None:
            whole = json.loads(self.curve.figure().to_json(validate=False))
            kept = (json.dumps(whole.get("layout", {}), separators=(",", ":")), whole["data"])
            if len(kept[1]) != growing:
                raise ValueError(f"the figure has {len(kept[1])} traces but the curve {growing} series")
            if key is not None:
                with _SKELETONS_LOCK:
                    _SKELETONS[key] = kept
                    while len(_SKELETONS) > SKELETONS:
                        del _SKELETONS[next(iter(_SKELETONS))]
        self._layout, self._traces = kept

    def _rebase(self, series) -> None:
        data = [dict(trace, x=plain(x), y=plain(y), name=name)
                for trace, (x, y, name) in zip(self._traces, series, strict=True)]
        self._base = list(series)
        self.tail = []
        points = json.dumps(data, separators=(",", ":"))
        self._new_base('{"data":' + points + ',"layout":' + self._layout + "}")

    def _new_base(self, figure_json: str) -> None:
        self.figure, self.gen, self.rev, self._carried = figure_json, secrets.token_hex(4), 0, 0


class LiveStatus:
    """A run's status line for a feed (`explorer.feeds.StatusFeed`): the last line shown (say
    `explorer.jobs.progress.progress_line`'s dict), under a revision that moves when it changes."""

    def __init__(self, source=None):
        self.source = source  # the run it tells of
        self.gen, self.rev, self.line = secrets.token_hex(4), 0, None
        self.moved = False  # whether the last answer brought the browser something new

    def show(self, line: dict) -> None:
        if line != self.line:
            self.line, self.rev = line, self.rev + 1

    def answer(self, have: str = "") -> dict:
        """{"gen", "rev"}, with the line when the browser, which holds `have`, lacks it."""
        self.moved = have != f"{self.gen}:{self.rev}"
        return {"gen": self.gen, "rev": self.rev, **({"status": self.line} if self.moved else {})}


class Column(Sequence):
    """One field of a list of row dicts (a run's per-step rows) as a sequence whose slices are
    made when asked: a curve that takes the rows past those it has seen reads only those."""

    def __init__(self, rows: Sequence[dict], name: str):
        self.rows, self.name = rows, name

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [row[self.name] for row in self.rows[index]]
        return self.rows[index][self.name]


# --- pace ---------------------------------------------------------------------------------------
LIVE_BUDGET = 0.8  # of one CPU core (a server's Python runs on about one: the GIL): all live refreshes
RERUN_OVERHEAD = 0.008  # CPU seconds Streamlit spends per fragment rerun besides the panel's own code
FEED_OVERHEAD = 0.001  # CPU seconds the server spends per feed request besides the answer itself
SATURATED = 0.85  # the server process's CPU (all its threads, in cores) past which every interval stretches
RELAXED = 0.6  # ... and under which that stretch eases off
STRETCH_STEP = 1.25  # the measured stretch's step, each second
WALL_FACTOR = 3.0  # a panel refreshes at most every this many times its refresh's own duration
MAX_INTERVAL = 5.0  # seconds: the slowest a live panel refreshes
STALE_SECONDS = 3.0  # a panel not heard of for this long (and 3 of its intervals) has gone
EMA = 0.1  # weight of the latest refresh in a panel's running cost (a probe view's rebuild is a spike)
QUIET_REFRESHES, QUIET_DOUBLINGS = 3, 2  # refreshes with nothing new double the interval, up to 4×
BACKLOG_STRETCH = 4.0  # every interval, while page views and clicks wait for the server (a backlog)


@dataclass
class _Panel:
    cpu: float  # CPU seconds per refresh (running mean)
    wall: float  # seconds per refresh, start to end (running mean)
    seen: float
    interval: float
    quiet: int = 0  # refreshes in a row that brought nothing new
    overhead: float = RERUN_OVERHEAD  # the server's work around the panel's own code, per refresh
    floor: float = 0.2  # its own pace on an idle server


class Pace:
    """How often each live panel may refresh, server-wide, from what the refreshes cost.

    Each panel refreshes every `floor` seconds (its own: a fragment's, a feed's) while the server
    is idle. Past that, every interval stretches by the same factor, the larger of two:
    - the estimate: what the panels' refreshes would take of a CPU core if each refreshed at its
      floor (its code's CPU per refresh, measured, plus `overhead` for the server's own work around
      it: a fragment rerun's thread, widget states and messages, about 8 ms for the Train page on
      a 2-core server, `benchmarks/live_cost.py`; a feed request's, about 1 ms), over `budget`;
    - the measurement: while the server process uses more than SATURATED of a core all the same
      (page loads, clicks, the estimate's misses), a factor that grows by STRETCH_STEP (times the
      overload) each second, and shrinks back by it each second the process is under RELAXED. It
      grows step by step because a process held by its GIL never shows more than about a core,
      however far past it the demand is.
    So N sessions slow each other down smoothly instead of queueing, and the CPU that is not the
    panels' (a classroom's training bookkeeping) does not count as theirs. While page views and
    clicks wait for the server (`backlog()` > 0: a classroom pressing Train at once), every interval
    is at least BACKLOG_STRETCH times its floor, so that they go first. Never shorter than
    WALL_FACTOR times the panel's own refresh: a poll that arrives while the last refresh still
    runs is queued behind it, and Streamlit then drops the unsent output of the one before (what
    made the updates collapse under load). The interval is one of floor · 2^(i/4), so it changes
    (and is told to the browser) in steps: up at once, down only when two steps lower. A panel
    whose refreshes bring nothing new (a paused or queued run) doubles its interval every
    QUIET_REFRESHES of them, at most QUIET_DOUBLINGS times, and is back at full pace with the first
    that brings something.
    """

    def __init__(self, budget: float = LIVE_BUDGET, ceiling: float = MAX_INTERVAL,
                 clock: Callable[[], float] = time.monotonic,
                 cpu_clock: Callable[[], float] = time.process_time,
                 backlog: Callable[[], int] = lambda: 0):
        self.budget, self.ceiling, self.clock, self.cpu_clock = budget, ceiling, clock, cpu_clock
        self.backlog = backlog  # scripts waiting for the server now (`explorer.ui.slots.waiting`)
        self._panels: dict[Hashable, _Panel] = {}
        self._lock = threading.Lock()
        self.busy = 0.0  # the process's CPU, in cores, over the last second or so
        self.stretch = 1.0  # the measurement's factor (see the class)
        self._since = (clock(), cpu_clock())

    def record(self, panel: Hashable, cpu: float, wall: float, floor: float, moved: bool = True,
               overhead: float = RERUN_OVERHEAD) -> float:
        """A refresh of `panel` took `cpu` CPU seconds and `wall` seconds (and brought something new,
        or not); its interval from now on. `overhead`: the server's own work per refresh besides
        the panel's code (a fragment rerun's, RERUN_OVERHEAD; a feed's answer, FEED_OVERHEAD)."""
        with self._lock:
            now, kept = self.clock(), self._panels.get(panel)
            if kept is None:  # a first refresh builds what the next ones reuse (a chart's figure, 15 ms
                # where a feed's answers then take 0.2): counted at first as no more than its overhead
                self._panels[panel] = _Panel(min(cpu, overhead), wall, now, floor, 0 if moved else 1,
                                             overhead, floor)
            else:
                kept.cpu += EMA * (cpu - kept.cpu)
                kept.wall += EMA * (wall - kept.wall)
                kept.seen, kept.quiet, kept.floor = now, 0 if moved else kept.quiet + 1, floor
        return self.interval(panel, floor)

    def interval(self, panel: Hashable, floor: float) -> float:
        with self._lock:
            now = self.clock()
            gone = [k for k, p in self._panels.items() if now - p.seen > max(STALE_SECONDS, 3 * p.interval)]
            for key in gone:
                del self._panels[key]
            self._measure(now)
            load = sum((p.cpu + p.overhead) / _quieted(p.floor, p.quiet) for p in self._panels.values())
            own = self._panels.get(panel)
            if own is not None:
                floor = _quieted(floor, own.quiet)
            seconds = max(floor * max(1.0, load / self.budget) * self.stretch,
                          WALL_FACTOR * own.wall if own else 0.0,
                          floor * BACKLOG_STRETCH if self.backlog() else 0.0)
            seconds = step_up(min(seconds, self.ceiling), floor)
            if own is not None:
                if seconds < own.interval and seconds > own.interval * 2 ** -0.5:
                    seconds = own.interval  # down only by two steps at once: no flapping between two
                own.interval = seconds
            return seconds

    def _measure(self, now: float) -> None:
        """`busy`: the process's CPU over the last second (a running mean), all threads; and the
        measurement's stretch, a step up or down."""
        then, cpu = self._since
        if now - then >= 1.0:
            spent = self.cpu_clock()
            self.busy += 0.5 * ((spent - cpu) / (now - then) - self.busy)
            if self.busy > SATURATED:
                self.stretch = min(self.ceiling, self.stretch * STRETCH_STEP * self.busy / SATURATED)
            elif self.busy < RELAXED:
                self.stretch = max(1.0, self.stretch / STRETCH_STEP)
            self._since = (now, spent)

    def panels(self) -> int:
        with self._lock:
            return len(self._panels)


def _quieted(floor: float, quiet: int) -> float:
    """A panel's floor after `quiet` refreshes in a row with nothing new."""
    return floor * 2 ** min(quiet // QUIET_REFRESHES, QUIET_DOUBLINGS)


def step_up(seconds: float, floor: float) -> float:
    """The smallest floor · 2^(i/4) (i ≥ 0) at least `seconds`, to the millisecond."""
    if seconds <= floor:
        return floor
    return round(floor * 2 ** (math.ceil(4 * math.log2(seconds / floor) - 1e-9) / 4), 3)
