"""The Attention page in a real browser: train a small model, read its heatmap, open the decoder's
states, type an input.

Screenshots go to test-artifacts/ (attention-*.png) for a person to look at.
"""

from __future__ import annotations

import browser
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
TRAIN_TIMEOUT = 120_000  # ms: a small run on a shared 2-core machine


@pytest.fixture
def attention_url(app_url) -> str:
    return app_url + "/attention"


def chart(page, key: str):
    """The live chart with this widget key (a rerun briefly keeps stale copies beside it)."""
    return page.locator(f'.st-key-{key}:not([data-stale="true"])')


def test_train_read_the_heatmap_and_type_an_input(page, attention_url):
    page.goto(attention_url)
    page.get_by_text("No run yet").wait_for(timeout=60_000)

    length = page.get_by_label("Longest input", exact=True)
    length.fill("6")
    length.press("Enter")
    steps = page.get_by_role("slider", name="Training steps")
    for _ in range(3):  # 300 -> 200 -> 100 -> 50
        steps.press("ArrowLeft")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Finished — step 50 of 50").wait_for(timeout=TRAIN_TIMEOUT)
    heatmap = chart(page, "attention_probe_heatmap")
    expect(heatmap).to_have_count(1)
    heatmap.scroll_into_view_if_needed()
    expect(heatmap.locator(".heatmaplayer")).to_have_count(1)
    browser.screenshot(page, "attention-trained")

    inside = chart(page, "attention_inside_hidden")  # the Inside page's hidden-state view
    inside.scroll_into_view_if_needed()
    expect(inside.locator(".heatmaplayer image")).to_have_count(2)  # encoder forward and backward
    page.locator(".st-key-attention_stream").get_by_role("radio", name="Decoder s_t").click()
    expect(inside.locator(".heatmaplayer image")).to_have_count(1)  # the decoder's one direction
    browser.screenshot(page, "attention-inside-decoder", full_page=False)

    source = page.get_by_label("Source")
    source.fill("35142")
    source.press("Enter")
    typed = chart(page, "attention_typed_heatmap")
    expect(typed.locator(".xtick")).to_have_count(5)  # one column per typed digit
    expect(typed.locator(".xtick").first).to_contain_text("3")
    typed.scroll_into_view_if_needed()
    browser.screenshot(page, "attention-typed", full_page=False)

    source.fill("35x42")
    source.press("Enter")
    expect(page.get_by_text("has never seen the character(s) 'x'")).to_be_visible()
    expect(typed).to_have_count(0)
    browser.screenshot(page, "attention-invalid", full_page=False)
