"""Serve the demo site (``example/``) on loopback for browser tests.

The site runs in a separate uvicorn process with its own SQLite file, so the
browser exercises exactly what the README's demo command serves.  ``env``
passes ``DEMO_*`` overrides that ``example/demo/settings.py`` reads; ``tls``
serves https with a throw-away certificate (Chromium honours HSTS and
``Reporting-Endpoints`` only over https; start it with
``--ignore-certificate-errors``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import services

EXAMPLE = Path(__file__).resolve().parent.parent / "example"


@dataclass(frozen=True)
class DemoServer:
    url: str
    database: Path
    env: dict[str, str]

    def prepare(self) -> None:
        """Migrate, create the demo users and collect the static files, in one process (start-up is slow)."""
        script = (
            "import django; django.setup(); from django.core.management import call_command; "
            "call_command('migrate', verbosity=0); call_command('demo_setup'); "
            "call_command('collectstatic', interactive=False, verbosity=0)"
        )
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=EXAMPLE, env=self.env, capture_output=True, text=True
        )
        if result.returncode:
            raise RuntimeError(f"preparing the demo failed:\n{result.stderr}")

    def manage(self, *args: str) -> str:
        """Run a management command of the served site (same database); return its output."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=EXAMPLE,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout


def _certificate(workdir: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        services.unavailable("openssl", "openssl is not installed (Debian package openssl)")
    key, cert = workdir / "key.pem", workdir / "cert.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return key, cert


@contextmanager
def serve_demo(env: dict[str, str] | None = None, *, tls: bool = False) -> Iterator[DemoServer]:
    """Migrate a fresh demo database and serve the demo site until the block ends."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        full_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "demo.settings",
            "DEMO_DATABASE": str(workdir / "demo.sqlite3"),
            "DEMO_STATIC_ROOT": str(workdir / "static"),
            "DEMO_LOG_LEVEL": "WARNING",  # one line per CSP violation would drown the test output
            **(env or {}),
        }
        full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(EXAMPLE), full_env.get("PYTHONPATH")]))
        server = DemoServer("", workdir / "demo.sqlite3", full_env)
        server.prepare()
        port = services.free_port()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "demo.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
        if tls:
            key, cert = _certificate(workdir)
            command += ["--ssl-keyfile", str(key), "--ssl-certfile", str(cert)]
        process = subprocess.Popen(command, cwd=EXAMPLE, env=full_env)
        try:
            services.wait_for_port(port)
            scheme = "https" if tls else "http"
            yield DemoServer(f"{scheme}://127.0.0.1:{port}", server.database, full_env)
        finally:
            process.terminate()
            process.wait(timeout=10)
