"""The Your cell page under AppTest: equations checked as typed, a bad one explained, a good one
trained in the run layer and shown with its gates."""

from __future__ import annotations

from pathlib import Path

from apptest import JOIN_TIMEOUT
from plotly_charts import charts
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "your_cell.py"), default_timeout=60).run()


def test_a_bad_equation_is_explained_and_cannot_train():
    at = page()
    assert not at.exception and not at.error
    at.text_area(key="your_cell_text").set_value("h = tanh(W_h @ h + os.system(x))").run()
    assert any("'.' is not allowed" in e.value for e in at.error)
    assert at.button(key="your_cell_start").disabled


def test_the_example_trains_and_every_view_shows_its_gates():
    at = page()
    at.select_slider(key="your_cell_steps").set_value(50).run()
    at.select_slider(key="your_cell_hidden_size").set_value(4).run()
    at.button(key="your_cell_start").click().run()
    assert not at.exception, at.exception
    assert at.session_state["your_cell_run"].join(JOIN_TIMEOUT)
    at.run()
    assert "Gates" in [tab.label for tab in at.tabs]
    at.session_state["your_cell_tab"] = "Gates"
    shown = charts(at.run())
    assert any(key.startswith("your_cell_gates") for key in shown), list(shown)
    at.session_state["your_cell_run"].stop()
