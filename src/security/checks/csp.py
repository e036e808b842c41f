"""Content Security Policy checks: security.E060-E079 / W060-W079.

The rules themselves live in :mod:`security.csp.policy` (pure functions that
return :class:`~security.csp.policy.Problem` records); this module maps each
problem to a stable check id and reports it against the setting it came from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.urls import NoReverseMatch, reverse

from .. import conf
from ..csp import config as csp_config
from ..csp.config import POLICY_SETTINGS, SETTINGS
from .util import TAG, installed

MIDDLEWARE = "security.middleware.ContentSecurityPolicyMiddleware"

#: Problem code -> check id (E = error, W = warning).
IDS = {
    "both": "security.E060",
    "mode": "security.E061",
    "type": "security.E062",
    "unknown": "security.E063",
    "injection": "security.E064",
    "unquoted": "security.W065",
    "none": "security.W066",
    "unsafe-inline": "security.W067",
    "report-to": "security.W068",
    "unresolved": "security.W069",
    "obsolete": "security.W070",
    "duplicate": "security.W071",
    "endpoints": "security.E072",
    "no-policy": "security.W073",
    "not-installed": "security.W074",
}


def _message(code: str, text: str, hint: str, obj: str, error: bool | None = None) -> checks.CheckMessage:
    """A message under ``code``'s id; an error-coded problem raised as a warning gets the W form."""
    check_id = IDS[code]
    if error is None:
        error = check_id.startswith("security.E")
    if not error:
        check_id = check_id.replace("security.E", "security.W")
    level = checks.Error if error else checks.Warning
    return level(text, hint=hint, obj=obj, id=check_id)


def _middleware_installed() -> bool:
    from ..middleware.csp import ContentSecurityPolicyMiddleware

    return installed(ContentSecurityPolicyMiddleware)


def _is_set(name: str) -> bool:
    return conf.is_set(name) and getattr(settings, name) is not None


@checks.register(TAG)
def check_csp(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """Every CSP setting: combination, mode, each policy's rules, reporting endpoints."""
    active = _middleware_installed()
    if not active and not any(_is_set(name) for name in SETTINGS):
        return []
    messages: list[checks.CheckMessage] = []
    if not active and any(_is_set(name) for pair in POLICY_SETTINGS for name in pair):
        messages.append(
            _message(
                "not-installed",
                "A CSP policy is configured but ContentSecurityPolicyMiddleware is not in "
                "MIDDLEWARE, so no response carries it.",
                f"Add {MIDDLEWARE!r} to MIDDLEWARE.",
                "MIDDLEWARE",
            )
        )
    for finding in csp_config.problems(conf.get):
        problem = finding.problem
        messages.append(
            _message(
                problem.code,
                f"{finding.setting}: {problem.message}.",
                problem.hint,
                finding.setting,
                problem.error,
            )
        )
    messages += _unresolved_endpoints()
    configured = False
    for dict_setting, string_setting in POLICY_SETTINGS:
        configured = configured or _is_set(dict_setting) or _is_set(string_setting)
        if _is_set(dict_setting):
            messages += _unresolved_report_uris(getattr(settings, dict_setting), dict_setting)
    if active and not configured:
        messages.append(
            _message(
                "no-policy",
                "ContentSecurityPolicyMiddleware is installed but no policy is configured, so it "
                "sends no header.",
                "Set CSP_DICT (or CSP_STRING), or remove the middleware.",
                MIDDLEWARE,
            )
        )
    return messages


def _resolves(value: str) -> bool:
    if "/" in value:
        return True
    try:
        reverse(value)
    except NoReverseMatch:
        return False
    return True


def _unresolved(setting: str, value: str) -> checks.CheckMessage:
    return _message(
        "unresolved",
        f"{setting}: {value!r} is neither a URL nor a URL name of this site; it is left out.",
        "Include the report views (path('security/', include('security.urls')) gives the names "
        "'security-csp-report' and 'security-reports') or write a URL.",
        setting,
    )


def _unresolved_report_uris(policy_dict: Any, setting: str) -> list[checks.CheckMessage]:
    if not isinstance(policy_dict, Mapping):
        return []
    uris = policy_dict.get("report-uri")
    items = uris.split() if isinstance(uris, str) else uris if isinstance(uris, list | tuple) else []
    return [_unresolved(setting, item) for item in items if isinstance(item, str) and not _resolves(item)]


def _unresolved_endpoints() -> list[checks.CheckMessage]:
    """Warnings for CSP_REPORTING_ENDPOINTS targets that are neither URLs nor URL names."""
    value = conf.get("CSP_REPORTING_ENDPOINTS")
    if csp_config.endpoint_problems(value) or not value:
        return []
    return [
        _unresolved("CSP_REPORTING_ENDPOINTS", target) for target in value.values() if not _resolves(target)
    ]
