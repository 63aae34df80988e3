"""What a new user tripped on (issue 14), in a real browser: one-click fixes, console, requests."""

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
RUN_TIMEOUT = 90_000  # ms: a 60-step run at T=100 on a busy 2-core machine
EXPLODING = ("cell=rnn_tanh&hidden_size=64&spectral_radius=1.5&seq_len=100&optimizer=sgd&lr=0.1"
             "&clip=0&steps=60&seed=1&run=1")


@pytest.mark.parametrize(("button", "url_has", "url_lacks"), [
    ("Turn clipping on and train again", "lr=0.1", "clip=0"),
    ("Lower the learning rate ×10 and train again", "clip=0", "lr="),  # 0.01, the default
])
def test_a_fix_on_the_divergence_card_trains_the_fixed_settings_and_shows_them(page, app_url, button,
                                                                               url_has, url_lacks):
    """The run diverges; one click starts the fixed run, which moves on by itself (not stuck at
    'Starting… step 0'), and the sidebar and the address bar hold the fixed settings."""
    page.goto(f"{app_url}/?{EXPLODING}")
    expect(page.get_by_text(re.compile(r"Diverged at step \d+"))).to_be_visible(timeout=RUN_TIMEOUT)
    status = browser.status_line(page)
    diverged = status.inner_text()
    browser.main_area(page).get_by_role("button", name=button).click()
    expect(status).not_to_have_text(diverged)
    expect(status).to_contain_text(re.compile(r"(Finished|Diverged|Training).* step [1-9]\d* of 60"),
                                   timeout=RUN_TIMEOUT)
    # the address bar follows once the page redraws: it gains nothing it should not and keeps the rest
    expect(page).to_have_url(re.compile(f"^(?!.*[?&]{re.escape(url_lacks)}).*{re.escape(url_has)}"),
                             timeout=RUN_TIMEOUT)
    clip = page.locator(".st-key-train_clip input")
    if "clipping" in button:
        expect(clip).to_be_checked()
    else:
        expect(clip).not_to_be_checked()
        expect(page.locator(".st-key-train_lr")).to_contain_text("0.01")


def test_no_request_leaves_the_server_and_the_favicon_is_the_apps_own(page, app_url):
    """Every request a page makes goes to the app's own server: the favicon is a file it serves
    (a Material icon name made the browser ask fonts.gstatic.com for it)."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{app_url}/anatomy")
    heading = page.get_by_role("heading", name="Cell anatomy: one step by hand")
    expect(heading).to_be_visible(timeout=PAGE_TIMEOUT)
    icon = page.locator("link[rel~='icon']").first
    expect(icon).to_have_attribute("href", re.compile(r"/media/\w+\.png$"))  # not ./favicon.png
    href = icon.evaluate("link => link.href")
    assert href.startswith(app_url), href
    assert page.request.get(href).ok  # it is there
    outside = [url for url in requests if not url.startswith((app_url, "data:", "blob:"))]
    assert outside == []


def test_the_context_vector_bars_draw_without_console_warnings(chromium, tmp_path):
    """The Attention page's context-vector bars, drawn by plotly.js: no 'Invalid color specifier'
    warning (one per bar per redraw, thousands while additive attention trained)."""
    import numpy as np

    from explorer.export import figure_html
    from explorer.figures.attention import context_vector

    page = chromium.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    try:
        html = tmp_path / "context.html"
        html.write_bytes(figure_html(context_vector(np.linspace(-0.8, 0.5, 16))))
        page.goto(html.as_uri())
        expect(page.locator(".js-plotly-plot .bars path")).to_have_count(16)
        box = page.locator(".js-plotly-plot .bars path").nth(3).bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # hover reads colours too
        expect(page.locator(".hoverlayer .hovertext")).to_have_count(1)
    finally:
        page.close()
    assert messages == []


def test_a_deep_link_asks_the_server_nothing_it_answers_404(page, app_url):
    """Streamlit's frontend finds its server by probing the page's path, then its parents
    (/gradients/_stcore/health and host-config: 404 on purpose), unless the HTML sets
    window.__streamlit.BACKEND_BASE_URL first, as serve.py's middleware does."""
    failed: list[str] = []
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    page.goto(f"{app_url}/gradients")
    expect(page.get_by_role("heading", name="Vanishing and exploding gradients")).to_be_visible(
        timeout=PAGE_TIMEOUT)
    assert failed == []
