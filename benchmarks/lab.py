"""The live lab under load: training speed in the app, time to the first point, a classroom.

1. App vs. headless: one config (LSTM, adding, T=50, hidden 64, batch 64, probe every 10)
   trained by `Trainer` in this process (one torch thread) and through a `JobLayer` with one
   worker process (warmed first by a tiny run, so imports are not counted), alternating, one
   seed per repetition so the pool's cache never replays. Rate = steps / wall seconds, from
   submit (worker start-up of the job included) and from the first step.
2. In a real browser (Playwright + Chromium on `streamlit run app.py`, loopback): from the click
   on Train to the first point of the loss chart, on the server's first page view (cold: the
   workers start with it) and in two later sessions (warm server); then the chart's updates per
   second during training, sampled in page JS every 20 ms.
3. A classroom: many browser sessions on one server, each at a share link's settings, all
   pressing Train at once, with a hard deadline. (a) presets shared by many sessions, so
   identical runs share one job; (b) one seed per session, so every session queues its own job.
   Per session: chart updates per second while its run trains, the wait until it says
   "Training", the time until "Finished", and any exception shown. CPU of the server, of its
   worker processes and of the browser (every Chromium process and Playwright's driver),
   from /proc. The pages are loaded before the press, one by one within a time budget: loading
   many tabs at once (a share link with `run=1`, which trains on load) costs Chromium several
   CPU-seconds per tab, and on two shared cores 27 such tabs drew nothing for a minute.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

import torch

from benchmarks.sampling import ProcSampler
from benchmarks.sampling import f as _f
from benchmarks.sampling import loadavg as _loadavg
from benchmarks.sampling import median as _median
from benchmarks.sampling import pct as _pct
from explorer import RunConfig, Trainer
from explorer.config import Limits
from explorer.jobs import JobLayer
from explorer.jobs.kind import TRAIN_LANE
from explorer.presets import PRESETS

ROOT = Path(__file__).resolve().parents[1]

# 1. app vs headless
HEADLESS_CONFIG = RunConfig(cell="lstm", task="adding", seq_len=50, hidden_size=64, batch_size=64,
                            probe_every=10, steps=120, device="cpu")
REPEATS, POOL_POLL_S, RUN_TIMEOUT_S = 5, 0.02, 120.0

# 2. first point and refresh
FIRST_POINT_QUERY = {"steps": "5000", "hidden_size": "32"}
PAGE_TIMEOUT_MS, FIRST_POINT_TIMEOUT_MS = 90_000, 90_000
SETTLE_S, REFRESH_WINDOW_S = 1.0, 5.0
# Each press in a new session. The 1st is the server's first page view (the workers start with
# it); with two workers the 2nd job goes to the other worker, so only the 3rd finds one that
# has trained before.
PRESSES = ("1st", "2nd", "3rd")

# 3. classroom
CLASS_PRESETS = ("quick-start", "parity-gru", "sentiment-lstm")
CLASS_SESSIONS, CLASS_LOAD_S, CLASS_WINDOW_S = 30, 40.0, 50.0
QUEUE_SESSIONS, QUEUE_STEPS, QUEUE_LOAD_S, QUEUE_WINDOW_S = 10, 200, 25.0, 40.0
CLASS_VIEWPORT = {"width": 900, "height": 700}
FINAL = ("Finished", "Stopped", "Diverged", "Could not train")
TARGET_RATIO, TARGET_REFRESH = 0.9, 4.0

# Runs in every page before Streamlit's own scripts: records, with epoch-ms timestamps, each
# change of the loss chart's data (length and last step), the first time each status word
# shows, queue places, the click on Train, and the first exception.
SAMPLER_JS = """
(() => {
  if (window.__lab) return;
  const now = () => performance.timeOrigin + performance.now();
  const lab = window.__lab = {origin: performance.timeOrigin, samples: [], status: {}, places: [],
                              clicks: [], exception: null, hidden: 0, ticks: 0, plotly: null,
                              mediaBytes: 0};
  performance.setResourceTimingBufferSize(5000);
  const words = ['Queued', 'Starting', 'Training', 'Paused', 'Finished', 'Stopped', 'Diverged',
                 'Could not train'];
  const out = [['o', performance.timeOrigin]];  // sent to window.__labReport when exposed
  document.addEventListener('click', () => {
    const t = now();
    lab.clicks.push(t);
    out.push(['c', t]);
  }, true);
  let last = null, lastPlace = null;
  setInterval(() => {
    const t = now();
    lab.ticks += 1;
    if (document.visibilityState !== 'visible') { lab.hidden += 1; out.push(['h', t]); }
    const chart = document.querySelector('.st-key-train_loss_chart .js-plotly-plot');
    const x = chart && chart._fullData && chart._fullData[0] && chart._fullData[0].x;
    if (x && x.length) {
      const key = x.length + ':' + x[x.length - 1];
      if (key !== last) {
        last = key;
        lab.samples.push([t, x.length, Number(x[x.length - 1])]);
        out.push(['s', t, x.length, Number(x[x.length - 1])]);
      }
    }
    const status = document.querySelector('[data-testid=stProgress]');
    const text = status ? status.textContent : '';
    for (const word of words) {
      if (text.includes(word) && !(word in lab.status)) { lab.status[word] = t; out.push(['w', t, word]); }
    }
    const place = text.match(/(\\d+) in the queue/);
    if (place) {
      lab.places.push(Number(place[1]));
      if (place[1] !== lastPlace) { lastPlace = place[1]; out.push(['q', t, Number(place[1])]); }
    }
    const error = document.querySelector('[data-testid=stException]');
    if (error && !lab.exception) {
      lab.exception = [t, error.textContent.slice(0, 300)];
      out.push(['e', t, lab.exception[1]]);
    }
    if (!lab.plotly) {  // the lazily loaded Plotly chunk, fetched when the page's first chart shows
      const e = performance.getEntriesByType('resource').find(r => r.name.includes('PlotlyChart'));
      if (e && e.responseEnd > 0) {
        lab.plotly = [performance.timeOrigin + e.startTime, e.duration, e.transferSize];
        out.push(['p', ...lab.plotly]);
      }
    }
    if (lab.ticks % 20 === 0) {  // bytes of media files (download buttons' data) fetched so far
      const media = performance.getEntriesByType('resource').filter(r => r.name.includes('/media/'));
      const bytes = media.reduce((sum, r) => sum + (r.transferSize || r.encodedBodySize || 0), 0);
      if (bytes !== lab.mediaBytes) { lab.mediaBytes = bytes; out.push(['m', t, bytes, media.length]); }
    }
    if (out.length && typeof window.__labReport === 'function') window.__labReport(out.splice(0));
  }, INTERVAL_MS);
})();
"""


# --- helpers ------------------------------------------------------------------------------
def _browser_module():
    """tests/browser.py (the StreamlitServer and Chromium helpers), imported from its folder."""
    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    import browser

    return browser


# --- 1. training steps/s: the app's worker pool vs. headless ---------------------------------
def _cpu_s(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


def _headless(cfg: RunConfig) -> dict:
    start, cpu = time.perf_counter(), time.process_time()
    trainer = Trainer(cfg)
    first = last = None
    for _ in trainer.fit():
        last = time.perf_counter()
        first = first or last
    return {"total_s": last - start, "stepping_s": last - first, "cpu_s": time.process_time() - cpu}


def _pooled(pool: JobLayer, cfg: RunConfig) -> dict:
    """Submit, then watch the run as a page would (but every 10 ms) until it shows every step."""
    (worker,) = pool.backend.pids(TRAIN_LANE)  # the layer has one training worker
    start, cpu, worker_cpu = time.perf_counter(), time.process_time(), _cpu_s(worker)
    run = pool.submit("train", cfg)
    first = None
    try:
        while time.perf_counter() - start < RUN_TIMEOUT_S:
            snap = run.snapshot()
            now = time.perf_counter()
            if first is None and snap.step >= 1:
                first = now
            if snap.step >= cfg.steps:
                return {"total_s": now - start, "stepping_s": now - first,
                        "cpu_s": _cpu_s(worker) - worker_cpu, "server_cpu_s": time.process_time() - cpu}
            if snap.status in ("stopped", "diverged", "error"):
                raise RuntimeError(f"pool run ended as {snap.status}: {snap.error}")
            time.sleep(POOL_POLL_S)
        raise TimeoutError(f"pool run not done after {RUN_TIMEOUT_S:.0f} s")
    finally:
        run.stop()


def app_vs_headless() -> list[dict]:
    """Steps/s of the same config headless and through a one-worker pool, alternating."""
    torch.set_num_threads(1)
    pool = JobLayer(Limits(workers=1))
    rows = []
    try:
        _pooled(pool, replace(HEADLESS_CONFIG, steps=5, seed=10_000))  # worker imports torch
        _headless(replace(HEADLESS_CONFIG, steps=5, seed=10_000))
        for rep in range(REPEATS):
            cfg = replace(HEADLESS_CONFIG, seed=1000 + rep)
            order = ("headless", "app") if rep % 2 == 0 else ("app", "headless")
            times = {name: (_headless(cfg) if name == "headless" else _pooled(pool, cfg)) for name in order}
            row = {"bench": "app_vs_headless", "rep": rep, "seed": cfg.seed, "steps": cfg.steps,
                   "load": _loadavg()}
            for name, t in times.items():
                row[f"{name}_steps/s_total"] = cfg.steps / t["total_s"]
                row[f"{name}_steps/s_stepping"] = (cfg.steps - 1) / t["stepping_s"]
            row["headless_steps/cpu_s"] = cfg.steps / times["headless"]["cpu_s"]
            row["app_steps/cpu_s"] = cfg.steps / times["app"]["cpu_s"]
            row["ratio_cpu"] = row["app_steps/cpu_s"] / row["headless_steps/cpu_s"]
            row["server_ms/step"] = 1000 * times["app"]["server_cpu_s"] / cfg.steps
            row["ratio_total"] = row["app_steps/s_total"] / row["headless_steps/s_total"]
            row["ratio_stepping"] = row["app_steps/s_stepping"] / row["headless_steps/s_stepping"]
            rows.append(row)
    finally:
        pool.shutdown()
    return rows


# --- what one refresh of the Train page's live panel costs the server ----------------------------
def fragment_cost(steps: int = 500, repeats: int = 10) -> dict:
    """CPU ms per rerun of the Train page's live panel: its five figures (as pages/train.py builds
    them) turned into JSON. Also the cost of the download buttons' bytes (`ui.downloads`: the
    metrics CSV and every probe trace so far packed as .npz), which are built only on a click.

    A lower bound on the server's CPU per fragment rerun (Streamlit's own work comes on top):
    one server process (one GIL) can do at most about 1000 / this many reruns per second, for
    all its sessions together.
    """
    import numpy as np
    import plotly.io as pio

    from explorer.figures import gradient_norm_curve, hidden_heatmap, learning_curve, predictions_figure
    from explorer.history import History
    from explorer.tasks import TASKS
    from explorer.trace import pack_traces

    cfg = PRESETS["quick-start"].config()
    task, trace = TASKS[cfg.task], Trainer(cfg).probe_trace()
    rng = np.random.default_rng(0)
    history = History({"step": list(range(1, steps + 1)), "loss": list(rng.random(steps)),
                       "metric": list(rng.random(steps)), "grad_norm": list(rng.random(steps)),
                       "grad_norm_clipped": list(rng.random(steps)), "elapsed": list(range(steps))})
    baseline = task.baseline(cfg.seq_len)

    def figures():
        h = history
        return [
            learning_curve(h.array("step"), h.array("loss"), name="loss", smooth=10,
                           baseline=baseline.loss, baseline_label=baseline.label),
            learning_curve(h.array("step"), h.array("metric"), name=task.metric_name, smooth=10,
                           baseline=baseline.metric, baseline_label=baseline.label),
            gradient_norm_curve(h.array("step"), h.array("grad_norm"), h.array("grad_norm_clipped"),
                                cfg.clip_norm),
            predictions_figure(trace, task.output, task.target_kind, task.classes),
            hidden_heatmap(trace),
        ]

    figures()
    build, to_json = [], []
    for _ in range(repeats):
        start = time.process_time()
        built = figures()
        mid = time.process_time()
        for fig in built:
            pio.to_json(fig, validate=False)
        build.append(mid - start)
        to_json.append(time.process_time() - mid)
    ms = 1000 * (statistics.median(build) + statistics.median(to_json))

    def downloads_ms(n_steps: int) -> float:
        """The download buttons' bytes at step n_steps (a probe every cfg.probe_every steps)."""
        traces = [trace] * (n_steps // cfg.probe_every)
        times = []
        for _ in range(3):
            start = time.process_time()
            history.to_csv()
            pack_traces(traces)
            times.append(time.process_time() - start)
        return 1000 * statistics.median(times)

    downloads = {n: downloads_ms(n) for n in (steps, 4 * steps)}
    return {"bench": "fragment_cost", "steps": steps, "build_ms": 1000 * statistics.median(build),
            "to_json_ms": 1000 * statistics.median(to_json), "figures_ms": ms,
            "downloads_ms": downloads[steps], "downloads_ms_4x": downloads[4 * steps],
            "total_ms": ms, "max_reruns/s_per_core": 1000 / ms,
            "load": _loadavg()}


# --- the app in a browser -----------------------------------------------------------------
@contextmanager
def live_app():
    """(server, playwright, browser module): `streamlit run app.py` on loopback, Playwright started."""
    from playwright.sync_api import sync_playwright

    helpers = _browser_module()
    if helpers.find_chromium() is None:
        raise RuntimeError("no Chromium found (set $CHROMIUM or install chromium)")
    started = time.perf_counter()
    with helpers.StreamlitServer(log_name="bench-lab-streamlit.log") as server:
        server.healthy_s = time.perf_counter() - started
        with sync_playwright() as playwright:
            yield server, playwright, helpers


@contextmanager
def _chromium(playwright, helpers):
    """A headless Chromium of its own, closed (every tab with it) on leaving."""
    chromium = playwright.chromium.launch(executable_path=helpers.find_chromium(), headless=True,
                                          args=list(helpers.CHROMIUM_ARGS))
    try:
        yield chromium
    finally:
        chromium.close()


def _context(chromium, viewport: dict, interval_ms: int, events: list | None = None):
    """A new browser context with the sampler; `events` (if given) receives what it reports."""
    context = chromium.new_context(viewport=viewport)
    context.set_default_timeout(30_000)
    if events is not None:
        context.expose_binding("__labReport", lambda source, batch: events.extend(batch))
    context.add_init_script(SAMPLER_JS.replace("INTERVAL_MS", str(interval_ms)))
    return context


def _lab(page) -> dict:
    return page.evaluate("() => window.__lab || null") or {}


def _updates_per_s(samples: list, start_ms: float, end_ms: float) -> float | None:
    """Chart changes per second between start_ms and end_ms (None under 1 s or fewer than 2 changes)."""
    seen = [s for s in samples if start_ms <= s[0] < end_ms]
    if end_ms - start_ms < 1000 or len(seen) < 2:
        return None
    return (len(seen) - 1) / ((seen[-1][0] - seen[0][0]) / 1000) if seen[-1][0] > seen[0][0] else None


def first_point(server, playwright, helpers) -> list[dict]:
    """Click Train → first point on the loss chart, in PRESSES new sessions in turn; refresh rate."""
    with _chromium(playwright, helpers) as chromium:
        return _presses(server, chromium, helpers)


def _presses(server, chromium, helpers) -> list[dict]:
    rows = []
    seed = int(time.time()) % 1_000_000 * 10
    for press in PRESSES:
        seed += 1
        url = f"{server.url}/?{urlencode(FIRST_POINT_QUERY | {'seed': str(seed)})}"
        context = _context(chromium, helpers.VIEWPORT, 20)
        try:
            page = context.new_page()
            opened = time.time()
            page.goto(url, timeout=PAGE_TIMEOUT_MS)
            button = page.locator(".st-key-train_start button").first  # 1.67 adds a hidden twin
            button.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
            page.wait_for_function("() => { const b = document.querySelector("
                                   "'.st-key-train_start button'); return b && !b.disabled; }",
                                   timeout=PAGE_TIMEOUT_MS)
            ready = time.time()
            button.click(timeout=10_000)
            page.wait_for_function("() => window.__lab && window.__lab.samples.length > 0",
                                   timeout=FIRST_POINT_TIMEOUT_MS, polling=50)
            page.wait_for_timeout(1000 * SETTLE_S)
            sampler = ProcSampler(server.proc.pid).start()
            try:
                page.wait_for_timeout(1000 * REFRESH_WINDOW_S)
            finally:
                usage = sampler.stop()
            lab = _lab(page)
            stop = page.locator(".st-key-train_stop button").first
            stopped = False
            try:
                stop.click(timeout=10_000)
                page.wait_for_function("() => 'Stopped' in window.__lab.status || "
                                       "'Finished' in window.__lab.status", timeout=20_000, polling=100)
                stopped = True
            except Exception:  # noqa: BLE001 - reported, not fatal
                pass
            final = _lab(page)
        finally:
            context.close()
        click = lab["clicks"][-1] if lab.get("clicks") else ready * 1000
        samples = lab["samples"]
        first_ms = samples[0][0]
        window = (first_ms + SETTLE_S * 1000, first_ms + (SETTLE_S + REFRESH_WINDOW_S) * 1000)
        in_window = [s for s in samples if window[0] <= s[0] < window[1]]
        steps_per_s = ((in_window[-1][2] - in_window[0][2]) / ((in_window[-1][0] - in_window[0][0]) / 1000)
                       if len(in_window) > 1 and in_window[-1][0] > in_window[0][0] else None)
        status = lab["status"]
        rows.append({
            "bench": "first_point", "press": press, "seed": seed,
            "page_to_train_enabled_s": ready - opened,
            "click_to_first_point_s": (first_ms - click) / 1000,
            "click_to_training_s": (status["Training"] - click) / 1000 if "Training" in status else None,
            "first_point_step": samples[0][2],
            "updates/s": len(in_window) / REFRESH_WINDOW_S,
            "updates/s_between": _updates_per_s(samples, *window),
            "steps/s_seen": steps_per_s,
            "finished_early": "Finished" in status and status["Finished"] < window[1],
            "stopped_ok": stopped and "Stopped" in final.get("status", {}),
            "exception": (final.get("exception") or [None, None])[1],
            "hidden_ticks": final.get("hidden", 0), "load": _loadavg(),
            "server_cores": usage["server_cores"], "browser_cores": usage["browser_cores"],
            "plotly_chunk_s": final["plotly"][1] / 1000 if final.get("plotly") else None,
            "media_mb": final.get("mediaBytes", 0) / 2**20,
            "server_ms_per_update": 1000 * usage["server_cores"] * REFRESH_WINDOW_S / len(in_window)
            if in_window else None,
        })
    return rows


# --- 3. a classroom ---------------------------------------------------------------------------
READY_JS = ("() => { const b = document.querySelector('.st-key-train_start button'); "
            "return !!b && !b.disabled; }")
PRESS_JS = ("() => { const b = document.querySelector('.st-key-train_start button'); "
            "if (!b || b.disabled) return false; b.click(); return true; }")


def classroom(server, playwright, helpers, scenario: str, queries: list[tuple[str, dict]],
              load_budget_s: float, window_s: float) -> dict:
    """One session per query; every page loaded first, then Train pressed in all of them at once.

    Pages are opened one after another at their share link's settings (without `run=1`) until
    all are ready or `load_budget_s` is spent; then Train is pressed in each, as fast as the
    browser allows, and the window (at most `window_s`) starts. Pages report to Python through a
    binding, so nothing has to be read from a busy page at the end; the scenario's Chromium is
    closed with all its tabs.
    """
    tabs, failed, usage, sampler = [], [], None, None
    with _chromium(playwright, helpers) as chromium:
        t0 = time.time()
        for label, query in queries:
            left_ms = 1000 * (load_budget_s - (time.time() - t0))
            if left_ms <= 0:
                break
            events: list = []
            try:
                page = _context(chromium, CLASS_VIEWPORT, 50, events).new_page()
                page.goto(f"{server.url}/?{urlencode(query)}", timeout=left_ms)
                page.wait_for_function(READY_JS, timeout=max(1000 * (load_budget_s - (time.time() - t0)), 1))
                tabs.append({"label": label, "page": page, "events": events})
            except Exception as exc:  # noqa: BLE001 - count it, go on with the others
                failed.append(f"{label}: not ready in the load budget: {type(exc).__name__}")
        load_s = time.time() - t0
        load_before = _loadavg()
        sampler = ProcSampler(server.proc.pid).start()
        started = time.time()
        deadline = started + window_s
        try:
            for tab in tabs:
                tab["pressed"] = time.time()
                try:
                    if not tab["page"].evaluate(PRESS_JS):
                        failed.append(f"{tab['label']}: Train was not enabled")
                except Exception as exc:  # noqa: BLE001
                    failed.append(f"{tab['label']}: {type(exc).__name__}: {str(exc)[:120]}")
            pressed_s = time.time() - started
            while time.time() < deadline and tabs:
                if all(_lab_from(tab["events"])["ended"] for tab in tabs):
                    break
                tabs[0]["page"].wait_for_timeout(500)  # lets the pages' reports in
            usage = sampler.stop()
            usage |= {"load_before": load_before, "load_after": _loadavg(), "load_s": load_s,
                      "pressed_s": pressed_s}
        finally:
            if usage is None:
                sampler.stop()
    end_ms = (started + usage["seconds"]) * 1000
    sessions = [_session(tab["label"], tab["pressed"], _lab_from(tab["events"]), end_ms) for tab in tabs]
    return _classroom_row(scenario, len(queries), sessions, failed, usage)


def _lab_from(events: list) -> dict:
    """The sampler's reports as the `window.__lab` shape, plus whether the run has ended."""
    lab = {"origin": None, "samples": [], "status": {}, "places": [], "exception": None, "hidden": 0,
           "clicks": [], "plotly": None, "mediaBytes": 0}
    for event in list(events):
        kind, value = event[0], event[1:]
        if kind == "o":
            lab["origin"] = value[0]
        elif kind == "s":
            lab["samples"].append(value)
        elif kind == "w":
            lab["status"].setdefault(value[1], value[0])
        elif kind == "q":
            lab["places"].append(value[1])
        elif kind == "e":
            lab["exception"] = lab["exception"] or value
        elif kind == "h":
            lab["hidden"] += 1
        elif kind == "c":
            lab["clicks"].append(value[0])
        elif kind == "p":
            lab["plotly"] = value
        elif kind == "m":
            lab["mediaBytes"] = value[1]
    lab["ended"] = any(word in lab["status"] for word in FINAL)
    return lab


def _session(label: str, pressed: float, lab: dict, end_ms: float) -> dict:
    """One page's numbers, times from its press of Train (its click, or when it was asked to)."""
    pressed_ms = lab["clicks"][-1] if lab.get("clicks") else pressed * 1000
    status = lab.get("status", {})  # the page showed no status line before its first press
    samples = lab.get("samples", [])
    train_ms = status.get("Training")
    done_ms = min((status[w] for w in FINAL if w in status), default=None)
    # changes of the loss chart per second from "Training" until the status says it ended
    rate = None
    if train_ms is not None and (done_ms or end_ms) - train_ms >= 1000:
        until = done_ms or end_ms
        rate = sum(train_ms <= t < until for t, *_ in samples) / ((until - train_ms) / 1000)
    seen_ms = train_ms or done_ms
    return {
        "label": label,
        "first_status_s": (min(status.values()) - pressed_ms) / 1000 if status else None,
        "first_point_s": (samples[0][0] - pressed_ms) / 1000 if samples else None,
        "queued": "Queued" in status, "place": max(lab.get("places") or [0]),
        "wait_s": (seen_ms - pressed_ms) / 1000 if seen_ms else None,
        "finished_s": (status["Finished"] - pressed_ms) / 1000 if "Finished" in status else None,
        "updates/s": rate, "updates": len(samples),
        "exception": (lab.get("exception") or [None, None])[1], "hidden": lab.get("hidden", 0),
        "first_seen_finished": "Finished" in status and train_ms is None,
        "plotly_chunk_s": lab["plotly"][1] / 1000 if lab.get("plotly") else None,
        "media_mb": lab.get("mediaBytes", 0) / 2**20,
    }


def _classroom_row(scenario: str, wanted: int, sessions: list[dict], failed: list[str], usage) -> dict:
    rates = [s["updates/s"] for s in sessions]
    waits = [s["wait_s"] for s in sessions]
    finished = [s["finished_s"] for s in sessions]
    updates = sum(s["updates"] for s in sessions)
    row = {
        "bench": "classroom", "scenario": scenario, "sessions_wanted": wanted, "sessions": len(sessions),
        "failed": failed, "jobs": len({s["label"] for s in sessions}),
        "updates/s_median": _median(rates), "updates/s_p10": _pct(rates, 10),
        "updates/s_max": max((r for r in rates if r is not None), default=None),
        "sessions_with_rate": sum(r is not None for r in rates),
        "first_status_s_median": _median(s["first_status_s"] for s in sessions),
        "first_status_s_max": max((s["first_status_s"] for s in sessions if s["first_status_s"]),
                                  default=None),
        "first_point_s_median": _median(s["first_point_s"] for s in sessions),
        "first_point_s_max": max((s["first_point_s"] for s in sessions if s["first_point_s"]), default=None),
        "plotly_chunk_s_median": _median(s["plotly_chunk_s"] for s in sessions),
        "media_mb": sum(s["media_mb"] for s in sessions),
        "wait_s_median": _median(waits), "wait_s_max": max((w for w in waits if w is not None), default=None),
        "queued_sessions": sum(s["queued"] for s in sessions),
        "max_place": max((s["place"] for s in sessions), default=0),
        "never_trained": sum(w is None for w in waits),
        "finished_s_median": _median(finished),
        "finished_s_max": max((f for f in finished if f is not None), default=None),
        "finished": sum(f is not None for f in finished),
        "first_seen_finished": sum(s["first_seen_finished"] for s in sessions),
        "exceptions": [s["exception"] for s in sessions if s["exception"]],
        "hidden_ticks": sum(s["hidden"] for s in sessions),
        "chart_updates": updates,
    }
    if usage:
        row |= usage
        row["server_ms_per_update"] = (1000 * usage["server_cores"] * usage["seconds"] / updates
                                       if updates else None)
    return row


def shared_presets() -> list[tuple[str, dict]]:
    queries = [(name, PRESETS[name].config().to_query()) for name in CLASS_PRESETS]
    return [queries[i % len(queries)] for i in range(CLASS_SESSIONS)]


def own_seeds() -> list[tuple[str, dict]]:
    base = int(time.time()) % 1_000_000 * 100 + 50
    config = replace(PRESETS["quick-start"].config(), steps=QUEUE_STEPS)
    return [(f"seed {base + i}", replace(config, seed=base + i).to_query()) for i in range(QUEUE_SESSIONS)]


# --- the report -------------------------------------------------------------------------------
def markdown(headless: list[dict], fragment: dict | None, points: list[dict], classes: list[dict],
             notes: list[str]) -> str:
    lines = [
        "## The live lab under load (`benchmarks/lab.py`)",
        "",
        __doc__.split("\n", 1)[1].strip(),
        "",
        f"{os.cpu_count()} CPUs; the server runs {Limits.from_env().worker_count} training workers. "
        "Taken on a machine shared with other work: absolute numbers are noisy (load averages are "
        "given), ratios and CPU-time figures travel better.",
        "",
    ]
    lines += _headless_section(headless) + _fragment_section(fragment) + _points_section(points)
    lines += _classroom_section(classes, notes)
    lines += [interpretation(headless, fragment, points, classes)]
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines + [""])


def _headless_section(rows: list[dict]) -> list[str]:
    if not rows:
        return []
    c = HEADLESS_CONFIG
    lines = [
        f"### 1. Training in the app vs. headless ({c.cell.upper()}, {c.task}, T={c.seq_len}, hidden "
        f"{c.hidden_size}, batch {c.batch_size}, probe every {c.probe_every}, {c.steps} steps)",
        "",
        "| rep | headless steps/s (incl. start / from 1st step) | app steps/s (incl. start / from 1st "
        "step) | app / headless: incl. start | from 1st step | per CPU-second | load avg |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r['rep']} | {r['headless_steps/s_total']:.1f} / {r['headless_steps/s_stepping']:.1f} "
        f"| {r['app_steps/s_total']:.1f} / {r['app_steps/s_stepping']:.1f} | {r['ratio_total']:.2f} "
        f"| {r['ratio_stepping']:.2f} | {r['ratio_cpu']:.2f} | {r['load']} |"
        for r in rows
    ]
    return lines + [
        "",
        f"Median app/headless: **{_median(r['ratio_total'] for r in rows):.2f}** counting from submit "
        f"(in a warm worker: building the model, the first probe), **"
        f"{_median(r['ratio_stepping'] for r in rows):.2f}** from the first step (target ≥ {TARGET_RATIO}); "
        f"steps per CPU-second of the training process: **{_median(r['ratio_cpu'] for r in rows):.2f}**, "
        "which the machine's load does not move. Receiving the steps costs the server process "
        f"{_median(r['server_ms/step'] for r in rows):.2f} ms CPU per step. 'Incl. start' for headless "
        "counts building the `Trainer`.",
        "",
    ]


def _fragment_section(r: dict | None) -> list[str]:
    if not r:
        return []
    return [
        "### What one refresh of the live panel costs the server",
        "",
        f"`fragment_cost`, in this process, at step {r['steps']} of a quick-start run (probe every 10): "
        f"the five figures **{r['build_ms']:.0f} ms CPU** to build plus {r['to_json_ms']:.0f} ms to JSON; "
        f"the download buttons' bytes (metrics CSV + every probe trace so far as .npz) would add "
        f"{r['downloads_ms']:.0f} ms, growing with the run ({r['downloads_ms_4x']:.0f} ms at step "
        f"{4 * r['steps']}), but `ui.downloads` builds them only when a button is clicked. "
        f"Total ≥ {r['total_ms']:.0f} ms per "
        f"rerun before Streamlit's own work: one server process can redraw at most "
        f"~{r['max_reruns/s_per_core']:.1f} panels per second for all its sessions together, while each "
        f"live session asks for 5 (load avg {r['load']}).",
        "",
    ]


def _points_section(rows: list[dict]) -> list[str]:
    if not rows:
        return []
    lines = [
        "### 2. Train → first point, and refresh while training (browser)",
        "",
        f"URL `/?{urlencode(FIRST_POINT_QUERY)}&seed=<new>`, one new session per press; refresh counted "
        f"over {REFRESH_WINDOW_S:.0f} s starting {SETTLE_S:.0f} s after the first point (the fragment "
        "reruns every 0.2 s, so 5/s is the ceiling), with the server's CPU over the same window. "
        "Plotly chunk fetch: how long the page took to fetch Streamlit's lazily loaded PlotlyChart "
        "script (~4.7 MB, fetched when the page's first chart appears, so after the press); download "
        "data fetched: bytes of `/media/` files (the download buttons' data) the page fetched.",
        "",
        "| press | page → Train enabled s | Train → \"Training\" s | Train → first point s "
        "| chart updates/s | steps/s seen | server cores | server ms CPU per update | browser cores "
        "| Plotly chunk fetch s | download data fetched MB | stopped | exception | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    lines += [
        f"| {r['press']} | {r['page_to_train_enabled_s']:.1f} | {_f(r['click_to_training_s'], '.2f')} "
        f"| {r['click_to_first_point_s']:.2f} | {r['updates/s']:.1f} | {_f(r['steps/s_seen'], '.0f')} "
        f"| {r['server_cores']:.2f} | {_f(r['server_ms_per_update'], '.0f')} | {r['browser_cores']:.2f} "
        f"| {_f(r['plotly_chunk_s'], '.2f')} | {r['media_mb']:.1f} "
        f"| {'yes' if r['stopped_ok'] else 'NO'} | {r['exception'] or 'none'} | {r['load']} |"
        for r in rows
    ]
    return lines + [""]


def _classroom_section(rows: list[dict], notes: list[str]) -> list[str]:
    if not rows:
        return []
    lines = [
        "### 3. A classroom on one server",
        "",
        f"(a) up to {CLASS_SESSIONS} sessions cycling through the presets {', '.join(CLASS_PRESETS)} "
        f"(identical presets share one job); (b) up to {QUEUE_SESSIONS} sessions of quick-start with "
        f"{QUEUE_STEPS} steps, one seed each (one job each). One Chromium per scenario, one context per "
        f"session ({CLASS_VIEWPORT['width']}×{CLASS_VIEWPORT['height']}); as many pages as were ready "
        f"within {CLASS_LOAD_S:.0f} s / {QUEUE_LOAD_S:.0f} s of loading one by one, then Train pressed in "
        f"all of them at once; hard deadlines {CLASS_WINDOW_S:.0f} s / {QUEUE_WINDOW_S:.0f} s from the "
        "first press. Times are from each page's press. Chart updates/s: per session, changes of its "
        "loss chart per second from when it said \"Training\" until it said the run ended (or the "
        "deadline); none for a session that never showed \"Training\" for 1 s. 'First seen as "
        "Finished': the page never showed the run training (a cached replay, or a page that drew "
        "nothing meanwhile). Plotly chunk and download data: as in section 2, summed over the pages "
        "for the data.",
        "",
        "| scenario | sessions | jobs | first status line s median / max | first point s median / max "
        "| updates/s median / p10 / max | wait for \"Training\" s median / max | queued (max place) "
        "| never trained | \"Finished\" s median / max (n) | first seen as Finished | Plotly chunk "
        "fetch s median | download data fetched MB | exceptions |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r['scenario']} | {r['sessions']}/{r['sessions_wanted']} | {r['jobs']} "
        f"| {_f(r['first_status_s_median'])} / {_f(r['first_status_s_max'])} "
        f"| {_f(r['first_point_s_median'])} / {_f(r['first_point_s_max'])} "
        f"| {_f(r['updates/s_median'], '.2f')} / {_f(r['updates/s_p10'], '.2f')} / "
        f"{_f(r['updates/s_max'], '.2f')} | {_f(r['wait_s_median'])} / {_f(r['wait_s_max'])} "
        f"| {r['queued_sessions']} ({r['max_place']}) | {r['never_trained']} "
        f"| {_f(r['finished_s_median'])} / {_f(r['finished_s_max'])} ({r['finished']}) "
        f"| {r['first_seen_finished']} | {_f(r['plotly_chunk_s_median'])} | {r['media_mb']:.0f} "
        f"| {len(r['exceptions'])} |"
        for r in rows
    ]
    lines += [
        "",
        "CPU over each scenario's window in cores (CPU seconds per second), and peak RSS. *Browser* is "
        "every Chromium process plus Playwright's driver: in a real classroom it runs on the students' "
        "machines, here it shares the server's cores. *Others* is the rest of the machine (other "
        "people's work), from /proc/stat. Summed RSS counts Chromium's shared pages more than once.",
        "",
        "| scenario | pages loaded in s | all pressed after s | window s | server cores | workers cores "
        "| browser cores | others cores | server ms CPU per chart update | RSS server / workers / browser "
        "MB | load avg before → after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r['scenario']} | {r.get('load_s', 0):.0f} | {r.get('pressed_s', 0):.1f} "
        f"| {r.get('seconds', 0):.0f} | {r.get('server_cores', 0):.2f} "
        f"| {r.get('workers_cores', 0):.2f} | {r.get('browser_cores', 0):.2f} "
        f"| {r.get('others_cores', 0):.2f} | {_f(r.get('server_ms_per_update'), '.0f')} "
        f"| {r.get('server_rss_mb', 0):.0f} / {r.get('workers_rss_mb', 0):.0f} / "
        f"{r.get('browser_rss_mb', 0):.0f} | {r.get('load_before', '')} → {r.get('load_after', '')} |"
        for r in rows
    ]
    for r in rows:
        for text in sorted(set(r["exceptions"]))[:3]:
            notes.append(f"{r['scenario']}: a page showed an exception: {text[:200]}")
        for text in r["failed"][:3]:
            notes.append(f"{r['scenario']}: {text}")
        if r["hidden_ticks"]:
            notes.append(f"{r['scenario']}: some pages reported themselves hidden ({r['hidden_ticks']} "
                         "samples): their timers may have been throttled.")
    return lines + [""]


def interpretation(headless: list[dict], fragment: dict | None, points: list[dict],
                   classes: list[dict]) -> str:
    parts = []
    if headless:
        ratio = _median(r["ratio_stepping"] for r in headless)
        parts.append(f"Training through the worker pool runs at {ratio:.2f}× headless speed once stepping "
                     f"({'meets' if ratio >= TARGET_RATIO else 'misses'} the {TARGET_RATIO} target) and "
                     f"{_median(r['ratio_cpu'] for r in headless):.2f}× per CPU-second.")
    if points:
        last, first = points[-1], points[0]
        rate = min(r["updates/s"] for r in points)
        verdict = "meets" if rate >= TARGET_REFRESH else "misses"
        parts.append(f"In the browser the first point appears {last['click_to_first_point_s']:.1f} s after "
                     f"the {last['press']} press of Train ({first['click_to_first_point_s']:.1f} s on the "
                     f"server's first page view), and a single session's chart updates ≥ {rate:.1f}/s "
                     f"({verdict} the {TARGET_REFRESH:.0f}/s target).")
    if fragment:
        parts.append(f"Each refresh costs the server ≥ {fragment['total_ms']:.0f} ms CPU for its figures "
                     f"(the download bytes, {fragment['downloads_ms']:.0f} ms and growing, are built on "
                     "click only), so refresh rates fall as sessions are added whatever else the machine "
                     "does.")
    for r in classes:
        parts.append(f"Classroom {r['scenario']} ({r['sessions']} sessions): median "
                     f"{_f(r['updates/s_median'], '.2f')} chart updates/s per session (p10 "
                     f"{_f(r['updates/s_p10'], '.2f')}), server at {r.get('server_cores', 0):.2f} cores, "
                     f"workers {r.get('workers_cores', 0):.2f}, browser {r.get('browser_cores', 0):.2f}, "
                     f"others {r.get('others_cores', 0):.2f}.")
    return " ".join(parts)


def main() -> tuple[list[dict], str]:
    began = time.monotonic()
    notes = [f"Load average at start: {_loadavg()} ({os.cpu_count()} CPUs)."]
    headless = app_vs_headless()
    fragment = fragment_cost()
    points, classes = [], []
    try:
        with live_app() as (server, playwright, helpers):
            notes.append(f"Server healthy {server.healthy_s:.1f} s after `streamlit run`.")
            try:
                points = first_point(server, playwright, helpers)
            except Exception as exc:  # noqa: BLE001 - report it, go on to the classroom
                notes.append(f"First-point benchmark failed: {type(exc).__name__}: {str(exc)[:300]}")
            for scenario, queries, budget, window in (
                    ("(a) shared presets", shared_presets(), CLASS_LOAD_S, CLASS_WINDOW_S),
                    ("(b) one seed each", own_seeds(), QUEUE_LOAD_S, QUEUE_WINDOW_S)):
                try:
                    classes.append(classroom(server, playwright, helpers, scenario, queries, budget, window))
                except Exception as exc:  # noqa: BLE001
                    notes.append(f"Classroom {scenario} failed: {type(exc).__name__}: {str(exc)[:300]}")
                time.sleep(3)  # closed sessions release their runs
    except Exception as exc:  # noqa: BLE001 - no server or no browser: the headless part still counts
        notes.append(f"Browser benchmarks skipped: {type(exc).__name__}: {str(exc)[:300]}")
    notes.append(f"Load average at end: {_loadavg()}; all of this took {time.monotonic() - began:.0f} s.")
    rows = headless + [fragment] + points + classes
    return rows, markdown(headless, fragment, points, classes, notes)


if __name__ == "__main__":
    print(main()[1])
