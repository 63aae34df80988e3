"""A Streamlit session without a browser: the websocket protocol as the installed frontend speaks it.

Read from streamlit 1.67's protos and its bundled frontend (`streamlit/static/static/js/index.*.js`:
`sendRerunBackMsg`, `handleAutoRerun`, `ForwardMessageCache`, `WidgetStateManager`) and checked
against the frames a real Chromium exchanges with the app. What the browser does, this does:

1. GET `/_stcore/health` (it sets the `_streamlit_xsrf` cookie) and `/_stcore/host-config`.
2. Open `ws://host/_stcore/stream` with subprotocols `["streamlit", <cookie value>]`, the cookie and
   an Origin header.
3. Send a rerun: the page's query string, empty widget states, the URL path as `page_name`, the
   browser's context (timezone, locale, URL). Later reruns carry the page's script hash (from
   `navigation`) and the query string the server last set (`page_info_changed`).
4. Cache every ForwardMsg marked `metadata.cacheable` by its hash; resolve `ref_hash` from that
   cache (a miss is fatal in the browser, an error here); age entries by finished script runs
   (`max_cached_message_age`, per fragment for fragment runs); list the cached hashes in every rerun.
5. Hold each widget's value as the frontend registers it on mount (selectbox, slider, checkbox,
   number_input: the default, or the value the server sets; a text_input commits only on blur, so
   it is not sent) and send them all with every rerun, dropping widgets a finished run no longer
   drew; a button press is one rerun that adds `trigger_value` for the button's id.
6. Live charts whose data name a feed (`explorer/feeds.py`, where serve.py serves them) ask for
   their points themselves, together, as `live_chart.js` does: GET
   `/_explorer/feed?f=<token>:<gen>:<rev>&f=…`, one request at a time, again after the answers'
   `every` seconds while the panel is live; a new delivery of a chart (a new `at`) asks once more.
   Each answer goes to `on_feed`.
7. On `auto_rerun` (fragment id, interval) run a fixed-rate timer, like the browser's setInterval,
   that sends a rerun with `fragment_id` and `is_auto_rerun` each interval whether or not the last
   one has finished. A full run's `new_session` clears every timer, `stop_auto_rerun` the ones it
   names; an `auto_rerun` repeating a fragment's interval keeps its timer.

Subclasses see every element delivered (`on_element`), every feed answer (`on_feed`) and every
finished run (`on_finished`); the
session records round trips (rerun sent → the next run that started after it finishes; a
websocket ping → its pong, a probe the browser does not send) and errors.
"""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import quote, urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

XSRF_COOKIE = "_streamlit_xsrf"
CONTEXT = {"timezone": "UTC", "timezone_offset": 0, "locale": "en-US", "is_embedded": False,
           "color_scheme": "light"}  # what headless Chromium reports
FINISHED_OK = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
MOUNTED = ("selectbox", "slider", "checkbox", "number_input")  # widgets that send a value on mount


def _feed_data(text: str) -> dict | None:
    """A live chart's component data when it names a feed, else None."""
    if '"feed"' not in text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("feed"), str) else None


def element_key(element_id: str) -> str | None:
    """The user key of a generated element id (`$$ID-<hash>-<key>`), or None."""
    parts = element_id.split("-", 2)
    return parts[2] if element_id.startswith("$$ID-") and len(parts) == 3 and parts[2] != "None" else None


def mount_value(kind: str, w, old: WidgetState | None) -> WidgetState | None:
    """The state the frontend holds for widget proto `w`: kept once set, replaced by `set_value`."""
    if old is not None and not w.set_value:
        return old
    s = WidgetState(id=w.id)
    if kind == "selectbox":
        if w.set_value and w.raw_value:
            s.string_value = w.raw_value
        elif 0 <= w.default < len(w.options):
            s.string_value = w.options[w.default]
        else:
            return old
    elif kind == "slider" and w.type == Slider.SELECT_SLIDER:
        s.string_array_value.data[:] = (list(w.raw_value) if w.set_value else
                                        [w.options[int(i)] for i in w.default if 0 <= i < len(w.options)])
    elif kind == "slider":
        s.double_array_value.data[:] = list(w.value if w.set_value else w.default)
    elif kind == "checkbox":
        s.bool_value = w.value if w.set_value else w.default
    elif kind == "number_input":
        value = w.value if w.set_value else w.default
        if w.data_type == w.INT:
            s.int_value = int(value)
        else:
            s.double_value = value
    return s


async def http_get(host: str, port: int, path: str, timeout: float = 30.0) -> tuple[int, dict[str, str]]:
    """Status and cookies set by one HTTP/1.1 GET (the stdlib has no async client)."""
    status, cookies, _ = await http_fetch(host, port, path, timeout)
    return status, cookies


async def http_fetch(host: str, port: int, path: str,
                     timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """Status, cookies and body of one HTTP/1.1 GET (a connection each: the client stays small)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        head, _, body = (await asyncio.wait_for(reader.read(), timeout)).partition(b"\r\n\r\n")
    finally:
        writer.close()
    lines = head.decode("latin-1").split("\r\n")
    cookies = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "set-cookie":
            pair = value.strip().split(";", 1)[0]
            cookies[pair.split("=", 1)[0]] = pair.split("=", 1)[1].strip('"')
    return int(lines[0].split()[1]), cookies, body


class Session:
    """One browser tab on `url` (e.g. `http://127.0.0.1:8501/?seed=3`), driven through its websocket."""

    def __init__(self, url: str, name: str = ""):
        parts = urlsplit(url)
        self.name, self.host, self.port = name or url, parts.hostname, parts.port or 80
        self.page_url, self.query, self.path = f"{parts.scheme}://{parts.netloc}/", parts.query, parts.path
        self.ws = self.reader = None
        self.page_hash = ""
        self.cache: dict[str, list] = {}  # hash -> [bytes, run count when last used, fragment id]
        self.cache_runs, self.max_age = 0, 2
        self.new_session_seen = False  # since the last rerun sent (the frontend's hasReceivedNewSession)
        self.widgets: dict[str, list] = {}  # widget id -> [WidgetState, run id, fragment id]
        self.ids: dict[str, tuple[str, str, bool]] = {}  # key -> (widget id, fragment id, disabled)
        self.timers: dict[str, tuple[float, asyncio.Task]] = {}  # fragment id -> (interval, task)
        self.run_id, self.run_fragments = "", []
        self.pending: list[float] = []  # send times of reruns not yet answered
        self.started: list[float] = []  # ... of those whose answering run has started
        self.round_trips: list[tuple[float, float, bool]] = []  # (sent, seconds, was a fragment rerun)
        self.fragment_sends: set[float] = set()
        self.ping_sent: float | None = None  # the ping awaiting its pong
        self.pings: list[float] = []  # round trips of answered pings
        self.errors: list[tuple[float, str]] = []
        self.full_runs_finished = 0
        self.closing = False
        self.feeds: dict[str, dict] = {}  # chart key -> {"token", "have", "live", "again"}
        self.asking: asyncio.Task | None = None  # the one loop that asks for the page's feeds

    # --- hooks --------------------------------------------------------------------------------
    def on_element(self, kind: str, key: str | None, element, msg_hash: str, fragment_id: str,
                   now: float) -> None:
        """An element delivered by a delta (new or resolved from a ref_hash)."""

    def on_feed(self, key: str, data: dict, moved: bool, now: float) -> None:
        """A feed's answer for the chart keyed `key`; `moved`: it brought something new to draw."""

    def on_finished(self, status: int, fragment_ids: list[str], now: float) -> None:
        """A script run (full, or of `fragment_ids`) ended with `status` (ForwardMsg.ScriptFinishedStatus)."""

    def error(self, text: str) -> None:
        self.errors.append((time.monotonic(), text))

    # --- talking --------------------------------------------------------------------------------
    async def connect(self, timeout: float = 30.0) -> None:
        """Health check, websocket, and the page's first rerun; the reader runs as a task."""
        status, cookies = await http_get(self.host, self.port, "/_stcore/health", timeout)
        if status != 200 or XSRF_COOKIE not in cookies:
            raise RuntimeError(f"health check answered {status}, cookies {sorted(cookies)}")
        await http_get(self.host, self.port, "/_stcore/host-config", timeout)
        token = cookies[XSRF_COOKIE]
        self.ws = await connect(f"ws://{self.host}:{self.port}/_stcore/stream", origin=self.page_url[:-1],
                                subprotocols=["streamlit", token], proxy=None, ping_interval=None,
                                additional_headers={"Cookie": f"{XSRF_COOKIE}={token}"},
                                max_size=None, open_timeout=timeout)
        self.reader = asyncio.create_task(self._read(), name=f"read {self.name}")
        await self.rerun(first=True)

    async def rerun(self, fragment_id: str = "", auto: bool = False, trigger: str | None = None,
                    first: bool = False) -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.widget_states.SetInParent()
        state.widget_states.widgets.extend(w[0] for w in self.widgets.values())
        if trigger:
            state.widget_states.widgets.append(WidgetState(id=trigger, trigger_value=True))
        if first:
            state.page_name = self.path.strip("/")
        else:
            state.page_script_hash = self.page_hash
        if fragment_id:
            state.fragment_id, state.is_auto_rerun = fragment_id, auto
        state.cached_message_hashes.extend(self.cache)
        for name, value in CONTEXT.items():
            setattr(state.context_info, name, value)
        state.context_info.url = self.page_url
        await self._send(msg)
        now = time.monotonic()
        self.pending.append(now)
        if fragment_id:
            self.fragment_sends.add(now)
        self.new_session_seen = False

    async def press(self, key: str) -> bool:
        """Click the button keyed `key` as the browser does; False if it is not drawn or disabled."""
        widget_id, fragment_id, disabled = self.ids.get(key, ("", "", True))
        if not widget_id or disabled:
            return False
        await self.rerun(fragment_id, trigger=widget_id)
        return True

    async def ping(self) -> None:
        """A websocket ping, awaited until its pong: the lightest round trip through the server's
        event loop (the loop that also runs Streamlit's message handling). Not an app heartbeat:
        its ack carries no id, and the server discards it with its other unsent messages when a
        full run starts."""
        self.ping_sent = time.monotonic()
        try:
            await (await self.ws.ping())
        except ConnectionClosed:
            return
        self.pings.append(time.monotonic() - self.ping_sent)
        self.ping_sent = None

    async def close(self) -> None:
        self.closing = True
        for _, task in self.timers.values():
            task.cancel()
        if self.asking is not None:
            self.asking.cancel()
        if self.ws is not None:
            await self.ws.close()
            await asyncio.gather(self.reader, return_exceptions=True)

    async def _send(self, msg: BackMsg) -> None:
        try:
            await self.ws.send(msg.SerializeToString())
        except ConnectionClosed as exc:
            if not self.closing:
                self.error(f"websocket closed while sending: {exc}")

    # --- listening ------------------------------------------------------------------------------
    async def _read(self) -> None:
        try:
            async for data in self.ws:
                self._handle(data, time.monotonic())
            reason = "the server closed the websocket"
        except ConnectionClosed as exc:
            reason = f"websocket closed: {exc}"
        except Exception as exc:  # noqa: BLE001 - the browser resets its connection on any of these
            reason = f"{type(exc).__name__}: {exc}"
        if not self.closing:
            self.error(reason)
            for _, task in self.timers.values():
                task.cancel()

    def _handle(self, data: bytes, now: float) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache.get(msg.ref_hash)
            if cached is None:
                return self.error(f"Cached ForwardMsg MISS [hash={msg.ref_hash}]")
            cached[1] = self.cache_runs
            metadata = msg.metadata
            msg = ForwardMsg()
            msg.ParseFromString(cached[0])
            msg.metadata.CopyFrom(metadata)
            kind = msg.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            if msg.hash in self.cache:
                self.cache[msg.hash][1] = self.cache_runs  # the frontend's lookup refreshes its age
            else:
                self.cache[msg.hash] = [data, self.cache_runs, msg.delta.fragment_id]
        if kind == "delta":
            self._delta(msg, now)
        elif kind == "new_session":
            self._new_session(msg, now)
        elif kind == "script_finished":
            self._finished(msg, now)
        elif kind == "navigation":
            self.page_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self._auto_rerun(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                self._stop_timer(fragment_id)
        elif kind == "page_not_found":
            self.error(f"page not found: {msg.page_not_found.page_name}")

    def _delta(self, msg: ForwardMsg, now: float) -> None:
        if msg.delta.WhichOneof("type") != "new_element":
            return
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        proto = getattr(element, kind)
        fragment_id = msg.delta.fragment_id
        widget_id = getattr(proto, "id", "")
        key = element_key(widget_id) if widget_id else None
        if key:
            self.ids[key] = (widget_id, fragment_id, bool(getattr(proto, "disabled", False)))
        if kind in MOUNTED:
            old = self.widgets.get(widget_id)
            state = mount_value(kind, proto, old[0] if old else None)
            if state is not None:
                self.widgets[widget_id] = [state, self.run_id, fragment_id]
        elif kind == "exception":
            self.error(f"exception shown: {proto.type}: {proto.message[:200]}")
        if key and (data := _feed_data(getattr(proto, "json", ""))) is not None:
            self._follow(key, data)
        self.on_element(kind, key, proto, msg.hash, fragment_id, now)

    # --- feeds ----------------------------------------------------------------------------------
    def _follow(self, key: str, data: dict) -> None:
        feed = self.feeds.setdefault(key, {"have": "None:None"})
        if feed.get("token") != data["feed"]:
            feed["token"], feed["have"] = data["feed"], "None:None"
        if "status" in data:  # a status line draws the line its data brings, as the browser does
            feed["have"] = f"{data.get('gen')}:{data.get('rev')}"
        feed["live"], feed["again"] = bool(data.get("live")), True
        if self.asking is None and not self.closing:
            self.asking = asyncio.create_task(self._ask(), name=f"feeds {self.name}")

    async def _ask(self) -> None:
        """The page's charts ask together, one request at a time (as live_chart.js does)."""
        try:
            while not self.closing:
                due = {key: feed for key, feed in self.feeds.items() if feed["again"]}
                if not due:
                    return
                asked = time.monotonic()
                query = "&".join(f"f={quote(feed['token'])}:{quote(feed['have'])}" for feed in due.values())
                for feed in due.values():
                    feed["again"] = False
                try:
                    status, _, body = await http_fetch(self.host, self.port, f"/_explorer/feed?{query}")
                except (TimeoutError, OSError) as exc:
                    return self.error(f"feed request failed: {type(exc).__name__}: {exc}")
                if status != 200:
                    return self.error(f"feed request answered {status}")
                answers, now, every = json.loads(body), time.monotonic(), None
                for key, feed in due.items():
                    data = answers.get(feed["token"])
                    if data is None:
                        continue  # forgotten, or the chart switched feeds meanwhile
                    drawn = f"{data['gen']}:{data['rev']}"
                    moved, feed["have"] = drawn != feed["have"], drawn
                    self.on_feed(key, data, moved, now)
                    if data.get("every") is not None and feed["live"]:
                        feed["again"] = True
                        every = data["every"] if every is None else min(every, data["every"])
                if every is not None:
                    await asyncio.sleep(max(0.0, every - (time.monotonic() - asked)))
        finally:
            self.asking = None

    def _new_session(self, msg: ForwardMsg, now: float) -> None:
        self.new_session_seen = True
        self.run_id, self.run_fragments = msg.metadata.run.script_run_id, list(msg.metadata.run.fragment_ids)
        self.max_age = msg.new_session.config.max_cached_message_age or self.max_age
        if not self.run_fragments:
            for fragment_id in list(self.timers):
                self._stop_timer(fragment_id)
            self.page_hash = msg.new_session.page_script_hash or self.page_hash
        self.started += self.pending
        self.pending = []

    def _finished(self, msg: ForwardMsg, now: float) -> None:
        status, run = msg.script_finished, msg.metadata.run
        fragments = list(run.fragment_ids)
        for sent in self.started:
            self.round_trips.append((sent, now - sent, sent in self.fragment_sends))
            self.fragment_sends.discard(sent)
        self.started = []
        if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
            self.error("the script failed to compile")
        if status in FINISHED_OK and run.script_run_id:
            self.full_runs_finished += not fragments
            # the frontend drops elements (and their widgets' states) the finished run did not draw
            self.widgets = {i: w for i, w in self.widgets.items()
                            if w[1] == run.script_run_id or (fragments and w[2] not in fragments)}
        if run.script_run_id and status != ForwardMsg.FINISHED_EARLY_FOR_RERUN and self.new_session_seen:
            self.cache_runs += 1
            for h, (_, used, fragment_id) in list(self.cache.items()):
                if (not fragments or fragment_id in fragments) and self.cache_runs - used > self.max_age:
                    del self.cache[h]
        self.on_finished(status, fragments, now)

    def _auto_rerun(self, fragment_id: str, interval: float) -> None:
        if not fragment_id or (fragment_id in self.timers and self.timers[fragment_id][0] == interval):
            return
        self._stop_timer(fragment_id)
        self.timers[fragment_id] = (interval, asyncio.create_task(self._tick(fragment_id, interval)))

    def _stop_timer(self, fragment_id: str) -> None:
        timer = self.timers.pop(fragment_id, None)
        if timer is not None:
            timer[1].cancel()

    async def _tick(self, fragment_id: str, interval: float) -> None:
        """setInterval: a rerun of the fragment every `interval` s, finished or not; no catching up."""
        due = time.monotonic() + interval
        while not self.closing:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            await self.rerun(fragment_id, auto=True)
            due = max(due + interval, time.monotonic())
