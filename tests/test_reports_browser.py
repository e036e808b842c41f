"""End to end in headless Chromium: the demo site's policy violations reach our collector.

The demo pages ``/reports/report-uri/`` and ``/reports/report-to/`` each break the
policy (an inline script without nonce, an image from another origin) with only
one reporting mechanism in the policy.  Chromium sends ``report-uri`` reports at
once and Reporting API reports after a delay (shortened by
``--short-reporting-delay``; ``report-to`` needs https, hence ``tls=True``).  The
test reads what the site stored from its SQLite database.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing

import pytest

from . import services
from .demo_server import serve_demo

pytestmark = [pytest.mark.browser, pytest.mark.service("chromium")]

COLUMNS = (
    "document_uri, blocked_uri, violated_directive, effective_directive, disposition, original_policy, "
    "(SELECT value FROM security_reportuseragent WHERE id = agent_id) AS user_agent"
)


def stored_reports(database, path: str) -> list[dict[str, str]]:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(
            f"SELECT {COLUMNS} FROM security_cspreport WHERE document_uri LIKE ?", (f"%{path}",)
        ).fetchall()
    return [dict(row) for row in rows]


def wait_for_reports(database, path: str, count: int, timeout: float = 30.0) -> list[dict[str, str]]:
    deadline = time.monotonic() + timeout
    rows = stored_reports(database, path)
    while len(rows) < count and time.monotonic() < deadline:
        time.sleep(0.25)
        rows = stored_reports(database, path)
    return rows


@pytest.fixture(scope="module")
def demo_and_browser():
    executable = services.chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        services.unavailable("chromium", "playwright is not installed (pip install playwright)")
    args = [*services.CHROMIUM_ARGS, "--ignore-certificate-errors", "--short-reporting-delay"]
    with serve_demo(tls=True) as site, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=args)
        try:
            yield site, browser
        finally:
            browser.close()


def visit(browser, url: str) -> dict[str, str]:
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    try:
        response = page.goto(url)
        assert response is not None
        assert response.status == 200
        assert page.title() != "inline script ran (it should not have)"
        headers = response.headers
        page.wait_for_timeout(500)
    finally:
        # Closing the page flushes queued Reporting API reports.
        page.close()
        context.close()
    return headers


def by_directive(rows):
    return {row["effective_directive"]: row for row in rows}


def test_report_uri_reports_are_stored_with_their_fields(demo_and_browser):
    site, browser = demo_and_browser
    headers = visit(browser, site.url + "/reports/report-uri/")
    policy = headers["content-security-policy"]
    assert "report-uri /security/csp-report/" in policy
    assert "report-to" not in policy
    rows = by_directive(wait_for_reports(site.database, "/reports/report-uri/", 2))
    assert set(rows) >= {"script-src-elem", "img-src"}
    image = rows["img-src"]
    assert image["blocked_uri"] == "http://localhost:9/blocked-by-csp.png"
    assert image["document_uri"] == site.url + "/reports/report-uri/"
    assert image["disposition"] == "enforce"
    assert "img-src" in image["original_policy"]
    assert rows["script-src-elem"]["blocked_uri"] == "inline"
    assert "Chrome" in image["user_agent"]


def test_report_to_reports_are_stored_with_their_fields(demo_and_browser):
    site, browser = demo_and_browser
    headers = visit(browser, site.url + "/reports/report-to/")
    assert "report-to csp-endpoint" in headers["content-security-policy"]
    assert "report-uri" not in headers["content-security-policy"]
    assert headers["reporting-endpoints"] == 'csp-endpoint="/security/reports/"'
    rows = by_directive(wait_for_reports(site.database, "/reports/report-to/", 2))
    assert set(rows) >= {"script-src-elem", "img-src"}
    image = rows["img-src"]
    assert image["blocked_uri"] == "http://localhost:9/blocked-by-csp.png"
    assert image["document_uri"] == site.url + "/reports/report-to/"
    assert image["violated_directive"] == "img-src"
    assert "Chrome" in image["user_agent"]


def test_the_demo_counts_its_reports_and_links_the_dashboard(demo_and_browser):
    site, browser = demo_and_browser
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    try:
        page.goto(site.url + "/reports/")
        assert int(page.inner_text("#stored")) >= 4
        assert int(page.inner_text("#distinct")) >= 2
        assert page.get_attribute("a[href*=dashboard]", "href") == (
            "/admin/security/cspreportaggregate/dashboard/"
        )
    finally:
        context.close()
