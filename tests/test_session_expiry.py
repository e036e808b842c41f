"""SessionExpiryPolicyMiddleware on the database, Redis cache and signed-cookie session backends."""

from __future__ import annotations

import datetime
import math
import time

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import AsyncClient, Client
from django.utils import timezone

from security.middleware import SessionExpiryPolicyMiddleware
from security.middleware.session import ACTIVITY_KEY, START_KEY, Policy, Verdict, legacy_stamp, parse_stamp

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


# -- sessions written by the original django-security, and its names ------------------------


def _pickle_sessions(settings) -> None:
    settings.MIDDLEWARE = STACK
    settings.SESSION_ENGINE = ENGINES["db"]
    settings.SESSION_SERIALIZER = "tests.session_pickle.PickleSerializer"


@pytest.mark.parametrize("form", ["datetime", "str"])
def test_an_upgraded_session_of_the_original_stays_logged_in(settings, user, form):
    _pickle_sessions(settings)
    client = logged_in(user)
    moment = timezone.now() - datetime.timedelta(minutes=5)
    written = moment if form == "datetime" else str(moment)  # 0.9.5 pickled datetimes, 1.x str(datetime)
    edit_session(
        client, **{START_KEY: None, ACTIVITY_KEY: None, "starttime": written, "lastactivity": written}
    )
    assert client.get("/auth/private/").content == b"sam"
    session = client.session
    assert "starttime" not in session
    assert "lastactivity" not in session
    assert abs(session[START_KEY] - moment.timestamp()) < 2
    assert session[ACTIVITY_KEY] >= int(time.time()) - 5  # older than the granularity: touched


def test_an_idle_session_of_the_original_expires(settings, user):
    _pickle_sessions(settings)
    client = logged_in(user)
    old = str(timezone.now() - datetime.timedelta(seconds=1801))
    edit_session(client, **{START_KEY: None, ACTIVITY_KEY: None, "starttime": old, "lastactivity": old})
    assert client.get("/auth/private/").status_code == 302


def test_legacy_stamp_forms():
    naive = datetime.datetime(2026, 1, 2, 3, 4, 5)
    aware = timezone.make_aware(naive, timezone.get_default_timezone())
    assert legacy_stamp(naive) == aware.timestamp()
    assert legacy_stamp(str(aware)) == aware.timestamp()
    for bad in ("yesterday", 5, None, datetime.date(2026, 1, 2)):
        assert legacy_stamp(bad) is None


def test_the_originals_attribute_names(settings):
    settings.SESSION_COOKIE_AGE = 3600
    settings.SESSION_INACTIVITY_TIMEOUT = 600
    instance = SessionExpiryPolicyMiddleware(lambda request: HttpResponse())
    assert (instance.SESSION_COOKIE_AGE, instance.SESSION_INACTIVITY_TIMEOUT) == (3600, 600)
    assert SessionExpiryPolicyMiddleware.START_TIME_KEY == START_KEY
    assert SessionExpiryPolicyMiddleware.LAST_ACTIVITY_KEY == ACTIVITY_KEY
    session: dict[str, object] = {}
    moment = timezone.now().replace(microsecond=0)
    SessionExpiryPolicyMiddleware._set_datetime_in_session(START_KEY, moment, session)
    assert session[START_KEY] == int(moment.timestamp())
    assert SessionExpiryPolicyMiddleware._get_datetime_in_session(START_KEY, session) == moment
    assert SessionExpiryPolicyMiddleware._get_datetime_in_session(ACTIVITY_KEY, session) is None


def logout_spy(request) -> None:
    from django.contrib.auth import logout

    LOGOUTS.append(request.path)
    logout(request)


LOGOUTS: list[str] = []


def test_custom_logout_module_is_called_on_expiry(settings, user):
    settings.MIDDLEWARE = STACK
    settings.CUSTOM_LOGOUT_MODULE = "tests.test_session_expiry.logout_spy"
    client = logged_in(user)
    edit_session(client, **{ACTIVITY_KEY: int(time.time()) - 1801})
    LOGOUTS.clear()
    assert client.get("/auth/private/").status_code == 302
    assert LOGOUTS == ["/auth/private/"]


@pytest.mark.django_db(transaction=True)
async def test_custom_logout_module_async(settings):
    settings.MIDDLEWARE = STACK
    settings.CUSTOM_LOGOUT_MODULE = "tests.test_session_expiry.logout_spy"
    user = await sync_to_async(get_user_model().objects.create_user)("ada", password="pw-ada-1")
    client = AsyncClient()
    await client.aforce_login(user)
    session = await client.asession()
    await session.aset(ACTIVITY_KEY, int(time.time()) - 1801)
    await session.asave()
    LOGOUTS.clear()
    assert (await client.get("/auth/async-private/")).status_code == 302
    assert LOGOUTS == ["/auth/async-private/"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SESSION_INACTIVITY_TIMEOUT", "30m"),
        ("SESSION_ACTIVITY_GRANULARITY", 0),
        ("SESSION_COOKIE_AGE", -1),
        ("CUSTOM_LOGOUT_MODULE", "tests.no_such_module.logout"),
        ("CUSTOM_LOGOUT_MODULE", "tests.test_session_expiry.LOGOUTS"),
        ("CUSTOM_LOGOUT_MODULE", 5),
    ],
)
def test_wrong_settings_fail_when_built(settings, name, value):
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        SessionExpiryPolicyMiddleware(lambda request: HttpResponse())


def test_explicit_none_switches_the_idle_timeout_off_and_unset_means_the_default(settings):
    settings.SESSION_INACTIVITY_TIMEOUT = None
    assert SessionExpiryPolicyMiddleware(lambda request: HttpResponse()).SESSION_INACTIVITY_TIMEOUT is None
    del settings.SESSION_INACTIVITY_TIMEOUT
    assert SessionExpiryPolicyMiddleware(lambda request: HttpResponse()).SESSION_INACTIVITY_TIMEOUT == 1800


@pytest.mark.django_db(transaction=True)
async def test_async_upgrade_of_an_original_session(settings):
    _pickle_sessions(settings)
    user = await sync_to_async(get_user_model().objects.create_user)("ada", password="pw-ada-1")
    client = AsyncClient()
    await client.aforce_login(user)
    session = await client.asession()
    moment = str(timezone.now() - datetime.timedelta(minutes=5))
    await session.apop(START_KEY)
    await session.apop(ACTIVITY_KEY)
    await session.aset("starttime", moment)
    await session.aset("lastactivity", moment)
    await session.asave()
    assert (await client.get("/auth/async-private/")).content == b"ada"
    session = await client.asession()
    assert not await session.ahas_key("starttime")
    assert await session.aget(START_KEY) is not None
