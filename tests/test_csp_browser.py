"""The CSP of the demo site in a real headless Chromium.

The demo page ``/csp/`` has an inline script carrying the response's nonce, one
without it, and an image from a second loopback server (another origin, not
allowed by the policy).  Enforced: only the nonce script runs and the image is
never requested.  Report-only: everything runs and loads, and the browser
still reports each violation.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from . import services
from .demo_server import serve_demo

pytestmark = [pytest.mark.browser, pytest.mark.service("chromium")]

PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@contextmanager
def foreign_origin() -> Iterator[tuple[str, list[str]]]:
    """A second loopback server (another origin) serving a 1x1 PNG; yields its origin and request log."""
    requests: list[str] = []

    class Pixel(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PIXEL)))
            self.end_headers()
            self.wfile.write(PIXEL)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pixel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def browser_page() -> Iterator[object]:
    executable = services.chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        services.unavailable("chromium", "playwright is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=services.CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def load_demo(mode: str) -> tuple[dict, list[str], dict[str, str]]:
    with (
        foreign_origin() as (origin, requests),
        serve_demo({"DEMO_CSP_MODE": mode, "DEMO_FOREIGN_ORIGIN": origin}) as site,
    ):
        with browser_page() as page:
            response = page.goto(site.url + "/csp/")  # type: ignore[attr-defined]
            assert response is not None
            assert response.status == 200
            page.wait_for_function("window.cspDemo && window.cspDemo.image !== null", timeout=10_000)  # type: ignore[attr-defined]
            page.wait_for_timeout(200)  # type: ignore[attr-defined]  # let violation events arrive
            result = page.evaluate("window.cspDemo")  # type: ignore[attr-defined]
            headers = response.headers
            screenshot_text = page.inner_text("table")  # type: ignore[attr-defined]
        return result, list(requests), {**headers, "table": screenshot_text}


def test_enforced_policy_runs_only_the_nonce_script_and_blocks_the_foreign_image():
    result, requests, headers = load_demo("enforce")
    assert "'nonce-" in headers["content-security-policy"]
    assert "content-security-policy-report-only" not in headers
    assert "private" in headers["cache-control"]
    assert result["nonced"] is True
    assert result["plain"] is False
    assert result["image"] is False
    assert requests == []  # the browser never asked the disallowed origin
    directives = {(v["directive"], v["disposition"]) for v in result["violations"]}
    assert ("script-src-elem", "enforce") in directives
    assert ("img-src", "enforce") in directives
    assert "ran\n" in headers["table"] or "ran\t" in headers["table"]


def test_report_only_policy_blocks_nothing_but_reports():
    result, requests, headers = load_demo("report-only")
    assert "content-security-policy" not in headers
    assert "'nonce-" in headers["content-security-policy-report-only"]
    assert result["nonced"] is True
    assert result["plain"] is True
    assert result["image"] is True
    assert requests == ["/pixel.png"]
    directives = {(v["directive"], v["disposition"]) for v in result["violations"]}
    assert ("script-src-elem", "report") in directives
    assert ("img-src", "report") in directives
