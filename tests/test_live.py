"""explorer.live: what a live chart's refresh sends, and how often the server lets panels refresh."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
from plotly_charts import live_figure, names, values

from explorer.figures.training import LearningCurve
from explorer.live import (
    BACKLOG_STRETCH,
    BASE_SENDS,
    RERUN_OVERHEAD,
    SATURATED,
    TAIL_MAX,
    TAIL_SENDS,
    LiveChart,
    Pace,
    step_up,
)


class Browser:
    """What live_chart.js keeps: the base of each generation it got, and what it draws."""

    def __init__(self):
        self.bases, self.asked, self.rev, self.drawn = {}, [], None, None

    def receive(self, payload: dict) -> dict | None:
        if "figure" in payload:
            self.bases[payload["gen"]] = json.loads(payload["figure"])
        if payload["gen"] not in self.bases or "tail" not in payload and payload["rev"] != self.rev:
            self.asked.append(payload["gen"])  # the "missing" trigger
            return None
        if "tail" in payload:
            self.drawn = live_figure({k: v for k, v in payload.items() if k != "figure"},
                                     self.bases[payload["gen"]])
            self.rev = payload["rev"]
        return self.drawn


def run_of(n: int, seed: int = 0) -> tuple[list[float], list[float]]:
    rng = np.random.default_rng(seed)
    return [float(s) for s in range(1, n + 1)], list(np.exp(-np.arange(n) / 300) + 0.1 * rng.random(n))


def assert_draws(drawn: dict, curve) -> None:
    """The browser's figure has the curve's traces now (to the digits sent)."""
    series = curve.series()
    assert names(drawn) == [name for *_, name in series]
    for k, (x, y, _) in enumerate(series):
        np.testing.assert_array_equal(values(drawn, k, "x"), x)
        np.testing.assert_allclose(values(drawn, k), y, rtol=1e-8)


def test_each_refresh_draws_the_whole_curve_from_the_base_and_a_tail():
    steps, loss = run_of(1500)
    chart, browser = LiveChart(LearningCurve(name="loss", smooth=10)), Browser()
    gens = set()
    for n in range(0, 1501, 37):  # about what 37 training steps per refresh look like
        chart.feed(steps[:n], loss[:n])
        payload = chart.payload()
        gens.add(payload["gen"])
        assert_draws(browser.receive(payload), chart.curve)
        assert all(len(xs) <= TAIL_MAX for _, _, xs, *_ in payload["tail"])
    assert not browser.asked
    assert 3 < len(gens) < 20  # the figure went whole when the trend appeared, a stride doubled, a tail grew


def test_the_figure_rides_only_with_a_new_generation_and_whole_runs():
    steps, loss = run_of(300)
    chart = LiveChart(LearningCurve(name="loss", smooth=10))
    chart.feed(steps[:100], loss[:100])
    first = [chart.payload() for _ in range(BASE_SENDS)]
    assert all("figure" in p for p in first)
    chart.feed(steps[:120], loss[:120])
    later = chart.payload()
    assert "figure" not in later and later["gen"] == first[0]["gen"] and later["rev"] == 1
    assert len(json.dumps(later)) < 2_000  # 20 new points, not 120
    assert "figure" in chart.payload(whole=True)  # a full script run: the page may hold nothing


def test_a_refresh_with_nothing_new_sends_the_same_payload_then_a_few_bytes():
    steps, loss = run_of(200)
    chart = LiveChart(LearningCurve(name="loss", smooth=10))
    chart.feed(steps, loss)
    first = chart.payload()
    assert chart.moved and "figure" in first and first["tail"] == []
    assert chart.feed(steps, loss) is False
    again = [chart.payload() for _ in range(TAIL_SENDS + 1)]
    assert not chart.moved
    assert again[:TAIL_SENDS - 1] == [{"gen": first["gen"], "rev": 0, "tail": []}] * (TAIL_SENDS - 1)
    assert again[TAIL_SENDS - 1:] == [{"gen": first["gen"], "rev": 0}] * 2  # sent TAIL_SENDS times: enough


def test_dropped_payloads_cost_nothing_and_a_missed_figure_is_asked_for():
    """Streamlit drops a fragment's unsent output when the next run starts: the next payload
    carries the same points and more; one whose figure never came makes the browser ask."""
    steps, loss = run_of(900)
    chart, browser = LiveChart(LearningCurve(name="loss", smooth=10)), Browser()
    for k, n in enumerate(range(10, 901, 20)):
        chart.feed(steps[:n], loss[:n])
        payload = chart.payload()
        if k % 3 == 1:
            continue  # never arrived
        drawn = browser.receive(payload)
        if drawn is None:  # the server sends the figure with its next payload (ui._resend)
            drawn = browser.receive(chart.payload(whole=True))
        assert_draws(drawn, chart.curve)
    assert browser.asked  # a dropped payload carried a new generation's figure


def test_a_whole_figure_keeps_its_generation_while_it_does_not_change():
    chart = LiveChart()
    fig = go.Figure(go.Scatter(y=[1, 2]))
    chart.show(fig.to_json(), version=1)
    gen = chart.gen
    chart.show(fig.to_json(), version=2)
    assert chart.gen == gen
    chart.show(go.Figure(go.Scatter(y=[1, 3])).to_json(), version=3)
    assert chart.gen != gen and chart.payload()["tail"] == []
    assert chart.stale(None, 0.0, 0.0) and chart.stale(4, 10.0, 5.0) and not chart.stale(4, 1.0, 5.0)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def idle_pace(clock=None, **settings) -> Pace:
    """A Pace on a test clock, in a process that spends no CPU of its own."""
    return Pace(clock=clock or Clock(), cpu_clock=lambda: 0.0, **settings)


def test_pace_is_the_floor_while_the_server_is_idle_and_slows_everyone_as_panels_add_up():
    clock = Clock()
    pace = idle_pace(clock, budget=0.5)
    assert pace.record("a", cpu=0.005, wall=0.01, floor=0.2) == 0.2
    for k in range(30):  # 30 sessions at 5 ms of their own and Streamlit's per rerun: 0.39 s a round
        pace.record(k, cpu=0.005, wall=0.01, floor=0.2)
    slow = pace.interval("a", 0.2)
    demand = 31 * (0.005 + RERUN_OVERHEAD)
    assert demand / 0.5 <= slow < demand / 0.5 * 2 ** 0.25 and slow == step_up(slow, 0.2)
    clock.now = 10.0  # they left
    assert pace.record("a", cpu=0.005, wall=0.01, floor=0.2) == 0.2 and pace.panels() == 1


def test_a_busy_server_stretches_every_interval():
    clock, spent = Clock(), [0.0]
    pace = Pace(clock=clock, cpu_clock=lambda: spent[0])
    for second in range(1, 6):  # the process burns 1.7 cores' worth (threads outside the GIL)
        clock.now, spent[0] = float(second), 1.7 * second
        seconds = pace.record("a", cpu=0.001, wall=0.001, floor=0.2)
    assert pace.busy > 1.6 and seconds >= 0.2 * 1.6 / SATURATED


def test_a_saturated_server_stretches_step_by_step_until_it_is_not_and_then_eases_off():
    """30 panels say 2 ms of their own, but the process stays at 0.95 core (GIL-bound: it never
    shows more, however far past a core the demand is): the stretch grows every second while it
    lasts, and shrinks back once the process is under RELAXED."""
    clock, spent = Clock(), [0.0]
    pace = Pace(budget=0.6, clock=clock, cpu_clock=lambda: spent[0])
    seconds = []
    for second in range(1, 8):
        clock.now, spent[0] = float(second), 0.95 * second
        for k in range(30):
            last = pace.record(k, cpu=0.002, wall=0.004, floor=0.2)
        seconds.append(last)
    assert seconds == sorted(seconds) and seconds[-1] >= 3 * seconds[0]  # on and on while saturated
    stretched = pace.stretch
    for second in range(8, 30):  # the refreshes came down: 0.3 core
        clock.now, spent[0] = float(second), spent[0] + 0.3
        pace.record(0, cpu=0.002, wall=0.004, floor=0.2)
    assert stretched > 3 and pace.stretch == 1.0


def test_cpu_that_is_not_the_panels_does_not_slow_them_while_the_server_has_room():
    """Training bookkeeping at 0.5 core, and a few panels at their floors: no stretch (the old
    measured cost per refresh counted it as theirs and slowed them down, which made it worse)."""
    clock, spent = Clock(), [0.0]
    pace = Pace(budget=0.6, clock=clock, cpu_clock=lambda: spent[0])
    for second in range(1, 10):
        clock.now, spent[0] = float(second), 0.5 * second
        for k in range(4):
            seconds = pace.record(k, cpu=0.001, wall=0.002, floor=0.2, overhead=0.001)
    assert seconds == 0.2


def test_panels_of_different_floors_stretch_alike():
    """Feeds at 0.2 s and fragments at 1 s: the load counts each at its own floor, and past the
    budget both stretch by the same factor."""
    pace = idle_pace(budget=0.5)
    for k in range(30):
        pace.record(("fragment", k), cpu=0.004, wall=0.01, floor=1.0)  # 12 ms a second each
        pace.record(("feed", k), cpu=0.001, wall=0.0, floor=0.2, overhead=0.001)  # 10 ms a second
    load = 30 * (0.012 / 1.0 + 0.002 / 0.2)  # 0.66 of a core at the floors
    feed, fragment = pace.interval(("feed", 0), 0.2), pace.interval(("fragment", 0), 1.0)
    assert feed == step_up(0.2 * load / 0.5, 0.2) and fragment == step_up(1.0 * load / 0.5, 1.0)


def test_a_panel_never_polls_while_its_last_refresh_may_still_run():
    pace = idle_pace(budget=0.5)
    assert pace.record("slow", cpu=0.01, wall=0.3, floor=0.2) >= 0.9
    assert pace.interval("other", 0.2) == 0.2


def test_the_interval_goes_down_only_by_two_steps_at_once():
    pace = idle_pace(budget=0.5)
    assert pace.record("a", cpu=0.001, wall=0.1, floor=0.2) == step_up(0.3, 0.2)
    assert pace.record("a", cpu=0.001, wall=0.01, floor=0.2) == step_up(0.3, 0.2)  # one step down: stays
    for _ in range(30):
        seconds = pace.record("a", cpu=0.001, wall=0.01, floor=0.2)
    assert seconds == 0.2


def test_a_panel_with_nothing_new_slows_down_and_is_back_with_the_next_news():
    pace = idle_pace(budget=0.5)
    quiet = [pace.record("paused", cpu=0.001, wall=0.01, floor=0.2, moved=False) for _ in range(12)]
    assert quiet[0] == 0.2 and quiet[-1] == 0.8
    assert pace.record("paused", cpu=0.001, wall=0.01, floor=0.2, moved=True) == 0.2


def test_intervals_come_in_quarter_octave_steps():
    assert step_up(0.1, 0.2) == 0.2
    assert step_up(0.21, 0.2) == round(0.2 * 2 ** 0.25, 3)
    assert step_up(0.4, 0.2) == 0.4


def test_a_panels_costly_first_refresh_does_not_hold_it_back():
    """A feed's first answer builds the chart's figure (15 ms), the next ones take 0.2 ms: 90 feeds
    that had each answered once were paced as if every answer cost 15 ms (2.3 s apart, for tens of
    seconds, since a slow panel's estimate moves only when it refreshes)."""
    pace = idle_pace(budget=0.6)
    for k in range(90):
        pace.record(k, cpu=0.015, wall=0.0, floor=0.2, overhead=0.001)
    seconds = pace.record(0, cpu=0.0002, wall=0.0, floor=0.2, overhead=0.001)
    assert seconds == step_up(90 * (0.001 + 0.001) / 0.6, 0.2)  # each at its overhead: 0.3 s, not 2.3


def test_page_views_and_clicks_waiting_for_the_server_slow_every_live_refresh_until_they_are_served():
    waiting = [0]
    pace = idle_pace(backlog=lambda: waiting[0])
    assert pace.record("feed", cpu=0.0005, wall=0.0, floor=0.2) == 0.2
    waiting[0] = 12  # a classroom pressed Train at once: their scripts wait for a slot
    assert pace.record("feed", cpu=0.0005, wall=0.0, floor=0.2) == 0.2 * BACKLOG_STRETCH
    assert pace.interval("panel", 3.0) >= min(3.0 * BACKLOG_STRETCH, pace.ceiling)  # a panel too
    waiting[0] = 0
    assert pace.record("feed", cpu=0.0005, wall=0.0, floor=0.2) == 0.2


class CountedCurve(LearningCurve):
    built = 0

    def figure(self):
        CountedCurve.built += 1
        return super().figure()


def test_charts_of_the_same_curve_settings_share_one_figure_skeleton():
    steps, losses = run_of(50)
    charts = [LiveChart(CountedCurve(name="loss", smooth=10, baseline=0.123456), run) for run in range(5)]
    before = CountedCurve.built
    for chart in charts:  # five sessions watching: one figure built for the trend's shape
        chart.feed(steps, losses)
    assert CountedCurve.built - before == 1
    assert len({chart.figure for chart in charts}) == 1  # and each base is the same figure
    other = LiveChart(CountedCurve(name="loss", smooth=10, baseline=0.5), 0)  # other settings: its own
    other.feed(steps, losses)
    assert CountedCurve.built - before == 2 and '"y0":0.5' in other.figure.replace(" ", "")
