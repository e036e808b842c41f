"""Admin for password expiry and login throttling (imported by ``security.admin``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from . import password_expiry
from .auth_throttling import views as throttling_views
from .auth_throttling.core import Throttle
from .models import PasswordExpiry


def _reset_throttle_of(request: HttpRequest, users: Any) -> None:
    throttle = Throttle()
    count = 0
    for user in users:
        throttle.reset(username=user.get_username())
        count += 1
    messages.success(request, f"Reset the login throttle of {count} user(s).")


@admin.action(description="Reset the login throttle of the selected users", permissions=["change"])
def reset_login_throttle(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    """Admin action for the user admin: forget the selected users' failed logins."""
    _reset_throttle_of(request, queryset)


@admin.action(description="Expire the passwords of the selected users", permissions=["change"])
def expire_passwords(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    """Admin action for the user admin: they must change their password on their next request."""
    count = password_expiry.expire_passwords(queryset)
    messages.success(request, f"Expired the passwords of {count} user(s).")


@admin.register(PasswordExpiry)
class PasswordExpiryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "password_expiry_date", "password_changed_at", "expired")
    list_select_related = ("user",)
    search_fields = ("user__" + get_user_model().USERNAME_FIELD,)
    raw_id_fields = ("user",)
    date_hierarchy = "password_expiry_date"
    actions = ("expire_selected", "never_expire_selected", "reset_throttle_selected")

    @admin.display(boolean=True, description="expired")
    def expired(self, obj: PasswordExpiry) -> bool:
        return obj.is_expired()

    @admin.action(description="Expire the selected passwords now", permissions=["change"])
    def expire_selected(self, request: HttpRequest, queryset: QuerySet[PasswordExpiry]) -> None:
        count = password_expiry.expire_passwords(row.user for row in queryset.select_related("user"))
        messages.success(request, f"Expired {count} password(s).")

    @admin.action(description="Make the selected passwords never expire", permissions=["change"])
    def never_expire_selected(self, request: HttpRequest, queryset: QuerySet[PasswordExpiry]) -> None:
        count = queryset.update(password_expiry_date=None, password_changed_at=None)
        messages.success(request, f"{count} password(s) will never expire.")

    @admin.action(description="Reset the login throttle of the selected users", permissions=["change"])
    def reset_throttle_selected(self, request: HttpRequest, queryset: QuerySet[PasswordExpiry]) -> None:
        _reset_throttle_of(request, (row.user for row in queryset.select_related("user")))

    def get_urls(self) -> list[URLPattern]:
        reset = path(
            "throttle-reset/",
            self.admin_site.admin_view(self.throttle_reset_view),
            name="security_throttle_reset",
        )
        return [reset, *super().get_urls()]

    def throttle_reset_view(self, request: HttpRequest) -> HttpResponse:
        """The reset page inside the admin (same view as ``security.auth_throttling.urls``)."""
        return throttling_views.reset_throttle(request)


def add_user_admin_actions(site: admin.AdminSite = admin.site) -> None:
    """Offer the throttle-reset and expire actions on the registered user admin, if any."""
    user_admin = site._registry.get(get_user_model())
    if user_admin is None:
        return
    actions = list(user_admin.actions or ())
    for action in (reset_login_throttle, expire_passwords):
        if action not in actions:
            actions.append(action)
    user_admin.actions = tuple(actions)


add_user_admin_actions()
