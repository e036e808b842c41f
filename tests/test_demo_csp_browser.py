"""The demo under a strict policy in Chromium, and the policy that writes itself, end to end.

1. Every demo page and the admin (index, app pages, change lists, add and
   change pages, the report dashboard and the proposal page), signed in as the
   demo user, are served with an enforced policy without ``'unsafe-inline'`` or
   ``'unsafe-eval'``, and Chromium records no violation except on the pages
   that say they break the policy on purpose.
2. Under a report-only policy that allows nothing, a crawl of the same pages
   is reported; ``csp_propose_policy`` turns the reports into a policy; the
   demo enforcing it shows no violation on those pages.
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import django
import pytest

from .csp_crawl import ON_PURPOSE_PAGES, crawl_demo, stored_reports
from .demo_server import serve_demo

pytestmark = [pytest.mark.browser, pytest.mark.service("chromium")]

UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'")


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_strict(policy: str) -> None:
    parsed = directives(policy)
    for name in ("script-src", "style-src", "default-src"):
        assert not any(source in UNSAFE for source in parsed.get(name, [])), (name, policy)
    assert "script-src" in parsed or parsed["default-src"] == ["'none'"]


def shape(path: str) -> str:
    """``path`` with object ids replaced, so two crawls of different databases compare."""
    return "/".join("<id>" if part.isdigit() else part for part in path.split("/"))


def wait_for_reports(
    database: Path, settle: float = 1.0, timeout: float = 10.0
) -> list[tuple[str, str, str]]:
    """The stored reports once their number stopped growing (browsers send them asynchronously)."""
    deadline = time.monotonic() + timeout
    rows = stored_reports(database)
    while time.monotonic() < deadline:
        time.sleep(settle)
        newer = stored_reports(database)
        if len(newer) == len(rows):
            return newer
        rows = newer
    return rows


def seed_report(base: str) -> None:
    """One stored report, so the admin has a report and an aggregate to show (an extension's, i.e. noise)."""
    body = {
        "csp-report": {
            "document-uri": f"{base}/",
            "blocked-uri": "chrome-extension://abc/x.js",
            "effective-directive": "script-src-elem",
            "script-sample": "\u202e\x1b[31m",
        }
    }
    request = urllib.request.Request(
        f"{base}/security/csp-report/", json.dumps(body).encode(), {"Content-Type": "application/csp-report"}
    )
    with urllib.request.urlopen(request) as response:
        assert response.status in (200, 204)


def test_strict_policy_everywhere_with_no_violation_but_the_on_purpose_ones():
    with serve_demo() as site:
        crawl = crawl_demo(site.url)
        reports = wait_for_reports(site.database)
    admin_pages = [path for path in crawl.statuses if path.startswith("/admin/")]
    assert len(admin_pages) >= 15, admin_pages  # index, apps, change lists, add and change pages, dashboard
    assert any(path.endswith("/add/") for path in admin_pages)
    assert any(path.endswith("/change/") for path in admin_pages)
    assert {status for status in crawl.statuses.values()} == {200}
    for path, policies in crawl.policies.items():
        assert "content-security-policy-report-only" not in policies, path
        assert_strict(policies["content-security-policy"])
    # Django 6.1's admin templates read our nonce; 5.2's and 6.0's use none (only files from 'self').
    admin_uses_nonce = "'nonce-" in crawl.policies["/admin/"]["content-security-policy"]
    assert admin_uses_nonce is (django.VERSION >= (6, 1))
    assert crawl.admin_header_colour not in ("", "rgba(0, 0, 0, 0)")  # WhiteNoise served the admin's CSS
    assert crawl.on_purpose == set(ON_PURPOSE_PAGES)
    assert crawl.unexpected() == {}
    assert {urlsplit(document).path for document, _, _ in reports} <= set(ON_PURPOSE_PAGES)


def test_a_policy_proposed_from_report_only_reports_enforces_with_no_violation(tmp_path):
    with serve_demo({"DEMO_CSP_MODE": "report-only", "DEMO_CSP_POLICY": "nothing"}) as site:
        learning = crawl_demo(site.url, skip=ON_PURPOSE_PAGES)
        reports = wait_for_reports(site.database)
        proposal = json.loads(site.manage("csp_propose_policy", "--json"))
        summary = site.manage("csp_propose_policy")
    for path, policies in learning.policies.items():
        assert "content-security-policy" not in policies, path
        assert policies["content-security-policy-report-only"].startswith("default-src 'none'")
    reported_pages = {urlsplit(document).path for document, _, _ in reports}
    assert set(learning.statuses) - {"/accounts/login/"} <= reported_pages  # every page loads something
    assert proposal["default-src"] == ["none"]
    assert "nonce" in proposal["script-src"]  # the nonced inline script of /csp/propose/
    assert any(source.startswith("sha256-") for source in proposal["style-src"])  # its static style block
    assert not any("unsafe" in source for sources in proposal.values() for source in sources)
    assert "Proposed from" in summary

    policy_file = tmp_path / "proposal.json"
    policy_file.write_text(json.dumps(proposal))
    with serve_demo({"DEMO_CSP_POLICY_FILE": str(policy_file)}) as site:
        seed_report(site.url)
        enforced = crawl_demo(site.url, skip=ON_PURPOSE_PAGES)
        after = wait_for_reports(site.database)
    # The same pages (the admin's objects have other ids: only the seeded report is stored here).
    assert {shape(path) for path in enforced.statuses} == {shape(path) for path in learning.statuses}
    for policies in enforced.policies.values():
        assert_strict(policies["content-security-policy"])
    assert enforced.unexpected() == {}
    assert [blocked for _, _, blocked in after] == ["chrome-extension://abc/x.js"]  # the seeded one only
