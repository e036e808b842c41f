"""``security.auth``: the original's password validators."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from security.auth import digit, lowercase, min_length, uppercase


def test_min_length():
    with pytest.raises(ValidationError, match="at least 6 characters"):
        min_length(6)("abcde")
    min_length(6)("abcdef")
    with pytest.raises(ValueError, match="number of characters"):
        min_length(-1)


@pytest.mark.parametrize(
    ("validator", "good", "bad"), [(lowercase, "aB", "AB"), (uppercase, "aB", "ab"), (digit, "a1", "ab")]
)
def test_character_classes(validator, good, bad):
    validator(good)
    with pytest.raises(ValidationError):
        validator(bad)


def test_in_a_form():
    class Form(forms.Form):
        password = forms.CharField(validators=[min_length(8), digit])

    form = Form({"password": "short"})
    assert not form.is_valid()
    assert len(form.errors["password"]) == 2
