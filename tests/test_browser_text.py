"""The Text page in a real browser: train a small character-level model, sample it, read a text."""

from __future__ import annotations

import browser
import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture then skips these tests (fails them in CI)
    expect = None

pytestmark = pytest.mark.browser

PAGE_TIMEOUT = 60_000  # ms: the first page view imports torch on the server
TRAIN_TIMEOUT = 90_000  # ms: 200 steps of a 32-unit LSTM, a few seconds on an idle core


def test_text_page_trains_samples_and_reads(page, app_url):
    page.goto(f"{app_url}/text")
    main = browser.main_area(page)
    train = main.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_enabled(timeout=PAGE_TIMEOUT)
    train.click()
    expect(page.get_by_test_id("stProgress")).to_contain_text("Finished", timeout=TRAIN_TIMEOUT)
    browser.wait_for_idle(page)
    expect(page.locator(".st-key-text_loss_chart .js-plotly-plot")).to_be_visible()
    expect(main.get_by_text("nats/char").first).to_be_visible()

    main.get_by_role("button", name="Sample", exact=True).click()
    samples = page.get_by_test_id("stCode")
    expect(samples).to_have_count(2, timeout=30_000)
    first = samples.first.inner_text()
    assert first.startswith("The ") and len(first.strip()) > 100
    expect(page.locator(".st-key-text_dist .js-plotly-plot")).to_be_visible()
    browser.screenshot(page, "text-sample")

    page.get_by_role("tab", name="Units over text").click()
    main.get_by_role("button", name="Read it").click()
    expect(page.locator(".st-key-text_units_chart .js-plotly-plot")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    path = browser.screenshot(page, "text-units")
    assert path.stat().st_size > 10_000

    page.get_by_role("tab", name="Connectivity").click()
    expect(page.locator(".st-key-text_connectivity_chart .js-plotly-plot")).to_be_visible()
    browser.screenshot(page, "text-connectivity")
    page.get_by_role("tab", name="Inside views").click()
    expect(page.locator(".st-key-text_inside_unrolled .js-plotly-plot")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    browser.screenshot(page, "text-inside")
