"""The live lab in a real browser: curves grow while training, Stop holds, share links reproduce."""

from __future__ import annotations

import re
from pathlib import Path

import browser
import pytest

from explorer.trace import unpack_traces

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture then skips these tests (fails them in CI)
    expect = None

pytestmark = pytest.mark.browser

TIMEOUT = 60_000  # ms
STEP = re.compile(r"step (\d+) of")
# the last training step drawn on the loss chart (0 before the first point)
LOSS_CHART = ".st-key-train_loss_chart .js-plotly-plot"
LAST_STEP = (f"() => {{ const x = document.querySelector('{LOSS_CHART}')"
             "?._fullData?.[0]?.x; return x && x.length ? x[x.length - 1] : 0; }")

LOSS_DRAWN = "() => !!document.querySelector('.st-key-train_loss_chart .js-plotly-plot')?._fullData"
LOSS_VALUES = ("() => Array.from(document.querySelector('.st-key-train_loss_chart .js-plotly-plot')"
               "._fullData[0].y)")


def shown_step(page) -> int:
    match = STEP.search(browser.status_line(page).inner_text())
    return int(match.group(1)) if match else -1


def test_curves_grow_while_training_and_stop_holds_the_count(page, app_url):
    page.goto(f"{app_url}/?steps=10000&hidden_size=16&seed=11")
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled(timeout=TIMEOUT)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(browser.status_line(page)).to_contain_text("Training", timeout=TIMEOUT)
    seen = []
    for _ in range(3):  # the chart redraws with more points, refresh after refresh
        grown = f"() => {{ const v = ({LAST_STEP})(); return v > {seen[-1] if seen else 0} ? v : 0; }}"
        seen.append(page.wait_for_function(grown, timeout=TIMEOUT).json_value())
        if len(seen) == 1:  # ui.live_chart updates the chart in place: the same node all along
            page.evaluate(f"() => {{ window.__lossNode = document.querySelector('{LOSS_CHART}'); }}")
    assert seen == sorted(seen) and len(set(seen)) == 3
    assert page.evaluate(f"() => document.querySelector('{LOSS_CHART}') === window.__lossNode")
    browser.screenshot(page, "lab-training")

    page.locator(".st-key-train_stop button").click()
    expect(browser.status_line(page)).to_contain_text("Stopped", timeout=TIMEOUT)
    browser.wait_for_idle(page)
    stopped_at = shown_step(page)
    page.wait_for_timeout(1500)  # nothing should move now; there is no condition to wait for
    assert shown_step(page) == stopped_at > 0
    assert page.evaluate(LAST_STEP) == stopped_at
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_the_status_line_moves_with_the_charts_and_the_page_catches_up_when_the_run_ends(page, app_url):
    """Where feeds are served the status line asks for itself with the charts: its step moves many
    times while the live panel (which reruns for the probe's views alone) sends few reruns; when the
    run ends the page redraws at once (Stop disabled, the ended line drawn by Streamlit)."""
    sent = []  # BackMsgs the page sends: each fragment rerun is one
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    page.goto(f"{app_url}/?steps=2500&hidden_size=16&seed=12")
    train = browser.main_area(page).get_by_role("button", name="Train", exact=True)
    expect(train).to_be_enabled(timeout=TIMEOUT)
    train.click()
    fed = page.locator(".explorer-status")
    expect(fed).to_contain_text("Training", timeout=TIMEOUT)
    page.evaluate("""() => {
        window.__lines = new Set();
        const note = () => window.__lines.add(document.querySelector('.explorer-status')?.innerText);
        new MutationObserver(note).observe(document.querySelector('.explorer-status').parentElement,
                                           {childList: true});
    }""")
    before = len(sent)
    page.wait_for_function("() => window.__lines.size >= 8", timeout=TIMEOUT)
    reruns = len(sent) - before
    assert reruns <= 3, f"{reruns} messages sent while the status line changed 8 times"
    expect(browser.status_line(page)).to_contain_text("Finished", timeout=TIMEOUT)
    expect(browser.main_area(page).get_by_role("button", name="Stop")).to_be_disabled()
    expect(page.get_by_test_id("stProgress")).to_contain_text("step 2500 of 2500")
    expect(fed).to_have_count(0)


def test_pause_holds_the_status_line_and_step_moves_it_by_exactly_one(page, app_url):
    """Paused, the status line stops where the run stopped; each Step moves it on by one step, shown
    without touching the page again (the paused line still asks for itself)."""
    page.goto(f"{app_url}/?steps=20000&hidden_size=16&seed=13")
    main = browser.main_area(page)
    expect(main.get_by_role("button", name="Train", exact=True)).to_be_enabled(timeout=TIMEOUT)
    main.get_by_role("button", name="Train", exact=True).click()
    expect(browser.status_line(page)).to_contain_text(re.compile(r"Training · step [1-9]"), timeout=TIMEOUT)
    main.get_by_role("button", name="Pause").click()
    expect(browser.status_line(page)).to_contain_text("Paused", timeout=TIMEOUT)
    paused_at = shown_step(page)
    for k in (1, 2):
        main.get_by_role("button", name="Step").click()
        expect(browser.status_line(page)).to_contain_text(f"step {paused_at + k} of 20000", timeout=TIMEOUT)
    expect(browser.status_line(page)).to_contain_text("Paused")
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_a_share_link_opens_the_same_run_in_another_browser(page, chromium, app_url):
    query = "?cell=gru&task=parity&seq_len=12&hidden_size=16&steps=200&seed=4"
    page.goto(app_url + query)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(browser.status_line(page)).to_contain_text("Finished", timeout=TIMEOUT)
    browser.wait_for_idle(page)
    page.get_by_text("Download this run").click()
    link = page.get_by_label("Share link (same settings, same seed, same result)").input_value()
    assert "run=1" in link and "seed=4" in link
    page.wait_for_function(LOSS_DRAWN, timeout=TIMEOUT)
    first_loss = page.evaluate(LOSS_VALUES)
    with page.expect_download(timeout=TIMEOUT) as download:  # the file is built on the click
        page.get_by_role("button", name="Probe traces (.npz)").click()
    traces = unpack_traces(Path(download.value.path()).read_bytes())
    assert traces[-1].step == 200 and traces[-1].cell_type == "gru"

    other = chromium.new_context(viewport=browser.VIEWPORT)  # another person: no shared cookies or state
    try:
        tab = other.new_page()
        tab.goto(link)
        expect(tab.get_by_test_id("stProgress")).to_contain_text("Finished", timeout=TIMEOUT)
        browser.wait_for_idle(tab)
        tab.wait_for_function(LOSS_DRAWN, timeout=TIMEOUT)  # Plotly may still be loading in a new tab
        second_loss = tab.evaluate(LOSS_VALUES)
        assert len(first_loss) == 200 and second_loss == first_loss
        browser.screenshot(tab, "lab-shared")
    finally:
        other.close()
