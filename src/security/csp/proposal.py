"""A Content Security Policy proposed from the violations a site reported, as plain data.

Run a site under a report-only policy that allows nothing, let browsers
report what its pages load, and :func:`propose` turns those reports into the
policy that allows exactly that: the sources per directive, the nonce for
inline code the templates mark with it, hashes for static inline code found in
the templates, and never an ``unsafe-*`` keyword.  What a policy should not
allow is left out and listed: likely noise (browser extensions, ``about:``,
injected code) and code that needs a change instead (inline event handlers and
style attributes, ``eval``, ``data:`` scripts).

Pure: input is normalised observations (see :mod:`security.csp.reports`) and
the inline blocks of the templates; output is a ``CSP_DICT``-style dictionary.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .hashes import csp_hash
from .policy import DIRECTIVES, Kind
from .reports import Fingerprint, noise_reason

#: Effective directives (CSP3 sub-directives) -> the directive the proposal sets.
PARENT = {
    "script-src-elem": "script-src",
    "script-src-attr": "script-src",
    "style-src-elem": "style-src",
    "style-src-attr": "style-src",
}
#: Sources per directive kept at most; the rest are listed as left out.
MAX_SOURCES = 50
#: Listed left-out items kept at most (their counts still add up in ``dropped``).
MAX_LISTED = 200
#: Schemes allowed as sources outside script-src (``data:`` images and fonts, ``blob:`` media).
_SCHEMES = frozenset({"data:", "blob:", "mediastream:", "filesystem:"})
_ORIGIN = re.compile(
    r"^(https?|wss?)://[a-z0-9.\-]+(:[0-9]{1,5})?$|^(https?|wss?)://\[[0-9a-f:.]+\](:[0-9]{1,5})?$"
)
#: Directives a proposal may set: those that take a source list.
_SOURCE_DIRECTIVES = frozenset(name for name, kind in DIRECTIVES.items() if kind is Kind.SOURCES)
_NEVER = {
    "eval": "needs 'unsafe-eval', which is not proposed: replace eval(), new Function() and string timers",
    "wasm-eval": "needs 'wasm-unsafe-eval', which is not proposed: review the WebAssembly use first",
    "trusted-types-policy": "a Trusted Types policy name: set trusted-types yourself",
    "trusted-types-sink": "a Trusted Types sink: set require-trusted-types-for yourself",
}


@dataclass(frozen=True)
class Observation:
    """One kind of reported violation: what was blocked, where, and how often."""

    directive: str  # effective directive as reported (script-src-elem, img-src, ...)
    blocked: str  # normalised: keyword (inline, eval, self), ``scheme:`` or origin
    document_origin: str = ""  # origin of the page that reported it ("" when unknown)
    source_file: str = ""
    sample: str = ""  # first characters of inline code ('report-sample')
    count: int = 1


@dataclass(frozen=True)
class InlineBlock:
    """An inline ``<script>`` or ``<style>`` of a template."""

    kind: str  # "script" or "style"
    text: str  # what is between the tags
    nonced: bool  # the start tag carries a nonce (attribute or template tag)
    name: str = ""  # the template it comes from

    @property
    def dynamic(self) -> bool:
        """Template syntax inside: the rendered text, hence its hash, can change per request."""
        return "{{" in self.text or "{%" in self.text


@dataclass(frozen=True)
class LeftOut:
    """A reported violation the proposal does not allow, and why."""

    directive: str
    blocked: str
    reason: str
    count: int
    sample: str = ""
    source_file: str = ""


@dataclass
class Proposal:
    """The proposed policy (``CSP_DICT`` form), what was left out, and what was counted."""

    policy: dict[str, list[str]]
    noise: list[LeftOut] = field(default_factory=list)
    unresolved: list[LeftOut] = field(default_factory=list)
    reports: int = 0
    dropped: int = 0  # left-out items not listed (past MAX_LISTED)


# -- templates ---------------------------------------------------------------------


class _Blocks(HTMLParser):
    def __init__(self, name: str) -> None:
        super().__init__(convert_charrefs=False)
        self.name = name
        self.found: list[InlineBlock] = []
        self._open: tuple[str, bool] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {key for key, _ in attrs}
        if tag == "style" or (tag == "script" and "src" not in names and _is_javascript(attrs)):
            start = self.get_starttag_text() or ""
            self._open = (tag, "nonce" in names or "csp_nonce" in start)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag == self._open[0]:
            self.found.append(InlineBlock(tag, "".join(self._text), self._open[1], self.name))
            self._open = None


def _is_javascript(attrs: list[tuple[str, str | None]]) -> bool:
    kind = (dict(attrs).get("type") or "").strip().lower()
    return kind in ("", "module", "text/javascript", "application/javascript")


def template_blocks(text: str, name: str = "") -> list[InlineBlock]:
    """The inline scripts and styles of one template (or page), in document order."""
    parser = _Blocks(name)
    parser.feed(text.replace("\r\n", "\n").replace("\r", "\n"))
    parser.close()
    return parser.found


# -- the proposal --------------------------------------------------------------------


def _matches(block: InlineBlock, sample: str) -> bool:
    if not sample:
        return False
    return block.text.startswith(sample) or block.text.strip().startswith(sample.strip())


class _Builder:
    def __init__(self, blocks: list[InlineBlock]) -> None:
        self.blocks = blocks
        self.sources: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.noise: dict[tuple[str, str, str, str], LeftOut] = {}
        self.unresolved: dict[tuple[str, str, str, str], LeftOut] = {}

    def leave_out(
        self, where: dict[tuple[str, str, str, str], LeftOut], seen: Observation, reason: str
    ) -> None:
        key = (seen.directive, seen.blocked, seen.sample, reason)
        old = where.get(key)
        count = seen.count + (old.count if old else 0)
        where[key] = LeftOut(seen.directive, seen.blocked, reason, count, seen.sample, seen.source_file)

    def allow(self, directive: str, source: str, count: int) -> None:
        self.sources[directive][source] += count

    def add(self, seen: Observation) -> None:
        directive = seen.directive.strip().lower()
        if directive not in _SOURCE_DIRECTIVES:
            self.leave_out(self.unresolved, seen, "not a directive that takes sources")
            return
        noise = noise_reason(Fingerprint(directive, seen.blocked, "", seen.source_file))
        if noise:
            self.leave_out(self.noise, seen, noise)
            return
        parent = PARENT.get(directive, directive)
        blocked = seen.blocked
        if blocked == "inline":
            self.inline(seen, directive, parent)
        elif blocked in _NEVER:
            self.leave_out(self.unresolved, seen, _NEVER[blocked])
        elif blocked == "self" or (seen.document_origin and blocked == seen.document_origin):
            self.allow(parent, "self", seen.count)
        elif blocked in _SCHEMES:
            if parent == "script-src":
                self.leave_out(
                    self.unresolved, seen, f"{blocked} scripts are as risky as inline ones: not proposed"
                )
            else:
                self.allow(parent, blocked, seen.count)
        elif _ORIGIN.match(blocked):
            self.allow(parent, blocked, seen.count)
        else:
            self.leave_out(self.unresolved, seen, "not a source a policy can name")

    def inline(self, seen: Observation, directive: str, parent: str) -> None:
        if directive.endswith("-attr") or parent not in ("script-src", "style-src"):
            what = "an inline event handler" if parent == "script-src" else "a style attribute"
            self.leave_out(
                self.unresolved,
                seen,
                f"{what}: move it into a nonced <script> / a stylesheet class ('unsafe-hashes' is not proposed)",
            )
            return
        kind = parent.split("-", 1)[0]
        found = [block for block in self.blocks if block.kind == kind and _matches(block, seen.sample)]
        if not found:
            self.leave_out(
                self.unresolved,
                seen,
                'inline code not found in the templates (injected?): if it is yours, give it nonce="{{ csp_nonce }}"',
            )
            return
        for block in found:
            if block.nonced or block.dynamic:
                self.allow(parent, "nonce", seen.count)
            else:
                self.allow(parent, csp_hash(block.text), seen.count)

    def policy(self) -> tuple[dict[str, list[str]], list[LeftOut]]:
        policy: dict[str, list[str]] = {"default-src": ["none"]}
        cut: list[LeftOut] = []
        for directive in sorted(self.sources):
            weights = self.sources[directive]
            ranked = sorted(weights, key=lambda s: (_rank(s), -weights[s], s))
            policy[directive] = ranked[:MAX_SOURCES]
            cut += [
                LeftOut(directive, source, f"more than {MAX_SOURCES} sources", weights[source])
                for source in ranked[MAX_SOURCES:]
            ]
        return policy, cut


def _rank(source: str) -> int:
    """'self' first, then the nonce, hashes, schemes and origins."""
    if source == "self":
        return 0
    if source == "nonce":
        return 1
    if source.startswith("sha"):
        return 2
    return 3


def propose(observations: Iterable[Observation], blocks: Iterable[InlineBlock] = ()) -> Proposal:
    """The policy that allows what ``observations`` show the site loads, and what it leaves out."""
    builder = _Builder(list(blocks))
    reports = 0
    for seen in observations:
        if seen.count <= 0:
            continue
        reports += seen.count
        builder.add(seen)
    policy, cut = builder.policy()
    noise = sorted(builder.noise.values(), key=lambda item: -item.count)
    unresolved = sorted([*builder.unresolved.values(), *cut], key=lambda item: -item.count)
    dropped = max(len(noise) - MAX_LISTED, 0) + max(len(unresolved) - MAX_LISTED, 0)
    return Proposal(policy, noise[:MAX_LISTED], unresolved[:MAX_LISTED], reports, dropped)
