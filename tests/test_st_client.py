"""The protocol-level client of the classroom benchmark (`benchmarks/st_client.py`).

If it stopped speaking Streamlit's protocol the way the browser does, `benchmarks/classroom.py`
would quietly measure nothing; so two of its sessions drive the real app here, no browser needed.
"""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

import off_loop
import plotly.graph_objects as go
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.classroom import Student, open_pages, points, press_all, watch
from benchmarks.st_client import Session, element_key


def test_element_keys_come_from_generated_ids():
    assert element_key("$$ID-81dad48af004ab321fc8b52ea0e08f7e-train_start") == "train_start"
    assert element_key("$$ID-81dad48af004ab321fc8b52ea0e08f7e-None") is None
    assert element_key("plain") is None


def test_points_reads_plotly_typed_arrays_inside_the_components_json():
    figure = go.Figure(go.Scatter(x=list(range(7)), y=[0.5] * 7))
    assert points(json.dumps({"figure": figure.to_json(validate=False)})) == 7
    assert points(json.dumps({"figure": go.Figure(go.Scatter(x=[], y=[])).to_json()})) == 0


def test_a_ref_hash_delivers_the_cached_message_again():
    """The server sends a cached element as a reference to its hash; the client resolves it."""
    seen = []

    class Recorder(Session):
        def on_element(self, kind, key, element, msg_hash, fragment_id, now):
            seen.append((kind, key, msg_hash, element.json))

    session = Recorder("http://127.0.0.1:9/")
    original = ForwardMsg(hash="abc")
    original.metadata.cacheable = True
    original.metadata.delta_path[:] = [0, 1]
    component = original.delta.new_element.bidi_component
    component.id, component.json = "$$ID-1234-train_loss_chart", '{"figure": "{}"}'
    reference = ForwardMsg(ref_hash="abc")
    reference.metadata.delta_path[:] = [0, 1]
    for msg in (original, reference):
        session._handle(msg.SerializeToString(), time.monotonic())
    assert seen == [("bidi_component", "train_loss_chart", "abc", '{"figure": "{}"}')] * 2
    session._handle(ForwardMsg(ref_hash="missing").SerializeToString(), time.monotonic())
    assert "MISS" in session.errors[-1][1]


def test_two_sessions_open_a_share_link_press_train_and_watch_it_train(app_url):
    """Each opens the Train page, presses Train through the widget trigger, follows the live panel's
    automatic reruns and sees "Training", chart updates and the end of its run; no errors."""
    seed = int(time.time()) % 100_000 * 10  # a new run, not a cached replay of an earlier test's

    async def lesson() -> list[Student]:
        students = [Student(f"{app_url}/?{urlencode({'steps': '3000', 'seed': str(seed + k)})}", f"s{k}")
                    for k in range(2)]
        await open_pages(students, 60)
        await press_all(students, 0.5)
        await watch(students, 60, ping_every_s=0.5)
        await asyncio.gather(*(s.close() for s in students))
        return students

    # in a thread of its own: Playwright's browser tests keep an event loop running in this one
    students = off_loop.run(lesson())
    for s in students:
        assert not s.errors
        assert s.training_at is not None, f"never shown training; last status {s.status!r}"
        assert s.first_point_at is not None
        assert sum(t > s.training_at for t in s.updates) >= 1, "no chart update while training"
        assert s.status == "Finished"
        assert any(fragment for _, _, fragment in s.round_trips), "no automatic rerun was answered"
        assert s.pings
