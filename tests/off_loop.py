"""Run a coroutine to the end from a test, whatever runs in the test's thread."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run(coroutine):
    """`asyncio.run` in a thread of its own: Playwright's browser tests keep an event loop running
    in the main one, and `asyncio.run` refuses to start inside a running loop."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
