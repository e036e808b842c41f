"""Login throttling with Django's login views: lock-out, delay, messages, logs, resets, async."""

from __future__ import annotations

import logging
import time

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import aauthenticate, authenticate, get_user_model
from django.core.cache import cache
from django.test import AsyncClient, Client, RequestFactory

from security.auth_throttling import Throttle, client_ip, reset_throttle
from security.auth_throttling.config import problems
from security.auth_throttling.core import ip_group, pair_key

from .auth_support import AUTH, CSRF, MESSAGES, SESSION

pytestmark = pytest.mark.django_db

BACKENDS = [
    "security.auth_throttling.backends.ThrottlingBackend",
    "django.contrib.auth.backends.ModelBackend",
]
GENERIC = "Please enter a correct"
THROTTLED = "Too many failed login attempts"


@pytest.fixture(autouse=True)
def _throttling(settings):
    settings.MIDDLEWARE = [SESSION, CSRF, AUTH, MESSAGES]
    settings.AUTHENTICATION_BACKENDS = BACKENDS
    settings.AUTH_THROTTLING = {"USERNAME_FAILURES": 3, "IP_FAILURES": 10, "WINDOW_SECONDS": 300}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user():
    return get_user_model().objects.create_user("tess", password="right-pw-1")


def attempt(password: str, username: str = "tess", ip: str = "10.0.0.1", client: Client | None = None):
    client = client or Client(REMOTE_ADDR=ip)
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_exactly_n_failures_then_locked_even_with_the_right_password(user):
    bodies = [attempt("wrong").content.decode() for _ in range(3)]
    assert all(GENERIC in body for body in bodies)
    locked = attempt("right-pw-1")
    assert locked.status_code == 200
    assert THROTTLED in locked.content.decode()
    assert "5 minutes" in locked.content.decode()


def test_stock_form_shows_the_generic_error_but_still_refuses(user):
    for _ in range(3):
        Client().post("/accounts/plain-login/", {"username": "tess", "password": "wrong"})
    response = Client().post("/accounts/plain-login/", {"username": "tess", "password": "right-pw-1"})
    assert response.status_code == 200
    assert GENERIC in response.content.decode()


def test_one_log_line_per_lockout(user, caplog):
    with caplog.at_level(logging.WARNING, logger="security"):
        for _ in range(6):
            attempt("wrong")
    lines = [r.getMessage() for r in caplog.records if "locked out" in r.getMessage()]
    assert len(lines) == 1
    assert "tess" not in lines[0]  # usernames are not written to the log


def test_success_resets_the_username_counter(user):
    attempt("wrong")
    attempt("wrong")
    assert attempt("right-pw-1").status_code == 302
    assert Throttle().failures(username="tess") == 0
    for _ in range(3):
        assert GENERIC in attempt("wrong").content.decode()


def test_usernames_are_counted_case_insensitively(user):
    for name in ("tess", "TESS", " Tess "):
        attempt("wrong", username=name)
    assert THROTTLED in attempt("right-pw-1").content.decode()


def test_ip_limit_holds_across_usernames(settings, user):
    settings.AUTH_THROTTLING = {"USERNAME_FAILURES": None, "IP_FAILURES": 4}
    for index in range(4):
        assert GENERIC in attempt("wrong", username=f"user{index}").content.decode()
    assert THROTTLED in attempt("right-pw-1").content.decode()
    # Another address is not affected.
    assert attempt("right-pw-1", ip="10.0.0.2").status_code == 302


def test_successful_logins_do_not_fill_the_ip_counter(settings, user):
    settings.AUTH_THROTTLING = {"IP_FAILURES": 2}
    for _ in range(5):
        assert attempt("right-pw-1").status_code == 302
    assert Throttle().failures(ip="10.0.0.1") == 0


def test_delay_mode_refuses_early_retries_without_counting_them(settings, user):
    settings.AUTH_THROTTLING = {"MODE": "delay", "USERNAME_FAILURES": 2, "DELAY_SECONDS": 30}
    attempt("wrong")
    attempt("wrong")
    refused = attempt("right-pw-1")
    assert THROTTLED in refused.content.decode()
    assert Throttle().failures(username="tess") == 2
    # Once the delay has passed (simulated by moving the last attempt back), it is allowed.
    # The (account, address) budget is the one past its limit.
    key = pair_key(Throttle().account_of("tess"), "10.0.0.1")
    cache.set(key + ":last", cache.get(key + ":last") - 31, 300)
    assert attempt("right-pw-1").status_code == 302


def check(password: str, url: str = "/auth/check/", client: Client | None = None) -> str:
    client = client or Client(REMOTE_ADDR="10.0.0.1")
    return client.post(url, {"username": "tess", "password": password}).content.decode()


def test_authenticate_without_login_is_not_a_failure(user):
    for _ in range(8):  # more than USERNAME_FAILURES valid checks, never followed by login()
        assert check("right-pw-1") == "valid"
    assert Throttle().failures(username="tess") == 0
    assert Throttle().failures(ip="10.0.0.1") == 0
    for _ in range(3):
        assert check("wrong") == "invalid"
    assert Throttle().failures(username="tess") == 3  # real failures still count ...
    assert check("right-pw-1") == "invalid"  # ... and lock the username out


@pytest.mark.django_db(transaction=True)
async def test_async_authenticate_without_login_is_not_a_failure():
    await sync_to_async(get_user_model().objects.create_user)("tess", password="right-pw-1")
    client = AsyncClient(REMOTE_ADDR="10.0.0.1")
    for _ in range(8):
        response = await client.post("/auth/async-check/", {"username": "tess", "password": "right-pw-1"})
        assert response.content == b"valid"
    assert await sync_to_async(Throttle().failures)(username="tess") == 0


def test_repeated_authenticate_calls_in_one_context_give_back_valid_attempts(user):
    for _ in range(8):  # no request at all (a script): the next call settles the previous one
        assert authenticate(username="tess", password="right-pw-1") is not None
    assert Throttle().failures(username="tess") <= 1


def test_form_refusing_an_inactive_user_is_not_a_throttle_failure(settings, user):
    settings.AUTHENTICATION_BACKENDS = [BACKENDS[0], "django.contrib.auth.backends.AllowAllUsersModelBackend"]
    user.is_active = False
    user.save()
    for _ in range(5):
        assert "inactive" in attempt("right-pw-1").content.decode()
    assert Throttle().failures(username="tess") == 0


def test_delay_mode_lets_one_caller_through_per_delay_window(settings, user):
    settings.AUTH_THROTTLING = {"MODE": "delay", "USERNAME_FAILURES": 2, "MAX_DELAY_SECONDS": 60}
    for _ in range(6):
        authenticate(username="tess", password="wrong")
    key = pair_key(Throttle().account_of("tess"), "unknown")  # authenticate() without a request: no address
    long_ago = time.time() - 61  # the longest delay has passed
    cache.set(key + ":last", long_ago, 300)
    passed = 0
    for _ in range(20):  # parallel callers that all read ':last' before any of them wrote it
        throttle = Throttle()
        decision = throttle.attempt(None, "tess")
        passed += decision.allowed
        if decision.allowed:
            throttle.give_back(decision)
        cache.set(key + ":last", long_ago, 300)
    assert passed == 1


def test_disabled_throttle_counts_nothing(settings, user):
    settings.AUTH_THROTTLING = {"ENABLED": False, "USERNAME_FAILURES": 1}
    for _ in range(3):
        attempt("wrong")
    assert attempt("right-pw-1").status_code == 302


def test_reset_helper_and_view(user):
    for _ in range(4):
        attempt("wrong")
    reset_throttle(username="tess")
    assert attempt("right-pw-1").status_code == 302

    for _ in range(4):
        attempt("wrong")
    staff = get_user_model().objects.create_superuser("boss", password="boss-pw-1")
    client = Client()
    client.force_login(staff)
    assert client.get("/security/throttle/reset/?username=tess").status_code == 200
    response = client.post("/security/throttle/reset/", {"username": "tess"})
    assert response.status_code == 302
    assert attempt("right-pw-1").status_code == 302
    assert client.post("/security/throttle/reset/", {}).status_code == 200  # form error, no 500


def test_reset_view_needs_permission(user):
    client = Client()
    client.force_login(user)
    assert client.post("/security/throttle/reset/", {"username": "tess"}).status_code == 403


def test_admin_action_resets_selected_users(user):
    for _ in range(4):
        attempt("wrong")
    staff = get_user_model().objects.create_superuser("boss", password="boss-pw-1")
    client = Client()
    client.force_login(staff)
    client.post("/admin/auth/user/", {"action": "reset_login_throttle", "_selected_action": [user.pk]})
    assert attempt("right-pw-1").status_code == 302


def test_authenticate_without_request_throttles_by_username(user):
    for _ in range(3):
        assert authenticate(username="tess", password="wrong") is None
    assert authenticate(username="tess", password="right-pw-1") is None


@pytest.mark.django_db(transaction=True)
async def test_async_authenticate_is_throttled_too():
    await sync_to_async(get_user_model().objects.create_user)("tess", password="right-pw-1")
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.9")
    for _ in range(3):
        assert await aauthenticate(request, username="tess", password="wrong") is None
    assert await aauthenticate(request, username="tess", password="right-pw-1") is None
    assert not request.security_throttle.allowed


def test_ipv6_clients_are_counted_per_64_network(settings, user):
    settings.AUTH_THROTTLING = {"USERNAME_FAILURES": None, "IP_FAILURES": 3}
    for host in range(1, 4):  # a fresh address of one /64 for every attempt
        attempt("wrong", ip=f"2001:db8:1:2::{host}")
    assert Throttle().failures(ip="2001:db8:1:2:ffff::9") == 3
    assert THROTTLED in attempt("right-pw-1", ip="2001:db8:1:2:abcd::1").content.decode()
    assert attempt("right-pw-1", ip="2001:db8:1:3::1").status_code == 302  # another /64
    assert ip_group("::ffff:10.0.0.1") == "10.0.0.1"
    reset_throttle(ip="2001:db8:1:2::77")
    assert attempt("right-pw-1", ip="2001:db8:1:2::1").status_code == 302


def test_client_ip_from_configured_header(settings):
    settings.AUTH_THROTTLING = {"CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR"}
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8", REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == "5.6.7.8"
    garbage = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="not-an-ip", REMOTE_ADDR="10.0.0.1")
    assert client_ip(garbage) == "10.0.0.1"


def test_config_problems():
    assert problems({}) == []
    assert problems([]) == ["must be a dict, not list"]
    found = problems({"MODE": "x", "USERNAME_FAILURES": 0, "WINDOW_SECONDS": "1", "NOPE": 1})
    assert len(found) == 4


# -- issue 12: lockout as a weapon, username variants, proxies, IPv6 /48 ------------------------


def test_an_attackers_failures_do_not_lock_the_owner_out(settings, user):
    settings.AUTH_THROTTLING = {"USERNAME_FAILURES": 5, "ACCOUNT_FAILURES": 100, "IP_FAILURES": 1000}
    outcomes = [attempt("guess", ip="203.0.113.66").content.decode() for _ in range(50)]
    assert sum(GENERIC in body for body in outcomes) == 5  # five guesses from that address, then refused
    assert attempt("right-pw-1", ip="198.51.100.7").status_code == 302  # the owner, at once
    # The owner's login does not unlock the attacker's budget.
    assert THROTTLED in attempt("right-pw-1", ip="203.0.113.66").content.decode()


def test_guesses_per_account_are_bounded_across_all_addresses(settings, user):
    settings.AUTH_THROTTLING = {"USERNAME_FAILURES": 2, "ACCOUNT_FAILURES": 6, "IP_FAILURES": 1000}
    checked = 0
    for host in range(1, 21):  # rotating addresses: 20 sources
        for _ in range(3):
            checked += GENERIC in attempt("guess", ip=f"192.0.2.{host}").content.decode()
    assert checked == 6  # the per-account ceiling, from all sources together
    assert THROTTLED in attempt("right-pw-1", ip="198.51.100.7").content.decode()


def test_a_staff_reset_clears_the_account_from_every_address(settings, user):
    for host in (1, 2):
        for _ in range(3):
            attempt("guess", ip=f"192.0.2.{host}")
    reset_throttle(username="tess")
    assert attempt("right-pw-1", ip="192.0.2.1").status_code == 302


FULLWIDTH_TESS = "\uff34\uff25\uff33\uff33"  # what NFKC folds to "TESS"


@pytest.mark.parametrize("variant", [FULLWIDTH_TESS, "Tess", "tess ", " TESS"])
def test_nfkc_and_case_variants_share_one_budget(variant):
    def account_key(name: str) -> str:
        return Throttle()._counters(None, Throttle().account_of(name))[-1].key

    assert account_key(variant) == account_key("tess")  # nobody is called tess: the normalised text
    assert account_key("\ufb00") == account_key("ff")  # the ligature is the same account under NFKC


def test_int_usernames_and_email_credentials_are_counted(settings):
    settings.AUTH_THROTTLING = {"USERNAME_FAILURES": 2, "IP_FAILURES": None}
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.3")
    for _ in range(2):
        authenticate(request, username=1234, password="x")
    authenticate(request, username=1234, password="x")
    assert not request.security_throttle.allowed
    for _ in range(3):
        authenticate(request, email="Someone@Example.com", password="x")
    assert not request.security_throttle.allowed
    assert request.security_throttle.reason == "pair"


def test_ipv6_48_budget_beside_the_64(settings, user):
    settings.AUTH_THROTTLING = {"USERNAME_FAILURES": None, "IP_FAILURES": 100, "IPV6_48_FAILURES": 3}
    for subnet in range(1, 4):  # a fresh /64 of one /48 for every attempt
        attempt("wrong", ip=f"2001:db8:7:{subnet}::1")
    refused = attempt("right-pw-1", ip="2001:db8:7:ff::1")
    assert THROTTLED in refused.content.decode()
    assert attempt("right-pw-1", ip="2001:db8:8::1").status_code == 302  # another /48
    reset_throttle(ip="2001:db8:7:1::1")
    assert attempt("right-pw-1", ip="2001:db8:7:ff::1").status_code == 302


def test_trusted_proxy_settings_are_shared_with_the_throttle(settings):
    settings.SECURITY_TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.0.2", REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == "203.0.113.5"
    stranger = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="203.0.113.5", REMOTE_ADDR="198.51.100.1")
    assert client_ip(stranger) == "198.51.100.1"  # not a trusted proxy: its header is ignored
    settings.AUTH_THROTTLING = {"CLIENT_IP_HEADER": "HTTP_X_REAL_IP"}  # the deprecated alias: one proxy
    aliased = RequestFactory().get("/", HTTP_X_REAL_IP="[2001:db8::5]:4711", REMOTE_ADDR="10.0.0.1")
    assert client_ip(aliased) == "2001:db8::5"


def test_the_old_password_check_of_the_password_change_form_is_throttled(user):
    client = Client(REMOTE_ADDR="10.0.0.1")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    def change(old: str):
        data = {"old_password": old, "new_password1": "N3w-Secret-pw!", "new_password2": "N3w-Secret-pw!"}
        return client.post("/accounts/throttled_password_change/", data)

    for _ in range(3):
        assert "old password was entered incorrectly" in change("guess").content.decode()
    refused = change("right-pw-1")  # the right one is not even checked now
    assert THROTTLED in refused.content.decode()
    reset_throttle(username="tess")
    assert change("right-pw-1").status_code == 302
