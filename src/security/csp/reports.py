"""Pure parsing of CSP violation reports: every browser format into one record.

Browsers send violations in three shapes:

* ``application/csp-report`` (the ``report-uri`` directive): one object
  ``{"csp-report": {...}}`` with kebab-case keys (``document-uri``, ...);
* ``application/reports+json`` (the Reporting API, ``report-to``): a list of
  reports ``{"type": "csp-violation", "user_agent": ..., "body": {...}}`` whose
  body uses camelCase keys (``documentURL``, ``blockedURL``, ...); other report
  types in the same batch (deprecation, intervention, ...) are skipped;
* ``application/json``: sent by older browsers for either of the above.

Everything here works on bytes and plain values, never on request objects, so
it can be unit-tested, fuzzed and benchmarked on its own.  Unknown keys are
ignored; values are coerced to the record's types; strings are made storable
(no NUL, no lone surrogates) but otherwise kept: display code escapes them
with :func:`escape_controls`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..escaping import escape_controls as escape_controls  # re-exported: one escaping rule

CSP_REPORT = "application/csp-report"
REPORTS_JSON = "application/reports+json"
JSON = "application/json"
#: Content types the collector accepts (anything else is answered with 415).
CONTENT_TYPES = frozenset({CSP_REPORT, REPORTS_JSON, JSON})

#: Largest value stored in the integer fields (PostgreSQL ``integer``).
MAX_INT = 2**31 - 1


class ReportFormatError(ValueError):
    """The body is not JSON or does not have the shape of any report format."""


@dataclass(frozen=True)
class ViolationReport:
    """One CSP violation, whatever format the browser sent it in."""

    document_uri: str = ""
    referrer: str = ""
    blocked_uri: str = ""
    violated_directive: str = ""
    effective_directive: str = ""
    original_policy: str = ""
    disposition: str = ""
    source_file: str = ""
    line_number: int | None = None
    column_number: int | None = None
    status_code: int | None = None
    script_sample: str = ""
    user_agent: str = ""

    def __eq__(self, other: object) -> bool:
        # One C-level dict comparison instead of two 13-field tuples: reports are compared
        # whenever identical ones are collapsed or looked up in the log limiter.
        if other.__class__ is not ViolationReport:
            return NotImplemented
        return self.__dict__ == other.__dict__

    @property
    def directive(self) -> str:
        """The directive that was violated, without its sources (``script-src-elem``)."""
        name = self.effective_directive or self.violated_directive
        return name.strip().split(" ", 1)[0].lower()


_STRING_FIELDS = (
    "document_uri",
    "referrer",
    "blocked_uri",
    "violated_directive",
    "effective_directive",
    "original_policy",
    "disposition",
    "source_file",
    "script_sample",
)
_INT_FIELDS = ("line_number", "column_number", "status_code")
_INT_NAMES = frozenset(_INT_FIELDS)

#: report-uri (kebab-case) key -> field.
_KEBAB = {
    "document-uri": "document_uri",
    "referrer": "referrer",
    "blocked-uri": "blocked_uri",
    "violated-directive": "violated_directive",
    "effective-directive": "effective_directive",
    "original-policy": "original_policy",
    "disposition": "disposition",
    "source-file": "source_file",
    "line-number": "line_number",
    "column-number": "column_number",
    "status-code": "status_code",
    "script-sample": "script_sample",
}
#: Reporting API (camelCase) body key -> field; the URI spellings are accepted too.
_CAMEL = {
    "documentURL": "document_uri",
    "documentURI": "document_uri",
    "referrer": "referrer",
    "blockedURL": "blocked_uri",
    "blockedURI": "blocked_uri",
    "violatedDirective": "violated_directive",
    "effectiveDirective": "effective_directive",
    "originalPolicy": "original_policy",
    "disposition": "disposition",
    "sourceFile": "source_file",
    "lineNumber": "line_number",
    "columnNumber": "column_number",
    "statusCode": "status_code",
    "sample": "script_sample",
}

_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(value: str) -> str:
    """``value`` made safe for any database: NUL and lone surrogates become U+FFFD."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = _SURROGATE.sub("\ufffd", value)
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def _string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise ReportFormatError(f"expected a string, got {type(value).__name__}")


def _integer(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and len(value) < 20 and value.strip().isascii() and value.strip().isdecimal():
        value = int(value.strip())
    if isinstance(value, int) and 0 <= value <= MAX_INT:
        return value
    return None


def _record(fields: Mapping[str, Any], keys: Mapping[str, str], user_agent: Any = None) -> ViolationReport:
    values: dict[str, Any] = {}
    for key, value in fields.items():
        name = keys.get(key)
        if name is None:
            continue  # unknown keys are ignored
        # The common cases inline (ASCII text, small integers): this runs for every field of every report.
        if name in _INT_NAMES:
            values[name] = value if type(value) is int and 0 <= value <= MAX_INT else _integer(value)
        elif type(value) is str:
            values[name] = value if value.isascii() and "\x00" not in value else storable(value)
        else:
            values[name] = _string(value)
    if not values.get("violated_directive") and values.get("effective_directive"):
        # The Reporting API dropped violatedDirective; it equals the effective one.
        values["violated_directive"] = values["effective_directive"]
    if user_agent is not None:
        values["user_agent"] = _string(user_agent)
    return ViolationReport(**values)


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ReportFormatError(f"{what} must be a JSON object")
    return value


def _recognised(record: ViolationReport) -> ViolationReport:
    """``record`` if it names a document or a directive; a body with neither holds no report."""
    if not (record.document_uri or record.directive):
        raise ReportFormatError("the body holds no CSP report (no document URI, no directive)")
    return record


def _from_csp_report(document: Any) -> list[ViolationReport]:
    document = _object(document, "a report-uri body")
    return [_recognised(_record(_object(document.get("csp-report"), '"csp-report"'), _KEBAB))]


def _from_reporting_api(document: Any) -> list[ViolationReport]:
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list):
        raise ReportFormatError("a Reporting API body must be a JSON list of reports")
    return [report for report in reporting_api_batch(document) if isinstance(report, ViolationReport)]


def reporting_api_batch(document: list[Any]) -> list[ViolationReport | BrowserReport]:
    """Every report of a Reporting API list: CSP violations and the other known types.

    Each item must be an object with a string ``type`` and an object
    ``body``; one malformed item makes the whole list malformed.  Items of
    types nobody defined are skipped.
    """
    records: list[ViolationReport | BrowserReport] = []
    for report in document:
        report = _object(report, "each Reporting API report")
        kind = report.get("type")
        if not isinstance(kind, str):
            raise ReportFormatError('each Reporting API report needs a string "type"')
        body = _object(report.get("body"), "a report body")
        if kind == "csp-violation":
            records.append(_recognised(_record(body, _CAMEL, report.get("user_agent"))))
        elif kind in BROWSER_REPORT_TYPES:
            records.append(browser_report(kind, report.get("url"), body))
    return records


def _from_json(document: Any) -> list[ViolationReport]:
    if isinstance(document, list) or (isinstance(document, dict) and "type" in document):
        return _from_reporting_api(document)
    document = _object(document, "the body")
    if "csp-report" in document:
        return _from_csp_report(document)
    # A bare violation object: accept either key style.
    camel = any(key in _CAMEL and key not in _KEBAB for key in document)
    return [_recognised(_record(document, _CAMEL if camel else _KEBAB))]


_PARSERS = {CSP_REPORT: _from_csp_report, REPORTS_JSON: _from_reporting_api, JSON: _from_json}


def _load(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise ReportFormatError(f"the body is not valid JSON: {error}") from None


def parse_batch(body: bytes, content_type: str) -> list[ViolationReport | BrowserReport]:
    """Every report in ``body``: CSP violations and the other Reporting API types.

    Raises :class:`ReportFormatError` when the body is not JSON, has the
    wrong shape, or holds no report of a known type (an empty list, ``{}``).
    """
    document = _load(body)
    reports: list[ViolationReport | BrowserReport]
    if content_type == REPORTS_JSON or (
        content_type == JSON
        and (isinstance(document, list) or (isinstance(document, dict) and "type" in document))
    ):
        if isinstance(document, dict):
            document = [document]
        if not isinstance(document, list):
            raise ReportFormatError("a Reporting API body must be a JSON list of reports")
        reports = reporting_api_batch(document)
    else:
        reports = list(_PARSERS[content_type](document))
    if not reports:
        raise ReportFormatError("the body holds no report of a known type")
    return reports


def parse_reports(body: bytes, content_type: str) -> list[ViolationReport]:
    """Every CSP violation in ``body`` sent as ``content_type`` (one of :data:`CONTENT_TYPES`).

    Raises :class:`ReportFormatError` when the body is not JSON or has the
    wrong shape, and ``KeyError`` for an unsupported content type.
    """
    return _PARSERS[content_type](_load(body))


# -- fingerprints ---------------------------------------------------------------

#: Blocked-URI keywords of CSP Level 3 (and older spellings) kept as they are.
KEYWORDS = frozenset({"inline", "eval", "wasm-eval", "trusted-types-policy", "trusted-types-sink", "self"})
#: Schemes whose blocked resources are named by scheme alone (``data:``).
_SCHEME_ONLY = frozenset({"data", "blob", "about", "filesystem", "javascript", "mediastream"})


def blocked_source(blocked_uri: str) -> str:
    """What was blocked, normalised: a keyword, ``scheme:`` or an origin (``https://cdn.example``)."""
    value = blocked_uri.strip()
    if not value:
        return "inline"  # CSP Level 2 browsers sent an empty blocked-uri for inline code
    if value.lower() in KEYWORDS:
        return value.lower()
    return origin(value)


def origin(uri: str) -> str:
    """``scheme://host[:port]`` of ``uri``; ``scheme:`` for data:, blob: and the like."""
    try:
        parts = urlsplit(uri.strip())
        scheme = parts.scheme.lower()
        if scheme in _SCHEME_ONLY or (scheme and not parts.netloc):
            return f"{scheme}:"
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return uri.strip()[:200]
    if not scheme:
        return uri.strip()[:200]
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def path_of(uri: str) -> str:
    """The path of ``uri`` (no query or fragment), ``/`` when empty."""
    try:
        return urlsplit(uri.strip()).path or "/"
    except ValueError:
        return "/"


def source_location(uri: str) -> str:
    """``uri`` without query and fragment (ids and cache busters would split fingerprints)."""
    if not uri:
        return ""
    try:
        parts = urlsplit(uri.strip())
    except ValueError:
        return uri.strip()[:500]
    if not parts.netloc:
        return origin(uri)
    return f"{origin(uri)}{parts.path}"


@dataclass(frozen=True)
class Fingerprint:
    """What makes two reports the same violation, and its digest."""

    directive: str
    blocked: str
    document_path: str
    source_file: str

    @functools.cached_property
    def digest(self) -> str:  # computed once per fingerprint (it is looked up several times)
        text = "\x1f".join((self.directive, self.blocked, self.document_path, self.source_file))
        return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:40]


def fingerprint(report: ViolationReport) -> Fingerprint:
    """The normalised identity of ``report`` (directive, blocked source, document path, source file)."""
    return _fingerprint(report.directive, report.blocked_uri, report.document_uri, report.source_file)


@functools.lru_cache(maxsize=4096)
def _fingerprint(directive: str, blocked_uri: str, document_uri: str, source_file: str) -> Fingerprint:
    """Memoised: a busy site's reports repeat the same few violations (URL parsing is the cost)."""
    return Fingerprint(
        directive=directive,
        blocked=blocked_source(blocked_uri),
        document_path=path_of(document_uri),
        source_file=source_location(source_file),
    )


# -- noise ------------------------------------------------------------------------

#: Schemes of browser extensions and browser-internal pages.
NOISE_SCHEMES = frozenset(
    {
        "chrome-extension",
        "moz-extension",
        "safari-extension",
        "safari-web-extension",
        "ms-browser-extension",
        "edge-extension",
        "about",
        "resource",
        "chrome",
        "chromewebdata",
        "webviewprogressproxy",
        "view-source",
    }
)


def noise_reason(fp: Fingerprint) -> str | None:
    """Why a violation is likely not the site's own doing (an extension, an injected script), or ``None``."""
    for what, value in (("blocked", fp.blocked), ("source file", fp.source_file)):
        scheme = value.split(":", 1)[0] if ":" in value else ""
        if scheme in NOISE_SCHEMES:
            return f"{what} is {scheme}: (browser extension or internal page)"
    if fp.blocked == "data:" and fp.source_file and not fp.source_file.startswith(("http:", "https:")):
        return "data: loaded by a script that is not the site's"
    return None


# -- the other Reporting API types ------------------------------------------------
#
# Browsers send more than CSP violations to a Reporting-Endpoints endpoint.
# Each type below is normalised to a BrowserReport whose ``key`` says what
# happened (the deprecated feature's id, the blocked policy feature, the crash
# reason, the COOP/COEP violation type and blocked origin); the fingerprint
# groups reports by type, key, document path and source file.

#: Report type -> body keys joined into its ``key`` (URL-valued keys are cut to their origin;
#: ``a|b``: the first present, as Chromium sends ``policyId`` where the spec says ``featureId``).
BROWSER_REPORT_TYPES: dict[str, tuple[str, ...]] = {
    "deprecation": ("id",),
    "intervention": ("id",),
    "crash": ("reason",),
    "coep": ("type", "destination", "blockedURL"),
    "coop": ("type", "effectivePolicy"),
    "permissions-policy-violation": ("featureId|policyId",),
    "document-policy-violation": ("featureId|policyId",),
    "integrity-violation": ("destination", "blockedURL"),
}
_URL_KEYS = frozenset({"blockedURL"})


@dataclass(frozen=True)
class BrowserReport:
    """One Reporting API report that is not a CSP violation."""

    kind: str
    key: str
    document_uri: str = ""
    source_file: str = ""
    line_number: int | None = None
    column_number: int | None = None
    disposition: str = ""
    message: str = ""


def browser_report(kind: str, url: Any, body: Mapping[str, Any]) -> BrowserReport:
    """Normalise the ``body`` of a ``kind`` report sent for the page at ``url``."""
    parts = []
    for names in BROWSER_REPORT_TYPES[kind]:
        name = next((n for n in names.split("|") if n in body), names)
        raw = body.get(name)
        value = "" if isinstance(raw, dict | list) else _string(raw)
        parts.append(origin(value) if name in _URL_KEYS and value else value)
    document = body.get("documentURL", url)
    return BrowserReport(
        kind=kind,
        key=" ".join(part for part in parts if part)[:200],
        document_uri=_string(document) if isinstance(document, str) else "",
        source_file=_string(body.get("sourceFile")) if isinstance(body.get("sourceFile"), str) else "",
        line_number=_integer(body.get("lineNumber")),
        column_number=_integer(body.get("columnNumber")),
        disposition=_string(body.get("disposition")) if isinstance(body.get("disposition"), str) else "",
        message=_string(body.get("message")) if isinstance(body.get("message"), str) else "",
    )


def browser_fingerprint(report: BrowserReport) -> Fingerprint:
    """The identity of a non-CSP report: its type and key, document path and source file."""
    return Fingerprint(
        directive=report.kind,
        blocked=report.key,
        document_path=path_of(report.document_uri),
        source_file=source_location(report.source_file),
    )
