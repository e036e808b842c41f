"""A one-page site whose headers name our report endpoint (``SECURITY_REPORTS_ENDPOINT``).

Served over https by ``test_reports_types_browser``: the page calls the
geolocation API, which its ``Permissions-Policy: geolocation=()`` blocks, and a
deprecated API, so Chromium sends ``permissions-policy-violation`` (and
``deprecation``) reports to the ``default`` endpoint of ``Reporting-Endpoints``.
"""

from __future__ import annotations

import os

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

SECRET_KEY = "reports-types-site"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
ROOT_URLCONF = __name__
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "security"]
MIDDLEWARE = ["security.middleware.SecurityHeadersMiddleware"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("REPORTS_SITE_DATABASE", "reports-site.sqlite3"),
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REPORTS_SITE_REDIS"):  # budgets shared by every worker process
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REPORTS_SITE_REDIS"],
        }
    }
SECURITY_REPORTS_ENDPOINT = "security-reports"
if os.environ.get("REPORTS_SITE_TRUST_LOOPBACK"):  # the flood test plays a proxy forwarding many clients
    SECURITY_TRUSTED_PROXIES = ["127.0.0.1/32"]
PERMISSIONS_POLICY = {"geolocation": []}
CROSS_ORIGIN_OPENER_POLICY = "same-origin"
STS_MAX_AGE = 0

PAGE = """<!doctype html><html><head><title>reports</title></head><body><p>page</p>
<script>
navigator.geolocation.getCurrentPosition(function () {}, function () {});
try { document.execCommand("insertText", false, "x"); } catch (e) {}
try { window.webkitStorageInfo; } catch (e) {}
</script></body></html>"""


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE)


urlpatterns = [path("", page), path("security/", include("security.urls"))]


async def application(scope, receive, send):  # type: ignore[no-untyped-def]
    """ASGI entry point, built on first use (importing the module as settings must not set Django up)."""
    global _app
    if _app is None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", __name__)
        from django.core.asgi import get_asgi_application

        _app = get_asgi_application()
    await _app(scope, receive, send)


_app = None


def wsgi_application(environ, start_response):  # type: ignore[no-untyped-def]
    """WSGI entry point (gunicorn), built on first use."""
    global _wsgi
    if _wsgi is None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", __name__)
        from django.core.wsgi import get_wsgi_application

        _wsgi = get_wsgi_application()
    return _wsgi(environ, start_response)


_wsgi = None
