"""The Forecast page in a real browser: upload a CSV, train, see the forecast over the test part."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import browser
import pytest

from explorer.forecast.generated import generate

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture then skips these tests (fails them in CI)
    expect = None

pytestmark = pytest.mark.browser

PAGE_TIMEOUT = 60_000  # ms: the first page view imports torch on the server
TRAIN_TIMEOUT = 90_000  # ms: the default run, 200 steps, on a busy 2-core machine
SVG_LINE = re.compile(r"^M[-\d.e]+,[-\d.e]+L")


def hourly_csv(points: int = 600) -> bytes:
    start = datetime(2026, 1, 1)
    rows = [f"{(start + timedelta(hours=h)).isoformat(sep=' ')},{v:.5f}"
            for h, v in enumerate(generate("seasonal", n=points).array())]
    return ("time,demand\n" + "\n".join(rows) + "\n").encode()


def test_upload_a_csv_train_and_see_the_forecast(page, app_url):
    page.goto(app_url)
    page.get_by_test_id("stSidebarNav").get_by_text("Forecast", exact=True).click(timeout=PAGE_TIMEOUT)
    expect(page.get_by_role("heading", name="Forecast a time series")).to_be_visible(timeout=PAGE_TIMEOUT)
    main = browser.main_area(page)
    main.get_by_text("Your CSV", exact=True).click()
    uploader = page.locator(".st-key-forecast_file input[type=file]")
    uploader.set_input_files(files=[{"name": "demand.csv", "mimeType": "text/csv", "buffer": hourly_csv()}])
    expect(page.get_by_text("No run yet")).to_be_visible(timeout=PAGE_TIMEOUT)
    browser.wait_for_idle(page)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)

    main.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_test_id("stProgress")).to_contain_text("Finished", timeout=TRAIN_TIMEOUT)
    browser.wait_for_idle(page)  # the page redraws once when the run ends, with the views inside
    expect(page.get_by_test_id("stException")).to_have_count(0)

    series = page.locator(".st-key-forecast_series_chart .js-plotly-plot")
    expect(series).to_be_visible()
    expect(series.locator(".legendtext", has_text="forecast, 12 steps from each origin")).to_have_count(1)
    expect(series.locator(".xtick", has_text="Jan")).not_to_have_count(0)  # a date axis, from the time column
    horizon = page.locator(".st-key-forecast_horizon_chart .scatterlayer path.js-line")
    expect(horizon).to_have_count(4)  # the network and three baselines
    expect(horizon.first).to_have_attribute("d", SVG_LINE)
    expect(page.get_by_text("Inside: windows of the training part")).to_be_visible()
    expect(page.locator(".st-key-forecast_flow .js-plotly-plot")).to_be_visible()  # gradient through time
    page.get_by_text("demand.csv: demand").first.wait_for()

    path = browser.screenshot(page, "forecast")
    assert path.stat().st_size > 10_000
