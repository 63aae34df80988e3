"""The Inside, Cell anatomy, Shape explorer and Your model pages in a real browser: each opens, its
cursor or inputs move, and a screenshot of it lands in test-artifacts/ (inside*.png, anatomy.png, …).

Pages are opened from the sidebar: a deep link as the very first request to a fresh server is
served by Streamlit's pages/-folder mode, not by app.py's navigation.
"""

from __future__ import annotations

import browser
import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture then skips these tests (fails them in CI)
    expect = None

pytestmark = pytest.mark.browser

PAGE_TIMEOUT = 60_000  # ms: the first view of a page imports torch, a small example trains (~1–5 s)
WAIT = 30_000  # ms: one rerun of a page, on a busy 2-core machine


def open_page(page, app_url: str, title: str, heading: str) -> None:
    page.goto(app_url)
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click(timeout=PAGE_TIMEOUT)
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=PAGE_TIMEOUT)
    browser.wait_for_idle(page, PAGE_TIMEOUT)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def press(page, key: str, slider, values: list[str]) -> None:
    """Press `key` once per expected value, waiting each time until `slider` (an <input type=range>)
    shows it and the rerun it started has drawn."""
    for value in values:
        page.keyboard.press(key)
        expect(slider).to_have_value(value, timeout=WAIT)
        browser.wait_for_idle(page, WAIT)


def current(page, key: str):
    """The element with widget key `key`, as now drawn (not a stale copy from the last run)."""
    return page.locator(f".st-key-{key}:not([data-stale='true'])")


def test_inside_trains_an_example_and_every_view_follows_the_arrow_keys(page, app_url):
    open_page(page, app_url, "Inside", "Inside the network")
    page.get_by_role("button", name="Train a small example").click()
    expect(current(page, "inside_unrolled").locator(".js-plotly-plot")).to_be_visible(timeout=PAGE_TIMEOUT)
    browser.wait_for_idle(page, PAGE_TIMEOUT)
    press(page, "ArrowRight", current(page, "inside_t").locator("input[type=range]"), ["1", "2"])
    expect(current(page, "inside_unrolled")).to_contain_text("step 2 highlighted", timeout=WAIT)
    browser.screenshot(page, "inside")
    page.get_by_role("tab", name="Gates").click()
    expect(current(page, "inside_gates").locator(".js-plotly-plot")).to_be_visible(timeout=WAIT)
    browser.screenshot(page, "inside-gates")
    page.get_by_role("tab", name="Step-through").click()
    expect(page.get_by_text("Step t = 2, unit 0")).to_be_visible(timeout=WAIT)
    expect(page.locator(".katex").first).to_be_visible(timeout=WAIT)
    browser.screenshot(page, "inside-step-through")
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_anatomy_recomputes_as_a_slider_moves(page, app_url):
    open_page(page, app_url, "Cell anatomy", "Cell anatomy: one step by hand")
    expect(current(page, "anatomy_chart").locator(".js-plotly-plot")).to_be_visible(timeout=WAIT)
    x0 = current(page, "anatomy_x0").locator("input[type=range]")
    before = page.locator(".katex").last.inner_text()
    x0.focus()
    press(page, "ArrowLeft", x0, ["0.95", "0.9"])  # the slider moves in steps of 0.05
    expect(page.locator(".katex").last).not_to_have_text(before, timeout=WAIT)
    browser.screenshot(page, "anatomy")


def test_shapes_answers_for_a_bidirectional_layer(page, app_url):
    open_page(page, app_url, "Shape explorer", "Shape explorer")
    expect(page.get_by_text("has shape (4, 6, 8)")).to_have_count(1)  # output, one direction
    current(page, "shapes_bidirectional").get_by_text("bidirectional").click()
    expect(page.get_by_text("has shape (4, 6, 16)")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("has shape (2, 4, 8)").first).to_be_visible()  # h_n: 2 directions
    browser.wait_for_idle(page, WAIT)
    browser.screenshot(page, "shapes")


def test_your_model_opens_the_example_file_and_follows_the_cursor(page, app_url):
    open_page(page, app_url, "Your model", "Look inside your own model")
    page.get_by_role("button", name="Use the example file").click()
    chart = current(page, "your_model_unrolled").locator(".js-plotly-plot")
    expect(chart).to_be_visible(timeout=PAGE_TIMEOUT)
    browser.wait_for_idle(page, PAGE_TIMEOUT)
    press(page, "ArrowRight", current(page, "your_model_t").locator("input[type=range]"), ["1"])
    expect(current(page, "your_model_unrolled")).to_contain_text("step 1 highlighted", timeout=WAIT)
    browser.screenshot(page, "your-model")
