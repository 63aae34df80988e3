"""Feeds: a live chart's browser asks for the points it lacks, instead of a panel rerun sending them.

A fragment rerun costs Streamlit about 8 ms of server CPU whatever it draws (its thread, every
widget's state, a message per element), and a live panel reran five times a second for its curves.
A feed is one growing chart (`LiveChart` with its `Curve`) of one session, under a random token:
the page's charts ask together, ``GET /_explorer/feed?f=<token>:<gen>:<rev>&f=…`` (what each last
drew), and each gets what it lacks (`LiveChart.answer`) and when to ask again (`Pace`, as for live
panels), or no time while its run is not live. They ask again only once the answer is in, so no
answer is ever thrown away by the next. The live panel around it reruns about once a second for the rest (the
status line, the probe's views).

A run's status line can ride along (`StatusFeed`): the page's status line then says "Training",
the step and the time left as often as its charts move, while the panel reruns seldom.

A token is made per session and chart, and only that session's page is sent it; a feed not asked
for (and not offered again) for IDLE_SECONDS is forgotten, and there are at most LIMIT of them.
No streamlit here: `explorer.ui.charts` offers the feeds, `explorer.ui.feed_route` serves them.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from explorer.live import FEED_OVERHEAD, LiveChart, LiveStatus, Pace

FEED_SECONDS = 0.2  # the fastest a chart asks (a panel's REFRESH_SECONDS)
IDLE_SECONDS = 120.0  # a feed neither asked for nor offered for this long is forgotten
LIMIT = 4096  # feeds kept at most (the oldest go first): each holds a curve of ≤ 2 × MAX_POINTS


class Feed:
    """One live curve of one session: its chart, and how to read its run's columns now."""

    def __init__(self, chart: LiveChart, curve, source: Callable[[], Any], columns: Callable[[Any], tuple]):
        self.chart, self.source, self.columns = chart, source, columns
        self.blank = copy.deepcopy(curve)  # for a new chart when the columns start over
        self.lock = threading.Lock()
        self.seen = 0.0  # when it was last asked for or offered (Feeds' clock)

    def answer(self, have: str, snap: Any = None) -> tuple[dict, bool]:
        """What the browser that drew `have` lacks, and whether the run is live (it asks again).
        `snap`: the run's snapshot, when the caller already took it (the page's other charts)."""
        with self.lock:
            snap = self.source() if snap is None else snap
            columns = self.columns(snap)
            if self.chart.feed(*columns) is None:  # another series: start the chart over
                self.chart = LiveChart(copy.deepcopy(self.blank), self.chart.source)
                self.chart.feed(*columns)
            return self.chart.answer(have), bool(getattr(snap, "active", False))

    def keeps(self, chart) -> bool:
        """Whether this feed goes on for `chart`, offered again (same settings, same run)."""
        return isinstance(chart, LiveChart) and self.chart.follows(chart.curve, chart.source)


class StatusFeed:
    """A run's status line (`LiveStatus`) of one session: `line(snapshot)` says it now."""

    def __init__(self, status: LiveStatus, source: Callable[[], Any], line: Callable[[Any], dict]):
        self.chart, self.source, self.line = status, source, line
        self.lock = threading.Lock()
        self.seen = 0.0

    def answer(self, have: str, snap: Any = None) -> tuple[dict, bool]:
        """As `Feed.answer`; a paused run's line is asked on too (a Step may move it)."""
        with self.lock:
            snap = self.source() if snap is None else snap
            self.chart.show(self.line(snap))
            return self.chart.answer(have), bool(getattr(snap, "live", getattr(snap, "active", False)))

    def keeps(self, status: LiveStatus) -> bool:
        return self.chart is status


class Feeds:
    """The server's feeds by token; each session's by (session, chart key)."""

    def __init__(self, pace: Pace, limit: int = LIMIT, idle: float = IDLE_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.pace, self.limit, self.idle, self.clock = pace, limit, idle, clock
        self.served = False  # whether a route answers them (serve.py); else charts ride in reruns
        self._by_token: dict[str, Feed | StatusFeed] = {}
        self._tokens: dict[tuple[Hashable, str], str] = {}  # (session, key) -> token
        self._lock = threading.Lock()

    def offer(self, session: Hashable, key: str, chart: LiveChart, curve, source: Callable[[], Any],
              columns: Callable[[Any], tuple]) -> str:
        """The token of `session`'s chart `key`: the same while it draws the same `chart` object,
        a new one (the old one forgotten) when the chart is replaced."""
        return self._offer(session, key, chart, lambda: Feed(chart, curve, source, columns))

    def offer_status(self, session: Hashable, key: str, status: LiveStatus, source: Callable[[], Any],
                     line: Callable[[Any], dict]) -> str:
        """The token of `session`'s status line `key` (see `offer`)."""
        return self._offer(session, key, status, lambda: StatusFeed(status, source, line))

    def _offer(self, session: Hashable, key: str, chart, make: Callable[[], Feed | StatusFeed]) -> str:
        with self._lock:
            now = self.clock()
            token = self._tokens.get((session, key))
            kept = self._by_token.get(token) if token else None
            if kept is not None and kept.keeps(chart):
                kept.seen = now
                return token
            self._by_token.pop(token, None)
            self._sweep(now)
            token = secrets.token_urlsafe(16)
            feed = make()
            feed.seen = now
            self._by_token[token], self._tokens[(session, key)] = feed, token
            return token

    def answer(self, token: str, have: str = "") -> dict | None:
        """The feed's answer with "every" (seconds until the browser asks again; None: not live),
        or None for a token this server does not know (forgotten, or never made)."""
        return self.answer_many([(token, have)]).get(token)

    def answer_many(self, asked: list[tuple[str, str]]) -> dict[str, dict]:
        """Answers for several (token, have) at once (a page's charts ask together: one request,
        and one snapshot per run they draw), by token; tokens this server does not know are left
        out. The server's own work on the request is shared among them (FEED_OVERHEAD)."""
        found = [(token, have, self._by_token.get(token)) for token, have in asked]
        found = [(token, have, feed) for token, have, feed in found if feed is not None]
        snaps: dict[Any, Any] = {}  # a run's snapshot, once per request
        answers = {}
        for token, have, feed in found:
            feed.seen = self.clock()
            cpu = time.thread_time()
            if feed.source not in snaps:
                snaps[feed.source] = feed.source()
            data, live = feed.answer(have, snaps[feed.source])
            # wall 0: a chart asks again only once answered, so no answer waits behind another
            data["every"] = self.pace.record(("feed", token), time.thread_time() - cpu, 0.0, FEED_SECONDS,
                                             moved=feed.chart.moved,
                                             overhead=FEED_OVERHEAD / len(found)) if live else None
            answers[token] = data
        return answers

    def drop(self, session: Hashable) -> None:
        """Forget a session's feeds (its tab closed)."""
        with self._lock:
            for (owner, key) in [k for k in self._tokens if k[0] == session]:
                self._by_token.pop(self._tokens.pop((owner, key)), None)

    def __len__(self) -> int:
        return len(self._by_token)

    def _sweep(self, now: float) -> None:
        stale = {t for t, f in self._by_token.items() if now - f.seen > self.idle}
        if len(self._by_token) - len(stale) >= self.limit:  # the oldest go too
            ranked = sorted(self._by_token, key=lambda t: self._by_token[t].seen)
            stale |= set(ranked[: len(self._by_token) - self.limit + 1])
        for token in stale:
            del self._by_token[token]
        for owner_key in [k for k, t in self._tokens.items() if t in stale]:
            del self._tokens[owner_key]
