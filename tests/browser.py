"""Helpers for browser tests: run the app under `streamlit run`, find Chromium, keep screenshots.

Pages' browser tests use the fixtures in `conftest.py` (`app_url`, `page`); this module
holds the plumbing behind them, importable on its own (`import browser`) for a test
that needs, say, a second server or a screenshot under its own name.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"  # gitignored: screenshots and the server's log
HOST = "127.0.0.1"
HEALTH_PATH = "/_stcore/health"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_TIMEOUT = 60.0  # seconds until /_stcore/health answers "ok"


def find_chromium() -> str | None:
    """The Chromium executable to drive: $CHROMIUM if set, else the Debian one, else PATH."""
    override = os.environ.get("CHROMIUM")
    if override:
        return override if Path(override).is_file() else shutil.which(override)
    for candidate in CHROMIUM_CANDIDATES:
        found = candidate if Path(candidate).is_file() else shutil.which(candidate)
        if found:
            return found
    return None


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def artifact(name: str) -> Path:
    """A path under test-artifacts/, the folder created when missing."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


class StreamlitServer:
    """`streamlit run <script>` (serve.py unless told) on a free loopback port, its output in
    test-artifacts/streamlit-<port>.log.

    `cwd` is the checkout to serve (its `.streamlit/config.toml` and its `explorer` package, put
    first on the path): this repository unless told, say, an older commit's to compare with; `env`
    is added to this process's environment.

    Use as a context manager: entering starts it and waits until it is healthy,
    leaving terminates it.
    """

    def __init__(self, script: str | None = None, *, port: int | None = None,
                 log_name: str | None = None, extra_args: tuple[str, ...] = (),
                 cwd: Path = ROOT, env: dict[str, str] | None = None):
        # serve.py where the checkout has one (app.py behind its middleware); an older one's app.py
        script = script or ("serve.py" if (Path(cwd) / "serve.py").exists() else "app.py")
        self.script, self.cwd, self.env = script, Path(cwd), env or {}
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        # one log per port: several test sessions may run side by side on one machine
        self.log_path = artifact(log_name or f"streamlit-{self.port}.log")
        self.extra_args = extra_args
        self.proc: subprocess.Popen | None = None
        self._stopped = False

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "streamlit", "run", self.script,
            "--server.headless", "true",
            "--server.address", HOST,
            "--server.port", str(self.port),
            "--server.fileWatcherType", "none",  # nothing edits the app during a test run
            "--browser.gatherUsageStats", "false",
            *self.extra_args,
        ]

    def start(self, timeout: float = SERVER_START_TIMEOUT) -> StreamlitServer:
        with self.log_path.open("wb") as log:  # the child keeps its own handle
            self.proc = subprocess.Popen(self.command(), cwd=self.cwd, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env={**os.environ, "PYTHONUNBUFFERED": "1",  # its explorer first:
                                              "PYTHONPATH": os.pathsep.join(filter(None, (
                                                  str(self.cwd), os.environ.get("PYTHONPATH")))),
                                              **self.env},
                                         start_new_session=True)  # its own group: see stop()
        try:
            self.wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_healthy(self, timeout: float) -> None:
        """Poll the health endpoint until it says "ok"; fail early if the server exits."""
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.proc.returncode} before it was "
                                   f"healthy:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + HEALTH_PATH, timeout=2) as response:
                    body = response.read().decode(errors="replace").strip()
                if response.status == 200 and body == "ok":
                    return
                last_error = f"HTTP {response.status}: {body!r}"
            except (OSError, http.client.HTTPException) as exc:  # URLError, refused, reset, timeout
                last_error = repr(exc)
            time.sleep(0.1)
        raise TimeoutError(f"{self.url}{HEALTH_PATH} not healthy after {timeout:.0f}s "
                           f"({last_error}):\n{self.log_tail()}")

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the server (SIGTERM, then SIGKILL if it lingers), then what it started.

        The app's training workers are the server's children, in the process group
        started with it; any left once the server is gone are ended with the group.
        """
        if self.proc is None or self._stopped:
            return
        self._stopped = True
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group's id is the server's pid
        except (ProcessLookupError, PermissionError):
            pass  # none left

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def __enter__(self) -> StreamlitServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def main_area(page):
    """The page's own content, without the sidebar or Streamlit's header.

    Scope button look-ups to it: while a script runs, the header's status widget shows
    a "Stop" button of its own, so a page-wide get_by_role("button", name="Stop") is ambiguous.
    """
    return page.get_by_test_id("stMainBlockContainer")


def status_line(page):
    """A run's status line: Streamlit's progress bar, or while the run is live where feeds are
    served (serve.py) the line its feed draws (`explorer.ui.status_line`)."""
    return page.locator("[data-testid=stProgress], .explorer-status")


def wait_for_idle(page, timeout_ms: float = 30_000) -> None:
    """Wait until Streamlit has finished its script run: no "Running…" widget, no stale elements.

    Only for a page at rest: a fragment with `run_every` keeps it from ever being idle.
    """
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=timeout_ms)
    expect(page.locator("[data-stale='true']")).to_have_count(0, timeout=timeout_ms)


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of `page` as test-artifacts/<name>.png and return its path.

    Tooltips are dismissed first (a clicked button keeps focus, and shows its help). Streamlit
    scrolls its main area and its sidebar inside fixed-height boxes, so Playwright's own
    full_page sees only the viewport: for a whole page the viewport is made as tall as
    the taller of the two for the shot, then put back.
    """
    path = artifact(name if name.endswith(".png") else f"{name}.png")
    _dismiss_tooltips(page)
    viewport = page.viewport_size
    height = page.evaluate(
        "() => Math.max(document.documentElement.scrollHeight, ...Array.from("
        "document.querySelectorAll('[data-testid=stMain], [data-testid=stSidebarContent]'),"
        " e => e.scrollHeight))"
    ) if full_page and viewport else 0
    if viewport and height > viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": min(int(height), 8000)})
        try:
            page.screenshot(path=str(path), full_page=True)
        finally:
            page.set_viewport_size(viewport)
    else:
        page.screenshot(path=str(path), full_page=full_page)
    return path


def _dismiss_tooltips(page, timeout_ms: float = 2_000) -> None:
    page.mouse.move(0, 0)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    try:
        page.locator("[role=tooltip]").first.wait_for(state="hidden", timeout=timeout_ms)
    except Exception:  # noqa: BLE001 - a lingering tooltip spoils a picture, not a test
        pass
