"""Feeds: a live chart asks for what it lacks (explorer/feeds.py) and the route that answers it."""

from __future__ import annotations

import json
from types import SimpleNamespace

import off_loop
import pytest

from explorer.feeds import FEED_SECONDS, Feeds
from explorer.figures.training import LearningCurve
from explorer.history import history_columns
from explorer.live import LiveChart, Pace


class Run:
    """A handle whose snapshot grows by the rows a test adds."""

    def __init__(self):
        self.steps, self.losses, self.active = [], [], True

    def add(self, n: int) -> None:
        start = len(self.steps)
        self.steps += [float(s) for s in range(start, start + n)]
        self.losses += [1.0 / (1 + s) for s in range(start, start + n)]

    def snapshot(self):
        columns = {"step": list(self.steps), "loss": list(self.losses)}
        return SimpleNamespace(history=SimpleNamespace(columns=columns), active=self.active)


def curve() -> LearningCurve:
    return LearningCurve(name="loss", smooth=0)


def offered(feeds: Feeds, run: Run, session="s", key="loss"):
    chart = LiveChart(curve(), run)
    return feeds.offer(session, key, chart, curve(), run.snapshot, history_columns("loss")), chart


def drawn(data: dict, base: dict | None = None) -> list[float]:
    """The loss trace's y values a browser draws from an answer (over the base it holds)."""
    figure = json.loads(data["figure"]) if "figure" in data else base
    y = list(figure["data"][0]["y"])
    for t, start, _xs, ys, *_ in data.get("tail", []):
        if t == 0:
            y = y[:start] + ys
    return y


def test_a_feed_answers_the_figure_then_only_what_is_new_then_nothing():
    feeds, run = Feeds(Pace()), Run()
    run.add(5)
    token, _ = offered(feeds, run)
    first = feeds.answer(token, "")
    assert "figure" in first and drawn(first) == pytest.approx(run.losses)
    assert first["every"] == FEED_SECONDS  # an idle server: the fastest pace
    have, base = f"{first['gen']}:{first['rev']}", json.loads(first["figure"])
    assert set(feeds.answer(token, have)) == {"gen", "rev", "every"}  # nothing new: a few bytes
    run.add(3)
    second = feeds.answer(token, have)
    assert "figure" not in second and second["rev"] > first["rev"]
    assert drawn(second, base) == pytest.approx(run.losses)  # the base and the tail: all 8 points


def test_a_run_that_is_not_live_says_ask_no_more():
    feeds, run = Feeds(Pace()), Run()
    run.add(4)
    run.active = False
    token, _ = offered(feeds, run)
    assert feeds.answer(token, "")["every"] is None


def test_columns_that_start_over_start_the_chart_over():
    feeds, run = Feeds(Pace()), Run()
    run.add(6)
    token, _ = offered(feeds, run)
    first = feeds.answer(token, "")
    run.steps, run.losses = [], []
    run.add(2)
    again = feeds.answer(token, f"{first['gen']}:{first['rev']}")
    assert again["gen"] != first["gen"] and drawn(again) == pytest.approx(run.losses)


def test_a_token_stays_while_the_chart_does_and_only_its_session_knows_it():
    feeds, run = Feeds(Pace()), Run()
    chart = LiveChart(curve(), run)
    token = feeds.offer("s", "loss", chart, curve(), run.snapshot, history_columns("loss"))
    assert feeds.offer("s", "loss", chart, curve(), run.snapshot, history_columns("loss")) == token
    other, _ = offered(feeds, run, session="t")
    assert other != token and len(token) >= 20  # random, unguessable: 16 bytes
    replaced = feeds.offer("s", "loss", LiveChart(curve(), Run()), curve(), Run().snapshot,
                           history_columns("loss"))  # another run: a new token, the old one gone
    assert replaced != token and feeds.answer(token) is None and feeds.answer(replaced) is not None
    feeds.drop("s")
    assert feeds.answer(replaced) is None and feeds.answer(other) is not None
    assert feeds.answer("made-up") is None


def test_feeds_not_asked_for_are_forgotten_and_there_are_never_more_than_the_limit():
    now = [0.0]
    feeds, run = Feeds(Pace(), limit=3, idle=60.0, clock=lambda: now[0]), Run()
    old, _ = offered(feeds, run, session="old")
    now[0] = 61.0
    fresh = [offered(feeds, run, session=f"s{k}")[0] for k in range(5)]
    assert feeds.answer(old) is None  # idle past 60 s
    assert len(feeds) == 3 and all(feeds.answer(t) is not None for t in fresh[-3:])


def test_a_busy_server_asks_feeds_to_come_less_often():
    pace, run = Pace(), Run()
    feeds = Feeds(pace)
    run.add(3)
    token, _ = offered(feeds, run)
    for k in range(2000):  # many panels, each costing 5 ms a refresh: far past the budget at 0.2 s
        pace.record(("panel", k), cpu=0.005, wall=0.005, floor=0.2)
    assert feeds.answer(token, "")["every"] > 10 * FEED_SECONDS


@pytest.fixture
def feeds_served():
    """The server's feeds, served (as serve.py's route does) for this test only."""
    from explorer.ui.server import feeds

    was = feeds().served
    yield feeds()
    feeds().served = was


def served(path: str) -> tuple[int, dict]:
    from explorer.ui.feed_route import feed_route

    route = feed_route()
    messages = []

    async def receive():
        return {"type": "http.request"}

    async def send(message):
        messages.append(message)

    path, _, query = path.partition("?")
    scope = {"type": "http", "method": "GET", "path": path, "query_string": query.encode(), "headers": [],
             "root_path": "", "path_params": {}}
    match, child = route.matches(scope)
    assert match.name == "FULL"
    off_loop.run(route.handle({**scope, **child}, receive, send))
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return messages[0]["status"], json.loads(body)


def test_the_route_answers_a_pages_feeds_together_and_leaves_out_any_other(feeds_served):
    loss, other = Run(), Run()
    loss.add(4)
    other.add(7)
    first, _ = offered(feeds_served, loss, session="route-test", key="loss")
    second, _ = offered(feeds_served, other, session="route-test", key="other")
    try:
        status, data = served(f"/_explorer/feed?f={first}:&f={second}:None:None&f=made-up:")
        assert status == 200 and set(data) == {first, second}
        assert drawn(data[first]) == pytest.approx(loss.losses)
        assert drawn(data[second]) == pytest.approx(other.losses)
        have = f"{data[first]['gen']}:{data[first]['rev']}"
        status, again = served(f"/_explorer/feed?f={first}:{have}")
        assert set(again[first]) == {"gen", "rev", "every"}  # nothing new
        assert served("/_explorer/feed")[1] == {}
    finally:
        feeds_served.drop("route-test")


def test_a_pages_charts_of_one_run_share_one_snapshot_per_request():
    class Counted(Run):
        taken = 0

        def snapshot(self):
            self.taken += 1
            return super().snapshot()

    feeds, run, other = Feeds(Pace()), Counted(), Counted()
    run.add(5)
    other.add(3)
    tokens = [offered(feeds, run, key=key)[0] for key in ("loss", "metric", "grad")]
    tokens.append(offered(feeds, other, key="race")[0])
    answers = feeds.answer_many([(token, "") for token in tokens])  # each offer bound its own method
    assert set(answers) == set(tokens) and (run.taken, other.taken) == (1, 1)


def test_where_feeds_are_served_the_train_pages_charts_carry_a_token_that_answers_the_run(feeds_served):
    from apptest import RUN_KEY, open_app, train
    from plotly_charts import live_payload

    feeds_served.served = True
    at = open_app()
    train(at, steps=50, hidden_size=8, seq_len=10)
    snap = at.session_state[RUN_KEY].snapshot()
    sent = live_payload(at, "train_loss_chart")
    assert set(sent) == {"feed", "live", "at", "config"}  # no points ride in the rerun
    assert sent["live"] is False and sent["at"] == snap.step == len(snap.history)  # ended: it asks once
    answer = feeds_served.answer(sent["feed"], "")
    assert answer["every"] is None and drawn(answer) == pytest.approx(snap.history.array("loss"))
    other = open_app()  # another session's charts: other tokens
    train(other, steps=50, hidden_size=8, seq_len=10)
    assert live_payload(other, "train_loss_chart")["feed"] != sent["feed"]
