"""The policy proposal as a pure function: observations and template blocks in, a policy out."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from security.csp import policy as csp
from security.csp.hashes import csp_hash
from security.csp.proposal import (
    MAX_LISTED,
    MAX_SOURCES,
    InlineBlock,
    Observation,
    propose,
    template_blocks,
)

SITE = "https://site.example"
TEMPLATE = """{% load static %}<html><head>
<style>
  .static { color: red; }
</style>
<style {% csp_nonce_attr %}>.nonced { color: blue; }</style>
<script src="{% static 'app.js' %}"></script>
<script type="application/json" id="data">{"not": "code"}</script>
</head><body>
<script nonce="{{ csp_nonce }}">window.greeting = "hello";</script>
<script>document.title = "{{ title }}";</script>
<script>window.staticCode = 1;</script>
</body></html>
"""


def seen(directive: str, blocked: str, **extra: object) -> Observation:
    return Observation(directive=directive, blocked=blocked, document_origin=SITE, **extra)  # type: ignore[arg-type]


def test_template_blocks_find_inline_code_and_whether_it_carries_the_nonce():
    blocks = template_blocks(TEMPLATE, "page.html")
    assert [(b.kind, b.nonced, b.dynamic) for b in blocks] == [
        ("style", False, False),
        ("style", True, False),
        ("script", True, False),
        ("script", False, True),
        ("script", False, False),
    ]
    assert blocks[0].text == "\n  .static { color: red; }\n"
    assert all(b.name == "page.html" for b in blocks)


def test_the_site_own_files_become_self_and_other_origins_are_named():
    proposal = propose(
        [
            seen("script-src-elem", SITE, count=5),
            seen("img-src", "https://img.example", count=2),
            seen("img-src", "data:"),
            seen("img-src", SITE, count=3),
            seen("font-src", "self"),
            seen("connect-src", "wss://live.example:8443"),
        ]
    )
    assert proposal.policy == {
        "default-src": ["none"],
        "connect-src": ["wss://live.example:8443"],
        "font-src": ["self"],
        "img-src": ["self", "https://img.example", "data:"],
        "script-src": ["self"],
    }
    assert proposal.reports == 13
    assert proposal.noise == proposal.unresolved == []


def test_inline_code_gets_the_nonce_its_template_uses_or_the_hash_of_static_code():
    blocks = template_blocks(TEMPLATE)
    proposal = propose(
        [
            seen("script-src-elem", "inline", sample='window.greeting = "hello";'),
            seen("script-src-elem", "inline", sample="document.title = "),
            seen("script-src-elem", "inline", sample="window.staticCode = 1;"),
            seen("style-src-elem", "inline", sample="\n  .static { color: red; }\n"),
            seen("style-src-elem", "inline", sample=".nonced"),
        ],
        blocks,
    )
    assert proposal.policy["script-src"] == ["nonce", csp_hash("window.staticCode = 1;")]
    assert proposal.policy["style-src"] == ["nonce", csp_hash("\n  .static { color: red; }\n")]
    assert proposal.unresolved == []


def test_a_sample_is_matched_on_the_code_start_ignoring_surrounding_whitespace():
    block = InlineBlock("script", "\n  var long = 1; // and much more code after the sample\n", nonced=False)
    proposal = propose([seen("script-src-elem", "inline", sample="var long = 1; // and much")], [block])
    assert proposal.policy["script-src"] == [csp_hash(block.text)]


def test_never_unsafe_keywords_what_needs_a_code_change_is_listed_instead():
    proposal = propose(
        [
            seen("script-src", "eval"),
            seen("script-src-elem", "wasm-eval"),
            seen("script-src-attr", "inline", sample="alert(1)"),
            seen("style-src-attr", "inline", sample="color: red"),
            seen("script-src-elem", "inline", sample="injected()"),
            seen("script-src-elem", "data:"),
            seen("require-trusted-types-for", "trusted-types-sink"),
            seen("img-src", "not a source; script-src *"),
            seen("bad directive!", SITE),
        ]
    )
    assert proposal.policy == {"default-src": ["none"]}
    reasons = {(item.directive, item.blocked): item.reason for item in proposal.unresolved}
    assert "unsafe-eval" in reasons[("script-src", "eval")]
    assert "wasm-unsafe-eval" in reasons[("script-src-elem", "wasm-eval")]
    assert "event handler" in reasons[("script-src-attr", "inline")]
    assert "style attribute" in reasons[("style-src-attr", "inline")]
    assert "nonce" in reasons[("script-src-elem", "inline")]
    assert "risky" in reasons[("script-src-elem", "data:")]
    assert len(proposal.unresolved) == 9


def test_extension_and_browser_internal_violations_are_noise_not_policy():
    proposal = propose(
        [
            seen("script-src-elem", "chrome-extension:", count=7),
            seen("img-src", "moz-extension:"),
            seen("frame-src", "about:"),
            seen("script-src-elem", "inline", source_file="chrome-extension://abc/inject.js", sample="x()"),
            seen("img-src", SITE),
        ],
        [InlineBlock("script", "x()", nonced=False)],
    )
    assert proposal.policy == {"default-src": ["none"], "img-src": ["self"]}
    assert [item.count for item in proposal.noise] == [7, 1, 1, 1]
    assert all("extension" in item.reason or "internal" in item.reason for item in proposal.noise)


def test_repeated_left_out_items_add_up_and_non_positive_counts_are_ignored():
    proposal = propose(
        [
            seen("script-src", "eval", count=2),
            seen("script-src", "eval", count=3),
            seen("img-src", SITE, count=0),
        ]
    )
    assert [(item.blocked, item.count) for item in proposal.unresolved] == [("eval", 5)]
    assert proposal.reports == 5
    assert proposal.policy == {"default-src": ["none"]}


def test_sources_and_listed_items_are_bounded():
    many = [seen("img-src", f"https://cdn{i}.example", count=1000 - i) for i in range(MAX_SOURCES + 5)]
    many += [seen("script-src", "eval", sample=str(i)) for i in range(MAX_LISTED + 10)]
    proposal = propose(many)
    assert len(proposal.policy["img-src"]) == MAX_SOURCES
    assert proposal.policy["img-src"][0] == "https://cdn0.example"  # most reported first
    assert len(proposal.unresolved) == MAX_LISTED
    assert proposal.dropped == 15  # 5 cut sources + 210 evals, listed up to MAX_LISTED


_text = st.text(st.characters(codec="utf-8"), max_size=40)
_blocked = st.one_of(
    _text,
    st.sampled_from(["inline", "eval", "self", "data:", "blob:", "about:", SITE, "https://x.example:1"]),
)
_directive = st.one_of(
    _text, st.sampled_from(["script-src-elem", "style-src-attr", "img-src", "connect-src", "frame-src"])
)
_observation = st.builds(
    Observation,
    directive=_directive,
    blocked=_blocked,
    document_origin=st.sampled_from(["", SITE]),
    source_file=_text,
    sample=_text,
    count=st.integers(-2, 10**6),
)
_block = st.builds(InlineBlock, kind=st.sampled_from(["script", "style"]), text=_text, nonced=st.booleans())


@settings(max_examples=150, deadline=None)
@given(st.lists(_observation, max_size=30), st.lists(_block, max_size=5))
def test_fuzzed_reports_give_a_valid_policy_without_unsafe_keywords(observations, blocks):
    proposal = propose(observations, blocks)
    assert proposal.policy["default-src"] == ["none"]
    for directive, sources in proposal.policy.items():
        assert csp.DIRECTIVES[directive] is csp.Kind.SOURCES
        assert len(sources) <= MAX_SOURCES
        assert not any(source.startswith("unsafe-") or "unsafe" in source for source in sources)
    assert [problem for problem in csp.validate_dict(proposal.policy) if problem.error] == []
    header = csp.from_dict(proposal.policy).serialise("n0nce")
    assert header.isascii()
    assert not any(c in header for c in "\r\n,")
    assert len(proposal.noise) <= MAX_LISTED
    assert len(proposal.unresolved) <= MAX_LISTED


@pytest.mark.parametrize("text", ["<script>", "<style>unterminated", "<script>a</style>b</script>", ""])
def test_template_blocks_survive_broken_markup(text):
    template_blocks(text)
