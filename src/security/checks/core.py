"""Generic checks: header-valued settings, middleware requirements and ordering, deploy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from .. import client_ip, conf
from ..headers import header_value_problem
from ..middleware import base
from .util import TAG, installed, middleware_classes


@checks.register(TAG)
def check_header_settings(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """security.E031: settings sent verbatim in a header must be safe header values."""
    errors: list[checks.CheckMessage] = []
    for name in sorted(conf.HEADER_VALUE_SETTINGS):
        if not conf.is_set(name) or getattr(settings, name) is None:
            continue
        problem = header_value_problem(getattr(settings, name))
        if problem:
            errors.append(
                checks.Error(
                    f"The {name} setting {problem}.",
                    hint=f"Set {name} to a single-line ASCII string.",
                    obj=name,
                    id="security.E031",
                )
            )
    return errors


@checks.register(TAG)
def check_middleware_order(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """security.E032: each middleware's declared ordering rules hold in settings.MIDDLEWARE."""
    entries = list(middleware_classes())
    errors: list[checks.CheckMessage] = []
    for position, dotted, cls in entries:
        if not issubclass(cls, base.BaseMiddleware):
            continue
        for required in cls.REQUIRES_AFTER:
            before = [p for p, d, c in entries if _names(d, c, required) and p < position]
            if not before:
                errors.append(_order_error(dotted, required, "after"))
        for required in cls.REQUIRES_BEFORE:
            after = [p for p, d, c in entries if _names(d, c, required) and p > position]
            present = any(_names(d, c, required) for _, d, c in entries)
            if present and not after:
                errors.append(_order_error(dotted, required, "before"))
    return errors


def _names(dotted: str, cls: type[Any], wanted: str) -> bool:
    """Whether a MIDDLEWARE entry is ``wanted``, by its dotted path or its class's base classes."""
    if dotted == wanted:
        return True
    return any(f"{klass.__module__}.{klass.__qualname__}" == wanted for klass in cls.__mro__)


def _order_error(dotted: str, other: str, where: str) -> checks.Error:
    return checks.Error(
        f"{dotted} must come {where} {other} in MIDDLEWARE.",
        hint=f"Move {dotted} {where} {other} in the MIDDLEWARE setting.",
        obj=dotted,
        id="security.E032",
    )


@checks.register(TAG)
def check_required_settings(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """security.E033: an installed middleware's REQUIRED_SETTINGS are defined."""
    errors: list[checks.CheckMessage] = []
    for _, dotted, cls in middleware_classes():
        if not issubclass(cls, base.BaseMiddleware):
            continue
        for name in cls.REQUIRED_SETTINGS:
            if not hasattr(settings, name):
                errors.append(
                    checks.Error(
                        f"{dotted} requires the {name} setting, which is not defined.",
                        hint=f"Define {name} in your settings (see the django-security docs).",
                        obj=dotted,
                        id="security.E033",
                    )
                )
    return errors


#: Header -> (our middleware, test whether Django's own middleware already sends it).
_RECOMMENDED: dict[str, tuple[str, str]] = {
    "Content-Security-Policy": (
        "security.middleware.ContentSecurityPolicyMiddleware",
        "django.middleware.csp.ContentSecurityPolicyMiddleware",
    ),
    "Strict-Transport-Security": (
        "security.middleware.StrictTransportSecurityMiddleware",
        "django.middleware.security.SecurityMiddleware",
    ),
    "X-Content-Type-Options": (
        "security.middleware.ContentNoSniff",
        "django.middleware.security.SecurityMiddleware",
    ),
    "X-Frame-Options": (
        "security.middleware.XFrameOptionsMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ),
}


def _django_sends(header: str, dotted: str) -> bool:
    if not any(_names(d, c, dotted) for _, d, c in middleware_classes()):
        return False
    if header == "Strict-Transport-Security":
        return bool(getattr(settings, "SECURE_HSTS_SECONDS", 0))
    if header == "X-Content-Type-Options":
        return bool(getattr(settings, "SECURE_CONTENT_TYPE_NOSNIFF", False))
    if header == "Content-Security-Policy":
        return bool(
            getattr(settings, "SECURE_CSP", None) or getattr(settings, "SECURE_CSP_REPORT_ONLY", None)
        )
    return True


@checks.register(TAG, deploy=True)
def check_recommended_middleware(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """security.W031 (--deploy): every recommended header is sent by some middleware."""
    warnings: list[checks.CheckMessage] = []
    for header, (ours, djangos) in _RECOMMENDED.items():
        if installed(import_string(ours)) or _django_sends(header, djangos):
            continue
        warnings.append(
            checks.Warning(
                f"No middleware sends the {header} header.",
                hint=f"Add {ours!r} to MIDDLEWARE.",
                obj=ours,
                id="security.W031",
            )
        )
    return warnings


@checks.register(TAG)
def check_proxy_settings(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """security.E250: the trusted-proxy settings that decide who the client is are usable."""
    return [
        checks.Error(
            f"{name} {problem}.",
            hint="See the django-security docs, 'Client addresses behind proxies'.",
            obj=name,
            id="security.E250",
        )
        for name, problem in client_ip.problems(client_ip.settings_values()).items()
    ]
