"""Path rules: lists of URL regexes compiled once and matched like Django routes.

Rules are matched against ``request.path_info``, the very string Django's URL
resolver routes on: already percent-decoded, without the script prefix, case
preserved.  A rule therefore matches exactly the requests that reach the view
it was written for, so encoding or case tricks cannot make a request route to
a view while escaping (or wrongly hitting) the rule.  ``$`` is rewritten to
``\\Z`` so a trailing newline cannot satisfy an anchored rule either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_GLOBAL_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")
_SCOPABLE_FLAGS = {re.IGNORECASE: "i", re.MULTILINE: "m", re.DOTALL: "s", re.VERBOSE: "x"}


def _anchor_dollars(pattern: str) -> str:
    """Replace each unescaped ``$`` outside a character class with ``\\Z``."""
    out: list[str] = []
    class_start = -1  # index of the first character inside the open class, -1 outside one
    escaped = False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif class_start >= 0:
            # "]" as the first character of the class (after an optional "^") is a literal.
            if char == "]" and index != class_start:
                class_start = -1
        elif char == "[":
            class_start = index + 2 if pattern[index + 1 : index + 2] == "^" else index + 1
        elif char == "$":
            out.append(r"\Z")
            continue
        out.append(char)
    return "".join(out)


def _normalise(rule: str | re.Pattern[str]) -> str:
    """One rule as a self-contained group, with its flags scoped to it."""
    if isinstance(rule, re.Pattern):
        source, flags = rule.pattern, rule.flags
    else:
        source, flags = rule, 0
    inline = _GLOBAL_FLAGS.match(source)
    letters = ""
    if inline:
        source = source[inline.end() :]
        letters = inline.group(1)
    letters += "".join(letter for flag, letter in _SCOPABLE_FLAGS.items() if flags & flag)
    if "m" not in letters and not flags & re.MULTILINE:
        source = _anchor_dollars(source)
    letters = "".join(sorted(set(letters) - {"u"}))
    return f"(?{letters}:{source})" if letters else f"(?:{source})"


_METACHARACTERS = frozenset(".^$*+?{}[]\\|()")
_QUANTIFIERS = frozenset("*+?{")


def literal_prefix(rule: str | re.Pattern[str]) -> str | None:
    """The text every path matching ``rule`` starts with, when it is plain enough to tell; else ``None``.

    Conservative: any flag, alternation or group gives up, and a literal
    character followed by a quantifier is not part of the prefix.
    """
    if isinstance(rule, re.Pattern):
        if rule.flags & ~re.UNICODE:
            return None
        rule = rule.pattern
    if "|" in rule or _GLOBAL_FLAGS.match(rule):
        return None
    source = rule[1:] if rule.startswith("^") else rule[2:] if rule.startswith("\\A") else rule
    out: list[str] = []
    index = 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            escaped = source[index + 1 : index + 2]
            if not escaped or escaped.isalnum():  # \d, \w, \Z, \1 ...: not a literal
                break
            char, step = escaped, 2
        elif char in _METACHARACTERS:
            break
        else:
            step = 1
        if source[index + step : index + step + 1] in _QUANTIFIERS:
            break  # this character may repeat zero times
        out.append(char)
        index += step
    return "".join(out)


def _segment_key(text: str) -> str | None:
    """The text up to and including the first ``/`` after the first character (the index key)."""
    slash = text.find("/", 1)
    return text[: slash + 1] if slash > 0 else None


#: From this many rules on, rules are grouped by their literal first segment.
INDEX_FROM = 32


class PathRules:
    """An immutable list of URL regexes, compiled once and indexed by their literal first segment.

    ``relative=True`` drops one leading ``/`` from the path first, for rules
    written like ``urls.py`` patterns (``r"^about/$"``).  Rules that start
    with a literal first segment (``^section12/``) are grouped by it, so a
    path is only tried against the rules of its own first segment plus the
    rules without one: matching cost stays flat as rules are added.  Short
    lists (under :data:`INDEX_FROM` rules) stay one alternation.
    """

    __slots__ = ("_buckets", "_compiled", "patterns", "relative")

    def __init__(self, patterns: Iterable[str | re.Pattern[str]], *, relative: bool = False) -> None:
        self.patterns: tuple[str | re.Pattern[str], ...] = tuple(patterns)
        self.relative = relative
        general: list[str] = []
        grouped: dict[str, list[str]] = {}
        indexed = len(self.patterns) >= INDEX_FROM
        for rule in self.patterns:
            prefix = literal_prefix(rule) if indexed else None
            key = _segment_key(prefix) if prefix else None
            (grouped.setdefault(key, []) if key else general).append(_normalise(rule))
        self._compiled = tuple(self._compile(general))
        self._buckets = {key: tuple(self._compile(parts)) for key, parts in grouped.items()}

    @staticmethod
    def _compile(parts: list[str]) -> list[re.Pattern[str]]:
        """One alternation when the rules combine; one regex each when they cannot.

        Rules that reuse a group name or refer back to numbered groups cannot
        share one pattern, so those keep a compiled regex of their own.
        """
        if not parts:
            return []
        if len(parts) > 1 and any(_BACKREFERENCE.search(part) for part in parts):
            return [re.compile(part) for part in parts]
        try:
            return [re.compile("|".join(parts))]
        except re.error:
            return [re.compile(part) for part in parts]

    def __bool__(self) -> bool:
        return bool(self._compiled) or bool(self._buckets)

    def __repr__(self) -> str:
        return f"PathRules({list(self.patterns)!r}, relative={self.relative})"

    def matches(self, path_info: str) -> bool:
        """Whether any rule matches the start of ``path_info`` (``re.match`` semantics)."""
        if self.relative and path_info[:1] == "/":
            path_info = path_info[1:]
        if self._buckets:
            slash = path_info.find("/", 1)
            if slash > 0:
                for regex in self._buckets.get(path_info[: slash + 1], ()):
                    if regex.match(path_info) is not None:
                        return True
        for regex in self._compiled:  # noqa: SIM110 -- a plain loop: no generator per request
            if regex.match(path_info) is not None:
                return True
        return False


def compile_error(rule: object) -> str | None:
    """Why ``rule`` is not a usable path rule, or ``None`` when it is (for system checks)."""
    if not isinstance(rule, str | re.Pattern):
        return f"{rule!r} is a {type(rule).__name__}, not a regular expression string"
    try:
        re.compile(_normalise(rule))
    except re.error as error:
        return f"{getattr(rule, 'pattern', rule)!r} is not a valid regular expression: {error}"
    return None


# Inline flags, "^" (or "\A"), then any group or lookahead openers, then the slash.
_ABSOLUTE = re.compile(r"(?:\(\?[aiLmsux]+\))?(?:\^|\\A)?(?:\((?:\?[:=!]|\?P<\w+>)?)*/")


def is_absolute(rule: str | re.Pattern[str]) -> bool:
    """Whether ``rule`` is written with the leading slash.

    The slash may follow inline flags, ``^`` and group or lookahead openers, so
    ``^(?!/admin/)`` and ``^(?:/a|/b)`` are absolute while ``^about/`` is not.
    """
    source = rule.pattern if isinstance(rule, re.Pattern) else rule
    return _ABSOLUTE.match(source) is not None


class EitherFormRules:
    """Path rules accepted in both styles: with the leading slash or without it.

    The documented settings show both: ``X_FRAME_OPTIONS_EXCLUDE_URLS`` rules
    start with ``/`` (``r'^/some/url/here$'``) while ``LOGIN_EXEMPT_URLS`` are
    copied from ``urls.py`` (``r'^about/$'``).  Each rule's form is decided once,
    from how it is written: a rule starting with ``/`` (after optional inline
    flags and ``^``) is matched against ``path_info``; any other rule against
    ``path_info`` minus its first slash, like Django's resolver, which routes
    ``admin/`` patterns on the path after it.  A rule is never tried both ways,
    so a negative lookahead such as ``^(?!/admin/)`` keeps its meaning.  Paths
    starting with ``//`` match no relative rule: Django does not route
    ``//admin/`` to ``admin/`` either.
    """

    __slots__ = ("absolute", "relative")

    def __init__(self, patterns: Iterable[str | re.Pattern[str]]) -> None:
        patterns = tuple(patterns)
        self.absolute = PathRules(rule for rule in patterns if is_absolute(rule))
        self.relative = PathRules((rule for rule in patterns if not is_absolute(rule)), relative=True)

    def __bool__(self) -> bool:
        return bool(self.absolute) or bool(self.relative)

    def matches(self, path_info: str) -> bool:
        if self.absolute.matches(path_info):
            return True
        # "//admin/" minus one slash is "/admin/", not what Django's resolver routes on.
        return bool(self.relative) and path_info[1:2] != "/" and self.relative.matches(path_info)


NO_RULES = EitherFormRules(())
