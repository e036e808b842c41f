"""Access to the real services some tests need (PostgreSQL, Redis, Chromium).

Locally a missing service skips the test with a reason.  With
``SECURITY_REQUIRE_SERVICES=1`` (set by ``.ci/run``) a missing service fails
the test instead, and ``conftest`` fails the run if anything was skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REQUIRED = os.environ.get("SECURITY_REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("SECURITY_CHROMIUM", "/usr/bin/chromium")


def unavailable(service: str, reason: str) -> None:
    """Skip (locally) or fail (in CI) a test whose service is missing."""
    message = f"service {service} unavailable: {reason}"
    if REQUIRED:
        pytest.fail(message + " (SECURITY_REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


@contextmanager
def redis_server() -> Iterator[str]:
    """A throw-away redis-server on loopback; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis", "redis-server is not installed (Debian package redis-server)")
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                workdir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=10)


def chromium_path() -> str:
    """Path of Debian's Chromium, or skip/fail when absent."""
    if not Path(CHROMIUM).exists():
        unavailable("chromium", f"{CHROMIUM} not found (Debian packages chromium, chromium-driver)")
    return CHROMIUM


#: Flags for headless Chromium in this sandbox: no network chatter, fresh state.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
