"""The Words & names page in a real browser: train the names task, read a typed name, packing."""

from __future__ import annotations

import browser
import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture then skips these tests (fails them in CI)
    expect = None

pytestmark = pytest.mark.browser

PAGE_TIMEOUT = 60_000  # ms: the first page view imports torch on the server
TRAIN_TIMEOUT = 90_000  # ms: 200 small steps, and a busy 2-core machine


def prefix_chart(page, letter: str):
    """The chart of P(language | prefix) with this column (a redraw may keep the old one a moment)."""
    return page.locator(".st-key-words_prefix[data-stale='false']").filter(has_text=letter).first


def test_names_trains_and_reads_a_typed_name(page, app_url):
    page.goto(f"{app_url}/words")
    main = browser.main_area(page)
    expect(page.get_by_role("heading", name="Words & names")).to_be_visible(timeout=PAGE_TIMEOUT)
    for key in ("words_final", "words_steps_grid"):  # packing needs no training
        expect(page.locator(f".st-key-{key} .js-plotly-plot")).to_be_visible(timeout=PAGE_TIMEOUT)
    expect(page.locator(".st-key-words_steps_grid")).to_contain_text("packed: 17 steps")

    main.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_test_id("stProgress")).to_contain_text("Finished", timeout=TRAIN_TIMEOUT)
    for key in ("words_confusion", "words_prefix", "words_trajectory"):
        expect(page.locator(f".st-key-{key} .js-plotly-plot")).to_be_visible(timeout=PAGE_TIMEOUT)
    browser.wait_for_idle(page)

    box = page.locator(".st-key-words_text input")
    box.fill("grurngrarnov")
    box.press("Enter")
    expect(prefix_chart(page, "12: v")).to_be_visible(timeout=PAGE_TIMEOUT)
    box.fill("zo3")
    box.press("Enter")
    expect(page.get_by_text("it never saw '3'")).to_be_visible(timeout=PAGE_TIMEOUT)
    box.fill("kushaya")
    box.press("Enter")
    expect(prefix_chart(page, "7: a")).to_be_visible(timeout=PAGE_TIMEOUT)
    browser.wait_for_idle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    path = browser.screenshot(page, "words")
    assert path.stat().st_size > 10_000


def test_tagging_shows_what_the_backward_direction_decides(page, app_url):
    page.goto(f"{app_url}/words")
    expect(page.get_by_role("heading", name="Words & names")).to_be_visible(timeout=PAGE_TIMEOUT)
    page.locator(".st-key-words_task").get_by_text("Entity tagging (BIO)").click()
    browser.wait_for_idle(page)
    browser.main_area(page).get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_test_id("stProgress")).to_contain_text("Finished", timeout=TRAIN_TIMEOUT)
    for key in ("words_confusion", "words_tags", "words_states"):
        expect(page.locator(f".st-key-{key} .js-plotly-plot")).to_be_visible(timeout=PAGE_TIMEOUT)
    expect(page.get_by_text("Baseline entity F1")).to_be_visible()
    expect(page.locator(".st-key-words_tags")).to_contain_text("forward states only")
    browser.wait_for_idle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert browser.screenshot(page, "words-tagging").stat().st_size > 10_000
