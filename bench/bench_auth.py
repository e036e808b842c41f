"""Benchmarks of the auth policies (figures recorded in bench/README.md).

1. LoginRequiredMiddleware with 1000 LOGIN_EXEMPT_URLS patterns vs 10: the
   middleware's cost per anonymous request (request time with it minus
   without it), through Django's real WSGIHandler, same process and run.
2. Session saves caused by SessionExpiryPolicyMiddleware over 100 requests of
   one active user with the default SESSION_ACTIVITY_GRANULARITY (60 s), with
   the requests packed into a few seconds and spread over 10 minutes (a fake
   clock replaces the session module's clock, ``session._now``, only).

    python bench/bench_auth.py [--n 3000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import sys
import time
import types
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parent.parent / "src"
URLCONF = "bench_auth_urls"
ENGINE = "bench_auth_session_engine"

SESSION = "django.contrib.sessions.middleware.SessionMiddleware"
AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
LOGIN_REQUIRED = "security.middleware.LoginRequiredMiddleware"
SESSION_EXPIRY = "security.middleware.SessionExpiryPolicyMiddleware"


def setup() -> None:
    import django
    from django.conf import settings
    from django.http import HttpResponse
    from django.urls import path

    sys.path.insert(0, str(SRC))

    def page(request: Any) -> HttpResponse:
        return HttpResponse("<p>ok</p>")

    urls = types.ModuleType(URLCONF)
    urls.urlpatterns = [path("private/page/", page), path("accounts/login/", page)]  # type: ignore[attr-defined]
    sys.modules[URLCONF] = urls
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=URLCONF,
        MIDDLEWARE=[],
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.sessions",
            "security",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        SESSION_ENGINE=ENGINE,
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )
    from django.contrib.sessions.backends.db import SessionStore as DbStore

    class CountingStore(DbStore):
        saves = 0

        def save(self, must_create: bool = False) -> None:
            type(self).saves += 1
            super().save(must_create)

    engine = types.ModuleType(ENGINE)
    engine.SessionStore = CountingStore  # type: ignore[attr-defined]
    sys.modules[ENGINE] = engine
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, run_syncdb=True)


class _Input:
    def read(self, *args: Any) -> bytes:
        return b""

    def readline(self, *args: Any) -> bytes:
        return b""


def wsgi_runner(middleware: list[str], overrides: dict[str, Any], cookie: str = "") -> Any:
    """A handler built with these settings; they are set without ``setting_changed`` so
    the middleware instances keep what they compiled while other handlers are built."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    settings.MIDDLEWARE = middleware
    for name, value in overrides.items():
        setattr(settings, name, value)
    handler = WSGIHandler()
    handler.load_middleware()
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/private/page/",
        "QUERY_STRING": "",
        "SERVER_NAME": "bench",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "HTTP_COOKIE": cookie,
    }

    def run(n: int) -> tuple[float, str]:
        status_seen = ""

        def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
            nonlocal status_seen
            status_seen = status

        started = time.perf_counter()
        for _ in range(n):
            request = dict(environ)
            request["wsgi.input"] = _Input()
            body = handler(request, start_response)
            for _chunk in body:
                pass
            body.close()
        return time.perf_counter() - started, status_seen

    return run


def exempt_patterns(count: int) -> list[str]:
    return [rf"^section{i}/page/$" for i in range(count)]


def bench_exempt(n: int, rounds: int) -> None:
    configs = {
        "bare": ([SESSION, AUTH], {}),
        "10 rules": ([SESSION, AUTH, LOGIN_REQUIRED], {"LOGIN_EXEMPT_URLS": exempt_patterns(10)}),
        "1000 rules": ([SESSION, AUTH, LOGIN_REQUIRED], {"LOGIN_EXEMPT_URLS": exempt_patterns(1000)}),
        "Django's": ([SESSION, AUTH, "django.contrib.auth.middleware.LoginRequiredMiddleware"], {}),
    }
    runners = {name: wsgi_runner(mw, overrides) for name, (mw, overrides) in configs.items()}
    best = dict.fromkeys(configs, float("inf"))
    statuses = {}
    for _ in range(rounds):
        for name, run in runners.items():
            run(max(1, n // 10))
            elapsed, status = run(n)
            best[name] = min(best[name], elapsed / n)
            statuses[name] = status
    cost = {name: best[name] - best["bare"] for name in ("10 rules", "1000 rules", "Django's")}
    print("LoginRequiredMiddleware, anonymous request to a non-exempt page (WSGI, fastest round)")
    for name in configs:
        print(f"  {name:>10}: {best[name] * 1e6:7.1f} us/request  ({statuses[name]})")
    for name, value in cost.items():
        print(f"  middleware cost with {name}: {value * 1e6:.1f} us")
    print(f"  ratio 1000 vs 10 rules: {cost['1000 rules'] / cost['10 rules']:.2f}x (target <= 1.5x)")

    import timeit

    from security.middleware.auth import relative_exempt_rules

    # Matching alone: fastest of 15 repeats.  /section9999/page/ shares every rule's literal
    # "section" (the worst case for one alternation); /section5/page/ hits a rule in both lists.
    for path in ("/private/page/", "/section9999/page/", "/section5/page/"):
        timings = {}
        for count in (10, 1000):
            rules = relative_exempt_rules(exempt_patterns(count))
            repeats = timeit.repeat(
                lambda rules=rules, path=path: rules.matches(path), number=n * 10, repeat=15
            )
            timings[count] = min(repeats) / (n * 10)
        print(
            f"  rule matching alone on {path}: 10 rules {timings[10] * 1e6:.2f} us, "
            f"1000 rules {timings[1000] * 1e6:.2f} us ({timings[1000] / timings[10]:.2f}x)"
        )


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


def bench_session_saves() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_in

    from security.middleware import session as session_module

    store_class = sys.modules[ENGINE].SessionStore  # type: ignore[attr-defined]
    user = get_user_model().objects.create_user("bench", password="bench-pw-1")
    clock = FakeClock()
    session_module._now = clock.time  # type: ignore[assignment]

    def one_run(spacing: float, save_every_request: bool = False) -> int:
        session = store_class()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session_module.stamp_login(None, types.SimpleNamespace(session=session), user)
        session.save()
        run = wsgi_runner(
            [SESSION, AUTH, SESSION_EXPIRY, LOGIN_REQUIRED],
            {"SESSION_SAVE_EVERY_REQUEST": save_every_request},
            cookie=f"sessionid={session.session_key}",
        )
        store_class.saves = 0
        for _ in range(100):
            clock.now += spacing
            _, status = run(1)
            assert status.startswith("200"), status
        return int(store_class.saves)

    _ = user_logged_in
    packed = one_run(0.05)
    spread = one_run(6.0)
    naive = one_run(0.05, save_every_request=True)
    print("Session saves during 100 requests of one signed-in user (granularity 60 s, db backend)")
    print(f"  100 requests within 5 s:        {packed} saves (target <= 2)")
    print(f"  100 requests over 10 minutes:   {spread} saves (one per granularity period)")
    print(f"  saving on every request (naive): {naive} saves")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    setup()
    bench_exempt(args.n, args.rounds)
    bench_session_saves()


if __name__ == "__main__":
    main()
