"""Helpers shared by the check modules: middleware lookup and message builders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

TAG = checks.Tags.security


def middleware_classes() -> Iterator[tuple[int, str, type[Any]]]:
    """``(position, dotted path, class)`` for each importable entry of ``settings.MIDDLEWARE``."""
    for position, dotted in enumerate(getattr(settings, "MIDDLEWARE", None) or ()):
        try:
            cls = import_string(dotted)
        except ImportError:
            continue  # Django itself reports middleware that cannot be imported.
        if isinstance(cls, type):
            yield position, dotted, cls


def installed(cls: type[Any]) -> bool:
    """Whether ``cls`` (or a subclass of it) is in ``settings.MIDDLEWARE``."""
    return any(issubclass(found, cls) for _, _, found in middleware_classes())
