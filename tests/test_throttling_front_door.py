"""The original package's way in: ``security.auth_throttling.Middleware`` and its helpers, over our counters."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import AsyncClient, Client

from security.auth_throttling import (
    Middleware,
    Throttle,
    attempt_count,
    default_delay_function,
    delay_message,
    increment_counters,
    reset_counters,
    throttling_delay,
)
from security.auth_throttling.core import counter_key

from .auth_support import AUTH, MESSAGES, SESSION

pytestmark = pytest.mark.django_db

FRONT_DOOR = "security.auth_throttling.Middleware"
TEMPLATE = "auth_tests/login.html"


def doubling(username_failures: int, ip_failures: int) -> tuple[float, float]:
    return (2 ** (username_failures - 1) if username_failures else 0, 0)


@pytest.fixture(autouse=True)
def _front_door(settings):
    settings.MIDDLEWARE = [SESSION, AUTH, MESSAGES, FRONT_DOOR]
    settings.AUTHENTICATION_THROTTLING = {
        "DELAY_FUNCTION": doubling,
        "LOGIN_URLS_WITH_TEMPLATES": [("accounts/plain-login/", TEMPLATE), ("accounts/login/", None)],
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user():
    return get_user_model().objects.create_user("tess", password="right-pw-1")


def attempt(password: str, path: str = "/accounts/plain-login/", client: Client | None = None):
    return (client or Client()).post(path, {"username": "tess", "password": password})


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = time.time()
        monkeypatch.setattr(time, "time", lambda: self.now)


def test_delay_function_waits_after_failures_then_lets_the_owner_in(user, monkeypatch):
    clock = Clock(monkeypatch)
    assert attempt("wrong").status_code == 200  # the login form's own error
    refused = attempt("right-pw-1")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    assert "try again in at least 1 second" in refused.content.decode()
    assert attempt_count("username", "tess") == 1  # a refused attempt is not a failure
    clock.now += 1
    assert attempt("right-pw-1").status_code == 302  # logged in
    assert attempt_count("username", "tess") == 0  # success resets the username


def test_no_template_is_a_bare_429(user):
    attempt("wrong", "/accounts/login/")
    response = attempt("wrong", "/accounts/login/")
    assert response.status_code == 429
    assert response.content == b""


def test_other_urls_and_methods_are_not_counted(user):
    Client().get("/accounts/plain-login/")
    Client().post("/auth/check/", {"username": "tess", "password": "wrong"})
    assert attempt_count("username", "tess") == 0


def test_one_counter_for_both_ways_in(user, settings):
    settings.AUTHENTICATION_BACKENDS = [
        "security.auth_throttling.backends.ThrottlingBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    attempt("wrong")
    # The backend saw the middleware's reservation and did not count the attempt twice.
    assert Throttle().failures(username="tess") == 1
    increment_counters(username="TESS ")  # the same normalisation as the backend
    assert Throttle().failures(username="tess") == 2


@pytest.mark.django_db(transaction=True)
async def test_async_front_door(user):
    client = AsyncClient()
    await client.post("/accounts/login/", {"username": "tess", "password": "wrong"})
    response = await client.post("/accounts/login/", {"username": "tess", "password": "wrong"})
    assert response.status_code == 429


@pytest.mark.parametrize(
    "value",
    [
        None,
        "x",
        {"DELAY_FUNCTION": doubling},  # LOGIN_URLS_WITH_TEMPLATES is required
        {"LOGIN_URLS_WITH_TEMPLATES": "accounts/login/"},
        {"LOGIN_URLS_WITH_TEMPLATES": [("/accounts/login/", None)]},
        {"LOGIN_URLS_WITH_TEMPLATES": [("accounts/login/", 5)]},
        {"LOGIN_URLS_WITH_TEMPLATES": [], "DELAY_FUNCTION": 5},
        {"LOGIN_URLS_WITH_TEMPLATES": [], "REDIRECT_FIELD_NAME": ""},
        {"LOGIN_URLS_WITH_TEMPLATES": [], "TYPO": 1},
    ],
)
def test_wrong_settings_fail_at_build_and_in_the_check(settings, value):
    settings.AUTHENTICATION_THROTTLING = value
    with pytest.raises(ImproperlyConfigured, match="AUTHENTICATION_THROTTLING"):
        Middleware(lambda request: HttpResponse())
    assert "security.E220" in {m.id for m in checks.run_checks(tags=[checks.Tags.security])}


def test_helpers_of_the_original():
    increment_counters(username="foo", ip="127.0.0.1")
    increment_counters(username="foo")
    assert attempt_count("username", "foo") == 2
    assert attempt_count("ip", "127.0.0.1") == 1
    reset_counters(username="foo", ip="127.0.0.1")
    assert attempt_count("username", "foo") == 0
    for odd in (1, 2.5, bool, {"k": "v"}, [1], {1, 2}, (1, 2), "ñoñó"):
        increment_counters(key=odd, ip="127.0.0.1")
        reset_counters(key=odd)
        assert throttling_delay(username=odd, ip="127.0.0.1") <= 0
        assert attempt_count("auth", odd) == 0


def test_throttling_delay_and_default_function(monkeypatch):
    clock = Clock(monkeypatch)
    for _ in range(4):
        increment_counters(username="foo")
    cache.set(counter_key("user", "foo") + ":last", clock.now, 60)
    assert throttling_delay("foo", "10.0.0.1") == 10  # 4 failures: 5 * 2**1 seconds
    assert default_delay_function(2, 100) == (0, 0)
    assert default_delay_function(100, 0) == (24 * 60 * 60, 0)
    assert [delay_message(s) for s in (0, 0.1, 29, 61, 90)] == [
        "0 seconds",
        "1 second",
        "29 seconds",
        "1 minute",
        "2 minutes",
    ]


def test_reset_username_throttle_view(user, settings):
    settings.ROOT_URLCONF = "tests.front_door_urls"
    increment_counters(username="tess")
    assert Client().post(f"/reset/{user.pk}/").status_code == 404  # not a superuser
    admin = get_user_model().objects.create_superuser("root", password="pw-root-1")
    client = Client()
    client.force_login(admin)
    assert client.get(f"/reset/{user.pk}/").status_code == 405
    assert client.post("/reset/999/").status_code == 404
    response = client.post(f"/reset/{user.pk}/")
    assert response["Location"] == "/admin/"
    assert attempt_count("username", "tess") == 0
    assert client.post(f"/reset-offsite/{user.pk}/")["Location"] == "/"
