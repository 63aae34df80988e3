"""Shared fixtures. Browser tests (`@pytest.mark.browser`) get the running app and a page:

    @pytest.mark.browser
    def test_something(page, app_url):
        page.goto(app_url + "/train")

`app_url` starts one `streamlit run serve.py` for the whole session; `page` is a fresh
Chromium tab per test. Without Chromium the browser tests are skipped, except in CI
(`CI` set), where that is a failure.
"""

from __future__ import annotations

import os

# As app.py does for the server: one intra-op thread, no spin-waiting. Set here, before
# any test module imports torch; with two threads on a 2-core machine shared with other
# work, a 50-step run in a test took from 2 s to over 20 s.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import re  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import browser  # noqa: E402  (tests/browser.py: pytest puts tests/ on sys.path)
import fuzz  # noqa: E402
import pytest  # noqa: E402


def _unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where browser tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so browser tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Base URL of `streamlit run serve.py` on a free 127.0.0.1 port, healthy, for the session."""
    with browser.StreamlitServer() as server:
        yield server.url


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium driven by Playwright, shared by the session's browser tests."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed: pip install -e '.[test]'")
    executable = browser.find_chromium()
    if executable is None:
        _unavailable("no Chromium found (looked at $CHROMIUM, /usr/bin/chromium and `chromium` on "
                     "PATH): install it, e.g. apt-get install chromium")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=list(browser.CHROMIUM_ARGS))
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(chromium, request):
    """A fresh tab (own context, 1400×1000). A failing test leaves test-artifacts/<test>-failed.png."""
    context = chromium.new_context(viewport=browser.VIEWPORT)
    context.set_default_timeout(30_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            try:
                browser.screenshot(tab, f"{name}-failed")
            except Exception as exc:  # a screenshot must not hide the real failure
                print(f"could not save a failure screenshot: {exc}")
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failed test."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def pytest_terminal_summary(terminalreporter):
    """After every run that tried hostile input: how many per surface (tests/fuzz.py)."""
    if not fuzz.TRIED:
        return
    terminalreporter.section("fuzz: hostile inputs tried per surface")
    surfaces = sorted({surface.split(",")[0] for surface in fuzz.TRIED})
    for surface in surfaces:
        parts = {k: n for k, n in sorted(fuzz.TRIED.items()) if k.split(",")[0] == surface}
        detail = ", ".join(f"{n} {k.partition(', ')[2] or 'in-process'}" for k, n in parts.items())
        terminalreporter.write_line(f"{surface:<8} {sum(parts.values()):>5}   ({detail})")
    terminalreporter.write_line(f"{'total':<8} {sum(fuzz.TRIED.values()):>5}")
    for note in fuzz.NOTES:
        terminalreporter.write_line(note)
