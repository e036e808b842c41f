"""Issue 12: one budget per account, whichever identifier (username, e-mail address, spelling) is typed."""

from __future__ import annotations

import logging

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import authenticate, get_user_model
from django.core import checks
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpResponse
from django.test import AsyncClient, Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from security.auth_throttling import (
    Middleware,
    Throttle,
    accounts,
    attempt_count,
    reset_counters,
    reset_throttle,
)
from security.auth_throttling.accounts import account_key, normalise_username

from .auth_support import AUTH, CSRF, MESSAGES, SESSION

pytestmark = pytest.mark.django_db

BACKENDS = [
    "security.auth_throttling.backends.ThrottlingBackend",
    "django.contrib.auth.backends.ModelBackend",
    "tests.auth_support.EmailBackend",
]
GENERIC = "Please enter a correct"
THROTTLED = "Too many failed login attempts"
FULLWIDTH_TESS = "\uff34\uff25\uff33\uff33"  # what NFKC folds to "TESS"


@pytest.fixture(autouse=True)
def _throttling(settings):
    settings.MIDDLEWARE = [SESSION, CSRF, AUTH, MESSAGES]
    settings.AUTHENTICATION_BACKENDS = BACKENDS
    settings.AUTH_THROTTLING = {"USERNAME_FAILURES": 3, "IP_FAILURES": None, "WINDOW_SECONDS": 300}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user():
    return get_user_model().objects.create_user("tess", email="Tess@Example.com", password="right-pw-1")


def attempt(password: str, username: str = "tess", ip: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post("/accounts/login/", {"username": username, "password": password})


def outcome(response) -> str:  # type: ignore[no-untyped-def]
    if response.status_code == 302:
        return "in"
    body = response.content.decode()
    return "throttled" if THROTTLED in body else "checked" if GENERIC in body else body


def test_the_email_backend_of_these_tests_logs_in_by_address(user):
    assert outcome(attempt("right-pw-1", username="tess@EXAMPLE.com")) == "in"
    assert outcome(attempt("right-pw-1")) == "in"


# -- one account ceiling and one pair budget for the username and the e-mail address -------------


@pytest.mark.parametrize("lookup", [True, False])
def test_username_then_email_guesses_share_the_account_ceiling(settings, user, lookup):
    settings.AUTH_THROTTLING = {
        "USERNAME_FAILURES": None,
        "ACCOUNT_FAILURES": 50,
        "IP_FAILURES": None,
        "ACCOUNT_LOOKUP": lookup,
    }
    by_name = [outcome(attempt("guess", ip=f"192.0.2.{n}")) for n in range(1, 51)]
    assert by_name == ["checked"] * 50
    by_email = [outcome(attempt("guess", "tess@example.com", ip=f"198.51.100.{n}")) for n in range(1, 51)]
    owner = outcome(attempt("right-pw-1", "Tess@Example.com", ip="203.0.113.9"))
    if lookup:  # 50 guesses on the account from all sources and identifiers together
        assert by_email == ["throttled"] * 50
        assert owner == "throttled"
    else:  # the old keying: the address is a second budget of 50 guesses
        assert by_email == ["checked"] * 50
        assert owner == "throttled"  # its own 50 are spent now
        assert outcome(attempt("right-pw-1", "TESS@example.com", ip="203.0.113.9")) == "throttled"


def test_mixed_identifiers_from_rotating_addresses_are_bounded_together(settings, user):
    settings.AUTH_THROTTLING = {"USERNAME_FAILURES": 2, "ACCOUNT_FAILURES": 6, "IP_FAILURES": None}
    names = ["tess", "tess@example.com", "TESS", "Tess@Example.COM", FULLWIDTH_TESS]
    checked = sum(
        outcome(attempt("guess", names[(host + n) % len(names)], ip=f"192.0.2.{host}")) == "checked"
        for host in range(1, 21)
        for n in range(3)
    )
    assert checked == 6


def test_username_and_email_share_the_pair_budget(user):
    assert outcome(attempt("guess")) == "checked"
    assert outcome(attempt("guess", "tess@example.com")) == "checked"
    assert outcome(attempt("guess", "Tess")) == "checked"
    assert outcome(attempt("right-pw-1", "tess@example.com")) == "throttled"  # 3 per (account, address)
    assert outcome(attempt("right-pw-1")) == "throttled"
    assert outcome(attempt("right-pw-1", "tess@example.com", ip="10.0.0.2")) == "in"  # the owner, elsewhere


@pytest.mark.parametrize(
    "variant", ["tess", "TESS", " Tess ", FULLWIDTH_TESS, "tess@example.com", "TESS@EXAMPLE.COM"]
)
def test_every_identifier_of_the_account_has_its_key(user, variant):
    assert Throttle().account_of(variant) == "tess"


def test_nfkc_and_case_variants_share_one_budget_through_the_login_view(user):
    for name in (FULLWIDTH_TESS, " Tess ", "TESS"):
        assert outcome(attempt("guess", name)) == "checked"
    assert outcome(attempt("right-pw-1")) == "throttled"


def test_an_int_username_counts_under_its_account(settings):
    numbered = get_user_model().objects.create_user("1234", password="right-pw-1")
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.3")
    for _ in range(3):
        assert authenticate(request, username=1234, password="x") is None
    assert request.security_throttle.account == numbered.get_username() == "1234"
    assert Throttle().failures(username="1234") == 3
    assert authenticate(request, username="1234", password="right-pw-1") is None  # the pair is spent
    assert request.security_throttle.reason == "pair"


def test_identifiers_naming_nobody_are_counted_by_their_normalised_text(user):
    for name in ("ghost", "GHOST", " Ghost"):
        assert outcome(attempt("guess", name)) == "checked"
    assert outcome(attempt("guess", "ghost")) == "throttled"
    assert Throttle().failures(username="ghost") == 3
    assert Throttle().account_of("Ghost@Nowhere.example") == "ghost@nowhere.example"
    assert Throttle().failures(username="tess") == 0  # an account's budget counts nothing of ghost's
    assert outcome(attempt("right-pw-1")) == "in"


def test_every_spelling_of_a_mixed_case_username_shares_its_budget_with_the_address():
    """A case-insensitive backend accepts Alice, alice and ALICE: all of them, and her address, are one budget."""
    alice = get_user_model().objects.create_user("Alice", email="a@x.example", password="right-pw-3")
    for name in ("Alice", "alice", "ALICE", " aLiCe", "a@x.example", "A@X.EXAMPLE"):
        assert Throttle().account_of(name) == "alice", name
    assert Throttle().account_of_user(alice) == "alice"
    for name in ("alice", "ALICE", "a@x.example"):
        assert outcome(attempt("guess", name)) == "checked"
    assert outcome(attempt("right-pw-3", "Alice")) == "throttled"  # 3 per (account, address), all spellings


def test_an_address_two_accounts_share_names_neither(user):
    get_user_model().objects.create_user("other", email="tess@example.com", password="pw-other-1")
    assert Throttle().account_of("tess@example.com") == "tess@example.com"
    assert account_key("tess") == "tess"


def test_a_username_that_looks_like_an_address_wins_over_the_address(user):
    owner = get_user_model().objects.create_user("tess@example.com", password="pw-owner-1")
    assert Throttle().account_of("tess@example.com") == owner.get_username()
    assert Throttle().account_of("TESS@example.com") == "tess"  # only her address


# -- success and resets: whichever identifier -------------------------------------------------------


@pytest.mark.parametrize(
    ("failed_as", "logged_in_as"), [("tess", "tess@example.com"), ("TESS@example.com", "tess")]
)
def test_a_successful_login_resets_the_account_whichever_identifier(settings, user, failed_as, logged_in_as):
    settings.AUTH_THROTTLING = {"USERNAME_FAILURES": 4, "IP_FAILURES": None}
    for _ in range(3):
        attempt("guess", failed_as)
    assert Throttle().failures(username="tess") == 3
    assert outcome(attempt("right-pw-1", logged_in_as)) == "in"
    assert Throttle().failures(username="tess") == 0
    assert [outcome(attempt("guess", failed_as)) for _ in range(5)] == ["checked"] * 4 + ["throttled"]


def test_another_accounts_login_does_not_reset_the_account_the_attempt_drew_on(settings, user):
    settings.AUTH_THROTTLING = {"USERNAME_FAILURES": 3, "IP_FAILURES": None}
    # One account's username is another's (unverified) address: typed, ModelBackend checks the
    # first account's password, then the e-mail backend logs the second in.
    get_user_model().objects.create_user("mallory", email="tess@x.example", password="pw-mallory")
    tess_email = get_user_model().objects.create_user("tess@x.example", password="right-pw-2")
    for _ in range(2):
        attempt("guess", "tess@x.example")
    assert outcome(attempt("pw-mallory", "tess@x.example")) == "in"  # ModelBackend tried her password first
    assert Throttle().failures(username="tess@x.example") == 3
    assert outcome(attempt("right-pw-2", "tess@x.example")) == "throttled"
    assert Throttle().account_of("tess@x.example") == tess_email.get_username()


def test_reset_throttle_and_the_reset_view_take_any_identifier(user):
    for _ in range(3):
        attempt("guess", "tess@example.com")
    reset_throttle(username="tess")
    assert outcome(attempt("right-pw-1", "tess@example.com")) == "in"

    for _ in range(3):
        attempt("guess")
    reset_throttle(username="TESS@example.com")
    assert outcome(attempt("right-pw-1")) == "in"

    for _ in range(3):
        attempt("guess", "TESS")
    staff = get_user_model().objects.create_superuser("boss", password="boss-pw-1")
    client = Client()
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post("/security/throttle/reset/", {"username": "tess@example.com"}).status_code == 302
    assert outcome(attempt("right-pw-1")) == "in"


def test_reset_also_clears_the_budget_of_the_identifiers_text(settings, user):
    settings.AUTH_THROTTLING = {"USERNAME_FAILURES": 3, "IP_FAILURES": None, "ACCOUNT_LOOKUP": False}
    for _ in range(3):
        attempt("guess")
    settings.AUTH_THROTTLING = {"USERNAME_FAILURES": 3, "IP_FAILURES": None}
    reset_throttle(username="tess")  # counted before the lookup was switched on
    settings.AUTH_THROTTLING = {"USERNAME_FAILURES": 3, "IP_FAILURES": None, "ACCOUNT_LOOKUP": False}
    assert outcome(attempt("right-pw-1")) == "in"


def test_account_lookup_off_restores_the_keying_by_identifier(settings, user):
    settings.AUTH_THROTTLING = {"USERNAME_FAILURES": 3, "IP_FAILURES": None, "ACCOUNT_LOOKUP": False}
    assert Throttle().account_of(" TESS") == "tess"
    assert Throttle().account_of("Tess@Example.com") == "tess@example.com"
    for _ in range(3):
        attempt("guess")
    assert outcome(attempt("right-pw-1", "tess@example.com")) == "in"  # a second budget, as before
    assert outcome(attempt("right-pw-1")) == "throttled"
    for _ in range(2):
        attempt("guess", "tess@example.com")
    assert outcome(attempt("right-pw-1", "tess@example.com")) == "in"  # resets that identifier's budgets
    assert [outcome(attempt("guess", "tess@example.com")) for _ in range(4)] == ["checked"] * 3 + [
        "throttled"
    ]


# -- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_a_wrong_account_lookup_fails_at_every_way_in_and_in_the_check(settings, user, value):
    settings.AUTH_THROTTLING = {"ACCOUNT_LOOKUP": value}
    with pytest.raises(ImproperlyConfigured, match=r"AUTH_THROTTLING: ACCOUNT_LOOKUP must be True or False"):
        attempt("right-pw-1")
    with pytest.raises(ImproperlyConfigured, match="AUTH_THROTTLING"):
        authenticate(username="tess", password="right-pw-1")
    settings.AUTHENTICATION_THROTTLING = {"LOGIN_URLS_WITH_TEMPLATES": [("accounts/login/", None)]}
    with pytest.raises(ImproperlyConfigured, match="AUTH_THROTTLING: ACCOUNT_LOOKUP"):
        Middleware(lambda request: HttpResponse())
    found = [m for m in checks.run_checks(tags=[checks.Tags.security]) if m.id == "security.E095"]
    assert any("ACCOUNT_LOOKUP must be True or False" in m.msg for m in found)


def test_a_settling_login_does_not_raise_for_a_wrong_setting(settings, user):
    """Code that only settles (user_logged_in) falls back to the defaults; the ways in raise."""
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    settings.AUTH_THROTTLING = {"ACCOUNT_LOOKUP": "yes"}
    assert outcome(attempt("right-pw-1")) == "in"


# -- what the lookup costs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identifier", "queries"),
    [
        ("tess", 1),  # the username as stored: one indexed natural-key query
        ("ghost", 1),  # nobody, typed in lower case: the same one query
        ("Tess", 1),  # another spelling: its normalised text is the account's budget name already
        ("tess@example.com", 2),  # an address: the natural key, then the e-mail match
        ("x" * 10_000, 0),  # longer than any username: nobody, without asking the database
        (None, 0),
    ],
)
def test_queries_per_attempt(user, identifier, queries):
    with CaptureQueriesContext(connection) as captured:
        Throttle().attempt(RequestFactory().post("/"), identifier)
    assert len(captured) == queries, [q["sql"] for q in captured]


def test_a_client_past_its_own_budget_costs_the_database_nothing(settings, user):
    """The client's budgets are judged before the account lookup (an unindexed scan for addresses)."""
    settings.AUTH_THROTTLING = {"IP_FAILURES": 2, "USERNAME_FAILURES": 50}
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.9")
    for _ in range(2):
        assert Throttle().attempt(request, "Someone@x.example").allowed
    with CaptureQueriesContext(connection) as captured:
        decision = Throttle().attempt(request, "Someone@x.example")
    assert (decision.allowed, decision.reason) == (False, "ip")
    assert len(captured) == 0


def test_the_lookup_is_the_only_query_the_throttle_adds_to_a_login(settings, user):
    def queries_of_a_login(lookup: bool) -> int:
        settings.AUTH_THROTTLING = {"ACCOUNT_LOOKUP": lookup}
        client = Client()
        with CaptureQueriesContext(connection) as captured:
            assert (
                client.post("/accounts/login/", {"username": "tess", "password": "right-pw-1"}).status_code
                == 302
            )
        return len(captured)

    assert queries_of_a_login(True) - queries_of_a_login(False) == 1  # success settles without a query
    settings.AUTH_THROTTLING = {"ACCOUNT_LOOKUP": False}
    with CaptureQueriesContext(connection) as captured:
        Throttle().attempt(None, "tess@example.com")
    assert len(captured) == 0


# -- a user model's lookup that misbehaves --------------------------------------------------


def test_a_lookup_that_raises_counts_the_identifier_by_its_text(user, monkeypatch, caplog):
    manager = type(get_user_model()._default_manager)
    monkeypatch.setattr(accounts, "_reported", set())

    def broken(self, username):  # type: ignore[no-untyped-def]
        raise KeyError(username)  # a custom manager's own error, not DoesNotExist

    monkeypatch.setattr(manager, "get_by_natural_key", broken)
    with caplog.at_level(logging.WARNING, logger="security"):
        assert Throttle().account_of("Tess") == "tess"
        assert Throttle().account_of("Tess") == "tess"
    lines = [r.getMessage() for r in caplog.records if "user lookup raised" in r.getMessage()]
    assert len(lines) == 1  # once, naming the error, never the identifier
    assert "KeyError" in lines[0]
    assert "tess" not in lines[0].lower()
    assert normalise_username("Tess") == "tess"


def test_identifiers_the_database_rejects_are_counted_not_raised(settings, user, monkeypatch):
    monkeypatch.setattr(accounts, "_reported", set())
    settings.MIDDLEWARE = [SESSION, AUTH, MESSAGES, "security.auth_throttling.Middleware"]
    settings.AUTHENTICATION_THROTTLING = {"LOGIN_URLS_WITH_TEMPLATES": [("accounts/login/", None)]}
    client = Client(raise_request_exception=True)
    for odd in ("te\x00ss", "tess\x00@example.com"):  # PostgreSQL refuses NUL in text
        response = client.post("/accounts/login/", {"username": odd, "password": "guess"})
        assert response.status_code in (200, 429)
    assert Throttle().account_of("te\x00ss") == "te\x00ss"
    assert outcome(attempt("right-pw-1")) == "in"  # the connection still works
    assert not accounts._reported  # a value the database refuses names nobody: nothing to report


# -- the original's middleware and helpers ------------------------------------------------


def test_the_front_door_and_its_helpers_count_the_account(settings, user):
    settings.MIDDLEWARE = [SESSION, AUTH, MESSAGES, "security.auth_throttling.Middleware"]
    settings.AUTHENTICATION_THROTTLING = {
        "DELAY_FUNCTION": lambda username_failures, ip_failures: (60 if username_failures >= 2 else 0, 0),
        "LOGIN_URLS_WITH_TEMPLATES": [("accounts/login/", None)],
    }
    assert attempt("guess").status_code == 200
    assert attempt("guess", "tess@example.com", ip="10.0.0.2").status_code == 200
    assert attempt_count("username", "tess") == attempt_count("username", "TESS@example.com") == 2
    assert attempt("right-pw-1", "tess@example.com", ip="10.0.0.3").status_code == 429  # two failures: wait
    reset_counters(username="Tess@Example.com")
    assert attempt_count("username", "tess") == 0
    attempt("guess", "tess@example.com")
    assert attempt("right-pw-1", ip="10.0.0.4").status_code == 302  # one failure: no wait yet
    assert attempt_count("username", "tess@example.com") == 0  # success resets the account


# -- async ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_async_logins_share_the_account_budget_and_success_resets_it(settings):
    settings.SECURITY_TRUSTED_PROXIES = ["127.0.0.1"]  # the async test client's address: a proxy
    await sync_to_async(get_user_model().objects.create_user)(
        "tess", email="Tess@Example.com", password="right-pw-1"
    )
    client = AsyncClient()

    async def login(username: str, password: str, ip: str = "10.0.0.1") -> str:
        data = {"username": username, "password": password}
        response = await client.post("/auth/async-login/", data, headers={"X-Forwarded-For": ip})
        return response.content.decode()

    assert await Throttle().aaccount_of(" TESS@example.com") == "tess"
    assert await Throttle().aaccount_of("Tess") == "tess"
    assert await Throttle().aaccount_of("ghost") == "ghost"
    assert [await login(name, "guess") for name in ("tess", "tess@example.com")] == ["invalid"] * 2
    assert await sync_to_async(Throttle().failures)(username="tess") == 2
    assert await login("tess@example.com", "right-pw-1") == "logged in"
    assert await sync_to_async(Throttle().failures)(username="tess") == 0
    for name in ("tess", "TESS@example.com", "Tess"):
        await login(name, "guess")
    assert await login("tess", "right-pw-1") == "invalid"  # the pair budget is spent (3 per address)
    assert await login("tess@example.com", "right-pw-1", ip="10.0.0.2") == "logged in"  # another address
