"""Crawl the demo site in Chromium, signed in as the demo user, and record every CSP violation.

Violations are seen three ways: a ``securitypolicyviolation`` listener added
before any page script runs, Chromium's console messages, and (by the caller)
the reports the server stored.  The admin is discovered from its index: every
app and model page, the add pages and the first object of each change list.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import services

#: Pages of the demo site outside the admin (the on-purpose violators are marked by their text).
SITE_PAGES = (
    "/",
    "/headers/",
    "/privacy/",
    "/private/",
    "/csp/",
    "/csp/propose/",
    "/reports/",
    "/reports/report-uri/",
    "/reports/report-to/",
    "/accounts/password_change/",
)
ADMIN_PAGES = (
    "/admin/",
    "/admin/security/cspreportaggregate/dashboard/",
    "/admin/security/cspreportaggregate/proposal/",
)
#: Pages that break the policy on purpose (a policy learnt from them would allow what they do).
ON_PURPOSE_PAGES = ("/csp/", "/reports/report-uri/", "/reports/report-to/")
#: The marker the demo templates put on pages that break the policy on purpose.
ON_PURPOSE = "#violates-on-purpose"

LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push({directive: e.effectiveDirective, blocked: e.blockedURI,
                     sample: e.sample, disposition: e.disposition});
});
"""


@dataclass
class Crawl:
    """What a crawl saw: per page path, the violations and whether the page says it violates on purpose."""

    violations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    console: dict[str, list[str]] = field(default_factory=dict)
    on_purpose: set[str] = field(default_factory=set)
    statuses: dict[str, int] = field(default_factory=dict)
    policies: dict[str, dict[str, str]] = field(default_factory=dict)  # path -> CSP header name -> value
    admin_header_colour: str = ""  # computed background of the admin's #header (styled or not)

    def unexpected(self) -> dict[str, list[Any]]:
        """Violations (events or console lines) on pages that do not say they violate on purpose."""
        found: dict[str, list[Any]] = {}
        for path in self.statuses:
            if path in self.on_purpose:
                continue
            seen = self.violations.get(path, []) + self.console.get(path, [])
            if seen:
                found[path] = seen
        return found


@contextmanager
def browser() -> Iterator[Any]:
    executable = services.chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        services.unavailable("chromium", "playwright is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=services.CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def _visit(page: Any, url: str, crawl: Crawl, console: list[str]) -> None:
    path = urlsplit(url).path
    console.clear()
    response = page.goto(url, wait_until="load")
    page.wait_for_timeout(50)  # violation events of late loads
    crawl.statuses[path] = response.status if response is not None else 0
    headers = response.headers if response is not None else {}
    crawl.policies[path] = {
        name: value for name, value in headers.items() if name.startswith("content-security-policy")
    }
    crawl.violations[path] = page.evaluate("window.__csp || []")
    crawl.console[path] = [line for line in console if "Content Security Policy" in line]
    if page.query_selector(ON_PURPOSE) is not None:
        crawl.on_purpose.add(path)


def _admin_links(page: Any, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("#content-main a[href]", "els => els.map(e => e.getAttribute('href'))")
    return [f"{base}{href}" for href in hrefs if href.startswith("/admin/") and "logout" not in href]


def crawl_demo(
    base: str, *, skip: tuple[str, ...] = (), username: str = "demo", password: str = "demo-password-1"
) -> Crawl:
    """Log in, visit every demo page (but ``skip``) and the admin, and return what the browser reported."""
    crawl = Crawl()
    with browser() as instance:
        page = instance.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.add_init_script(LISTENER)
        _visit(page, f"{base}/accounts/login/", crawl, console)
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("load")
        for path in SITE_PAGES + ADMIN_PAGES:
            if path in skip:
                continue
            _visit(page, base + path, crawl, console)
        page.goto(f"{base}/admin/")
        crawl.admin_header_colour = page.eval_on_selector(
            "#header", "e => getComputedStyle(e).backgroundColor"
        )
        pending = _admin_links(page, base)
        seen = set(crawl.statuses)
        while pending:
            url = pending.pop(0)
            path = urlsplit(url).path
            if path in seen:
                continue
            seen.add(path)
            _visit(page, url, crawl, console)
            if path.count("/") == 4 and path.endswith("/") and crawl.statuses[path] == 200:
                # A change list (/admin/app/model/): its add page and its first object.
                first = page.query_selector("#result_list tbody a[href]")
                if first is not None:
                    pending.append(base + first.get_attribute("href"))
                add = page.query_selector("a.addlink[href]")
                if add is not None:
                    pending.append(base + add.get_attribute("href"))
            elif path.count("/") == 3 and crawl.statuses[path] == 200:
                pending.extend(_admin_links(page, base))
    return crawl


def stored_reports(database: Path) -> list[tuple[str, str, str]]:
    """(document URI, effective directive, blocked URI) of every report the demo server stored."""
    with closing(sqlite3.connect(database)) as connection:
        rows = connection.execute(
            "SELECT document_uri, effective_directive, blocked_uri FROM security_cspreport"
        ).fetchall()
    return [tuple(row) for row in rows]
