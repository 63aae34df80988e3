"""The gradients lab, the race and the memory-span sweep in a real browser, with screenshots.

Small settings throughout (the race at its shortest budget, a sweep of two short lengths), so
each test trains for seconds. Screenshots land in test-artifacts/: look at them.
"""

from __future__ import annotations

import browser
import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture then skips these tests (fails them in CI)
    expect = None

pytestmark = pytest.mark.browser

PAGE_TIMEOUT = 60_000  # ms: the first page view imports torch on the server
TRAIN_TIMEOUT = 90_000  # ms: a few hundred small steps, on a busy 2-core machine


def to_minimum(page, key: str) -> None:
    """Move a select-slider to its first option with the keyboard, as a person could."""
    page.locator(f".st-key-{key} input[type=range]").first.press("Home")


def open_page(page, app_url: str, title: str) -> None:
    """Open the app, then a page from the sidebar (a deep link as the very first request to a fresh
    server is served by Streamlit's pages/-folder mode, not app.py's navigation)."""
    page.goto(app_url)
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click(timeout=PAGE_TIMEOUT)


def no_exception(page) -> None:
    assert page.get_by_test_id("stException").count() == 0


def test_gradients_lab_draws_flow_and_spectrum(page, app_url):
    """The lab opens on gradient flow at initialization; the spectrum view draws the unit circle."""
    open_page(page, app_url, "Gradients")
    expect(page.locator(".st-key-gradients_flow_heatmap .heatmaplayer image")).to_have_count(
        1, timeout=PAGE_TIMEOUT)
    expect(page.locator(".st-key-gradients_flow_line .scatterlayer path.js-line").first).to_be_visible()
    browser.screenshot(page, "gradients-flow")
    page.get_by_role("radio", name="Why it vanishes").click()
    expect(page.locator(".st-key-gradients_eigenvalues .js-plotly-plot")).to_be_visible(timeout=PAGE_TIMEOUT)
    expect(page.locator(".st-key-gradients_decay .scatterlayer path.js-line")).not_to_have_count(0)
    no_exception(page)
    browser.screenshot(page, "gradients-spectrum")


def test_race_trains_three_cells_side_by_side(page, app_url):
    """Start race: three cells finish, loss curves overlaid, gradient profiles side by side."""
    open_page(page, app_url, "Race")
    start = page.get_by_role("button", name="Start race")
    expect(start).to_be_enabled(timeout=PAGE_TIMEOUT)
    to_minimum(page, "race_steps")
    expect(page.locator(".st-key-race_steps [data-testid=stSliderThumbValue]")).to_have_text("50")
    start.click()
    bars = page.get_by_test_id("stProgress")
    expect(bars.filter(has_text="Finished")).to_have_count(3, timeout=TRAIN_TIMEOUT)
    expect(page.locator(".st-key-race_cursor")).to_be_visible()
    legend = page.locator(".st-key-race_loss_chart .legend").first
    for title in ("Vanilla RNN (tanh)", "LSTM", "GRU"):
        expect(legend).to_contain_text(title)
    expect(page.locator(".st-key-race_flow_chart .subplot")).to_have_count(3)
    no_exception(page)
    browser.screenshot(page, "race")


def test_sweep_computes_points_against_the_baseline(page, app_url):
    """A sweep of two short lengths computes every point and draws it against the baseline."""
    open_page(page, app_url, "Race")
    page.get_by_role("tab", name="Memory span sweep").click()
    run = page.get_by_role("button", name="Run sweep")
    expect(run).to_be_enabled(timeout=PAGE_TIMEOUT)
    lens = page.locator(".st-key-race_sweep_lens")
    for length in ("100", "50"):  # keep 10 and 25
        lens.get_by_role("button", name=f"Remove {length}").click()
    to_minimum(page, "race_sweep_steps")
    expect(page.locator(".st-key-race_sweep_steps [data-testid=stSliderThumbValue]")).to_have_text("50")
    run.click()
    expect(page.get_by_test_id("stProgress").filter(has_text="6 of 6 points")).to_be_visible(
        timeout=TRAIN_TIMEOUT)
    chart = page.locator(".st-key-race_sweep_chart")
    expect(chart.locator(".scatterlayer .trace")).to_have_count(4)  # three cells and the baseline
    expect(chart.locator(".legend").first).to_contain_text("predict 1")
    no_exception(page)
    browser.screenshot(page, "sweep")
