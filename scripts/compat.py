"""Run the original django-security's own test suites against this checkout, as a regression guard.

The suites live outside the project (``../shared/compat``, read-only, never
copied in).  Every test that fails on purpose is listed, with its reason, in
the divergence table of ``docs/compatibility.md``; this script reads that
table and fails when a test outside it fails, or when a listed test starts to
pass (the table must then shrink).  Each suite runs on Django 6.1 and 5.2.

Where the suites are absent (a clone used outside this repository's CI) it
prints NOT RUN and succeeds, unless ``SECURITY_REQUIRE_SERVICES=1`` (CI).

Usage: python scripts/compat.py [--compat-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITES = ("v095", "v11x")
DJANGOS = {"6.1": "Django>=6.1,<6.2", "5.2": "Django>=5.2,<5.3"}
#: A divergence row of docs/compatibility.md names its test as `v095 Class.test_name`.
_ROW = re.compile(r"^\|\s*`(?P<suite>v095|v11x) (?P<test>\w+\.\w+)`")
_FAILED = re.compile(r"^(?:FAILED|ERROR) tests/tests\.py::(?P<cls>\w+)::(?P<name>\w+)")
_SUMMARY = re.compile(r"^compat (?P<suite>\w+): (?P<passed>\d+) passed, (?P<failed>\d+) failed")


def expected_failures(doc: Path) -> dict[str, set[str]]:
    """Suite -> ``Class.test`` names listed as deliberate divergences."""
    found: dict[str, set[str]] = {suite: set() for suite in SUITES}
    for line in doc.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            found[match["suite"]].add(match["test"])
    return found


def run_suite(runner: Path, suite: str, django: str) -> tuple[set[str], str]:
    """The failing tests of one suite on one Django series, and the runner's summary line."""
    env = {**os.environ, "COMPAT_DJANGO": django}
    result = subprocess.run(  # noqa: S603 (our own runner script, fixed arguments)
        ["bash", str(runner), suite, "-q", "--tb=no", "-rfE"],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    failed = set()
    summary = ""
    for line in result.stdout.splitlines():
        match = _FAILED.match(line)
        if match:
            failed.add(f"{match['cls']}.{match['name']}")
        if _SUMMARY.match(line):
            summary = line
    if not summary:
        raise SystemExit(
            f"compat {suite} on {django}: the runner gave no summary:\n{result.stdout}{result.stderr}"
        )
    return failed, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compat-dir", type=Path, default=ROOT.parent / "shared" / "compat")
    args = parser.parse_args()
    runner = args.compat_dir / "run"
    if not runner.is_file():
        message = f"compat suites: NOT RUN ({runner} is absent)"
        if os.environ.get("SECURITY_REQUIRE_SERVICES") == "1":
            print(message + "; CI requires them", file=sys.stderr)
            return 1
        print(message)
        return 0
    expected = expected_failures(ROOT / "docs" / "compatibility.md")
    problems = []
    for suite in SUITES:
        for series, django in DJANGOS.items():
            failed, summary = run_suite(runner, suite, django)
            print(f"{summary} (Django {series}; {len(expected[suite])} listed divergences)")
            for test in sorted(failed - expected[suite]):
                problems.append(f"{suite} {test} fails on Django {series} but is not a listed divergence")
            for test in sorted(expected[suite] - failed):
                problems.append(
                    f"{suite} {test} passes on Django {series}: remove it from docs/compatibility.md"
                )
    for problem in problems:
        print("compat:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
