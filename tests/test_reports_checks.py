"""System checks of the report collector settings (security.E080-E086, W080)."""

import pytest
from django.test import override_settings

from security.checks.reports import check_report_settings


def ids(**settings):
    with override_settings(**settings):
        return sorted(message.id for message in check_report_settings(None))


def test_defaults_are_clean():
    assert ids() == []


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"CSP_REPORTS_MAX_BODY": 0}, ["security.E080"]),
        ({"CSP_REPORTS_MAX_BODY": "64k"}, ["security.E080"]),
        ({"CSP_REPORTS_RATE_LIMIT": -1}, ["security.E081", "security.W080"]),
        ({"CSP_REPORTS_RATE_WINDOW": 0}, ["security.E081"]),
        ({"CSP_REPORTS_SAMPLE_RATE": 101}, ["security.E082"]),
        ({"CSP_REPORTS_SAMPLE_RATE": True}, ["security.E082"]),
        ({"CSP_REPORTS_CACHE": "nope"}, ["security.E083"]),
        ({"CSP_REPORTS_RETENTION_DAYS": 0}, ["security.E084"]),
        ({"CSP_REPORTS_MAX_AGGREGATES": "many"}, ["security.E085"]),
        ({"CSP_REPORTS_MAX_AGGREGATES": None}, []),
        ({"CSP_REPORTS_MAX_PER_REQUEST": 0}, ["security.E200"]),
        ({"CSP_REPORTS_MAX_PER_REQUEST": None}, ["security.E200"]),
        ({"CSP_REPORTS_NEW_PER_CLIENT": None}, []),
        ({"CSP_REPORTS_NEW_PER_CLIENT": "20"}, ["security.E200"]),
        ({"CSP_REPORTS_SAMPLES_PER_VIOLATION": -1}, ["security.E200"]),
        ({"CSP_REPORTS_RAW_PER_WINDOW": True}, ["security.E200"]),
        ({"CSP_REPORTS_SAMPLE_WINDOW": 0}, ["security.E200"]),
        ({"CSP_REPORTS_FLUSH_REPORTS": 1.5}, ["security.E200"]),
        ({"CSP_REPORTS_FLUSH_INTERVAL": 0}, []),
        ({"CSP_REPORTS_FLUSH_INTERVAL": 0.25}, []),
        ({"CSP_REPORTS_FLUSH_INTERVAL": -1}, ["security.E201"]),
        ({"CSP_REPORTS_FLUSH_INTERVAL": 61}, ["security.E201"]),
        ({"CSP_REPORTS_FLUSH_INTERVAL": "1s"}, ["security.E201"]),
        ({"CSP_REPORTS_SAVE_RAW": "no"}, ["security.E086"]),
        ({"CSP_REPORTS_AGGREGATE": 1}, ["security.E086"]),
        ({"CSP_REPORTS_URLS_SAVE": None}, ["security.E086"]),
        ({"CSP_REPORTS_SAVE_RAW": False, "CSP_REPORTS_AGGREGATE": True, "CSP_REPORTS_URLS_SAVE": False}, []),
        ({"CSP_REPORTS_RATE_LIMIT": 10}, ["security.W080"]),
        (
            {
                "CSP_REPORTS_RATE_LIMIT": None,
                "CSP_REPORTS_RETENTION_DAYS": None,
                "CSP_REPORTS_SAMPLE_RATE": 12.5,
            },
            [],
        ),
    ],
)
def test_bad_settings_are_reported(settings, expected):
    assert ids(**settings) == expected


def test_shared_cache_silences_the_rate_limit_warning(redis_url):
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    assert ids(CSP_REPORTS_RATE_LIMIT=10, CACHES=caches) == []
