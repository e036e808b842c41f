"""Password rules of the original ``security.auth`` module, as form-field validators.

``min_length(n)``, ``lowercase``, ``uppercase`` and ``digit`` are validators
(callables raising ``ValidationError``) for a form's password field::

    password = forms.CharField(validators=[min_length(12), digit])

For new code prefer Django's ``AUTH_PASSWORD_VALIDATORS``
(``MinimumLengthValidator`` and friends), which every password-setting form
of ``django.contrib.auth`` runs; these stay for projects that used them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy

__all__ = ["digit", "lowercase", "min_length", "uppercase"]


def min_length(n: int) -> Callable[[str], None]:
    """A validator refusing passwords shorter than ``n`` characters."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"min_length needs a number of characters, not {n!r}")

    def validate(password: str) -> None:
        if len(password) < n:
            raise ValidationError(
                gettext_lazy("It must contain at least %(count)d characters."),
                code="password_too_short",
                params={"count": n},
            )

    return validate


lowercase = RegexValidator(
    r"[a-z]", gettext_lazy("It must contain at least one lowercase letter."), "lowercase"
)
uppercase = RegexValidator(
    r"[A-Z]", gettext_lazy("It must contain at least one uppercase letter."), "uppercase"
)
digit = RegexValidator(r"[0-9]", gettext_lazy("It must contain at least one decimal digit."), "digit")
