"""The README's class demo, step by step, as share links: each link opened in a fresh browser
context shows the same figure as in another fresh context, with the settings the link names.

The links are read from the README itself ("Share link: `/page?…`" in the class demo), so the
README cannot drift from what the app does. Screenshots land in test-artifacts/: look at them.
"""

from __future__ import annotations

import re
from pathlib import Path

import browser
import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture then skips these tests (fails them in CI)
    expect = None

pytestmark = pytest.mark.browser

README = Path(__file__).resolve().parents[1] / "README.md"
DEMO = README.read_text().split("## A two-minute demo for a class")[1].split("\n## ")[0]
LINKS = re.findall(r"Share link: `(/[^`]+)`", DEMO)
TIMEOUT = 150_000  # ms: a 300-step run on a busy 2-core machine, after the first page imports torch
ENDED = re.compile("Finished|Diverged")
# what each link must show: the chart to compare, and what sets it apart
FIGURES = {
    "/gradients?run=1": ("gradients_flow_heatmap", "‖dL/dh_t‖ over training"),
    "/gradients?preset=lab-forget-bias&run=1": ("gradients_flow_line", "‖dL/dc_t‖"),
    "/gradients?preset=exploding&view=exploding&run=1": ("gradients_clipping", "diverged at step"),
    "/gradients?preset=exploding-clipped&view=exploding&run=1": ("gradients_clipping", "clipped ("),
    "/attention?run=1": ("attention_probe_heatmap", "encoder step"),
    "/attention?attention=none&run=1": ("attention_probe_tokens", "beam"),
}
RACE = "/race?preset=classic-adding&run=1"  # 3 × 2,000 steps at T=100: the test sees it start


def test_the_readme_gives_a_link_for_every_demo_step():
    assert LINKS == [*list(FIGURES)[:2], RACE, *list(FIGURES)[2:]]


def figure_data(page, key: str) -> str:
    """The chart's traces as the browser holds them (Plotly's own data), as JSON."""
    plot = page.locator(f".st-key-{key} .js-plotly-plot").first
    return plot.evaluate("el => JSON.stringify(el.data.map(t => [t.name, t.x, t.y, t.z]))")


def open_link(chromium, app_url: str, link: str, shot: str):
    """A fresh context (no session, no cookies) on the link; the run it starts ended; the chart drawn."""
    context = chromium.new_context(viewport=browser.VIEWPORT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(app_url + link)
    key, mark = FIGURES[link]
    expect(page.get_by_test_id("stProgress").filter(has_text=ENDED).first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(f".st-key-{key} .js-plotly-plot")).to_contain_text(mark, timeout=TIMEOUT)
    assert page.get_by_test_id("stException").count() == 0
    browser.screenshot(page, shot)
    return context, page


@pytest.mark.parametrize("link", FIGURES)
def test_a_demo_link_shows_the_same_figure_in_a_fresh_context(chromium, app_url, link):
    name = "demo-" + re.sub(r"[^a-z0-9]+", "-", link.lower()).strip("-")
    first, page = open_link(chromium, app_url, link, name)
    try:
        key = FIGURES[link][0]
        drawn = figure_data(page, key)
        assert "run=1" not in page.url  # the address bar now holds the settings, not the command
        again, other = open_link(chromium, app_url, link, name + "-again")
        try:
            assert figure_data(other, key) == drawn
        finally:
            again.close()
    finally:
        first.close()


def test_the_race_link_opens_its_settings_and_starts_the_race(chromium, app_url):
    context = chromium.new_context(viewport=browser.VIEWPORT)
    try:
        page = context.new_page()
        page.goto(app_url + RACE)
        bars = page.get_by_test_id("stProgress")
        expect(bars).to_have_count(3, timeout=TIMEOUT)
        for title in ("Vanilla RNN (tanh)", "LSTM", "GRU"):
            expect(bars.filter(has_text=title)).to_have_count(1)
        expect(page.locator(".st-key-race_preset input")).to_have_value(
            "The classic result: adding problem, T=100")
        expect(page.locator(".st-key-race_steps [data-testid=stSliderThumbValue]")).to_have_text("2000")
        browser.screenshot(page, "demo-race")
        page.locator(".st-key-race_stop button").click()  # three long runs: not for a test
    finally:
        context.close()
