"""Content Security Policy as plain data: model, parse, quote, validate, merge, serialise.

Nothing here touches a request, a response or Django settings, so every rule of
CSP Level 3 the package knows about is tested and benchmarked as pure code.
The middleware (``security.middleware.csp``) and the system checks
(``security.checks.csp``) are thin adapters over these functions.

A :class:`Policy` is an ordered tuple of ``(directive name, values)`` pairs whose
values are already in header form (keywords quoted).  The source ``"nonce"``
(:data:`NONCE`) in a policy dictionary marks where the per-request nonce goes;
it is kept as :data:`NONCE_MARKER` and rendered by :class:`CompiledPolicy`.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..log import logger


class Kind(enum.Enum):
    """How a directive's value is written in a policy dictionary and in the header."""

    SOURCES = "list of sources"  # fetch/navigation directives: quoted keywords, hosts, schemes
    TOKENS = "list of tokens"  # sandbox, plugin-types, trusted-types, ...
    URIS = "URI or list of URIs"  # report-uri (URL names resolved by the adapter)
    VALUE = "single value"  # report-to, reflected-xss, referrer, webrtc
    FLAG = "boolean"  # upgrade-insecure-requests, block-all-mixed-content


#: Every directive of CSP Level 3 (plus the obsolete ones that still render) and its kind.
DIRECTIVES: dict[str, Kind] = {
    # fetch directives
    "default-src": Kind.SOURCES,
    "child-src": Kind.SOURCES,
    "connect-src": Kind.SOURCES,
    "fenced-frame-src": Kind.SOURCES,
    "font-src": Kind.SOURCES,
    "frame-src": Kind.SOURCES,
    "img-src": Kind.SOURCES,
    "manifest-src": Kind.SOURCES,
    "media-src": Kind.SOURCES,
    "object-src": Kind.SOURCES,
    "prefetch-src": Kind.SOURCES,
    "script-src": Kind.SOURCES,
    "script-src-elem": Kind.SOURCES,
    "script-src-attr": Kind.SOURCES,
    "style-src": Kind.SOURCES,
    "style-src-elem": Kind.SOURCES,
    "style-src-attr": Kind.SOURCES,
    "worker-src": Kind.SOURCES,
    # document directives
    "base-uri": Kind.SOURCES,
    "sandbox": Kind.TOKENS,
    "plugin-types": Kind.TOKENS,
    # navigation directives
    "form-action": Kind.SOURCES,
    "frame-ancestors": Kind.SOURCES,
    "navigate-to": Kind.SOURCES,
    # reporting directives
    "report-uri": Kind.URIS,
    "report-to": Kind.VALUE,
    # other directives
    "require-trusted-types-for": Kind.TOKENS,
    "trusted-types": Kind.TOKENS,
    "upgrade-insecure-requests": Kind.FLAG,
    "block-all-mixed-content": Kind.FLAG,
    "webrtc": Kind.VALUE,
    "reflected-xss": Kind.VALUE,
    "referrer": Kind.VALUE,
    "require-sri-for": Kind.TOKENS,
    "disown-opener": Kind.FLAG,
}

#: Directives browsers no longer implement, with today's alternative.
OBSOLETE: dict[str, str] = {
    "block-all-mixed-content": "browsers now upgrade or block mixed content themselves; "
    "use upgrade-insecure-requests",
    "plugin-types": "browsers removed plugins; use object-src 'none'",
    "reflected-xss": "browsers removed their XSS auditors; use a strict script-src (nonces or hashes)",
    "referrer": "use the Referrer-Policy header",
    "prefetch-src": "removed from CSP; prefetches are governed by the other fetch directives",
    "navigate-to": "removed from CSP before any browser shipped it",
    "require-sri-for": "never shipped by browsers; add integrity attributes to your tags",
    "disown-opener": "use the Cross-Origin-Opener-Policy header",
}

#: Keywords of source lists, written bare in a policy dictionary and quoted in the header.
SOURCE_KEYWORDS = frozenset(
    {
        "self",
        "none",
        "unsafe-inline",
        "unsafe-eval",
        "strict-dynamic",
        "unsafe-hashes",
        "report-sample",
        "wasm-unsafe-eval",
        "unsafe-allow-redirects",
        "inline-speculation-rules",
    }
)

#: Keywords of the token directives that are quoted in the header.
TOKEN_KEYWORDS: dict[str, frozenset[str]] = {
    "require-trusted-types-for": frozenset({"script"}),
    "trusted-types": frozenset({"none", "allow-duplicates"}),
    "webrtc": frozenset({"allow", "block"}),
}

#: Directives that hold a single token (no spaces) in the header.
FLAG_DIRECTIVES = frozenset(name for name, kind in DIRECTIVES.items() if kind is Kind.FLAG)

#: Source written in a policy dictionary to ask for the per-request nonce.
NONCE = "nonce"
#: The same marker as Django 6.1's ``django.utils.csp.CSP.NONCE``, accepted for easy migration.
DJANGO_NONCE_SENTINEL = "<CSP_NONCE_SENTINEL>"
#: Internal form of the nonce marker inside a :class:`Policy`.
NONCE_MARKER = "'nonce'"

_HASH_OR_NONCE = re.compile(r"^(nonce|sha256|sha384|sha512)-[A-Za-z0-9+/_=-]+$", re.IGNORECASE)
_FORBIDDEN = re.compile(r"[\s;,\x00-\x1f\x7f]")
_LINE_BREAKING = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_SUBSTITUTE = "\x00"  # where the nonce goes while a policy is precompiled


# -- model -------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """An ordered, immutable CSP policy: ``((name, values), ...)`` in header form."""

    directives: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def get(self, name: str) -> tuple[str, ...] | None:
        for directive, values in self.directives:
            if directive == name:
                return values
        return None

    def __contains__(self, name: object) -> bool:
        return any(directive == name for directive, _ in self.directives)

    def __iter__(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        return iter(self.directives)

    def __bool__(self) -> bool:
        return bool(self.directives)

    @property
    def uses_nonce(self) -> bool:
        return any(NONCE_MARKER in values for _, values in self.directives)

    def with_directive(self, name: str, values: tuple[str, ...] | None) -> Policy:
        """A copy with ``name`` set to ``values`` (in place when present, appended otherwise);
        ``None`` removes it."""
        result: list[tuple[str, tuple[str, ...]]] = []
        found = False
        for directive, current in self.directives:
            if directive == name:
                found = True
                if values is not None:
                    result.append((name, values))
            else:
                result.append((directive, current))
        if not found and values is not None:
            result.append((name, values))
        return Policy(tuple(result))

    def serialise(self, nonce: str | None = None) -> str:
        """The header value; the nonce marker becomes ``'nonce-<nonce>'`` or is dropped."""
        parts = []
        for name, values in self.directives:
            rendered = [_render_source(value, nonce) for value in values]
            kept = [value for value in rendered if value]
            if not kept and DIRECTIVES.get(name) is Kind.SOURCES:
                kept = ["'none'"]  # an empty list (or only an unused nonce) allows nothing
            parts.append(" ".join([name, *kept]))
        return "; ".join(parts)


def _render_source(value: str, nonce: str | None) -> str:
    if value != NONCE_MARKER:
        return value
    return f"'nonce-{nonce}'" if nonce is not None else ""


@dataclass(frozen=True)
class CompiledPolicy:
    """A policy serialised once: per request at most the nonce is inserted."""

    policy: Policy
    plain: str  # the header value when the response used no nonce
    parts: tuple[str, ...] | None  # header pieces to join with the nonce source, if any

    @classmethod
    def build(cls, policy: Policy) -> CompiledPolicy:
        parts = (
            tuple(policy.serialise(_SUBSTITUTE).split(f"'nonce-{_SUBSTITUTE}'"))
            if policy.uses_nonce
            else None
        )
        return cls(policy, policy.serialise(None), parts)

    @classmethod
    def verbatim(cls, text: str) -> CompiledPolicy:
        """A policy string sent as written (``CSP_STRING``), never re-serialised."""
        return cls(parse(text), text, None)

    def render(self, nonce: str | None) -> str:
        if self.parts is None or nonce is None:
            return self.plain
        return f"'nonce-{nonce}'".join(self.parts)


# -- building from settings ------------------------------------------------------------


def quote(value: str, directive: str = "default-src") -> str:
    """Header form of one source or token: bare keywords, nonces and hashes get quotes."""
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value
    kind = DIRECTIVES.get(directive, Kind.SOURCES)
    lowered = value.lower()
    if kind is Kind.SOURCES:
        if lowered == NONCE or value == DJANGO_NONCE_SENTINEL:
            return NONCE_MARKER
        if lowered in SOURCE_KEYWORDS:
            return f"'{lowered}'"
        if _HASH_OR_NONCE.match(value):
            algorithm, _, digest = value.partition("-")
            return f"'{algorithm.lower()}-{digest}'"
        return value
    if lowered in TOKEN_KEYWORDS.get(directive, ()):
        return f"'{lowered}'"
    return value


def directive_values(name: str, value: Any) -> tuple[str, ...] | None:
    """Header-form values of one dictionary entry; ``None`` when the directive is left out."""
    kind = DIRECTIVES.get(name, Kind.SOURCES)
    if value is None or value is False:
        return None
    if kind is Kind.FLAG or value is True:
        return ()
    if not isinstance(value, str | list | tuple | set | frozenset):
        # Reported at start-up by security.E062; a request must not fail on it.
        logger.error(
            "CSP directive %r: %r is not a list of sources; the directive is left out (run manage.py check).",
            name,
            value,
        )
        return None
    items = value.split() if isinstance(value, str) else [str(item) for item in value]
    # Sources that would split or break the header are dropped (system check security.E064).
    return tuple(quote(item, name) for item in items if item.strip() and _safe(item))


def _safe(item: str) -> bool:
    return item.isascii() and not _FORBIDDEN.search(item)


def from_dict(policy_dict: Mapping[str, Any]) -> Policy:
    """Build a policy from a ``CSP_DICT``-style mapping (directive -> sources)."""
    directives = []
    for raw_name, value in policy_dict.items():
        name = str(raw_name).strip().lower()
        values = directive_values(name, value)
        if values is not None and _safe(name):
            directives.append((name, values))
    return Policy(tuple(directives))


def parse(text: str) -> Policy:
    """Parse one serialised policy (``CSP_STRING``); the first of duplicate directives wins."""
    directives: list[tuple[str, tuple[str, ...]]] = []
    seen = set()
    for chunk in text.split(";"):
        tokens = chunk.split()
        if not tokens:
            continue
        name = tokens[0].lower()
        if name in seen:
            continue
        seen.add(name)
        directives.append((name, tuple(tokens[1:])))
    return Policy(tuple(directives))


# -- per-view changes ---------------------------------------------------------------------

#: Where a fetch directive falls back to when a policy leaves it out (CSP3 section 6.8.3).
FALLBACKS: dict[str, tuple[str, ...]] = {
    "script-src-elem": ("script-src", "default-src"),
    "script-src-attr": ("script-src", "default-src"),
    "style-src-elem": ("style-src", "default-src"),
    "style-src-attr": ("style-src", "default-src"),
    "worker-src": ("child-src", "script-src", "default-src"),
    "frame-src": ("child-src", "default-src"),
    "fenced-frame-src": ("frame-src", "child-src", "default-src"),
}


def effective_sources(policy: Policy, name: str) -> tuple[str, ...] | None:
    """The sources the browser applies for ``name``, following CSP's fallback chain."""
    values = policy.get(name)
    if values is not None or DIRECTIVES.get(name) is not Kind.SOURCES or name == "default-src":
        return values
    fetch = name.endswith("-src") and name not in {"base-uri", "form-action"}
    chain = FALLBACKS.get(name, ("default-src",) if fetch else ())
    for fallback in chain:
        values = policy.get(fallback)
        if values is not None:
            return values
    return None


def replace(policy: Policy, changes: Mapping[str, tuple[str, ...] | None]) -> Policy:
    """Set each directive of ``changes`` to its new values; ``None`` removes it."""
    for name, values in changes.items():
        policy = policy.with_directive(name, values)
    return policy


def update(policy: Policy, additions: Mapping[str, tuple[str, ...] | None]) -> Policy:
    """Add sources to directives.

    A fetch directive the policy leaves out starts from what it falls back to
    (so adding an image host to a policy with only ``default-src 'self'``
    keeps ``'self'`` for images), and ``'none'`` goes once something is allowed.
    """
    for name, values in additions.items():
        if values is None:
            continue
        if DIRECTIVES.get(name) is Kind.FLAG:
            policy = policy.with_directive(name, ())
            continue
        current = effective_sources(policy, name) or ()
        merged = [value for value in current if value != "'none'" or not values]
        merged += [value for value in values if value not in merged and value != "'none'"]
        if not merged:
            merged = ["'none'"]
        policy = policy.with_directive(name, tuple(merged))
    return policy


# -- validation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One finding about a policy; ``code`` maps to a system-check id."""

    code: str
    message: str
    hint: str
    error: bool = True


def suggest(name: str) -> str:
    """A did-you-mean for an unknown directive name, or ``""``."""
    candidates = difflib.get_close_matches(name.replace("_", "-").lower(), DIRECTIVES, n=1, cutoff=0.6)
    return f" Did you mean {candidates[0]!r}?" if candidates else ""


def validate_dict(policy_dict: Any, endpoints: Iterable[str] = ()) -> list[Problem]:
    """Problems of a ``CSP_DICT``-style mapping (types, injection, then the policy rules)."""
    if not isinstance(policy_dict, Mapping):
        return [
            Problem(
                "type",
                f"must be a dict of directive -> sources, not {type(policy_dict).__name__}",
                'Write {"default-src": ["self"], ...}.',
            )
        ]
    problems: list[Problem] = []
    for raw_name, value in policy_dict.items():
        name = str(raw_name).strip().lower()
        kind = DIRECTIVES.get(name)
        if not _safe(name):
            problems.append(_injection(name, name))
        problems += _type_problems(name, kind, value)
        if isinstance(value, str) and _LINE_BREAKING.search(value):
            # Whitespace separates sources in a string, but a CR, LF or other control character
            # is never a separator: it would split the header.
            problems.append(_injection(name, value))
        elif isinstance(value, str | list | tuple | set | frozenset):
            for item in value.split() if isinstance(value, str) else list(value):
                if not isinstance(item, str):
                    problems.append(
                        Problem(
                            "type",
                            f"{name!r}: {item!r} is a {type(item).__name__}, not a str",
                            "Write every source as a string.",
                        )
                    )
                elif not _safe(item):
                    problems.append(_injection(name, item))
    try:
        policy = from_dict(policy_dict)
    except (TypeError, AttributeError):
        return problems
    return problems + validate_policy(policy, endpoints, dictionary=True)


def _type_problems(name: str, kind: Kind | None, value: Any) -> list[Problem]:
    if value is None:
        return []
    if kind is Kind.FLAG and not isinstance(value, bool):
        return [
            Problem(
                "type",
                f"{name!r} is a boolean directive, not {type(value).__name__}",
                f'Write "{name}": True (or leave it out).',
            )
        ]
    if kind is Kind.VALUE and not isinstance(value, str):
        return [
            Problem(
                "type",
                f"{name!r} takes a single string, not {type(value).__name__}",
                f'Write "{name}": "value".',
            )
        ]
    if kind is not Kind.FLAG and isinstance(value, bool) and (kind is not None or value is False):
        return [
            Problem(
                "type",
                f"{name!r} takes a {(kind or Kind.SOURCES).value}, not a boolean",
                f'Write "{name}": ["..."].',
            )
        ]
    if not isinstance(value, str | list | tuple | set | frozenset | bool):
        return [
            Problem(
                "type",
                f"{name!r} must be a list of strings, not {type(value).__name__}",
                f'Write "{name}": ["..."].',
            )
        ]
    return []


def _injection(name: str, item: str) -> Problem:
    return Problem(
        "injection",
        f"{name!r}: the source {item!r} contains whitespace, ';', ',', a control character or "
        "non-ASCII text, which would split or break the header",
        "Write one source per list item with no spaces or separators; percent-encode URLs.",
    )


def validate_string(text: Any, endpoints: Iterable[str] = ()) -> list[Problem]:
    """Problems of a verbatim ``CSP_STRING`` policy."""
    if not isinstance(text, str):
        return [
            Problem(
                "type",
                f"must be a str, not {type(text).__name__}",
                "Write the policy exactly as the header value.",
            )
        ]
    problems: list[Problem] = []
    if "," in text:
        problems.append(
            Problem(
                "injection",
                "contains ',', which makes browsers read several policies",
                "Remove the comma; separate directives with ';'.",
            )
        )
    seen: set[str] = set()
    for chunk in text.split(";"):
        tokens = chunk.split()
        if not tokens:
            continue
        name = tokens[0].lower()
        if name in seen:
            problems.append(
                Problem(
                    "duplicate",
                    f"the directive {name!r} appears twice; browsers ignore the second one",
                    f"Merge the sources of both {name!r} directives.",
                    error=False,
                )
            )
        seen.add(name)
        if DIRECTIVES.get(name) is not Kind.SOURCES:
            continue
        for token in tokens[1:]:
            if token.lower() in SOURCE_KEYWORDS or _HASH_OR_NONCE.match(token):
                problems.append(
                    Problem(
                        "unquoted",
                        f"{name!r}: {token!r} is a keyword and must be quoted in CSP_STRING; "
                        "unquoted, browsers read it as a host name",
                        f"Write '{token}' (with single quotes) in the policy string.",
                        error=False,
                    )
                )
    return problems + validate_policy(parse(text), endpoints, dictionary=False)


def validate_policy(
    policy: Policy, endpoints: Iterable[str] = (), *, dictionary: bool = True
) -> list[Problem]:
    """Rules shared by dictionaries and strings: names, 'none', unsafe-inline, reporting, obsolete."""
    problems: list[Problem] = []
    endpoint_names = set(endpoints)
    for name, values in policy:
        if not _safe(name):
            problems.append(_injection(name, name))
            continue
        if name not in DIRECTIVES:
            problems.append(
                Problem(
                    "unknown",
                    f"{name!r} is not a CSP directive.{suggest(name)}",
                    "Fix the directive name; browsers ignore unknown directives.",
                    # A CSP_STRING is sent verbatim by contract: a warning, never a refusal.
                    error=dictionary,
                )
            )
            continue
        if name in OBSOLETE:
            problems.append(
                Problem(
                    "obsolete",
                    f"{name!r} is obsolete: browsers ignore it",
                    OBSOLETE[name][0].upper() + OBSOLETE[name][1:] + ".",
                    error=False,
                )
            )
        if DIRECTIVES[name] is Kind.SOURCES:
            problems += _source_list_problems(name, values)
        if name == "report-to":
            if len(values) != 1:
                problems.append(
                    Problem(
                        "type",
                        "'report-to' takes exactly one endpoint name",
                        'Write "report-to": "csp-endpoint".',
                    )
                )
            elif values[0] not in endpoint_names:
                problems.append(
                    Problem(
                        "report-to",
                        f"'report-to' names the endpoint {values[0]!r}, which "
                        "CSP_REPORTING_ENDPOINTS does not define, so browsers send no reports",
                        f'Add {{"{values[0]}": "security-reports"}} (a URL name or URL) to CSP_REPORTING_ENDPOINTS.',
                        error=False,
                    )
                )
    return problems


def _source_list_problems(name: str, values: tuple[str, ...]) -> list[Problem]:
    problems = []
    if "'none'" in values and len(values) > 1:
        problems.append(
            Problem(
                "none",
                f"{name!r} mixes 'none' with other sources; browsers then ignore 'none'",
                f"Either keep only 'none' in {name!r} or remove it.",
                error=False,
            )
        )
    lowered = {value.lower() for value in values}
    hashed = any(value != NONCE_MARKER and _HASH_OR_NONCE.match(value.strip("'")) for value in values)
    if "'unsafe-inline'" in lowered and (hashed or NONCE_MARKER in values):
        if hashed:
            message = (
                f"{name!r} lists 'unsafe-inline' next to a hash or fixed nonce; browsers that support "
                "them ignore 'unsafe-inline' then"
            )
        else:
            # The per-request nonce is only sent on pages that read it: on every other page the
            # header has no nonce, and 'unsafe-inline' is in force there.
            message = (
                f"{name!r} lists 'unsafe-inline' next to the per-request nonce; browsers ignore "
                "'unsafe-inline' only on pages that use the nonce, and on every other page it allows "
                "any inline code"
            )
        problems.append(
            Problem(
                "unsafe-inline",
                message,
                "Remove 'unsafe-inline' (it only serves very old browsers) or drop the nonce/hash if you "
                "really need inline code.",
                error=False,
            )
        )
    return problems


# -- per-view changes (set by security.decorators, applied by the middleware) ---------------

#: Which policy a per-view change applies to.
MAIN = "policy"  # CSP_DICT / CSP_STRING, in CSP_MODE
REPORT_ONLY = "report-only"  # the second policy: CSP_REPORT_ONLY_DICT / CSP_REPORT_ONLY_STRING
ALL = "all"


@dataclass(frozen=True)
class Change:
    """One per-view change: ``exempt``, ``replace`` or ``update`` of a target policy."""

    action: str
    target: str = MAIN
    directives: tuple[tuple[str, tuple[str, ...] | None], ...] = ()

    @classmethod
    def of(cls, action: str, directives: Mapping[str, Any], target: str = MAIN) -> Change:
        """A change whose directives are given like ``CSP_DICT`` (bare keywords, ``None`` removes)."""
        normalised = []
        for raw_name, value in directives.items():
            name = str(raw_name).strip().lower().replace("_", "-")
            normalised.append((name, directive_values(name, value)))
        return cls(action, target, tuple(normalised))


def apply_changes(policy: Policy, changes: Iterable[Change], target: str) -> Policy | None:
    """``policy`` after the changes aimed at ``target``, in order; ``None`` when exempt."""
    for change in changes:
        if change.target not in (target, ALL):
            continue
        if change.action == "exempt":
            return None
        directives = dict(change.directives)
        policy = replace(policy, directives) if change.action == "replace" else update(policy, directives)
    return policy
