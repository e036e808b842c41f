"""SessionExpiryPolicyMiddleware on the database, Redis cache and signed-cookie session backends."""

from __future__ import annotations

import math
import time

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import AsyncClient, Client

from security.middleware.session import ACTIVITY_KEY, START_KEY, Policy, Verdict, parse_stamp

from .auth_support import AUTH, LOGIN_REQUIRED, MESSAGES, SESSION, SESSION_EXPIRY

pytestmark = pytest.mark.django_db

STACK = [SESSION, AUTH, MESSAGES, SESSION_EXPIRY, LOGIN_REQUIRED]
ENGINES = {
    "db": "django.contrib.sessions.backends.db",
    "cache": "django.contrib.sessions.backends.cache",
    "signed_cookies": "django.contrib.sessions.backends.signed_cookies",
}


@pytest.fixture(params=sorted(ENGINES))
def backend(request, settings):
    settings.MIDDLEWARE = STACK
    settings.SESSION_ENGINE = ENGINES[request.param]
    settings.SESSION_INACTIVITY_TIMEOUT = 1800
    settings.SESSION_ACTIVITY_GRANULARITY = 60
    if request.param == "cache":
        redis_url = request.getfixturevalue("redis_url")
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
        }
    return request.param


@pytest.fixture
def user():
    return get_user_model().objects.create_user("sam", password="pw-sam-1")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def edit_session(client, **values) -> None:
    """Write values into the client's stored session (and its cookie, for signed cookies)."""
    session = client.session
    for key, value in values.items():
        if value is None:
            session.pop(key, None)
        else:
            session[key] = value
    session.save()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = session.session_key


def stamps(client) -> tuple[object, object]:
    session = client.session
    return session.get(START_KEY), session.get(ACTIVITY_KEY)


def test_login_stamps_the_session_with_json_integers(backend, user):
    client = logged_in(user)
    start, last = stamps(client)
    assert isinstance(start, int)
    assert isinstance(last, int)
    assert abs(start - time.time()) < 5


def test_active_session_is_not_saved_within_the_granularity(backend, user):
    client = logged_in(user)
    response = client.get("/auth/private/")
    assert response.content == b"sam"
    assert django_settings.SESSION_COOKIE_NAME not in response.cookies


def test_activity_is_recorded_once_the_granularity_has_passed(backend, user):
    client = logged_in(user)
    old = int(time.time()) - 120
    edit_session(client, **{START_KEY: old, ACTIVITY_KEY: old})
    response = client.get("/auth/private/")
    assert response.content == b"sam"
    assert django_settings.SESSION_COOKIE_NAME in response.cookies
    assert stamps(client)[1] >= int(time.time()) - 5


def test_idle_session_is_flushed_and_the_request_continues_anonymous(backend, user):
    client = logged_in(user)
    now = int(time.time())
    edit_session(client, **{START_KEY: now - 4000, ACTIVITY_KEY: now - 1801})
    response = client.get("/auth/private/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert SESSION_KEY not in client.session


def test_absolute_lifetime_counts_from_login(backend, user, settings):
    settings.SESSION_COOKIE_AGE = 3600
    client = logged_in(user)
    now = int(time.time())
    edit_session(client, **{START_KEY: now - 3601, ACTIVITY_KEY: now})
    assert client.get("/auth/private/").status_code == 302


@pytest.mark.parametrize(
    "start",
    ["yesterday", [1], {"t": 1}, True, -5, 0, math.inf, time.time() + 3600, None],
)
def test_garbage_or_missing_stamps_expire_never_500(backend, user, start):
    client = logged_in(user)
    edit_session(client, **{START_KEY: start})
    if start is None:
        edit_session(client, **{ACTIVITY_KEY: None})
    response = client.get("/auth/private/")
    assert response.status_code == 302


def test_anonymous_session_with_data_gets_stamped_and_lives_on(backend):
    client = Client()
    client.get("/accounts/login/")  # anonymous, exempt
    response = client.get("/auth/open/")
    assert response.status_code == 200
    edit_session(client, cart=["book"])
    client.get("/auth/open/")
    start, last = stamps(client)
    assert isinstance(start, int)
    assert isinstance(last, int)
    assert client.session["cart"] == ["book"]


def test_session_first_filled_during_a_request_is_stamped(backend):
    client = Client()
    settings_stack = STACK[:-1]  # without LoginRequired: /auth/remember/ is protected
    from django.test import override_settings

    with override_settings(MIDDLEWARE=settings_stack):
        assert client.get("/auth/remember/").status_code == 200
    start, _ = stamps(client)
    assert isinstance(start, int)


def test_real_login_through_the_form_sets_fresh_stamps(backend, user):
    client = Client()
    response = client.post("/accounts/plain-login/", {"username": "sam", "password": "pw-sam-1"})
    assert response.status_code == 302
    start, last = stamps(client)
    assert start == last
    assert abs(start - time.time()) < 5


@pytest.mark.django_db(transaction=True)
async def test_async_idle_expiry_and_touch(settings):
    settings.MIDDLEWARE = STACK
    settings.SESSION_INACTIVITY_TIMEOUT = 1800
    user = await sync_to_async(get_user_model().objects.create_user)("ada", password="pw-ada-1")
    client = AsyncClient()
    await client.aforce_login(user)
    assert (await client.get("/auth/async-private/")).content == b"ada"

    session = await client.asession()
    old = int(time.time()) - 120
    await session.aset(START_KEY, old)
    await session.aset(ACTIVITY_KEY, old)
    await session.asave()
    response = await client.get("/auth/async-private/")
    assert response.content == b"ada"
    session = await client.asession()
    assert await session.aget(ACTIVITY_KEY) >= int(time.time()) - 5

    await session.aset(ACTIVITY_KEY, int(time.time()) - 1801)
    await session.asave()
    response = await client.get("/auth/async-private/")
    assert response.status_code == 302


# -- the pure decision ---------------------------------------------------------------


def test_policy_evaluation():
    policy = Policy(max_age=100, inactivity=50, granularity=10)
    now = 10_000.0
    assert policy.evaluate(now - 20, now - 5, now)[0] is Verdict.ACTIVE
    assert policy.evaluate(now - 20, now - 10, now)[0] is Verdict.TOUCH
    assert policy.evaluate(now - 20, now - 51, now)[0] is Verdict.EXPIRED
    assert policy.evaluate(now - 101, now, now)[0] is Verdict.EXPIRED
    assert policy.evaluate("x", now, now)[0] is Verdict.EXPIRED
    assert Policy(None, None, 10).evaluate(1.0, 1.0, now)[0] is Verdict.TOUCH


def test_parse_stamp_rejects_non_numbers_and_future():
    now = 1000.0
    assert parse_stamp(999, now) == 999.0
    for bad in (None, "1", True, float("nan"), -1, 0, now + 61, 10**400, -(10**400)):
        assert parse_stamp(bad, now) is None


def test_huge_integer_stamp_in_the_session_expires_it_instead_of_a_500():
    assert Policy(3600, 1800, 60).evaluate(10**400, 10**400, 1000.0)[0] is Verdict.EXPIRED
