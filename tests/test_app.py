"""The app installs cleanly: app config, migrations in step with models, logger, typing marker."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import override_settings

import security
from security.log import logger


def test_app_config():
    config = apps.get_app_config("security")
    assert config.verbose_name == "Security"
    assert config.default_auto_field == "django.db.models.BigAutoField"


@pytest.mark.django_db
@override_settings(MIGRATION_MODULES={})  # the suite runs --nomigrations; look at the real ones
def test_migrations_match_the_models():
    out = io.StringIO()
    call_command("makemigrations", "security", "--check", "--dry-run", stdout=out)


def test_logger_is_the_documented_security_logger():
    assert logger is logging.getLogger("security")


def test_package_ships_py_typed():
    assert (Path(security.__file__).parent / "py.typed").is_file()


def test_package_level_password_change_alias():
    from security.middleware import MandatoryPasswordChangeMiddleware

    assert security.RequirePasswordChangeMiddleware is MandatoryPasswordChangeMiddleware
    with pytest.raises(AttributeError):
        security.NoSuchThing  # noqa: B018
