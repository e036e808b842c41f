"""Login forms that say why a throttled attempt was refused.

Django's stock ``AuthenticationForm`` shows its generic "enter a correct
username and password" error for a throttled attempt (the backend refuses it
like a wrong password).  These forms show the throttle's message instead,
with the time to wait.  Use them with ``LoginView.as_view(authentication_form=...)``
and ``admin.site.login_form``.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from .core import REQUEST_ATTRIBUTE, Decision


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
