"""URL rule lists of the header middleware, written with or without the leading slash.

The documented settings show both styles: ``X_FRAME_OPTIONS_EXCLUDE_URLS``
rules start with ``/`` (``r'^/some/url/here$'``) while older
``NO_CONFIDENTIAL_CACHING`` rules were written like ``urls.py`` patterns
(``r'^accounts/login/$'``).  A rule matches when it matches
``request.path_info`` as is, or with its one leading ``/`` removed (like
Django's resolver, which routes ``admin/`` patterns on the path after the
first slash, so ``//admin/`` matches neither ``^/admin/`` nor ``^admin/``);
both forms come from one :class:`~security.paths.PathRules` compilation each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..paths import PathRules


class EitherFormRules:
    """Path rules matched against ``path_info`` with and without its leading slash."""

    __slots__ = ("absolute", "relative")

    def __init__(self, patterns: Iterable[str | re.Pattern[str]]) -> None:
        patterns = tuple(patterns)
        self.absolute = PathRules(patterns)
        self.relative = PathRules(patterns, relative=True)

    def __bool__(self) -> bool:
        return bool(self.absolute)

    def matches(self, path_info: str) -> bool:
        if self.absolute.matches(path_info):
            return True
        # "//admin/" minus one slash is "/admin/": only relative rules may see the stripped
        # path, and only when it is what Django's resolver routes on (no second slash).
        return path_info[1:2] != "/" and self.relative.matches(path_info)


NO_RULES = EitherFormRules(())
