"""Login forms that say why a throttled attempt was refused.

Django's stock ``AuthenticationForm`` shows its generic "enter a correct
username and password" error for a throttled attempt (the backend refuses it
like a wrong password).  These forms show the throttle's message instead,
with the time to wait.  Use them with ``LoginView.as_view(authentication_form=...)``
and ``admin.site.login_form``.  ``ThrottledPasswordChangeForm`` (with
``security.auth_throttling.views.ThrottledPasswordChangeView``) throttles the
old-password check of the password-change form the same way.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import HttpRequest

from .config import required
from .core import REQUEST_ATTRIBUTE, Decision, Throttle


def _throttle_error(form: AuthenticationForm) -> forms.ValidationError | None:
    decision = getattr(form.request, REQUEST_ATTRIBUTE, None)
    if isinstance(decision, Decision) and not decision.allowed:
        return forms.ValidationError(decision.message, code="throttled")
    return None


class ThrottledAuthenticationForm(AuthenticationForm):
    """``AuthenticationForm`` that explains a throttled attempt."""

    def get_invalid_login_error(self) -> forms.ValidationError:
        return _throttle_error(self) or super().get_invalid_login_error()


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, explaining a throttled attempt."""

    def get_invalid_login_error(self) -> forms.ValidationError:
        return _throttle_error(self) or super().get_invalid_login_error()


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """``PasswordChangeForm`` whose old-password check draws on the login budgets.

    A stolen session must not become an oracle for the password: each wrong
    old password counts like a failed login of that account (from the
    request's address when the view passes ``request``), and past the limit
    the check is refused without looking at the password.
    """

    def __init__(self, user: Any, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        throttle = Throttle(required())
        decision = throttle.attempt(self.request, self.user.get_username())
        if not decision.allowed:
            raise forms.ValidationError(decision.message, code="throttled")
        try:
            old_password: str = super().clean_old_password()
        except forms.ValidationError:
            raise  # a failure: the reservation stays
        throttle.give_back(decision)
        return old_password
