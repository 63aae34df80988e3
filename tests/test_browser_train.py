"""The Train page in a real browser: default settings, Train, the charts draw."""

from __future__ import annotations

import re

import browser
import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture then skips these tests (fails them in CI)
    expect = None

pytestmark = pytest.mark.browser

PAGE_TIMEOUT = 60_000  # ms: the first page view imports torch on the server
TRAIN_TIMEOUT = 60_000  # ms: the default run is a few hundred steps, a few seconds
SVG_LINE = re.compile(r"^M[-\d.e]+,[-\d.e]+L")  # a plotly line: move to, then line to...


def test_train_with_defaults_draws_charts(page, app_url):
    """Pressing Train with the default settings finishes and draws loss, metric and hidden-state charts."""
    page.goto(app_url)
    train = browser.main_area(page).get_by_role("button", name="Train", exact=True)
    expect(train).to_be_enabled(timeout=PAGE_TIMEOUT)
    expect(page.get_by_text("No run yet")).to_be_visible()

    train.click()
    status = page.get_by_test_id("stProgress")
    expect(status).to_contain_text("Finished", timeout=TRAIN_TIMEOUT)
    browser.wait_for_idle(page)  # the page redraws once when the run ends
    expect(page.get_by_text("No run yet")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)

    expect(page.locator(".js-plotly-plot").nth(2)).to_be_visible()  # at least 3 charts
    for key in ("train_loss_chart", "train_metric_chart", "train_hidden_chart"):
        expect(page.locator(f".st-key-{key} .js-plotly-plot")).to_have_count(1)
        expect(page.locator(f".st-key-{key} .js-plotly-plot")).to_be_visible()
    loss_lines = page.locator(".st-key-train_loss_chart .scatterlayer path.js-line")
    expect(loss_lines.first).to_have_attribute("d", SVG_LINE)
    longest = max(len(line.get_attribute("d") or "") for line in loss_lines.all())
    assert longest > 500, "the loss curve's SVG path is (nearly) empty"
    expect(page.locator(".st-key-train_hidden_chart .heatmaplayer image")).to_have_count(1)

    path = browser.screenshot(page, "train")
    assert path.stat().st_size > 10_000


def test_a_deep_link_as_a_fresh_servers_first_request_gets_the_whole_app(page):
    """With a pages/ folder beside app.py, Streamlit serves a fresh server's first request in its
    legacy pages-folder mode: /race would run without app.py (file names in the menu, no page
    config). `ui.through_app()` reruns it through app.py's navigation."""
    with browser.StreamlitServer(log_name="streamlit-deep-link.log") as fresh:
        page.goto(f"{fresh.url}/race")
        expect(page.get_by_role("heading", name="Race and memory span")).to_be_visible(timeout=PAGE_TIMEOUT)
        links = page.get_by_test_id("stSidebarNavLink")
        expect(links.first).to_contain_text("Train")  # the titles app.py gives, not file names
        expect(links).to_have_count(10)
        assert page.url.endswith("/race")
        expect(page.get_by_test_id("stException")).to_have_count(0)
