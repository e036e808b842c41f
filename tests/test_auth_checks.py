"""System checks of the auth, session and throttling settings (security.E090-E098, W091-W097)."""

from __future__ import annotations

import pytest
from django.core import checks
from django.test import AsyncClient, Client

from .auth_support import AUTH, LOGIN_REQUIRED, MESSAGES, PASSWORD_CHANGE, SESSION, SESSION_EXPIRY

THROTTLING_BACKEND = "security.auth_throttling.backends.ThrottlingBackend"


def ids() -> list[str]:
    return sorted({message.id for message in checks.run_checks(tags=[checks.Tags.security])})


@pytest.fixture(autouse=True)
def _stack(settings):
    settings.MIDDLEWARE = [SESSION, AUTH, MESSAGES, SESSION_EXPIRY, LOGIN_REQUIRED, PASSWORD_CHANGE]
    settings.MANDATORY_PASSWORD_CHANGE = {"URL_NAME": "password_change"}


def ordering_errors() -> list[str]:
    """Messages of the generic ordering check (driven by REQUIRES_AFTER / REQUIRES_BEFORE)."""
    return [m.msg for m in checks.run_checks(tags=[checks.Tags.security]) if "must come" in m.msg]


def auth_ids() -> list[str]:
    return [i for i in ids() if i[-3:-1] == "09" or i == "security.E002"]


def test_valid_configuration_is_clean():
    assert auth_ids() == []
    assert ordering_errors() == []


def test_login_required_before_authentication_is_an_error(settings):
    settings.MIDDLEWARE = [SESSION, LOGIN_REQUIRED, AUTH]
    assert any("LoginRequiredMiddleware must come after" in m for m in ordering_errors())


def test_session_expiry_after_login_required_is_an_error(settings):
    settings.MIDDLEWARE = [SESSION, AUTH, LOGIN_REQUIRED, SESSION_EXPIRY]
    assert any("SessionExpiryPolicyMiddleware must come before" in m for m in ordering_errors())


def test_bad_exempt_rules(settings):
    settings.LOGIN_EXEMPT_URLS = ["(unclosed"]
    assert "security.E090" in ids()
    settings.LOGIN_EXEMPT_URLS = "^about/$"
    assert "security.E090" in ids()


def test_login_url(settings):
    settings.LOGIN_URL = "no-such-url-name"
    assert "security.E091" in ids()
    settings.LOGIN_URL = ""
    assert "security.E091" in ids()


def test_auth_context_processor_warning(settings):
    settings.TEMPLATES = [
        {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, "OPTIONS": {}}
    ]
    assert "security.W091" in ids()


@pytest.mark.parametrize(
    "value",
    [
        None,
        {},
        {"URL_NAME": ""},
        {"URL_NAME": "password_change", "EXEMPT_URL_NAMES": "help"},
        {"URL_NAME": "password_change", "INCLUDE_SUPERUSERS": "yes"},
        {"URL_NAME": "password_change", "TYPO": 1},
    ],
)
def test_mandatory_password_change_shape(settings, value):
    settings.MANDATORY_PASSWORD_CHANGE = value
    assert "security.E092" in ids()


def test_mandatory_password_change_url_name_must_reverse(settings):
    settings.MANDATORY_PASSWORD_CHANGE = {"URL_NAME": "nowhere"}
    assert "security.E093" in ids()


def test_session_settings(settings):
    settings.SESSION_INACTIVITY_TIMEOUT = "30m"
    assert "security.E094" in ids()
    settings.SESSION_INACTIVITY_TIMEOUT = 60
    settings.SESSION_ACTIVITY_GRANULARITY = 0
    assert "security.E094" in ids()
    settings.SESSION_ACTIVITY_GRANULARITY = 60
    assert "security.W094" in ids()


def test_password_expiry_days(settings):
    settings.PASSWORD_EXPIRY_DAYS = -1
    assert "security.E098" in ids()


def test_throttling_checks(settings):
    settings.AUTH_THROTTLING = {"MODE": "sometimes"}
    found = ids()
    assert "security.E095" in found
    assert "security.W096" in found  # the test suite's cache is local memory
    assert "security.W097" in found  # backend not installed
    settings.AUTH_THROTTLING = {"CACHE": "missing"}
    assert "security.E095" in ids()


def test_throttling_backend_first_and_shared_cache_is_clean(settings, redis_url):
    settings.AUTHENTICATION_BACKENDS = [THROTTLING_BACKEND, "django.contrib.auth.backends.ModelBackend"]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    assert not [i for i in ids() if i in ("security.E095", "security.W096", "security.W097")]
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", THROTTLING_BACKEND]
    assert "security.W097" in ids()


# -- require_ajax ------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/auth/ajax/", "/auth/async-ajax/"])
def test_require_ajax_sync_client(settings, url):
    settings.MIDDLEWARE = []
    assert Client().get(url).status_code == 403
    assert Client().get(url, HTTP_X_REQUESTED_WITH="XMLHttpRequest").json()["ok"] is True


@pytest.mark.parametrize("url", ["/auth/ajax/", "/auth/async-ajax/"])
async def test_require_ajax_async_client(settings, url):
    settings.MIDDLEWARE = []
    assert (await AsyncClient().get(url)).status_code == 403
    response = await AsyncClient().get(url, headers={"x-requested-with": "XMLHttpRequest"})
    assert response.status_code == 200


def test_require_ajax_keeps_the_view_kind():
    from asgiref.sync import iscoroutinefunction

    from .auth_views import aajax_only, ajax_only

    assert iscoroutinefunction(aajax_only)
    assert not iscoroutinefunction(ajax_only)


def test_the_originals_exempt_urls_key_is_accepted(settings):
    settings.MANDATORY_PASSWORD_CHANGE = {"URL_NAME": "password_change", "EXEMPT_URLS": [r"^help/$"]}
    assert "security.E092" not in ids()
    settings.MANDATORY_PASSWORD_CHANGE = {"URL_NAME": "password_change", "EXEMPT_URL_NAMES": 5}
    assert "security.E092" in ids()


def test_custom_logout_module_is_checked(settings):
    settings.CUSTOM_LOGOUT_MODULE = "tests.nowhere.logout"
    assert "security.E094" in ids()
    settings.CUSTOM_LOGOUT_MODULE = "django.contrib.auth.logout"
    assert "security.E094" not in ids()
