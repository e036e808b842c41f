"""NoConfidentialCachingMiddleware: white/blacklists, replacing weaker cache headers, path tricks."""

from __future__ import annotations

import re

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import AsyncClient, Client, override_settings

# Closing a response sends request_finished, whose close_old_connections may touch the test database.
pytestmark = pytest.mark.django_db

MW = ["security.middleware.NoConfidentialCachingMiddleware"]
NO_STORE = {
    "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
    "Pragma": "no-cache",
    "Expires": "-1",
}


def fetch(path, mode):
    if mode == "sync":
        response = Client(raise_request_exception=False).get(path)
    else:
        response = async_to_sync(AsyncClient(raise_request_exception=False).get)(path)
    if getattr(response, "streaming", False):
        response.close()
    return response


def confidential(response) -> bool:
    found = {name: response.get(name) for name in NO_STORE}
    if found == NO_STORE:
        return True
    assert found["Cache-Control"] != NO_STORE["Cache-Control"], found
    return False


@pytest.fixture(params=["sync", "async"])
def mode(request):
    return request.param


def test_default_protects_nothing(mode):
    with override_settings(MIDDLEWARE=MW):
        assert not confidential(fetch("/h/page/", mode))


@pytest.mark.parametrize("rules", [[r"^/h/public/$"], [r"^h/public/$"]])
def test_whitelist(mode, rules):
    with override_settings(
        MIDDLEWARE=MW, NO_CONFIDENTIAL_CACHING={"WHITELIST_ON": True, "WHITELIST_REGEXES": rules}
    ):
        assert not confidential(fetch("/h/public/", mode))
        for path in ("/h/page/", "/h/missing/", "/h/boom/", "/h/redirect/", "/h/streaming/", "/h/file/"):
            assert confidential(fetch(path, mode)), path


@pytest.mark.parametrize("rules", [[r"^/h/admin-area/"], [r"^h/admin-area/"]])
def test_blacklist(mode, rules):
    with override_settings(
        MIDDLEWARE=MW, NO_CONFIDENTIAL_CACHING={"BLACKLIST_ON": True, "BLACKLIST_REGEXES": rules}
    ):
        assert confidential(fetch("/h/admin-area/", mode))
        assert confidential(fetch("/h/admin-area/inner/", mode))
        assert not confidential(fetch("/h/page/", mode))


def test_lists_are_ignored_while_switched_off(mode):
    config = {
        "WHITELIST_ON": False,
        "WHITELIST_REGEXES": [],
        "BLACKLIST_ON": False,
        "BLACKLIST_REGEXES": [r"^/"],
    }
    with override_settings(MIDDLEWARE=MW, NO_CONFIDENTIAL_CACHING=config):
        assert not confidential(fetch("/h/page/", mode))


def test_blacklist_applies_even_to_whitelisted_pages(mode):
    config = {
        "WHITELIST_ON": True,
        "WHITELIST_REGEXES": [r"^/h/"],
        "BLACKLIST_ON": True,
        "BLACKLIST_REGEXES": [r"^/h/admin-area/"],
    }
    with override_settings(MIDDLEWARE=MW, NO_CONFIDENTIAL_CACHING=config):
        assert not confidential(fetch("/h/page/", mode))
        assert confidential(fetch("/h/admin-area/", mode))
        assert confidential(fetch("/other/", mode))


def test_weaker_values_set_by_the_view_are_replaced(mode):
    config = {"BLACKLIST_ON": True, "BLACKLIST_REGEXES": [r"^/h/weak-cache/$"]}
    with override_settings(MIDDLEWARE=MW, NO_CONFIDENTIAL_CACHING=config):
        assert confidential(fetch("/h/weak-cache/", mode))


def test_path_tricks(mode):
    config = {"BLACKLIST_ON": True, "BLACKLIST_REGEXES": [r"^/h/admin-area/$"]}
    with override_settings(MIDDLEWARE=MW, NO_CONFIDENTIAL_CACHING=config):
        # Percent-encoding reaches the confidential view and is protected like it.
        encoded = fetch("/h/%61dmin-area/", mode)
        assert encoded.status_code == 200
        assert confidential(encoded)
        # A trailing newline cannot satisfy "$"; other case / doubled slash are other (404) pages.
        for path in ("/h/admin-area/%0A", "/H/ADMIN-AREA/", "/h//admin-area/"):
            response = fetch(path, mode)
            assert response.status_code == 404, path
            assert not confidential(response), path


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"BLACKLIST_ON": True, "BLACKLIST_REGEXES": ["(unclosed"]}, "BLACKLIST_REGEXES"),
        ({"WHITELIST_ON": True, "WHITELIST_REGEXES": "^/login/"}, "WHITELIST_REGEXES"),
        (["^/"], "NO_CONFIDENTIAL_CACHING must be a dict"),
        ({"WHITELIST_ON": "yes"}, "WHITELIST_ON"),
        ({"BLACKLIST": True}, "unknown keys"),
    ],
)
def test_unusable_settings_stop_the_site_at_load_naming_the_setting(mode, config, named):
    """No fallback that could expose confidential pages: the handler refuses to build."""
    with (
        override_settings(MIDDLEWARE=MW, NO_CONFIDENTIAL_CACHING=config),
        pytest.raises(ImproperlyConfigured, match=re.escape(named)),
    ):
        fetch("/h/page/", mode)


def test_directly_assigned_setting_is_seen_by_the_next_middleware_built(settings):
    """Projects' tests assign settings directly (no setting_changed): compile per instance."""
    settings.MIDDLEWARE = MW
    settings.NO_CONFIDENTIAL_CACHING = {"BLACKLIST_ON": True, "BLACKLIST_REGEXES": [r"^/h/page/$"]}
    assert confidential(fetch("/h/page/", "sync"))
    django_settings.NO_CONFIDENTIAL_CACHING = {"BLACKLIST_ON": False}
    assert not confidential(fetch("/h/page/", "sync"))
