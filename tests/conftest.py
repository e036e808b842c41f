"""Suite-wide fixtures and the CI guard that turns skips into failures."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from . import services


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a real Redis server on loopback, started for this test session."""
    with services.redis_server() as url:
        yield url


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """An empty default cache before and after the test (report and throttle counters live there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _empty_report_buffer() -> Iterator[None]:
    """No test sees another's buffered reports (learnt fingerprints, logged or parsed reports)."""
    from security.reports import memo
    from security.reports.buffer import BUFFER
    from security.reports.log_lines import LIMITER

    BUFFER.discard()
    LIMITER.discard()
    memo.forget()
    yield
    BUFFER.discard()
    LIMITER.discard()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` belong to the PostgreSQL run (``nox -s tests_postgres``).

    Elsewhere they are deselected, not skipped: the matrix cells run on SQLite
    and the PostgreSQL session runs the whole suite, these tests included.
    """
    if os.environ.get("SECURITY_TEST_DB") == "postgres":
        return
    kept = [item for item in items if item.get_closest_marker("postgres") is None]
    deselected = [item for item in items if item.get_closest_marker("postgres") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


#: Skip reasons that are legitimate in CI: the test does not apply to this
#: Django/Python cell.  Any other skip (a missing service, a missing module from
#: ``importorskip``) fails the run under ``SECURITY_REQUIRE_SERVICES=1``.
NOT_APPLICABLE = "not applicable:"


def _forbidden_skips(reporter: pytest.TerminalReporter | None) -> list[pytest.TestReport]:
    if not services.REQUIRED or reporter is None:
        return []
    skipped = reporter.stats.get("skipped", [])
    return [report for report in skipped if NOT_APPLICABLE not in str(report.longrepr)]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int) -> None:
    forbidden = _forbidden_skips(terminalreporter)
    if forbidden:
        terminalreporter.write_line(
            f"SECURITY_REQUIRE_SERVICES=1: {len(forbidden)} skipped test(s) count as failures", red=True
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if _forbidden_skips(reporter) and exitstatus == 0:
        session.exitstatus = 1
