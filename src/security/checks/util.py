"""Helpers shared by the check modules: middleware lookup and message builders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from .. import paths

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


def path_rule_errors(setting: str, rules: Any, check_id: str) -> list[checks.CheckMessage]:
    """Errors for a setting that must be a list of URL regexes."""
    if isinstance(rules, str) or not isinstance(rules, list | tuple):
        return [
            checks.Error(
                f"{setting} must be a list of regular expressions, not {type(rules).__name__}.",
                hint=f'Write {setting} = [r"^/some/url/$", ...].',
                id=check_id,
            )
        ]
    errors: list[checks.CheckMessage] = []
    for rule in rules:
        problem = paths.compile_error(rule)
        if problem:
            errors.append(
                checks.Error(
                    f"{setting}: {problem}.",
                    hint="Fix or remove that entry; rules are matched with re.match on request.path_info.",
                    id=check_id,
                )
            )
    return errors
