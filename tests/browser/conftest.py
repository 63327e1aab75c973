"""Browser fixtures: one Chromium for the session, a fresh context (cookies) per user.

Playwright's sync API starts an asyncio event loop in the main thread and leaves it
running (from asyncio's point of view) until ``playwright.stop()``. Django refuses ORM
calls while a loop runs in the current thread (``SynchronousOnlyOperation``), and
pytest-django flushes the database of a transactional test in the main thread after the
test, while the session's browser is still up. Nothing here is really asynchronous: the
ORM calls happen between Playwright calls, never inside a coroutine. So, for as long as
Playwright runs, ``DJANGO_ALLOW_ASYNC_UNSAFE`` switches that check off; it is set when
the first browser test starts (not at import), so runs without browser tests keep it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config: Any, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is missing; install it with `apt-get install -y chromium`"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Callable[[], Any]]:
    """new_page() opens a page in a context of its own: one signed-in person each."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(
            accept_downloads=True, base_url=live_server.url, locale="zh-CN"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
