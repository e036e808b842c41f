"""In-process harness: per-request time of a MIDDLEWARE list under WSGI or ASGI.

Requests go through Django's real ``WSGIHandler`` / ``ASGIHandler`` (URL
resolution, middleware chain, view, response) without sockets, so the figures
isolate what the middleware costs.  Compare configurations measured in the
same process and the same run; absolute numbers depend on the machine.

    from harness import measure, overhead
    bare = measure([], {}, 5000, "wsgi")
    ours = measure(["security.middleware.ContentNoSniff"], {}, 5000, "wsgi")

Every request is an ``https`` GET of ``/`` answered by a tiny HTML view, so
middleware that only acts on secure requests (HSTS) does its full work.
"""

from __future__ import annotations

import asyncio
import sys
import time
import types
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

Mode = Literal["wsgi", "asgi"]

_URLCONF = "security_bench_urls"
_SRC = Path(__file__).resolve().parent.parent / "src"


def _setup() -> None:
    """Configure a minimal Django once per process (idempotent)."""
    import django
    from django.conf import settings

    if settings.configured:
        return
    if str(_SRC) not in sys.path:
        sys.path.insert(0, str(_SRC))
    from django.http import HttpResponse
    from django.urls import path

    def page(request: Any) -> HttpResponse:
        return HttpResponse("<!doctype html><title>bench</title><p>ok</p>")

    urls = types.ModuleType(_URLCONF)
    urls.urlpatterns = [path("", page)]  # type: ignore[attr-defined]
    sys.modules[_URLCONF] = urls
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=_URLCONF,
        MIDDLEWARE=[],
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "security"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )
    django.setup()


def _wsgi_runner(environ: dict[str, Any]) -> Callable[[int], float]:
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        return None

    def run(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            request_environ = dict(environ)
            request_environ["wsgi.input"] = _EmptyInput()
            body = handler(request_environ, start_response)
            for _chunk in body:
                pass
            body.close()  # type: ignore[attr-defined]
        return time.perf_counter() - started

    return run


class _EmptyInput:
    def read(self, size: int = -1) -> bytes:
        return b""

    def readline(self, size: int = -1) -> bytes:
        return b""


def _asgi_runner(scope: dict[str, Any]) -> Callable[[int], float]:
    from django.core.handlers.asgi import ASGIHandler

    handler = ASGIHandler()
    loop = asyncio.new_event_loop()

    async def send(message: Mapping[str, Any]) -> None:
        return None

    def make_receive() -> Callable[[], Any]:
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Future()  # the client never disconnects; Django cancels this wait
            return {"type": "http.disconnect"}

        return receive

    async def batch(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            await handler(dict(scope), make_receive(), send)
        return time.perf_counter() - started

    def run(n: int) -> float:
        return loop.run_until_complete(batch(n))

    return run


def _environ() -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "bench.example",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "bench.example",
        "HTTP_ACCEPT": "text/html",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "https",
        "wsgi.version": (1, 0),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def _scope() -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench.example"), (b"accept", b"text/html")],
        "client": ("127.0.0.1", 50000),
        "server": ("bench.example", 443),
    }


def runner(middleware: Iterable[str], settings: Mapping[str, Any], mode: Mode) -> Callable[[int], float]:
    """A function ``run(n) -> total seconds`` for ``n`` requests through this configuration.

    The handler (and so the middleware chain) is built once, inside the
    settings override, and reused by every call.
    """
    _setup()
    from django.test.utils import override_settings

    with override_settings(MIDDLEWARE=list(middleware), **dict(settings)):
        run = _wsgi_runner(_environ()) if mode == "wsgi" else _asgi_runner(_scope())
        run(min(200, 10))  # warm caches (URL resolver, compiled headers)

    def timed(n: int) -> float:
        with override_settings(MIDDLEWARE=list(middleware), **dict(settings)):
            return run(n)

    return timed


def measure(middleware: Iterable[str], settings: Mapping[str, Any], n: int, mode: Mode) -> float:
    """Seconds per request of ``n`` requests through ``middleware`` with ``settings`` overridden."""
    run = runner(middleware, settings, mode)
    run(max(1, n // 10))
    return run(n) / n


def compare(
    configs: Mapping[str, tuple[list[str], dict[str, Any]]],
    *,
    n: int = 2000,
    rounds: int = 7,
    mode: Mode = "wsgi",
    statistic: Callable[[list[float]], float] = min,
) -> dict[str, float]:
    """Seconds per request of each named configuration, measured interleaved.

    Interleaving the configurations round by round spreads machine noise
    (other processes, CPU frequency) over all of them alike; the default
    statistic, the fastest round, is the one least disturbed by other load
    on the machine (pass ``statistics.median`` for the typical round).
    """
    runners = {name: runner(mw, st, mode) for name, (mw, st) in configs.items()}
    for run in runners.values():
        run(max(1, n // 5))
    samples: dict[str, list[float]] = {name: [] for name in configs}
    for _ in range(rounds):
        for name, run in runners.items():
            samples[name].append(run(n) / n)
    return {name: statistic(values) for name, values in samples.items()}


def overheads(timings: Mapping[str, float], baseline: str = "bare") -> dict[str, float]:
    """Seconds per request each configuration adds over ``baseline``."""
    base = timings[baseline]
    return {name: value - base for name, value in timings.items() if name != baseline}


if __name__ == "__main__":
    for mode_name in ("wsgi", "asgi"):
        result = compare(
            {
                "bare": ([], {}),
                "django-security-mw": (["django.middleware.security.SecurityMiddleware"], {}),
            },
            n=1000,
            rounds=3,
            mode=mode_name,  # type: ignore[arg-type]
        )
        print(mode_name, {k: f"{v * 1e6:.1f} µs" for k, v in result.items()})
