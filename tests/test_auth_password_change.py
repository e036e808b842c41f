"""Password expiry rules, MandatoryPasswordChangeMiddleware, the admin actions and the command."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.http import HttpResponse
from django.test import AsyncClient, Client, RequestFactory
from django.utils import timezone

from security import middleware, password_expiry
from security.models import PasswordExpiry

from .auth_support import MANDATORY, PASSWORD_ONLY

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture(autouse=True)
def _policy(settings):
    settings.MIDDLEWARE = PASSWORD_ONLY
    settings.MANDATORY_PASSWORD_CHANGE = MANDATORY


def new_user(name: str = "carol", **extra) -> User:
    return User.objects.create_user(name, password=f"pw-{name}-1", **extra)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -- rules ---------------------------------------------------------------------------


def test_new_user_starts_expired_and_a_password_change_renews():
    user = new_user()
    assert password_expiry.password_is_expired(user)
    user.set_password("a-new-password-2")
    user.save()
    assert not password_expiry.password_is_expired(user)
    assert PasswordExpiry.objects.get(user=user).password_expiry_date is None


def test_other_saves_do_not_renew():
    user = new_user()
    user.first_name = "Carol"
    user.save()
    assert password_expiry.password_is_expired(user)


def test_max_age_setting_dates_the_next_expiry(settings):
    settings.PASSWORD_EXPIRY_DAYS = 30
    user = new_user()
    user.set_password("a-new-password-2")
    user.save()
    expiry = PasswordExpiry.objects.get(user=user).password_expiry_date
    assert expiry is not None
    assert abs(expiry - (timezone.now() + datetime.timedelta(days=30))) < datetime.timedelta(minutes=1)
    assert not password_expiry.password_is_expired(user)
    PasswordExpiry.objects.filter(user=user).update(
        password_expiry_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert password_expiry.password_is_expired(user)


def test_password_changed_while_max_age_was_off_expires_once_it_is_switched_on(settings):
    settings.PASSWORD_EXPIRY_DAYS = None
    user = new_user()
    user.set_password("a-new-password-2")
    user.save()
    row = PasswordExpiry.objects.get(user=user)
    assert row.password_expiry_date is None
    assert abs(row.password_changed_at - timezone.now()) < datetime.timedelta(minutes=1)
    # 100 days later the project switches PASSWORD_EXPIRY_DAYS on.
    PasswordExpiry.objects.filter(user=user).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=100)
    )
    assert not password_expiry.password_is_expired(user)
    settings.PASSWORD_EXPIRY_DAYS = 90
    assert password_expiry.password_is_expired(user)
    assert logged_in(user).get("/auth/private/").status_code == 302
    # "Never expire" is an explicit exemption from the age rule too.
    password_expiry.never_expire_password(user)
    assert not password_expiry.password_is_expired(user)


def test_user_without_row_counts_as_expired_and_gets_one():
    user = new_user()
    PasswordExpiry.objects.filter(user=user).delete()
    assert password_expiry.password_is_expired(user)
    assert PasswordExpiry.objects.filter(user=user).exists()


def test_creating_a_user_creates_no_row_so_signup_code_can_create_one():
    user = new_user()
    assert not PasswordExpiry.objects.filter(user=user).exists()
    assert password_expiry.password_is_expired(user)  # no row: expired, and the look creates the row
    assert PasswordExpiry.objects.filter(user=user).count() == 1
    other = new_user("dave")
    PasswordExpiry.objects.create(user=other).never_expire()  # the original's tests and factories do this
    assert not password_expiry.password_is_expired(other)


def test_model_defaults_and_methods():
    user = new_user()
    row = PasswordExpiry.objects.create(user=user)
    assert row.is_expired()
    row.never_expire()
    assert not PasswordExpiry.objects.get(user=user).is_expired()
    row.expire()
    assert PasswordExpiry.objects.get(user=user).is_expired()
    assert str(row) == "Password expiry of carol"


def test_superusers_only_when_included():
    admin = User.objects.create_superuser("root", password="pw-root-1")
    assert not password_expiry.password_is_expired(admin)
    assert password_expiry.password_is_expired(admin, include_superusers=True)


def test_anonymous_never_expired():
    from django.contrib.auth.models import AnonymousUser

    assert not password_expiry.password_is_expired(AnonymousUser())


def test_deleting_a_user_deletes_the_row():
    user = new_user()
    user.delete()
    assert not PasswordExpiry.objects.exists()


def test_fixture_loading_is_left_alone():
    user = User(username="fixture")
    password_expiry.on_user_saved(User, user, created=True, raw=True)
    assert not PasswordExpiry.objects.exists()


# -- middleware ---------------------------------------------------------------------------


def test_expired_user_is_sent_to_password_change_without_next():
    # Django's PasswordChangeView ignores ?next=, so none is offered by default.
    response = logged_in(new_user()).get("/auth/private/", {"x": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_change/"


def test_redirect_with_next_setting_offers_next(settings):
    settings.MANDATORY_PASSWORD_CHANGE = {**MANDATORY, "REDIRECT_WITH_NEXT": True}
    response = logged_in(new_user()).get("/auth/private/", {"x": "1"})
    url = urlsplit(response["Location"])
    assert url.path == "/accounts/password_change/"
    assert parse_qs(url.query)["next"] == ["/auth/private/?x=1"]


def test_exempt_urls_regexes_of_the_original_pass(settings):
    settings.MANDATORY_PASSWORD_CHANGE = {**MANDATORY, "EXEMPT_URLS": [r"^auth/private/$"]}
    assert logged_in(new_user()).get("/auth/private/").status_code == 200


def test_password_change_view_logout_and_exempt_names_pass():
    client = logged_in(new_user())
    assert client.get("/accounts/password_change/").status_code == 200
    assert client.get("/auth/help/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 200  # logged_out page, not a redirect


def test_changing_the_password_through_djangos_view_ends_the_redirects():
    client = logged_in(new_user())
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "pw-carol-1",
            "new_password1": "An0ther-Secret!",
            "new_password2": "An0ther-Secret!",
        },
    )
    assert response.status_code == 302, response.content
    assert client.get("/auth/private/").content == b"carol"


def test_fresh_user_and_anonymous_pass():
    user = new_user()
    password_expiry.never_expire_password(user)
    assert logged_in(user).get("/auth/private/").status_code == 200
    assert Client().get("/auth/private/").status_code == 200


def test_superuser_setting(settings):
    admin = User.objects.create_superuser("root", password="pw-root-1")
    assert logged_in(admin).get("/auth/private/").status_code == 200
    settings.MANDATORY_PASSWORD_CHANGE = {**MANDATORY, "INCLUDE_SUPERUSERS": True}
    assert logged_in(admin).get("/auth/private/").status_code == 302


def test_script_clients_get_403_json():
    response = logged_in(new_user()).get("/auth/private/", HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 403
    assert response.json()["password_change_url"] == "/accounts/password_change/"


def test_post_is_redirected_without_next():
    response = logged_in(new_user()).post("/auth/private/")
    assert response["Location"] == "/accounts/password_change/"


@pytest.mark.parametrize(
    "value",
    [
        {},  # no URL_NAME: the middleware would be silently off
        {"URL_NAME": "no-such-view"},  # would be a 500 for every logged-in user
        {"URL_NAME": "password_change", "EXEMPT_URL_NAMES": 5},
        {"URL_NAME": "password_change", "EXEMPT_URLS": ["("]},
        {"URL_NAME": "password_change", "REDIRECT_WITH_NEXT": "yes"},
    ],
)
def test_wrong_settings_fail_when_the_middleware_is_built(settings, value):
    settings.MANDATORY_PASSWORD_CHANGE = value
    with pytest.raises(ImproperlyConfigured, match="MANDATORY_PASSWORD_CHANGE"):
        logged_in(new_user()).get("/auth/private/")
    with pytest.raises(ImproperlyConfigured, match="MANDATORY_PASSWORD_CHANGE"):
        middleware.MandatoryPasswordChangeMiddleware(lambda request: HttpResponse())


def test_a_wrong_value_assigned_later_refuses_the_next_request_and_a_fix_clears_it(settings):
    instance = middleware.MandatoryPasswordChangeMiddleware(lambda request: HttpResponse())
    settings.MANDATORY_PASSWORD_CHANGE = {"EXEMPT_URLS": []}  # setting_changed: kept, not raised here
    with pytest.raises(ImproperlyConfigured, match="URL_NAME"):
        instance(RequestFactory().get("/"))
    settings.MANDATORY_PASSWORD_CHANGE = MANDATORY
    assert instance(RequestFactory().get("/")).status_code == 200


def test_load_setting_raises_for_a_wrong_value():
    instance = middleware.MandatoryPasswordChangeMiddleware(lambda request: HttpResponse())
    with pytest.raises(ImproperlyConfigured):
        instance.load_setting("MANDATORY_PASSWORD_CHANGE", {"EXEMPT_URLS": []})


def test_legacy_name_is_the_same_class():
    assert middleware.RequirePasswordChangeMiddleware is middleware.MandatoryPasswordChangeMiddleware


@pytest.mark.django_db(transaction=True)
async def test_async_path_redirects_and_passes():
    user = await sync_to_async(new_user)("dave")
    client = AsyncClient()
    await client.aforce_login(user)
    response = await client.get("/auth/async-private/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/accounts/password_change/"
    await sync_to_async(password_expiry.never_expire_password)(user)
    assert (await client.get("/auth/async-private/")).content == b"dave"


# -- command and admin -----------------------------------------------------------------------


def test_command_expires_and_never_expires_selected_users(capsys):
    alice, bob = new_user("alice"), new_user("bob")
    for user in (alice, bob):
        password_expiry.never_expire_password(user)
    call_command("expire_passwords", "alice")
    assert password_expiry.password_is_expired(alice)
    assert not password_expiry.password_is_expired(bob)
    call_command("expire_passwords", "--all", "--never")
    assert not password_expiry.password_is_expired(alice)
    assert "never expire" in capsys.readouterr().out
    with pytest.raises(CommandError, match="ghost"):
        call_command("expire_passwords", "ghost")
    with pytest.raises(CommandError):
        call_command("expire_passwords")


def test_command_by_group():
    from django.contrib.auth.models import Group

    alice = new_user("alice")
    password_expiry.never_expire_password(alice)
    Group.objects.create(name="staff").user_set.add(alice)
    call_command("expire_passwords", "--group", "staff")
    assert password_expiry.password_is_expired(alice)


def test_admin_actions_on_password_expiry_rows(settings):
    settings.MIDDLEWARE = [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ]
    root = User.objects.create_superuser("root", password="pw-root-1")
    target = new_user("erin")
    client = logged_in(root)
    row = PasswordExpiry.objects.create(user=target)
    url = "/admin/security/passwordexpiry/"
    assert client.get(url).status_code == 200
    client.post(url, {"action": "never_expire_selected", "_selected_action": [row.pk]})
    assert not PasswordExpiry.objects.get(pk=row.pk).is_expired()
    client.post(url, {"action": "expire_selected", "_selected_action": [row.pk]})
    assert PasswordExpiry.objects.get(pk=row.pk).is_expired()
    # The user admin offers the same action.
    client.post("/admin/auth/user/", {"action": "expire_passwords", "_selected_action": [root.pk]})
    assert password_expiry.password_is_expired(root, include_superusers=True)
