"""Helpers for Streamlit AppTest tests: widgets by key, train and wait (charts: plotly_charts).

`run_every` fragments never fire in AppTest, so a test that trains waits on the run
handle in session state and then reruns the script once to draw what it recorded.
"""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
RUN_KEY = "train_run"
TIMEOUT = 30  # seconds for one script run; the first imports torch
JOIN_TIMEOUT = 90  # seconds, a ceiling: a small run ends in a few; a busy 2-core box is slower
WIDGET_KINDS = ("select_slider", "selectbox", "number_input", "toggle", "slider", "checkbox", "radio",
                "text_input", "text_area", "segmented_control", "multiselect")


def open_app(path: str = "app.py", query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def progress_text(at: AppTest) -> str:
    """The status line: the text of the page's progress bar ("" when there is none)."""
    bars = at.get("progress")
    return bars[0].proto.text if bars else ""


def widget(at: AppTest, key: str):
    """The widget with this key, whatever kind of input the page draws for it."""
    for kind in WIDGET_KINDS:
        try:
            return getattr(at, kind)(key=key)
        except KeyError:
            continue
    raise KeyError(f"no widget with key {key!r}")


def configure(at: AppTest, prefix: str = "train", **settings) -> None:
    """Set sidebar settings one at a time (a setting may show or hide the next one)."""
    for name, value in settings.items():
        widget(at, f"{prefix}_{name}").set_value(value)
        at.run()
        assert not at.exception, at.exception


def train(at: AppTest, **settings) -> None:
    """Set settings (widget key = "train_" + RunConfig field), press Train, wait for the end, redraw."""
    configure(at, **settings)
    at.button(key="train_start").click().run()
    assert not at.exception, at.exception
    assert at.session_state[RUN_KEY].join(JOIN_TIMEOUT), "the run did not end in time"
    at.run()


def wait_for(run, predicate, timeout: float = JOIN_TIMEOUT):
    """Poll a run's snapshot until predicate(snapshot) holds."""
    deadline = time.monotonic() + timeout
    snap = run.snapshot()
    while not predicate(snap):
        assert time.monotonic() < deadline, f"gave up waiting; status {snap.status}, step {snap.step}"
        time.sleep(0.02)
        snap = run.snapshot()
    return snap
