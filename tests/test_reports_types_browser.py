"""End to end in headless Chromium: a non-CSP Reporting API report reaches our collector.

``tests/reports_types_site.py`` sends ``Permissions-Policy: geolocation=();report-to=default``
and ``Reporting-Endpoints: default="/security/reports/"`` (from
``SECURITY_REPORTS_ENDPOINT``); its page calls the blocked geolocation API.
Chromium delivers the report after ``--short-reporting-delay``, over https
(a throw-away certificate, ``--ignore-certificate-errors``); the collector
buffers it and writes it within ``CSP_REPORTS_FLUSH_INTERVAL``.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

import pytest

from . import services
from .demo_server import _certificate

pytestmark = [pytest.mark.browser, pytest.mark.service("chromium")]

ROOT = Path(__file__).resolve().parent.parent


def stored(database: Path) -> dict[str, tuple[str, int]]:
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)) as db:
            rows = db.execute("SELECT kind, key, count FROM security_browserreportaggregate").fetchall()
    except sqlite3.OperationalError:
        return {}
    return {kind: (key, count) for kind, key, count in rows}


@pytest.fixture(scope="module")
def site():
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.reports_types_site",
            "REPORTS_SITE_DATABASE": str(workdir / "site.sqlite3"),
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH")])
            ),
        }
        subprocess.run(
            [sys.executable, "-m", "django", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True
        )
        key, cert = _certificate(workdir)
        port = services.free_port()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "tests.reports_types_site:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--ssl-keyfile",
            str(key),
            "--ssl-certfile",
            str(cert),
        ]
        process = subprocess.Popen(command, cwd=ROOT, env=env)
        try:
            services.wait_for_port(port)
            yield f"https://127.0.0.1:{port}", workdir / "site.sqlite3"
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_a_permissions_policy_violation_report_is_stored_by_type(site):
    url, database = site
    executable = services.chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        services.unavailable("chromium", "playwright is not installed (pip install playwright)")
    args = [*services.CHROMIUM_ARGS, "--ignore-certificate-errors", "--short-reporting-delay"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=args)
        try:
            context = browser.new_context(ignore_https_errors=True)
            page = context.new_page()
            response = page.goto(url + "/")
            assert response is not None
            assert response.status == 200
            headers = response.headers
            page.wait_for_timeout(500)
            page.close()  # closing flushes queued Reporting API reports
            context.close()
            deadline = time.monotonic() + 30
            rows = stored(database)
            while "permissions-policy-violation" not in rows and time.monotonic() < deadline:
                time.sleep(0.25)
                rows = stored(database)
        finally:
            browser.close()
    assert headers["reporting-endpoints"] == 'default="/security/reports/"'
    assert headers["permissions-policy"] == "geolocation=();report-to=default"
    assert headers["cross-origin-opener-policy"] == 'same-origin; report-to="default"'
    assert rows["permissions-policy-violation"][0] == "geolocation", rows
    assert rows["permissions-policy-violation"][1] >= 1
