"""No caching of confidential pages (``NO_CONFIDENTIAL_CACHING``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from ..headers import SettingError
from ..headers.values import NO_STORE_HEADERS
from ..paths import NO_RULES, EitherFormRules
from .compiled import CompiledMiddleware
from .header_plans import path_rules
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


def caching_policy(config: Any) -> CachingPolicy:
    """Compile ``NO_CONFIDENTIAL_CACHING``; ``SettingError`` for a value that is not usable."""
    if not isinstance(config, Mapping):
        raise SettingError(f"NO_CONFIDENTIAL_CACHING must be a dict, not {type(config).__name__}")
    unknown = sorted(str(key) for key in config if key not in CACHING_KEYS)
    if unknown:
        raise SettingError(f"NO_CONFIDENTIAL_CACHING has unknown keys {unknown}; use {list(CACHING_KEYS)}")
    for key in ("WHITELIST_ON", "BLACKLIST_ON"):
        if not isinstance(config.get(key, False), bool):
            raise SettingError(f"NO_CONFIDENTIAL_CACHING[{key!r}] must be True or False")
    return CachingPolicy(
        whitelist_on=config.get("WHITELIST_ON", False),
        whitelist=path_rules("NO_CONFIDENTIAL_CACHING['WHITELIST_REGEXES']", config.get("WHITELIST_REGEXES")),
        blacklist_on=config.get("BLACKLIST_ON", False),
        blacklist=path_rules("NO_CONFIDENTIAL_CACHING['BLACKLIST_REGEXES']", config.get("BLACKLIST_REGEXES")),
    )


class NoConfidentialCachingMiddleware(CompiledMiddleware):
    """Forbid caching of confidential pages.

    ``NO_CONFIDENTIAL_CACHING`` keys: ``WHITELIST_ON`` (every page is
    confidential except those matching ``WHITELIST_REGEXES``) and
    ``BLACKLIST_ON`` (pages matching ``BLACKLIST_REGEXES`` are confidential).
    Confidential responses get ``Cache-Control: no-cache, no-store, max-age=0,
    must-revalidate``, ``Pragma: no-cache`` and ``Expires: -1`` (the original's values),
    replacing weaker values the view set.  For per-view control use Django's
    ``cache_control`` / ``never_cache`` decorators.
    """

    OPTIONAL_SETTINGS = ("NO_CONFIDENTIAL_CACHING",)
    _policy = CachingPolicy()

    def compile(self) -> None:
        self._policy = caching_policy(self.setting("NO_CONFIDENTIAL_CACHING"))

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Add the no-store headers to anything confidential."""
        if self._stale:
            self.refresh()
        if self._policy.confidential(request.path_info):
            for item in _NO_STORE:
                replace(response, item)
        return response
