"""LoginRequiredMiddleware through the request/response cycle, sync and async."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from asgiref.sync import iscoroutinefunction, sync_to_async
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import AsyncClient, Client

from security.middleware import LoginRequiredMiddleware
from security.middleware.auth import relative_exempt_rules
from security.redirects import safe_next_url

from .auth_support import LOGIN_ONLY

pytestmark = pytest.mark.django_db

EXEMPT = [r"^auth/help/$", r"^$"]


def next_of(response) -> str | None:
    assert response.status_code == 302, response.status_code
    url = urlsplit(response["Location"])
    assert url.path == "/accounts/login/"
    values = parse_qs(url.query).get("next")
    return values[0] if values else None


@pytest.fixture
def user():
    return get_user_model().objects.create_user("alice", password="pw-alice-1")


@pytest.fixture(autouse=True)
def _login_required(settings):
    settings.MIDDLEWARE = LOGIN_ONLY
    settings.LOGIN_EXEMPT_URLS = EXEMPT


class TestSync:
    def test_anonymous_is_redirected_with_next_holding_path_and_query(self):
        response = Client().get("/auth/private/", {"a": "1", "b": "x y"})
        assert next_of(response) == "/auth/private/?a=1&b=x+y"

    def test_authenticated_user_passes(self, user):
        client = Client()
        client.force_login(user)
        assert client.get("/auth/private/").content == b"alice"

    def test_inactive_user_is_redirected(self, user, settings):
        settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.AllowAllUsersModelBackend"]
        user.is_active = False
        user.save()
        client = Client()
        client.force_login(user)
        assert next_of(client.get("/auth/private/")) == "/auth/private/"

    def test_login_url_static_and_exempt_rules_pass(self):
        client = Client()
        assert client.get("/accounts/login/").status_code == 200
        assert client.get("/auth/help/").status_code == 200
        assert client.get("/").status_code == 200
        # Static URLs are exempt: nothing serves them here, so they are a plain 404.
        assert client.get("/static/app.css").status_code == 404

    def test_login_not_required_view_passes(self):
        assert Client().get("/auth/open/").content == b"open"

    def test_unknown_url_redirects_instead_of_revealing_404(self):
        assert next_of(Client().get("/no/such/page/")) == "/no/such/page/"

    @pytest.mark.parametrize(
        "headers",
        [
            {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"},
            {"HTTP_ACCEPT": "application/json"},
        ],
    )
    def test_script_clients_get_401(self, headers):
        response = Client().get("/auth/private/", **headers)
        assert response.status_code == 401
        assert response.json() == {"login_url": "/accounts/login/"}  # exactly the original's body

    def test_json_body_gets_401(self):
        response = Client().post("/auth/private/", data="{}", content_type="application/json")
        assert response.status_code == 401

    @pytest.mark.parametrize(
        "path",
        [
            "/auth/help/%0A",  # trailing newline must not satisfy "$"
            "/auth/help/x",
            "/auth/HELP/",  # case
            "//auth/help/",  # double slash
            "/auth%2Fhelp/",  # encoded slash: path_info is decoded like the router sees it
            "/auth/help/;jsessionid=1",  # path parameter
            "/x/../auth/private/",
        ],
    )
    def test_exemptions_cannot_be_bypassed(self, path):
        # A raw "//..." path is passed as PATH_INFO (the test client would read a host in it).
        response = Client().get(path, PATH_INFO=path) if path.startswith("//") else Client().get(path)
        if response.status_code == 200:
            # Only a request that routes to the exempt view itself may pass.
            assert response.content == b"anonymous"
            assert path in ("/auth%2Fhelp/",)
        else:
            assert response.status_code == 302
            assert urlsplit(response["Location"]).path == "/accounts/login/"

    def test_next_is_dropped_when_the_path_would_leave_the_site(self):
        # The raw path "//evil.example/" (the test client would read it as a host).
        response = Client().get("/", PATH_INFO="//evil.example/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/"

    def test_login_url_can_be_a_url_name(self, settings):
        settings.LOGIN_URL = "login"
        assert next_of(Client().get("/auth/private/")) == "/auth/private/"

    def test_absolute_login_url_on_another_host_exempts_no_local_path(self, settings):
        settings.LOGIN_URL = "https://sso.example.com/auth/private/"
        response = Client().get("/auth/private/")
        assert response.status_code == 302
        assert response["Location"].startswith("https://sso.example.com/auth/private/?next=")

    def test_absolute_login_url_on_this_host_is_exempt(self, settings):
        settings.LOGIN_URL = "http://testserver/auth/private/"
        assert Client().get("/auth/private/").status_code == 200

    def test_exempt_rules_follow_setting_changes(self, settings):
        settings.LOGIN_EXEMPT_URLS = [r"^auth/private/$"]
        assert Client().get("/auth/private/").status_code == 200

    def test_leading_slash_rules_are_accepted(self, settings):
        settings.LOGIN_EXEMPT_URLS = [r"^/auth/private/$"]
        assert Client().get("/auth/private/").status_code == 200
        assert Client().get("/auth/private/1/").status_code == 302

    def test_successful_login_follows_next(self, user):
        client = Client()
        next_url = next_of(client.get("/auth/private/"))
        response = client.post(
            "/accounts/login/", {"username": "alice", "password": "pw-alice-1", "next": next_url}
        )
        assert response.status_code == 302
        assert response["Location"] == "/auth/private/"
        assert client.get("/auth/private/").content == b"alice"


@pytest.mark.django_db(transaction=True)
class TestAsync:
    async def test_anonymous_redirected(self):
        response = await AsyncClient().get("/auth/async-private/", {"q": "1"})
        assert next_of(response) == "/auth/async-private/?q=1"

    async def test_authenticated_passes(self):
        user = await sync_to_async(get_user_model().objects.create_user)("bob", password="pw-bob-1")
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.get("/auth/async-private/")
        assert response.content == b"bob"

    async def test_login_not_required_async_and_sync_views(self):
        client = AsyncClient()
        assert (await client.get("/auth/async-open/")).content == b"open async"
        assert (await client.get("/auth/open/")).content == b"open"

    async def test_ajax_401_and_unknown_url(self):
        client = AsyncClient()
        response = await client.get("/auth/async-private/", headers={"x-requested-with": "XMLHttpRequest"})
        assert response.status_code == 401
        assert next_of(await client.get("/nowhere/")) == "/nowhere/"


def test_async_mode_binds_an_async_process_view():
    async def get_response(request):
        return HttpResponse()

    def sync_get_response(request):
        return HttpResponse()

    assert iscoroutinefunction(LoginRequiredMiddleware(get_response).process_view)
    assert not iscoroutinefunction(LoginRequiredMiddleware(sync_get_response).process_view)


@pytest.mark.parametrize(
    "candidate",
    [
        "//evil.example",
        "//evil.example/path",
        "https://evil.example",
        "HTTPS://evil.example",
        "http:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/%2F/evil.example",
        "%2F%2Fevil.example",
        "/%5Cevil.example",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "/\tevil",
        "/\n/evil.example",
        "///evil.example",
        "",
        None,
        "evil.example",
    ],
)
def test_unsafe_next_targets_are_refused(candidate):
    assert safe_next_url(candidate) is None


@pytest.mark.parametrize("candidate", ["/", "/auth/private/?a=1&b=//x", "/a/b#frag", "/caf%C3%A9/"])
def test_local_next_targets_are_kept(candidate):
    assert safe_next_url(candidate) == candidate


def test_relative_rules_drop_a_leading_slash_only_when_unambiguous():
    rules = relative_exempt_rules([r"^/about/$", r"^/?faq/$", r"^contact/$"])
    assert rules.matches("/about/")
    assert rules.matches("/faq/")
    assert rules.matches("/contact/")
    assert not rules.matches("//about/")
    assert not rules.matches("/about/\n")


# -- fail fast, and the original's request.login_url ------------------------------------------


def test_missing_authentication_middleware_is_improperly_configured_not_a_500(settings):
    settings.MIDDLEWARE = [m for m in LOGIN_ONLY if "auth.middleware" not in m]
    with pytest.raises(ImproperlyConfigured, match="AuthenticationMiddleware"):
        Client().get("/auth/private/")


async def test_missing_authentication_middleware_async(settings):
    settings.MIDDLEWARE = [m for m in LOGIN_ONLY if "auth.middleware" not in m]
    with pytest.raises(ImproperlyConfigured, match="AuthenticationMiddleware"):
        await AsyncClient().get("/auth/async-private/")


def test_request_login_url_is_honoured(settings):
    settings.MIDDLEWARE = ["tests.auth_support.CustomLoginURL", *LOGIN_ONLY]
    response = Client().get("/auth/private/")
    assert response["Location"] == "/auth/open/"
    response = Client().get("/auth/private/", HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.json() == {"login_url": "/auth/open/"}


@pytest.mark.parametrize(
    ("name", "value"), [("LOGIN_EXEMPT_URLS", ["("]), ("LOGIN_EXEMPT_URLS", 5), ("LOGIN_URL", "")]
)
def test_wrong_settings_fail_when_built(settings, name, value):
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        LoginRequiredMiddleware(lambda request: HttpResponse())


def test_none_exempt_rules_mean_the_default(settings):
    settings.LOGIN_EXEMPT_URLS = None
    assert not LoginRequiredMiddleware(lambda request: HttpResponse()).exempt
