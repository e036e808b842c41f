"""No caching of confidential pages (``NO_CONFIDENTIAL_CACHING``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from .. import conf
from ..headers.values import NO_STORE_HEADERS
from ..log import logger
from ..paths import NO_RULES, EitherFormRules
from .base import BaseMiddleware
from .headers import rules_or_none
from .response_headers import header, replace

_NO_STORE = tuple(header(name, value) for name, value in NO_STORE_HEADERS)

#: Keys of the ``NO_CONFIDENTIAL_CACHING`` dict.
CACHING_KEYS = ("WHITELIST_ON", "WHITELIST_REGEXES", "BLACKLIST_ON", "BLACKLIST_REGEXES")


@dataclass(frozen=True)
class CachingPolicy:
    """The compiled ``NO_CONFIDENTIAL_CACHING``."""

    whitelist_on: bool = False
    whitelist: EitherFormRules = NO_RULES
    blacklist_on: bool = False
    blacklist: EitherFormRules = NO_RULES

    def confidential(self, path_info: str) -> bool:
        """Whether the page at ``path_info`` must not be stored by any cache."""
        if self.whitelist_on and not self.whitelist.matches(path_info):
            return True
        return self.blacklist_on and self.blacklist.matches(path_info)


@conf.compiled
def caching_policy() -> CachingPolicy:
    config = conf.get("NO_CONFIDENTIAL_CACHING")
    if not isinstance(config, Mapping):
        logger.error("NO_CONFIDENTIAL_CACHING must be a dict; treating every page as confidential.")
        return CachingPolicy(whitelist_on=True)
    config = dict(config)
    return CachingPolicy(
        whitelist_on=bool(config.get("WHITELIST_ON", False)),
        whitelist=rules_or_none(
            "NO_CONFIDENTIAL_CACHING['WHITELIST_REGEXES']", config.get("WHITELIST_REGEXES", ())
        ),
        blacklist_on=bool(config.get("BLACKLIST_ON", False)),
        blacklist=_blacklist(config.get("BLACKLIST_REGEXES", ())),
    )


def _blacklist(rules: Any) -> EitherFormRules:
    compiled = rules_or_none("NO_CONFIDENTIAL_CACHING['BLACKLIST_REGEXES']", rules)
    if compiled is NO_RULES and rules:
        # Rules that do not compile must not silently expose the pages they meant to protect.
        return EitherFormRules([r"/"])  # every path_info starts with "/", "//x" included
    return compiled


class NoConfidentialCachingMiddleware(BaseMiddleware):
    """Forbid caching of confidential pages.

    ``NO_CONFIDENTIAL_CACHING`` keys: ``WHITELIST_ON`` (every page is
    confidential except those matching ``WHITELIST_REGEXES``) and
    ``BLACKLIST_ON`` (pages matching ``BLACKLIST_REGEXES`` are confidential).
    Confidential responses get ``Cache-Control: no-cache, no-store, max-age=0,
    must-revalidate``, ``Pragma: no-cache`` and an ``Expires`` in the past,
    replacing weaker values the view set.  For per-view control use Django's
    ``cache_control`` / ``never_cache`` decorators.
    """

    OPTIONAL_SETTINGS = ("NO_CONFIDENTIAL_CACHING",)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Add the no-store headers to anything confidential."""
        if caching_policy().confidential(request.path_info):
            for item in _NO_STORE:
                replace(response, item)
        return response
