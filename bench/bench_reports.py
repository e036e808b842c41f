"""Reports per second accepted and stored by the collector vs a bare JSON view (the ceiling).

Run (PostgreSQL from ``scripts/services`` for the ``postgres`` part)::

    eval "$(scripts/services)"
    python bench/bench_reports.py [--db sqlite|postgres|both] [--n 3000] [--rounds 5]
                                  [--http-requests 3000] [--concurrency 4] [--storage-n 100000]

Per database, in a child process of its own (``bench/reports_site.py`` is the site):

* in-process: WSGI requests through Django's real ``WSGIHandler`` (no sockets,
  CSRF middleware on) to the bare view (the ceiling), to ``security.urls``'
  buffered collector storing with the defaults, to the documented
  ``csp_report(csp_save=True)`` (synchronous), and to ``csp_report`` logging
  only; configurations interleaved, best round of ``--rounds`` kept;
* over HTTP: gunicorn, 2 sync workers on 127.0.0.1, a bounded threaded client
  (``--http-requests`` requests, ``--concurrency`` connections, 120 s at most);
* storage: ``--storage-n`` reports of 100 distinct violations through the
  buffered collector, then ``flush()``: 100 aggregate rows whose counts add up
  exactly, and raw rows bounded by the per-violation sample.

Bodies rotate through 100 distinct ``application/csp-report`` reports, as
repeats from many browsers would (the collector parses a repeated body once,
``security.reports.memo``); the "every body distinct" rows send ``--n``
different bodies instead, none of them a repeat: the collector's worst case.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

BENCH = Path(__file__).resolve().parent
DISTINCT = 100


def bodies(count: int = DISTINCT) -> list[bytes]:
    """``count`` distinct report bodies (the collector remembers the last 256 it parsed)."""
    return [
        json.dumps(
            {
                "csp-report": {
                    "document-uri": f"https://shop.example/page/{i % 10}/?session=abc",
                    "referrer": "https://shop.example/",
                    "violated-directive": "script-src-elem",
                    "effective-directive": "script-src-elem",
                    "original-policy": "default-src 'self'; script-src 'self'; report-uri /csp-report/",
                    "disposition": "enforce",
                    "blocked-uri": f"https://cdn{i // 10}.example/lib.js?v={i}",
                    "source-file": "https://shop.example/static/app.js",
                    "line-number": 10 + i,
                    "column-number": 3,
                    "status-code": 200,
                    "script-sample": "",
                }
            }
        ).encode()
        for i in range(count)
    ]


# -- child: one database ------------------------------------------------------------


def create_tables() -> None:
    from django.db import connection

    from security.models import BrowserReportAggregate, CspReport, CspReportAggregate, ReportUserAgent

    with connection.schema_editor() as editor:
        for model in (CspReport, CspReportAggregate):
            if model._meta.db_table in connection.introspection.table_names():
                editor.delete_model(model)
        for model in (ReportUserAgent, CspReport, CspReportAggregate, BrowserReportAggregate):
            if model._meta.db_table in connection.introspection.table_names():
                editor.delete_model(model)
            editor.create_model(model)


def reset_tables() -> None:
    from django.core.cache import cache

    from security.models import CspReport, CspReportAggregate
    from security.reports.buffer import BUFFER, flush

    flush()
    BUFFER.discard()
    cache.clear()  # every round starts with fresh raw-row budgets
    CspReport.objects.all().delete()
    CspReportAggregate.objects.all().delete()


def environ(path: str, body: bytes) -> dict[str, object]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_USER_AGENT": "bench/1.0",
        "CONTENT_TYPE": "application/csp-report",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def in_process(n: int, rounds: int) -> dict[str, float]:
    from django.core.wsgi import get_wsgi_application

    handler = get_wsgi_application()
    payloads = bodies()
    unique = bodies(n)
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        statuses.append(status)

    def run(path: str, distinct: bool = False) -> float:
        statuses.clear()
        started = time.perf_counter()
        for i in range(n):
            body = unique[i] if distinct else payloads[i % DISTINCT]
            for _ in handler(environ(path, body), start_response):
                pass
        elapsed = time.perf_counter() - started
        assert statuses == ["204 No Content"] * n, statuses[:3]
        return n / elapsed

    configs = {
        "bare (ceiling)": lambda: run("/bare/"),
        "stored, buffered (security.urls: store + log)": lambda: run("/security/reports/"),
        "stored, buffered, no log": lambda: run("/buffered-quiet/"),
        "stored, synchronous (csp_report)": lambda: run("/collect/"),
        "log only (csp_report)": lambda: run("/log/"),
        "log only, every body distinct": lambda: run("/log/", distinct=True),
        "stored, buffered, every body distinct": lambda: run("/buffered-quiet/", distinct=True),
    }
    results: dict[str, list[float]] = {name: [] for name in configs}
    for measure in configs.values():  # warm-up
        measure()
    for _ in range(rounds):
        for name, measure in configs.items():
            results[name].append(measure())
        reset_tables()
    return {name: max(values) for name, values in results.items()}


def storage(n: int) -> dict[str, int]:
    from django.core.wsgi import get_wsgi_application
    from django.db.models import Sum

    from security.models import CspReport, CspReportAggregate

    reset_tables()
    handler = get_wsgi_application()
    payloads = bodies()
    from security.reports.buffer import flush

    for i in range(n):
        for _ in handler(environ("/security/reports/", payloads[i % DISTINCT]), lambda s, h: None):
            pass
    flush()
    total = CspReportAggregate.objects.aggregate(total=Sum("count"))["total"]
    return {
        "reports": n,
        "aggregate_rows": CspReportAggregate.objects.count(),
        "counted": int(total or 0),
        "raw_rows": CspReport.objects.count(),
    }


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_load(port: int, path: str, total: int, concurrency: int, limit: float = 120.0) -> float:
    payloads = bodies()
    counter = iter(range(total))
    lock = threading.Lock()
    failures: list[str] = []
    deadline = time.monotonic() + limit

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            connection = HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                body = payloads[i % DISTINCT]
                connection.request("POST", path, body, {"Content-Type": "application/csp-report"})
                response = connection.getresponse()
                response.read()
                if response.status != 204:
                    failures.append(str(response.status))
            finally:
                connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} failed requests, e.g. {failures[:3]}")
    return total / elapsed


HTTP_PATHS = {
    "bare (ceiling)": "/bare/",
    "stored, buffered (security.urls: store + log)": "/security/reports/",
    "stored, buffered, no log": "/buffered-quiet/",
    "stored, synchronous (csp_report)": "/collect/",
    "log only (csp_report)": "/log/",
}


def over_http(total: int, concurrency: int, rounds: int) -> dict[str, float]:
    results: dict[str, list[float]] = {name: [] for name in HTTP_PATHS}
    for _server in ("one",):
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(BENCH)}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "reports_site:application",
            ],
            cwd=BENCH,
            env=env,
        )
        try:
            wait_for(port)
            for url in HTTP_PATHS.values():  # warm-up both workers
                http_load(port, url, 200, concurrency)
            for _ in range(rounds):
                for name, url in HTTP_PATHS.items():
                    results[name].append(http_load(port, url, total, concurrency))
        finally:
            server.terminate()
            server.wait(timeout=20)
    return {name: max(values) for name, values in results.items()}


def wait_for(port: int, timeout: float = 20.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn did not listen on 127.0.0.1:{port}")


def child(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(BENCH))
    os.environ["DJANGO_SETTINGS_MODULE"] = "reports_site"
    import django

    django.setup()
    create_tables()
    result = {
        "in_process": in_process(args.n, args.rounds),
        "http": over_http(args.http_requests, args.concurrency, max(1, args.rounds // 2))
        if args.http_requests
        else {},
        "storage": storage(args.storage_n),
    }
    print(json.dumps(result))


# -- parent -----------------------------------------------------------------------------


def prepare_postgres() -> None:
    import psycopg

    params = {
        "host": os.environ.get("SECURITY_TEST_PG_HOST", "127.0.0.1"),
        "port": os.environ.get("SECURITY_TEST_PG_PORT", "54329"),
        "user": os.environ.get("SECURITY_TEST_PG_USER", "security"),
        "password": os.environ.get("SECURITY_TEST_PG_PASSWORD", "security"),
        "dbname": "postgres",
    }
    with psycopg.connect(**params, autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = 'security_bench'").fetchone():
            db.execute("CREATE DATABASE security_bench")


def table(name: str, figures: dict[str, float]) -> str:
    ceiling = figures["bare (ceiling)"]
    rows = [f"| {name} | {config} | {rate:,.0f} | {rate / ceiling:.0%} |" for config, rate in figures.items()]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--http-requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--storage-n", type=int, default=100_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    print("| database | path | configuration | reports/s | of ceiling |")
    print("|---|---|---|---|---|")
    storage_lines = []
    for database in databases:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "BENCH_DB": database, "BENCH_SQLITE": str(Path(tmp) / "bench.sqlite3")}
            if database == "postgres":
                prepare_postgres()
            command = [sys.executable, __file__, "--child", *sys.argv[1:]]
            output = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
            if output.returncode:
                raise SystemExit(output.stderr)
            result = json.loads(output.stdout.strip().splitlines()[-1])
        for path in ("in_process", "http"):
            if not result[path]:
                continue
            print(table(f"{database} | {path.replace('_', '-')}", result[path]))
        stored = result["storage"]
        storage_lines.append(
            f"{database}: {stored['reports']:,} reports of {DISTINCT} distinct violations -> "
            f"{stored['aggregate_rows']} aggregate rows counting {stored['counted']:,} "
            f"({stored['raw_rows']} raw rows, the bounded sample)"
        )
    print()
    for line in storage_lines:
        print(line)


if __name__ == "__main__":
    main()
