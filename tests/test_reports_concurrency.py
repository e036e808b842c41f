"""Counts under concurrent writers on a real PostgreSQL (threads and processes, direct and buffered)."""

import json
import multiprocessing
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import RequestFactory, override_settings
from django.utils import timezone

from security.csp.reports import Fingerprint
from security.models import CspReportAggregate
from security.reports import buffer
from security.reports.config import report_settings
from security.reports.storage import count_violation, write
from security.views import reports_endpoint

from .reports_worker import count_in_process, post_in_process


def save_aggregates(prints):
    now = timezone.now()
    counts = {buffer.key(buffer.CSP, fp): buffer.Count(buffer.CSP, fp, 1, now, now) for fp in prints}
    write(buffer.Snapshot(counts=counts), report_settings())


# Deselected on SQLite runs; the PostgreSQL session (nox -s tests_postgres) runs them.
pytestmark = pytest.mark.postgres


def fingerprints(n):
    return [Fingerprint("script-src", f"https://cdn{i}.example", "/", "") for i in range(n)]


@pytest.mark.django_db(transaction=True)
def test_threads_racing_on_new_and_existing_fingerprints_lose_no_count():
    prints = fingerprints(5)
    threads_n, repeats = 8, 25
    barrier = threading.Barrier(threads_n)
    errors = []

    def work():
        try:
            barrier.wait(timeout=30)  # every thread inserts the same new rows at the same moment
            for _ in range(repeats):
                for fp in prints:
                    count_violation(fp)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads_n)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors
    rows = {row.blocked: row.count for row in CspReportAggregate.objects.all()}
    assert rows == {fp.blocked: threads_n * repeats for fp in prints}


@pytest.mark.django_db(transaction=True)
def test_processes_racing_on_the_same_fingerprints_lose_no_count():
    prints = fingerprints(3)
    processes_n, repeats = 4, 30
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 4  # after every interpreter has started and set Django up
    workers = [
        context.Process(
            target=count_in_process,
            args=(connection.settings_dict["NAME"], [fp.blocked for fp in prints], repeats, start_at),
        )
        for _ in range(processes_n)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0] * processes_n
    rows = {row.blocked: row.count for row in CspReportAggregate.objects.all()}
    assert rows == {fp.blocked: processes_n * repeats for fp in prints}
    first, last = CspReportAggregate.objects.values_list("first_seen", "last_seen").first()
    assert first <= last


@pytest.mark.django_db(transaction=True)
def test_batches_in_opposite_orders_do_not_deadlock():
    """Two transactions bumping the same rows in opposite orders: locks are taken in one order."""
    prints = fingerprints(40)
    save_aggregates(prints)  # the rows exist: every later write is a row-locking UPDATE
    rounds = 15
    barrier = threading.Barrier(2)
    errors = []

    def work(batch):
        try:
            for _ in range(rounds):
                barrier.wait(timeout=30)
                with transaction.atomic():
                    save_aggregates(batch)
        except Exception as error:
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(batch,)) for batch in (prints, prints[::-1])]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors
    assert set(CspReportAggregate.objects.values_list("count", flat=True)) == {1 + 2 * rounds}


def csp_body(blocked):
    report = {"document-uri": "https://a.example/", "violated-directive": "img-src", "blocked-uri": blocked}
    return json.dumps({"csp-report": report})


@pytest.mark.django_db(transaction=True)
@override_settings(
    CSP_REPORTS_FLUSH_INTERVAL=0.05,
    CSP_REPORTS_FLUSH_REPORTS=7,
    CSP_REPORTS_RATE_LIMIT=None,
    CSP_REPORTS_NEW_PER_CLIENT=None,
)
def test_threads_posting_through_the_buffer_lose_no_count():
    """Timer flushes and size-triggered flushes from several threads at once: every report counted once."""
    blocked = [f"https://cdn{i}.example/x.js" for i in range(6)]
    threads_n, repeats = 6, 40
    barrier = threading.Barrier(threads_n)
    errors = []
    factory = RequestFactory()

    def work():
        try:
            barrier.wait(timeout=30)
            for _ in range(repeats):
                for b in blocked:
                    request = factory.post("/r/", csp_body(b), content_type="application/csp-report")
                    assert reports_endpoint(request).status_code == 204
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads_n)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    buffer.flush()
    assert not errors
    rows = dict(CspReportAggregate.objects.values_list("blocked", "count"))
    assert rows == {b.rsplit("/", 1)[0]: threads_n * repeats for b in blocked}


@pytest.mark.django_db(transaction=True)
def test_processes_posting_through_their_buffers_lose_no_count():
    """Each process buffers and flushes on its own timer and at exit; the database adds them up exactly."""
    blocked = [f"https://cdn{i}.example/x.js" for i in range(4)]
    processes_n, repeats = 3, 50
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 4
    workers = [
        context.Process(
            target=post_in_process, args=(connection.settings_dict["NAME"], blocked, repeats, start_at)
        )
        for _ in range(processes_n)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0] * processes_n
    rows = dict(CspReportAggregate.objects.values_list("blocked", "count"))
    assert rows == {b.rsplit("/", 1)[0]: processes_n * repeats for b in blocked}
