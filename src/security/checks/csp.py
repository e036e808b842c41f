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
from ..csp import policy as csp
from .util import TAG, installed

MIDDLEWARE = "security.middleware.ContentSecurityPolicyMiddleware"
POLICY_SETTINGS = (
    ("CSP_DICT", "CSP_STRING"),
    ("CSP_REPORT_ONLY_DICT", "CSP_REPORT_ONLY_STRING"),
)
SETTINGS = ("CSP_MODE", *(name for pair in POLICY_SETTINGS for name in pair), "CSP_REPORTING_ENDPOINTS")

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


def _message(code: str, text: str, hint: str, obj: str) -> checks.CheckMessage:
    check_id = IDS[code]
    level = checks.Error if check_id.startswith("security.E") else checks.Warning
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
    mode = conf.get("CSP_MODE") or "enforce"
    if not isinstance(mode, str) or mode.lower() not in ("enforce", "report-only"):
        messages.append(
            _message(
                "mode",
                f"CSP_MODE must be 'enforce' or 'report-only', not {mode!r}.",
                "Set CSP_MODE = 'enforce' (default) or 'report-only'.",
                "CSP_MODE",
            )
        )
    endpoints, endpoint_messages = _endpoints()
    messages += endpoint_messages
    configured = False
    for dict_setting, string_setting in POLICY_SETTINGS:
        has_dict, has_string = _is_set(dict_setting), _is_set(string_setting)
        configured = configured or has_dict or has_string
        if has_dict and has_string:
            messages.append(
                _message(
                    "both",
                    f"Both {dict_setting} and {string_setting} are set; the middleware refuses to "
                    "start (ImproperlyConfigured).",
                    f"Keep only one of {dict_setting} and {string_setting}.",
                    dict_setting,
                )
            )
        if has_dict:
            value = getattr(settings, dict_setting)
            messages += _problems(csp.validate_dict(value, endpoints), dict_setting)
            messages += _unresolved_report_uris(value, dict_setting)
        elif has_string:
            messages += _problems(
                csp.validate_string(getattr(settings, string_setting), endpoints), string_setting
            )
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


def _problems(problems: list[csp.Problem], setting: str) -> list[checks.CheckMessage]:
    return [
        _message(problem.code, f"{setting}: {problem.message}", problem.hint, setting) for problem in problems
    ]


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


def _endpoints() -> tuple[list[str], list[checks.CheckMessage]]:
    """Names defined by CSP_REPORTING_ENDPOINTS, and problems with it."""
    value = conf.get("CSP_REPORTING_ENDPOINTS") or {}
    setting = "CSP_REPORTING_ENDPOINTS"
    if not isinstance(value, Mapping):
        return [], [
            _message(
                "endpoints",
                f"{setting} must be a dict of endpoint name -> URL or URL name.",
                f'Write {setting} = {{"csp-endpoint": "security-reports"}}.',
                setting,
            )
        ]
    from ..middleware.csp import _ENDPOINT_NAME, _URL_UNSAFE

    messages = []
    for name, target in value.items():
        if not isinstance(name, str) or not _ENDPOINT_NAME.match(name):
            messages.append(
                _message(
                    "endpoints",
                    f"{setting}: {name!r} is not a valid endpoint name.",
                    "Use lowercase letters, digits, '-', '_', '.' or '*', starting with a letter.",
                    setting,
                )
            )
        elif not isinstance(target, str) or _URL_UNSAFE.search(target) or not target.isascii():
            messages.append(
                _message(
                    "endpoints",
                    f"{setting}: the URL of {name!r} is not a valid URL.",
                    "Write an absolute URL, a path or a URL name, without spaces or quotes.",
                    setting,
                )
            )
        elif not _resolves(target):
            messages.append(_unresolved(setting, target))
    return [name for name in value if isinstance(name, str)], messages
