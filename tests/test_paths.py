"""Path rules: compiled once, matched like Django routes, immune to the usual tricks."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory

from security.paths import PathRules, compile_error


def test_empty_rules_match_nothing():
    rules = PathRules([])
    assert not rules
    assert not rules.matches("/anything/")


def test_match_is_anchored_at_the_start():
    rules = PathRules([r"/public/"])
    assert rules.matches("/public/page")
    assert not rules.matches("/private/public/")


def test_trailing_newline_does_not_satisfy_dollar():
    rules = PathRules([r"^/public/$"])
    assert rules.matches("/public/")
    assert not rules.matches("/public/\n")


def test_escaped_dollar_and_dollar_in_class_are_literal():
    rules = PathRules([r"^/price\$$", r"^/x[$]/$"])
    assert rules.matches("/price$")
    assert not rules.matches("/price$\n")
    assert rules.matches("/x$/")


def test_bracket_right_after_class_opener_is_literal():
    assert PathRules([r"^/[]$]/$"]).matches("/]/")
    assert PathRules([r"^/[^]]/$"]).matches("/a/")


def test_percent_encoding_is_matched_decoded_like_the_resolver():
    # WSGI gives Django the decoded path; rules see what the URL resolver routes on.
    request = RequestFactory().get("/admin%2Flogin/")
    assert request.path_info == "/admin/login/"
    assert PathRules([r"^/admin/"]).matches(request.path_info)


def test_double_slash_is_not_collapsed_so_it_cannot_reach_a_relative_rule():
    rules = PathRules([r"^about/$"], relative=True)
    assert rules.matches("/about/")
    assert not rules.matches("//about/")


def test_case_sensitive_like_django_routes_unless_the_rule_says_otherwise():
    assert not PathRules([r"^/admin/"]).matches("/ADMIN/")
    assert PathRules([r"(?i)^/admin/"]).matches("/ADMIN/")
    assert PathRules([re.compile(r"^/admin/", re.IGNORECASE)]).matches("/Admin/")


def test_flags_stay_scoped_to_their_rule():
    rules = PathRules([r"(?i)^/a/$", r"^/b/$"])
    assert rules.matches("/A/")
    assert not rules.matches("/B/")


def test_multiline_rules_keep_their_dollar():
    assert PathRules([re.compile(r"^/a/$", re.MULTILINE)]).matches("/a/\nmore")


def test_rules_with_backreferences_or_repeated_group_names_still_work():
    rules = PathRules([r"^/(\w)\1/$", r"^/(?P<x>a)/$", r"^/(?P<x>b)/$"])
    assert rules.matches("/aa/")
    assert not rules.matches("/ab/")
    assert rules.matches("/b/")


def test_path_parameters_do_not_match_an_anchored_rule():
    assert not PathRules([r"^/login/$"]).matches("/login/;jsessionid=1")


def test_relative_rules_strip_one_slash():
    rules = PathRules([r"^$", r"^accounts/"], relative=True)
    assert rules.matches("/")
    assert rules.matches("/accounts/login/")
    assert not rules.matches("/x/accounts/")


def test_repr_names_the_rules():
    assert "about" in repr(PathRules(["^about/$"], relative=True))


@pytest.mark.parametrize(
    ("rule", "problem"),
    [("^/ok/$", None), ("(", "not a valid regular expression"), (42, "not a regular expression")],
)
def test_compile_error(rule, problem):
    found = compile_error(rule)
    if problem is None:
        assert found is None
    else:
        assert problem in found


# -- the literal-prefix index ------------------------------------------------------------------

INDEX_RULES = [
    r"^section1/page/$",
    r"^section12/",
    r"^sect",
    r"^a\.b/x",
    r"^ab*/",
    r"^x{2}/",
    r"^(?!private/)",
    r"^one/|^two/",
    r"(?i)^upper/",
    r"^d\d/",
    r"^/abs/olute/$",
    r"^esc\/aped/",
    "",
]
INDEX_PATHS = [
    "section1/page/",
    "section1/page/x",
    "section12/a",
    "section123/",
    "sector/",
    "a.b/x",
    "aXb/x",
    "a/",
    "abbb/",
    "xx/",
    "x/",
    "private/",
    "public/",
    "two/",
    "UPPER/",
    "d7/",
    "/abs/olute/",
    "esc/aped/",
    "",
    "/",
]


@pytest.mark.parametrize("relative", [False, True])
@pytest.mark.parametrize("rule", INDEX_RULES)
def test_the_index_matches_exactly_what_each_rule_matches(rule, relative):
    fillers = [rf"^zzz{i}/" for i in range(40)]  # enough rules for the index to be used
    indexed = PathRules([rule, *fillers], relative=relative)
    assert indexed._buckets
    plain = re.compile(_normalised(rule))
    for path in INDEX_PATHS:
        subject = path[1:] if relative and path.startswith("/") else path
        assert indexed.matches(path) == (plain.match(subject) is not None), (
            rule,
            path,
        )


def _normalised(rule: str) -> str:
    from security.paths import _normalise

    return _normalise(rule)


@pytest.mark.parametrize(
    ("rule", "prefix"),
    [
        (r"^section1/page/$", "section1/page/"),
        (r"^ab*/", "a"),
        (r"^a\.b", "a.b"),
        (r"\A/x/", "/x/"),
        (r"^one/|^two/", None),
        (r"(?i)^a/", None),
        (re.compile(r"^a/", re.IGNORECASE), None),
        (re.compile(r"^a/"), "a/"),
        (r"^d\d", "d"),
    ],
)
def test_literal_prefix(rule, prefix):
    from security.paths import literal_prefix

    assert literal_prefix(rule) == prefix


def test_many_rules_are_indexed_by_first_segment():
    rules = PathRules([rf"^section{i}/page/$" for i in range(1000)], relative=True)
    assert rules.matches("/section999/page/")
    assert not rules.matches("/section999/page/x")
    assert not rules.matches("/private/page/")
    assert len(rules._buckets) == 1000
    assert not rules._compiled
    few = PathRules([r"^a/", r"^b/"])
    assert not few._buckets  # short lists stay one alternation
    assert len(few._compiled) == 1
