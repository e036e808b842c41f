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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if services.REQUIRED and skipped:
        terminalreporter.write_line(
            f"SECURITY_REQUIRE_SERVICES=1: {len(skipped)} skipped test(s) count as failures", red=True
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if services.REQUIRED and skipped and exitstatus == 0:
        session.exitstatus = 1
