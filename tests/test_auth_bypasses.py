"""Issue 12: ways past LoginRequiredMiddleware that must stay closed, through the request cycle."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import checks
from django.test import Client, override_settings
from django.urls import re_path

from security.middleware.auth import without_dot_segments

from .auth_support import LOGIN_ONLY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _login_required(settings):
    settings.MIDDLEWARE = LOGIN_ONLY
    settings.LOGIN_EXEMPT_URLS = [r"^files/public/"]
    settings.MEDIA_URL = "/media/"


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_exempt_prefix_serves_its_own_files():
    assert b"".join(Client().get("/files/public/a.txt").streaming_content) == b"public file\n"


@pytest.mark.parametrize(
    "path",
    [
        "/files/public/../private/x.txt",
        "/files/public/%2e%2e/private/x.txt",
        "/files/public/%2E%2E/private/x.txt",
        "/files/public/./../private/x.txt",
        "/static/../files/private/x.txt",
        "/static/%2e%2e/files/private/x.txt",
    ],
)
def test_dot_segments_do_not_carry_an_exemption_to_another_path(path):
    assert is_login_redirect(Client().get(path))


def test_media_is_protected_unless_opted_in(settings):
    assert is_login_redirect(Client().get("/media/private/x.txt"))
    settings.LOGIN_EXEMPT_MEDIA = True
    assert Client().get("/media/public/a.txt").status_code == 200


def test_a_fallback_middleware_cannot_answer_anonymous_requests(settings):
    settings.MIDDLEWARE = [*LOGIN_ONLY, "tests.auth_support.FallbackPages"]
    assert is_login_redirect(Client().get("/about-us/"))
    client = Client()
    client.force_login(get_user_model().objects.create_user("fay", password="pw-fay-1"))
    assert client.get("/about-us/").content == b"flat page"


def test_report_endpoints_take_anonymous_reports():
    response = Client().post(
        "/reports/csp-report/",
        data='{"csp-report": {"document-uri": "https://example.com/", "violated-directive": "img-src"}}',
        content_type="application/csp-report",
    )
    assert response.status_code == 204


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/a/b/../c", "/a/c"),
        ("/a/./b/", "/a/b/"),
        ("/a/..", "/"),
        ("/../..", "/"),
        ("/a/b/.", "/a/b/"),
        ("/a/.b/..c", "/a/.b/..c"),
        ("/plain/", "/plain/"),
    ],
)
def test_without_dot_segments(path, expected):
    assert without_dot_segments(path) == expected


def _secret(request):
    from django.http import HttpResponse

    return HttpResponse("secret")


unanchored_urls = [re_path(r"secret/$", _secret), re_path(r"^anchored/$", _secret)]


@override_settings(ROOT_URLCONF=__name__ + "_urls")
def test_unanchored_routes_are_reported(settings):
    import sys
    import types

    module = types.ModuleType(__name__ + "_urls")
    module.urlpatterns = unanchored_urls  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    try:
        found = [m for m in checks.run_checks(tags=[checks.Tags.security]) if m.id == "security.W220"]
    finally:
        del sys.modules[module.__name__]
    assert [m.obj for m in found] == ["secret/$"]
