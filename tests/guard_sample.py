"""Run only by test_service_guard.py (its name keeps it out of normal collection)."""

from . import services


def test_needs_a_missing_service():
    services.unavailable("nothing", "this sample service never exists")


def test_passes():
    assert True


def test_not_applicable_here():
    import pytest

    pytest.skip("not applicable: only on some other Django")


def test_plain_skip():
    import pytest

    pytest.skip("some module is missing")
