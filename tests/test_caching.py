"""NoConfidentialCachingMiddleware: white/blacklists, replacing weaker cache headers, path tricks."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client, override_settings

# Closing a response sends request_finished, whose close_old_connections may touch the test database.
pytestmark = pytest.mark.django_db

MW = ["security.middleware.NoConfidentialCachingMiddleware"]
NO_STORE = {
    "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
    "Pragma": "no-cache",
    "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
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


def test_broken_blacklist_protects_everything_rather_than_nothing(mode, caplog):
    config = {"BLACKLIST_ON": True, "BLACKLIST_REGEXES": ["(unclosed"]}
    with override_settings(MIDDLEWARE=MW, NO_CONFIDENTIAL_CACHING=config):
        response = fetch("/h/page/", mode)
    assert response.status_code == 200
    assert confidential(response)
    assert "BLACKLIST_REGEXES" in caplog.text


def test_not_a_dict_treats_everything_as_confidential(mode, caplog):
    with override_settings(MIDDLEWARE=MW, NO_CONFIDENTIAL_CACHING=["^/"]):
        assert confidential(fetch("/h/page/", mode))
    assert "NO_CONFIDENTIAL_CACHING" in caplog.text
