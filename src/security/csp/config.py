"""The CSP settings, validated by one set of rules for the middleware and the system check.

``problems(get)`` lists every finding about ``CSP_MODE``, the policy settings
and ``CSP_REPORTING_ENDPOINTS`` as :class:`Finding` records; the middleware
refuses to start on the first error (``ImproperlyConfigured``), the check
reports each one under its id.  Resolving URL names needs the URLconf, so it
is not a rule here: the middleware resolves them on first use and the check
warns about names that do not resolve (``security.W069``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..headers import header_value_problem
from . import policy as csp

Getter = Callable[[str], Any]

ENFORCE_HEADER = "Content-Security-Policy"
REPORT_ONLY_HEADER = "Content-Security-Policy-Report-Only"
#: ``CSP_MODE`` -> the headers the main policy is sent in.
MODES: dict[str, tuple[str, ...]] = {
    "enforce": (ENFORCE_HEADER,),
    "report-only": (REPORT_ONLY_HEADER,),
    "enforce-and-report-only": (ENFORCE_HEADER, REPORT_ONLY_HEADER),
}
#: (dict setting, string setting) of the main and the second, report-only policy.
POLICY_SETTINGS = (
    ("CSP_DICT", "CSP_STRING"),
    ("CSP_REPORT_ONLY_DICT", "CSP_REPORT_ONLY_STRING"),
)
SETTINGS = ("CSP_MODE", *(name for pair in POLICY_SETTINGS for name in pair), "CSP_REPORTING_ENDPOINTS")

ENDPOINT_NAME = re.compile(r"^[a-z*][a-z0-9_.*-]*$")
URL_UNSAFE = re.compile(r'[\s"\\,;\x00-\x1f\x7f]')


@dataclass(frozen=True)
class Finding:
    """One problem of one setting."""

    setting: str
    problem: csp.Problem

    def __str__(self) -> str:
        return f"{self.setting}: {self.problem.message}"


def mode_headers(mode: Any) -> tuple[str, ...] | None:
    """The headers of ``CSP_MODE`` (``None`` means enforce), or ``None`` when it is not a mode."""
    if mode is None:
        return MODES["enforce"]
    if isinstance(mode, str) and mode.strip().lower() in MODES:
        return MODES[mode.strip().lower()]
    return None


def endpoint_problems(value: Any) -> list[csp.Problem]:
    """Problems of ``CSP_REPORTING_ENDPOINTS`` (endpoint name -> URL or URL name)."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [
            csp.Problem(
                "endpoints",
                "must be a dict of endpoint name -> URL or URL name",
                'Write CSP_REPORTING_ENDPOINTS = {"csp-endpoint": "security-reports"}.',
            )
        ]
    found = []
    for name, target in value.items():
        if not isinstance(name, str) or not ENDPOINT_NAME.match(name):
            found.append(
                csp.Problem(
                    "endpoints",
                    f"{name!r} is not a valid endpoint name",
                    "Use lowercase letters, digits, '-', '_', '.' or '*', starting with a letter.",
                )
            )
        elif not isinstance(target, str) or URL_UNSAFE.search(target) or not target.isascii():
            found.append(
                csp.Problem(
                    "endpoints",
                    f"the URL of {name!r} is not a valid URL",
                    "Write an absolute URL, a path or a URL name, without spaces or quotes.",
                )
            )
    return found


def endpoint_names(value: Any) -> list[str]:
    return [name for name in value if isinstance(name, str)] if isinstance(value, Mapping) else []


def policy_problems(setting: str, value: Any, endpoints: list[str]) -> list[csp.Problem]:
    """Problems of one policy setting: a ``*_DICT`` mapping or a verbatim ``*_STRING``."""
    if setting.endswith("_DICT"):
        return csp.validate_dict(value, endpoints)
    problems = csp.validate_string(value, endpoints)
    if isinstance(value, str):
        unsafe = header_value_problem(value)
        if unsafe:
            problems.insert(0, csp.Problem("injection", unsafe, "Write the policy on one line, in ASCII."))
    return problems


def problems(get: Getter) -> list[Finding]:
    """Every finding about the CSP settings, errors and warnings, in setting order."""
    found: list[Finding] = []
    if mode_headers(get("CSP_MODE")) is None:
        choices = ", ".join(repr(mode) for mode in MODES)
        found.append(
            Finding(
                "CSP_MODE",
                csp.Problem(
                    "mode", f"must be one of {choices}, not {get('CSP_MODE')!r}", "Set CSP_MODE = 'enforce'."
                ),
            )
        )
    endpoints_value = get("CSP_REPORTING_ENDPOINTS")
    found += [Finding("CSP_REPORTING_ENDPOINTS", p) for p in endpoint_problems(endpoints_value)]
    endpoints = endpoint_names(endpoints_value)
    for dict_setting, string_setting in POLICY_SETTINGS:
        if get(dict_setting) is not None and get(string_setting) is not None:
            found.append(
                Finding(
                    dict_setting,
                    csp.Problem(
                        "both",
                        f"both {dict_setting} and {string_setting} are set, so it is not clear which policy "
                        "you mean",
                        f"Keep only one of {dict_setting} and {string_setting}.",
                    ),
                )
            )
        for setting in (dict_setting, string_setting):
            value = get(setting)
            if value is not None:
                found += [Finding(setting, p) for p in policy_problems(setting, value, endpoints)]
    return found


def first_error(get: Getter) -> Finding | None:
    """The first finding that must stop the middleware, if any."""
    return next((finding for finding in problems(get) if finding.problem.error), None)


#: Values the original accepted for its single-value and token directives (CSP 1.1 draft).
_LEGACY_VALUES: dict[str, frozenset[str]] = {
    "sandbox": frozenset(
        {
            "",
            "allow-forms",
            "allow-same-origin",
            "allow-scripts",
            "allow-top-navigation",
            "allow-popups",
            "allow-modals",
            "allow-orientation-lock",
            "allow-pointer-lock",
            "allow-presentation",
            "allow-popups-to-escape-sandbox",
            "allow-top-navigation-by-user-activation",
            "allow-downloads",
            "allow-storage-access-by-user-activation",
            "allow-top-navigation-to-custom-protocols",
        }
    ),
    "referrer": frozenset(
        {
            "no-referrer",
            "no-referrer-when-downgrade",
            "origin",
            "origin-when-cross-origin",
            "unsafe-url",
            "none",
            "none-when-downgrade",
            "origin-when-crossorigin",
        }
    ),
    "reflected-xss": frozenset({"allow", "block", "filter"}),
}


def legacy_dict_problems(policy_dict: Any) -> list[str]:
    """The original's stricter rules for a policy dictionary, on top of :func:`csp.validate_dict`.

    Lists of sources and tokens must be lists (a bare string was refused),
    and the draft's enumerated directives take only their known values.  Used
    by the original's private ``_csp_builder``, which old tests call.
    """
    errors = [problem.message for problem in csp.validate_dict(policy_dict) if problem.error]
    if not isinstance(policy_dict, Mapping):
        return errors
    for name, value in policy_dict.items():
        kind = csp.DIRECTIVES.get(str(name).lower())
        if kind in (csp.Kind.SOURCES, csp.Kind.TOKENS) and not isinstance(value, list | tuple):
            errors.append(f"{name!r} must be a list or tuple, not {type(value).__name__}")
        allowed = _LEGACY_VALUES.get(str(name).lower())
        if allowed is not None:
            items = value if isinstance(value, list | tuple) else [value]
            errors += [f"{name!r}: {item!r} is not a known value" for item in items if item not in allowed]
    return errors
