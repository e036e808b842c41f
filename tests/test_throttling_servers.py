"""Two real app servers (uvicorn ASGI + gunicorn WSGI) sharing one real Redis: N failures in total."""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from . import services
from .demo_server import EXAMPLE, serve_demo

pytestmark = pytest.mark.service("redis")

LIMIT = 4
GENERIC = "Please enter a correct"
THROTTLED = "Too many failed login attempts"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login_attempt(base_url: str, username: str, password: str, client: str | None = None) -> str:
    """GET the login form, POST the credentials; return "ok", "failed" or "throttled".

    ``client``: the address the (trusted) local proxy reports in X-Forwarded-For.
    """
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    if client:
        opener.addheaders.append(("X-Forwarded-For", client))
    with opener.open(base_url + "/accounts/login/", timeout=90) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, page[:500]
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    ).encode()
    try:
        with opener.open(base_url + "/accounts/login/", data=body, timeout=90) as response:
            page = response.read().decode()
    except urllib.error.HTTPError as error:
        if error.code == 302:
            return "ok"
        raise
    if THROTTLED in page:
        return "throttled"
    assert GENERIC in page, page[:500]
    return "failed"


@pytest.fixture
def two_servers(redis_url):
    env = {
        "DEMO_REDIS_URL": redis_url,
        "DEMO_THROTTLE_FAILURES": str(LIMIT),
        "DEMO_TRUSTED_PROXIES": "127.0.0.1",
    }
    with serve_demo(env=env) as asgi_server:
        port = services.free_port()
        gunicorn = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "demo.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            cwd=EXAMPLE,
            env=asgi_server.env,
        )
        try:
            services.wait_for_port(port)
            yield asgi_server, f"http://127.0.0.1:{port}"
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=15)


def test_limit_holds_in_total_across_processes(two_servers):
    asgi_server, wsgi_url = two_servers
    urls = [asgi_server.url, wsgi_url] * 6  # 12 concurrent wrong attempts on one username
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(lambda url: login_attempt(url, "newcomer", "wrong-password"), urls))
    assert outcomes.count("failed") == LIMIT, outcomes
    assert outcomes.count("throttled") == len(urls) - LIMIT
    # The right password is refused on either server until the window ends.
    assert login_attempt(wsgi_url, "newcomer", "change-me-1") == "throttled"
    assert login_attempt(asgi_server.url, "newcomer", "change-me-1") == "throttled"
    # Another username is unaffected, and its success works through the other server type.
    assert login_attempt(wsgi_url, "demo", "demo-password-1") == "ok"
    # The staff reset (management shell on the same database and Redis) unlocks it everywhere.
    asgi_server.manage(
        "shell",
        "-c",
        "from security.auth_throttling import reset_throttle; reset_throttle(username='newcomer')",
    )
    assert login_attempt(asgi_server.url, "newcomer", "change-me-1") == "ok"


def test_an_attacker_cannot_lock_the_owner_out(two_servers):
    asgi_server, wsgi_url = two_servers
    attacker, owner = "203.0.113.66", "198.51.100.7"
    urls = [asgi_server.url, wsgi_url] * 25  # 50 wrong attempts from one address, both server types
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(lambda url: login_attempt(url, "newcomer", "guess", attacker), urls))
    assert outcomes.count("failed") == LIMIT, outcomes  # that address's budget on the account
    assert outcomes.count("throttled") == len(urls) - LIMIT
    # The owner, from their own address, logs in at once, on either server type.
    assert login_attempt(wsgi_url, "newcomer", "change-me-1", owner) == "ok"
    assert login_attempt(asgi_server.url, "newcomer", "change-me-1", owner) == "ok"
    # The attacker's address stays refused, even with the right password.
    assert login_attempt(wsgi_url, "newcomer", "change-me-1", attacker) == "throttled"
