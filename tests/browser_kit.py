"""Headless Chromium for the browser tests: launch it, serve a folder, guard the network.

Debian's ``chromium`` (``make chromium``; ``make test`` installs it when missing) is
driven by Playwright through ``executable_path``, with a fresh profile each time:
without one a screenshot can hang. Every request that leaves loopback is aborted
and recorded, so a page that needs the internet shows up in the test.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "test-output" / "browser"


def require_chromium() -> None:
    """Fail (not skip) when Chromium or Playwright is missing: say how to get them."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: run `make chromium` (`make test` installs it)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("playwright is not installed: run `make venv`")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1") or url.startswith(
        ("data:", "blob:", "about:")
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 in a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium(profile: Path, *, width: int = 1280, height: int = 900):
    """A Playwright browser context on Debian's Chromium with a fresh profile.

    Yields ``(context, blocked)``: ``blocked`` lists every URL outside loopback
    that a page tried to load (each was aborted).
    """
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def guard(route):
        url = route.request.url
        if is_loopback(url):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height},
        )
        try:
            context.route("**/*", guard)
            yield context, blocked
        finally:
            context.close()


def png_pixels(png: bytes) -> np.ndarray:
    """A PNG as an ``(H, W)`` float array of grey levels in [0, 255]."""
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)


def assert_not_blank(png: bytes, what: str) -> None:
    """A screenshot shows something: grey levels vary, and not only in a few pixels."""
    grey = png_pixels(png)
    values, counts = np.unique(grey.round(), return_counts=True)
    background = values[counts.argmax()]
    busy = float((np.abs(grey - background) > 8).mean())
    assert grey.std() > 5.0 and busy > 0.02, (
        f"{what} looks blank: grey-level std {grey.std():.1f}, "
        f"{100 * busy:.1f}% of pixels differ from the background"
    )
