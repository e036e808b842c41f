"""The settings engine: documented defaults and caches dropped on setting_changed."""

from __future__ import annotations

import pytest
from django.test import override_settings

from security import conf

builds: list[object] = []


@conf.compiled
def _compiled_sts_age() -> int:
    builds.append(object())
    return int(conf.get("STS_MAX_AGE"))


@pytest.fixture(autouse=True)
def _fresh():
    conf.reset()
    builds.clear()


def test_documented_defaults_apply_when_unset():
    assert conf.get("STS_MAX_AGE") == 31536000
    assert conf.get("STS_INCLUDE_SUBDOMAINS") is True
    assert conf.get("STS_PRELOAD") is False
    assert conf.get("XSS_PROTECT") == "sanitize"
    assert conf.get("P3P_POLICY_URL") == "/w3c/p3p.xml"
    assert conf.get("CSP_MODE") == "enforce"


def test_required_setting_without_value_reads_as_none():
    assert conf.get("P3P_COMPACT_POLICY") is None
    assert not conf.is_set("P3P_COMPACT_POLICY")


def test_x_frame_options_default_is_ours_not_djangos():
    # Django's global settings define X_FRAME_OPTIONS = "DENY"; our documented default is sameorigin.
    assert not conf.is_set("X_FRAME_OPTIONS")
    assert conf.get("X_FRAME_OPTIONS") == "sameorigin"
    with override_settings(X_FRAME_OPTIONS="deny"):
        assert conf.is_set("X_FRAME_OPTIONS")
        assert conf.get("X_FRAME_OPTIONS") == "deny"


def test_project_value_wins():
    with override_settings(STS_MAX_AGE=60):
        assert conf.get("STS_MAX_AGE") == 60


def test_compiled_value_is_built_once_and_rebuilt_after_setting_changed():
    assert _compiled_sts_age() == 31536000
    assert _compiled_sts_age() == 31536000
    assert len(builds) == 1
    with override_settings(STS_MAX_AGE=5):
        assert _compiled_sts_age() == 5
        assert len(builds) == 2
    assert _compiled_sts_age() == 31536000
    assert len(builds) == 3


def test_every_default_is_readable():
    for name in conf.DEFAULTS:
        conf.get(name)
