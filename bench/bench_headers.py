"""Per-request overhead of django-security's response-header middleware vs Django core's.

Run: ``python bench/bench_headers.py [--n 2000] [--rounds 7]``

Configurations, measured interleaved in one process under WSGI and ASGI:

* ``bare``: no middleware.
* ``django``: ``SecurityMiddleware`` + ``XFrameOptionsMiddleware`` with HSTS,
  nosniff, Referrer-Policy, COOP and X-Frame-Options (plus Django 6's CSP
  middleware with a small policy when it exists).
* ``ours-equivalent``: our middleware sending the same headers.
* ``ours-full``: every header middleware of this package switched on (nosniff,
  HSTS, framing, XSS, P3P, referrer, permissions, cross-origin, clear-site-data,
  DNT/GPC, confidential caching), plus our CSP middleware when implemented.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

HEADER_SETTINGS: dict[str, Any] = {
    "STS_MAX_AGE": 31_536_000,
    "STS_INCLUDE_SUBDOMAINS": True,
    "X_FRAME_OPTIONS": "deny",
    "XSS_PROTECT": "off",
    "P3P_COMPACT_POLICY": "NOI DSP COR NID",
    "REFERRER_POLICY": "same-origin",
    "PERMISSIONS_POLICY": {"geolocation": [], "camera": [], "microphone": [], "fullscreen": ["self"]},
    "CROSS_ORIGIN_OPENER_POLICY": "same-origin",
    "CROSS_ORIGIN_RESOURCE_POLICY": "same-origin",
    "CLEAR_SITE_DATA_URLS": [r"^/accounts/logout/$"],
    "SECURITY_HEADERS": [
        "nosniff",
        "hsts",
        "frame-options",
        "xss-protection",
        "p3p",
        "referrer-policy",
        "permissions-policy",
        "cross-origin",
        "clear-site-data",
    ],
    "NO_CONFIDENTIAL_CACHING": {"BLACKLIST_ON": True, "BLACKLIST_REGEXES": [r"^/admin/", r"^/accounts/"]},
}

DJANGO_SETTINGS: dict[str, Any] = {
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_CONTENT_TYPE_NOSNIFF": True,
    "SECURE_REFERRER_POLICY": "same-origin",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
    "X_FRAME_OPTIONS": "DENY",
}

EQUIVALENT = [
    "security.middleware.StrictTransportSecurityMiddleware",
    "security.middleware.ContentNoSniff",
    "security.middleware.ReferrerPolicyMiddleware",
    "security.middleware.CrossOriginIsolationMiddleware",
    "security.middleware.XFrameOptionsMiddleware",
]

FULL = [
    *EQUIVALENT,
    "security.middleware.XssProtectMiddleware",
    "security.middleware.P3PPolicyMiddleware",
    "security.middleware.PermissionsPolicyMiddleware",
    "security.middleware.ClearSiteDataMiddleware",
    "security.middleware.DoNotTrackMiddleware",
    "security.middleware.NoConfidentialCachingMiddleware",
]


#: The same full set through SecurityHeadersMiddleware (one layer for every header).
FULL_COMBINED = [
    "security.middleware.SecurityHeadersMiddleware",
    "security.middleware.DoNotTrackMiddleware",
    "security.middleware.NoConfidentialCachingMiddleware",
]


def _django_csp() -> tuple[list[str], dict[str, Any]]:
    """Django 6's CSP middleware and a small policy, or nothing on Django 5.2."""
    try:
        import django.middleware.csp  # noqa: F401
    except ImportError:
        return [], {}
    return (
        ["django.middleware.csp.ContentSecurityPolicyMiddleware"],
        {"SECURE_CSP": {"default-src": ["'self'"], "img-src": ["'self'", "https:"]}},
    )


def _our_csp() -> tuple[list[str], dict[str, Any]]:
    """Our CSP middleware with the same policy, once it is implemented."""
    from security.middleware import csp

    if "process_response" not in vars(csp.ContentSecurityPolicyMiddleware):
        return [], {}
    return (
        ["security.middleware.ContentSecurityPolicyMiddleware"],
        {"CSP_DICT": {"default-src": ["self"], "img-src": ["self", "https:"]}},
    )


def configs() -> dict[str, tuple[list[str], dict[str, Any]]]:
    harness._setup()
    django_csp_mw, django_csp_settings = _django_csp()
    our_csp_mw, our_csp_settings = _our_csp()
    return {
        "bare": ([], {}),
        "django": (
            [
                "django.middleware.security.SecurityMiddleware",
                "django.middleware.clickjacking.XFrameOptionsMiddleware",
                *django_csp_mw,
            ],
            {**DJANGO_SETTINGS, **django_csp_settings},
        ),
        "ours-equivalent": (EQUIVALENT, HEADER_SETTINGS),
        "ours-full": ([*our_csp_mw, *FULL], {**HEADER_SETTINGS, **our_csp_settings}),
        "ours-full-combined": ([*our_csp_mw, *FULL_COMBINED], {**HEADER_SETTINGS, **our_csp_settings}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=2000, help="requests per round and configuration")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (the median is kept)")
    parser.add_argument("--modes", default="wsgi,asgi")
    args = parser.parse_args()
    import django

    print(f"Python {sys.version.split()[0]}, Django {django.get_version()}, n={args.n}, rounds={args.rounds}")
    for mode in args.modes.split(","):
        timings = harness.compare(configs(), n=args.n, rounds=args.rounds, mode=mode)  # type: ignore[arg-type]
        over = harness.overheads(timings)
        print(f"\n{mode.upper()}: bare {timings['bare'] * 1e6:.1f} µs/request")
        for name, extra in over.items():
            print(f"  {name:18} {timings[name] * 1e6:8.1f} µs/request   overhead {extra * 1e6:7.1f} µs")
        django_over = over["django"]
        for name in ("ours-equivalent", "ours-full", "ours-full-combined"):
            ratio = over[name] / django_over if django_over > 0 else float("nan")
            print(f"  overhead ratio {name} / django = {ratio:.2f}")


if __name__ == "__main__":
    main()
