"""The demo site's authentication policies in a real headless Chromium.

Walk: protected page -> login -> forced password change -> back to the page;
then leave the session idle past a short timeout and see the login page again.
"""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from . import services
from .demo_server import serve_demo

pytestmark = [pytest.mark.browser, pytest.mark.service("chromium")]

IDLE_SECONDS = 6  # long enough for two password hashes on a loaded 2-core machine
SCREENSHOTS = os.environ.get("SECURITY_SCREENSHOTS")  # a directory to keep screenshots in, if set


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"auth-{name}.png"), full_page=True)


def test_login_password_change_and_idle_expiry_in_chromium():
    executable = services.chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        services.unavailable("chromium", "playwright is not installed (pip install playwright)")
    env = {"DEMO_SESSION_IDLE": str(IDLE_SECONDS), "DEMO_SESSION_GRANULARITY": "1"}
    with serve_demo(env) as site, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=services.CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            # 1. The protected page sends us to the login form, remembering where we were going.
            page.goto(site.url + "/private/?tab=1")
            url = urlsplit(page.url)
            assert url.path == "/accounts/login/"
            assert parse_qs(url.query)["next"] == ["/private/?tab=1"]
            shot(page, "1-login")

            # 2. The newcomer's initial password has expired: login leads to the password change.
            page.fill("input[name=username]", "newcomer")
            page.fill("input[name=password]", "change-me-1")
            page.click("button[type=submit]")
            page.wait_for_url("**/accounts/password_change/**")
            change_url = page.url
            assert parse_qs(urlsplit(change_url).query)["next"] == ["/private/?tab=1"]
            shot(page, "2-password-change")

            # 3. Other pages keep redirecting until the password is changed.
            page.goto(site.url + "/headers/")
            assert urlsplit(page.url).path == "/accounts/password_change/"

            page.goto(change_url)
            page.fill("input[name=old_password]", "change-me-1")
            page.fill("input[name=new_password1]", "A-much-better-Secret-42")
            page.fill("input[name=new_password2]", "A-much-better-Secret-42")
            page.click("button[type=submit]")
            page.wait_for_url("**/private/?tab=1")
            assert "only signed-in users" in page.inner_text("#private-greeting")
            assert page.inner_text("#idle-timeout") == str(IDLE_SECONDS)
            shot(page, "3-private")

            # 4. Idle past the timeout (bounded wait): the next request lands on the login page.
            time.sleep(IDLE_SECONDS + 2)
            page.reload()
            url = urlsplit(page.url)
            assert url.path == "/accounts/login/"
            assert parse_qs(url.query)["next"] == ["/private/?tab=1"]
            shot(page, "4-expired")

            # 5. Logging in again with the new password goes straight to the page.
            page.fill("input[name=username]", "newcomer")
            page.fill("input[name=password]", "A-much-better-Secret-42")
            page.click("button[type=submit]")
            page.wait_for_url("**/private/?tab=1")
        finally:
            browser.close()
