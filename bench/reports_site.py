"""Django settings, URLs and WSGI app of the report collector benchmark (one module).

``BENCH_DB=sqlite`` (a WAL-mode file at ``BENCH_SQLITE``) or ``postgres``
(``SECURITY_TEST_PG_*``, database ``BENCH_PG_NAME``).  URLs:

* ``/bare/``: the ceiling, a bare view that parses the same JSON and answers 204;
* ``/collect/``: the documented ``csp_report(csp_save=True)``, which writes
  during the request (synchronous, one transaction per request);
* ``/security/reports/``: ``security.urls``' collector, storing with the
  defaults (raw samples + aggregate) through the per-process buffer;
* ``/buffered-quiet/``: the same buffered storage without the log line (what
  ``csp_report(csp_save=True, csp_log=False)`` stores, buffered);
* ``/log/``: ``csp_report`` logging only (a ``security`` logger handler that
  formats every record and writes it to ``os.devnull``).

CSRF middleware is on for every path, as in a real project.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

SECRET_KEY = "bench-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = __name__
MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "security"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The "security" logger's records are created and formatted, then dropped: what a log line
# costs the collector, without the I/O of whichever handler a project configures.
# BENCH_LOG_DEVNULL=1 writes them to os.devnull through a FileHandler instead.
_HANDLER = (
    {"class": "logging.FileHandler", "filename": os.devnull}
    if os.environ.get("BENCH_LOG_DEVNULL") == "1"
    else {"()": "reports_site.FormatOnlyHandler"}
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"sink": _HANDLER},
    "loggers": {"security": {"handlers": ["sink"], "level": "WARNING", "propagate": False}},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# One load generator stands for many browsers: no per-client budgets.  Everything
# else (raw samples + aggregate, flush interval, caps) is the default.
CSP_REPORTS_RATE_LIMIT = None
CSP_REPORTS_NEW_PER_CLIENT = None

if os.environ.get("BENCH_DB", "sqlite") == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("BENCH_PG_NAME", "security_bench"),
            "USER": os.environ.get("SECURITY_TEST_PG_USER", "security"),
            "PASSWORD": os.environ.get("SECURITY_TEST_PG_PASSWORD", "security"),
            "HOST": os.environ.get("SECURITY_TEST_PG_HOST", "127.0.0.1"),
            "PORT": os.environ.get("SECURITY_TEST_PG_PORT", "54329"),
            "CONN_MAX_AGE": None,
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("BENCH_SQLITE", "/tmp/security-bench.sqlite3"),
            "CONN_MAX_AGE": None,
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }


class FormatOnlyHandler(logging.Handler):
    """Formats every record (message, arguments) and drops it."""

    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)


@csrf_exempt
def bare(request: HttpRequest) -> HttpResponse:
    """The ceiling: parse the same JSON, check its shape, answer 204, store nothing."""
    try:
        document = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest()
    if not isinstance(document, dict | list):
        return HttpResponseBadRequest()
    return HttpResponse(status=204)


def _collect(request: HttpRequest) -> HttpResponse:
    from security.views import csp_report

    return csp_report(request, csp_save=True, csp_log=False)


def _buffered(request: HttpRequest) -> HttpResponse:
    from security.views import reports_endpoint

    return reports_endpoint(request)


def _buffered_quiet(request: HttpRequest) -> HttpResponse:
    from security.reports import ingest

    return ingest.handle(request, save=True, log=False)  # security.urls' handling without its log line


def _log_only(request: HttpRequest) -> HttpResponse:
    from security.views import csp_report

    return csp_report(request)


urlpatterns = [
    path("bare/", bare),
    path("collect/", csrf_exempt(_collect)),
    path("log/", csrf_exempt(_log_only)),
    path("security/reports/", csrf_exempt(_buffered)),
    path("buffered-quiet/", csrf_exempt(_buffered_quiet)),  # what include("security.urls") routes there
]


_handler = None


def application(environ, start_response):  # type: ignore[no-untyped-def]
    """WSGI entry point (lazy, so importing this module as settings does not set Django up)."""
    global _handler
    if _handler is None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", __name__)
        from django.core.wsgi import get_wsgi_application

        _handler = get_wsgi_application()
    return _handler(environ, start_response)
