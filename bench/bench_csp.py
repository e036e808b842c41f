"""Per-request overhead of our CSP middleware vs Django 6.1's and django-csp 4.0's.

Run (Django 6.1 and django-csp 4.0 installed beside this package, e.g. in a
Python 3.12+ venv: ``pip install "Django==6.1.*" "django-csp==4.0" -e .``)::

    python bench/bench_csp.py [--n 2000] [--rounds 7] [--mode wsgi|asgi|both]

The same 10-directive policy is sent by each implementation, twice: without a
nonce (the view never reads one) and with a nonce in ``script-src`` and
``style-src`` that the view reads, as a template would.  All configurations are
measured interleaved in one process (``harness.compare``); the figures are
overheads over a bare Django answering the same view.  Implementations that are
not installed are skipped (Django's own CSP middleware exists from Django 6.0).
"""

from __future__ import annotations

import argparse
import sys
import types
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

HOSTS = {
    "script": "https://js.example.com",
    "style": "https://css.example.com",
    "img": "https://img.example.com",
    "font": "https://fonts.example.com",
}


def policy(self: str, none: str, nonce: str | None) -> dict[str, list[str]]:
    """The benchmark policy in CSP_DICT form, with an implementation's spelling of the keywords."""
    extra = [nonce] if nonce else []
    return {
        "default-src": [self],
        "script-src": [self, HOSTS["script"], *extra],
        "style-src": [self, HOSTS["style"], *extra],
        "img-src": [self, "data:", HOSTS["img"]],
        "font-src": [self, HOSTS["font"]],
        "connect-src": [self, "wss://live.example.com"],
        "object-src": [none],
        "base-uri": [self],
        "form-action": [self],
        "frame-ancestors": [none],
    }


def _urlconf(name: str, read_nonce: Any) -> str:
    """A URL module whose view reads the nonce the way a template would (or not at all)."""
    from django.http import HttpResponse
    from django.urls import path

    def page(request: Any) -> HttpResponse:
        nonce = read_nonce(request) if read_nonce else ""
        return HttpResponse(f'<!doctype html><title>bench</title><script nonce="{nonce}">1</script>')

    module = types.ModuleType(name)
    module.urlpatterns = [path("", page)]  # type: ignore[attr-defined]
    sys.modules[name] = module
    return name


def configurations() -> dict[str, tuple[list[str], dict[str, Any]]]:
    harness._setup()
    plain = _urlconf("bench_csp_plain", None)
    configs: dict[str, tuple[list[str], dict[str, Any]]] = {
        "bare": ([], {"ROOT_URLCONF": plain}),
        "ours": (
            ["security.middleware.ContentSecurityPolicyMiddleware"],
            {"ROOT_URLCONF": plain, "CSP_DICT": policy("self", "none", None)},
        ),
        "ours+nonce": (
            ["security.middleware.ContentSecurityPolicyMiddleware"],
            {
                "ROOT_URLCONF": _urlconf("bench_csp_ours", lambda request: str(request.csp_nonce)),
                "CSP_DICT": policy("self", "none", "nonce"),
            },
        ),
    }
    try:
        from django.utils.csp import CSP
    except ImportError:
        print("Django's CSP middleware needs Django 6.0+; skipped.", file=sys.stderr)
    else:
        from django.middleware.csp import get_nonce

        django_mw = ["django.middleware.csp.ContentSecurityPolicyMiddleware"]
        configs["django"] = (
            django_mw,
            {"ROOT_URLCONF": plain, "SECURE_CSP": policy(CSP.SELF, CSP.NONE, None)},
        )
        configs["django+nonce"] = (
            django_mw,
            {
                "ROOT_URLCONF": _urlconf("bench_csp_django", lambda request: str(get_nonce(request))),
                "SECURE_CSP": policy(CSP.SELF, CSP.NONE, CSP.NONCE),
            },
        )
    try:
        from csp import constants as csp_constants
    except ImportError:
        print("django-csp is not installed; skipped.", file=sys.stderr)
    else:
        csp_mw = ["csp.middleware.CSPMiddleware"]

        def django_csp(nonce: str | None) -> dict[str, Any]:
            return {"DIRECTIVES": policy(csp_constants.SELF, csp_constants.NONE, nonce)}

        configs["django-csp"] = (csp_mw, {"ROOT_URLCONF": plain, "CONTENT_SECURITY_POLICY": django_csp(None)})
        configs["django-csp+nonce"] = (
            csp_mw,
            {
                "ROOT_URLCONF": _urlconf("bench_csp_djangocsp", lambda request: str(request.csp_nonce)),
                "CONTENT_SECURITY_POLICY": django_csp(csp_constants.NONCE),
            },
        )
    return configs


def check_headers(configs: dict[str, tuple[list[str], dict[str, Any]]]) -> None:
    """Every implementation sends the same policy (nonce aside) before anything is timed."""
    import re

    from django.test import Client
    from django.test.utils import override_settings

    seen: dict[str, str] = {}
    for name, (middleware, settings) in configs.items():
        if name == "bare":
            continue
        with override_settings(MIDDLEWARE=middleware, ALLOWED_HOSTS=["*"], **settings):
            header = Client().get("/")["Content-Security-Policy"]
        # Same directives and sources; django-csp writes them in its own order.
        seen[name] = "; ".join(sorted(re.sub(r"'nonce-[^']+'", "'nonce-N'", header).split("; ")))
    if (
        len({value for name, value in seen.items() if name.endswith("+nonce")}) != 1
        or len({value for name, value in seen.items() if not name.endswith("+nonce")}) != 1
    ):
        raise SystemExit(f"The implementations send different policies: {seen}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--mode", choices=["wsgi", "asgi", "both"], default="both")
    args = parser.parse_args()
    configs = configurations()
    check_headers(configs)
    import django

    print(f"Django {django.get_version()}, Python {sys.version.split()[0]}, n={args.n}, rounds={args.rounds}")
    for mode in ["wsgi", "asgi"] if args.mode == "both" else [args.mode]:
        timings = harness.compare(configs, n=args.n, rounds=args.rounds, mode=mode)  # type: ignore[arg-type]
        extra = harness.overheads(timings)
        print(f"\n{mode}: bare {timings['bare'] * 1e6:.1f} µs/request")
        print(f"{'configuration':<18} {'µs/request':>10} {'overhead µs':>12} {'ours / it':>10}")
        for name, value in timings.items():
            if name == "bare":
                continue
            ours = extra["ours+nonce" if name.endswith("+nonce") else "ours"]
            ratio = ours / extra[name] if extra[name] > 0 else float("nan")
            print(f"{name:<18} {value * 1e6:>10.1f} {extra[name] * 1e6:>12.2f} {ratio:>10.2f}")


if __name__ == "__main__":
    main()
