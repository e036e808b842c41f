"""Test matrix and quality gates, run by ``scripts/test`` (the README's test command).

Sessions:
  lint           ruff (lint + format check) and mypy (strict, django-stubs)
  docs           mkdocs build --strict
  tests          the suite on every Django x Python cell of the matrix present here
  tests_postgres the suite on a real PostgreSQL (newest cell)
  compat         the original django-security's own test suites (../shared/compat), with the
                 divergences listed in docs/compatibility.md as the expected failures

Interpreters are discovered, never hard-coded: ``PYTHON3XX`` (e.g. ``PYTHON312``)
names one explicitly (``PYTHON`` any one), else ``python3.X`` on PATH, else pyenv's versions.  Cells
whose interpreter is absent are printed as NOT RUN and never counted green.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
DJANGOS = {"5.2": "Django>=5.2,<5.3", "6.0": "Django>=6.0,<6.1", "6.1": "Django>=6.1,<6.2"}
#: Django's own minimum Python per series.
MIN_PYTHON = {"5.2": "3.10", "6.0": "3.12", "6.1": "3.12"}
NEWEST = ("3.13", "6.1")
#: Cells CI must run: a missing interpreter for one of these fails the run.
REQUIRED_IN_CI = {("3.11", "5.2"), ("3.13", "6.1")}
#: Tests that drive Chromium or several real app servers: minutes per cell, and what they prove
#: depends on the Django series, not on the Python version. They run on one cell per series
#: (and in the PostgreSQL session); the other cells run everything else.
BROWSER_AND_SERVER_TESTS = (
    "tests/test_auth_browser.py",
    "tests/test_csp_browser.py",
    "tests/test_demo_csp_browser.py",
    "tests/test_reports_browser.py",
    "tests/test_reports_types_browser.py",
    "tests/test_reports_flood.py",
    "tests/test_throttling_servers.py",
)
FULL_CELLS = {("3.11", "5.2"), ("3.13", "6.0"), ("3.13", "6.1")}

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.error_on_missing_interpreters = False
nox.options.sessions = ["lint", "docs", "tests", "tests_postgres", "compat"]


def _version_of(executable: str) -> str | None:
    try:
        out = subprocess.run(
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _candidates(version: str) -> list[str]:
    found: list[str] = []
    # PYTHON3XX names the interpreter of one version; PYTHON one of any version.
    for variable in ("PYTHON" + version.replace(".", ""), "PYTHON"):
        if os.environ.get(variable):
            found.append(os.environ[variable])
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(on_path)
    pyenv = shutil.which("pyenv")
    root = os.environ.get("PYENV_ROOT") or (
        subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False).stdout.strip()
        if pyenv
        else ""
    )
    if root:
        versions = sorted(Path(root, "versions").glob(f"{version}.*"), reverse=True)
        found += [str(v / "bin" / f"python{version}") for v in versions]
    return found


def discover() -> dict[str, str]:
    """Map each matrix Python version to a working interpreter found on this machine."""
    interpreters: dict[str, str] = {}
    for version in PYTHONS:
        for candidate in _candidates(version):
            if _version_of(candidate) == version:
                interpreters[version] = candidate
                break
    return interpreters


def _expose(interpreters: dict[str, str]) -> None:
    """Put ``pythonX.Y`` links first on PATH so nox and uv pick the verified interpreters."""
    bindir = ROOT / ".nox" / "interpreters"
    bindir.mkdir(parents=True, exist_ok=True)
    for version, path in interpreters.items():
        link = bindir / f"python{version}"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(path)
    os.environ["PATH"] = f"{bindir}{os.pathsep}{os.environ['PATH']}"


INTERPRETERS = discover()
_expose(INTERPRETERS)
CELLS = [
    (py, dj)
    for dj in DJANGOS
    for py in PYTHONS
    if tuple(map(int, py.split("."))) >= tuple(map(int, MIN_PYTHON[dj].split(".")))
]
for _py, _dj in CELLS:
    state = "found " + INTERPRETERS[_py] if _py in INTERPRETERS else "NOT RUN: no Python interpreter found"
    print(f"matrix cell Django {_dj} / Python {_py}: {state}", file=sys.stderr)
_MISSING_REQUIRED = [cell for cell in REQUIRED_IN_CI if cell[0] not in INTERPRETERS]

TOOLS_PYTHON = next((v for v in ("3.13", "3.12", "3.11") if v in INTERPRETERS), None)


def _install(session: nox.Session, *extras: str, django: str | None = None) -> None:
    requirement = f".[{','.join(extras)}]" if extras else "."
    args = [requirement] + ([DJANGOS[django]] if django else [])
    session.install("-e", *args)


@nox.session(python=TOOLS_PYTHON)
def lint(session: nox.Session) -> None:
    """ruff and mypy."""
    _install(session, "lint", "test", django="6.1" if TOOLS_PYTHON in ("3.12", "3.13") else "5.2")
    session.run("ruff", "check", "src", "tests", "example", "bench", "scripts", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "example", "bench", "scripts", "noxfile.py")
    session.run("mypy")


@nox.session(python=TOOLS_PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation with warnings as errors."""
    _install(session, "docs")
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / ".nox" / "site"))


@nox.session
@nox.parametrize("python,django", [nox.param(py, dj, id=f"django{dj}-py{py}") for py, dj in CELLS])
def tests(session: nox.Session, django: str) -> None:
    """The whole suite on one Django x Python cell, with branch coverage."""
    if os.environ.get("CI") and _MISSING_REQUIRED:
        session.error(f"CI requires interpreters for {sorted(_MISSING_REQUIRED)}")
    _install(session, "test", django=django)
    left_out: list[str] = []
    if (session.python, django) not in FULL_CELLS and not session.posargs:
        left_out = [f"--ignore={path}" for path in BROWSER_AND_SERVER_TESTS]
        session.log(f"browser and multi-server tests run on {sorted(FULL_CELLS)} only; left out here")
    session.run(
        "pytest",
        "--cov",
        "--cov-report=term",
        f"--junitxml=.nox/junit-django{django}-py{session.python}.xml",
        *left_out,
        *session.posargs,
    )


@nox.session(python=NEWEST[0])
def tests_postgres(session: nox.Session) -> None:
    """The whole suite on a real PostgreSQL started on loopback by scripts/services."""
    env = _postgres_env(session)
    _install(session, "test", django=NEWEST[1])
    session.run("pytest", *session.posargs, env={**env, "SECURITY_TEST_DB": "postgres"})


def _postgres_env(session: nox.Session) -> dict[str, str]:
    if os.environ.get("SECURITY_TEST_PG_HOST"):
        return {}
    result = subprocess.run([str(ROOT / "scripts" / "services")], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        reason = f"PostgreSQL unavailable: {result.stderr.strip()}"
        if os.environ.get("SECURITY_REQUIRE_SERVICES") == "1":
            session.error(reason)
        session.skip(reason)
    env: dict[str, str] = {}
    for line in result.stdout.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = value
    return env


@nox.session(python=False)
def compat(session: nox.Session) -> None:
    """The original project's test suites against this checkout (NOT RUN where they are absent)."""
    # Django 6.1 needs Python 3.12+: hand the runner the interpreter found here.
    newest = next((INTERPRETERS[v] for v in ("3.13", "3.12") if v in INTERPRETERS), None)
    env = {"COMPAT_PYTHON": newest} if newest and not os.environ.get("COMPAT_PYTHON") else {}
    session.run(sys.executable, str(ROOT / "scripts" / "compat.py"), *session.posargs, env=env)
