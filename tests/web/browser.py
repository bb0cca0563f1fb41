"""Headless Chromium (Debian's ``chromium``) driven by Playwright's sync API.

Playwright cannot download browsers here; it drives ``/usr/bin/chromium``. Every host
but ``localhost`` and 127.0.0.1 resolves nowhere (``--host-resolver-rules``) and no proxy
is used, so a page reaches the test server and ``data:`` URLs, never the network.

One Playwright and one browser serve the whole test session (:class:`ChromiumSession`).
Between its calls, Playwright's sync API leaves its event loop marked as the running loop
of the main thread, so ``asyncio.run()`` there would fail in every later test of the
session, whichever directory it lives in. The session is therefore *parked* between
tests (no running loop) and *resumed* only inside :meth:`ChromiumSession.active`
(docs/decisions.md, D146).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Self

from playwright.sync_api import sync_playwright

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

__all__ = ["CHROMIUM", "ChromiumSession"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    "--no-proxy-server",
)


class ChromiumSession:
    """Playwright with one headless Chromium; use the browser inside :meth:`active`."""

    def __init__(self, playwright: Playwright, browser: Browser) -> None:
        self._playwright = playwright
        self._browser = browser
        self._loop: asyncio.AbstractEventLoop = playwright._loop  # the sync API's own loop

    @classmethod
    def start(cls) -> Self:
        """Start Playwright and launch Chromium headless; the session comes back parked."""
        playwright = sync_playwright().start()
        try:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
            )
        except BaseException:
            playwright.stop()
            raise
        session = cls(playwright, browser)
        session._park()
        return session

    def _park(self) -> None:
        if asyncio._get_running_loop() is self._loop:
            asyncio._set_running_loop(None)

    def _resume(self) -> None:
        running = asyncio._get_running_loop()
        if running is not None and running is not self._loop:
            raise RuntimeError("the browser cannot be used inside another running event loop")
        asyncio._set_running_loop(self._loop)

    @contextmanager
    def active(self) -> Iterator[Browser]:
        """The browser, usable until the block ends; then the session is parked again."""
        self._resume()
        try:
            yield self._browser
        finally:
            self._park()

    def close(self) -> None:
        """Close the browser and stop Playwright."""
        self._resume()
        try:
            self._browser.close()
        finally:
            self._playwright.stop()
            self._park()
