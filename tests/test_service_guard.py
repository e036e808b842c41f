"""The CI guard: with SECURITY_REQUIRE_SERVICES=1 a missing service fails instead of skipping."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_sample(require: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SECURITY_REQUIRE_SERVICES": require}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/guard_sample.py", "-q", "-p", "no:cacheprovider", "--no-cov"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_missing_service_skips_locally():
    result = run_sample("0")
    assert result.returncode == 0, result.stdout
    assert "1 passed, 3 skipped" in result.stdout
    assert "service nothing unavailable" in result.stdout


def test_missing_service_fails_in_ci():
    result = run_sample("1")
    assert result.returncode == 1, result.stdout
    assert "1 failed, 1 passed, 2 skipped" in result.stdout
    assert "SECURITY_REQUIRE_SERVICES=1 forbids skipping" in result.stdout
    # The plain skip fails the run; the "not applicable:" one does not count.
    assert "1 skipped test(s) count as failures" in result.stdout


def test_only_a_forbidden_skip_fails_the_run_in_ci():
    env = {**os.environ, "SECURITY_REQUIRE_SERVICES": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/guard_sample.py",
            "-q",
            "-p",
            "no:cacheprovider",
            "--no-cov",
            "-k",
            "passes or not_applicable",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
