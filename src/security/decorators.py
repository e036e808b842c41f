"""Per-view Content Security Policy: exempt a view, replace or extend directives.

Each decorator records a :class:`security.csp.policy.Change` on the response;
``ContentSecurityPolicyMiddleware`` applies the changes to the site policy and
caches the result per combination, so a decorated view costs no more per
request than an undecorated one.  They work on sync and async function views,
on ``View.as_view()`` results, and on class-based views themselves::

    @csp_update({"img-src": ["https://images.example.com"]})
    def gallery(request): ...

    @csp_exempt
    class LegacyWidget(View): ...

By default the changes apply to the main policy (``CSP_DICT``/``CSP_STRING``);
``report_only=True`` aims them at the second policy (``CSP_REPORT_ONLY_*``).
``csp_exempt`` without arguments drops both.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

from asgiref.sync import iscoroutinefunction

from .csp import policy as csp

__all__ = ["csp_exempt", "csp_replace", "csp_update"]

V = TypeVar("V", bound=Callable[..., Any])

_ATTRIBUTE = "security_csp"  # read by security.middleware.csp


def _record(response: Any, change: csp.Change) -> Any:
    if response is not None:
        # The innermost decorator runs first, so changes apply from the view outwards.
        setattr(response, _ATTRIBUTE, (*getattr(response, _ATTRIBUTE, ()), change))
    return response


def _decorate(view: V, change: csp.Change) -> V:
    if isinstance(view, type):
        return _decorate_class(view, change)  # type: ignore[return-value]
    if iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            return _record(await view(*args, **kwargs), change)

        return async_wrapper  # type: ignore[return-value]

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = view(*args, **kwargs)
        if hasattr(result, "__await__"):  # an async class-based view's dispatch
            return _await_and_record(result, change)
        return _record(result, change)

    return wrapper  # type: ignore[return-value]


async def _await_and_record(awaitable: Any, change: csp.Change) -> Any:
    return _record(await awaitable, change)


def _decorate_class(cls: type[Any], change: csp.Change) -> type[Any]:
    """Wrap ``dispatch`` of a class-based view (sync or async handlers alike)."""
    if not hasattr(cls, "dispatch"):
        raise TypeError(f"{cls.__name__} is not a class-based view (it has no dispatch method).")
    dispatch = cls.dispatch

    @functools.wraps(dispatch)
    def wrapped_dispatch(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = dispatch(self, *args, **kwargs)
        if hasattr(result, "__await__"):
            return _await_and_record(result, change)
        return _record(result, change)

    cls.dispatch = wrapped_dispatch
    return cls


@overload
def csp_exempt(view: V, /) -> V: ...


@overload
def csp_exempt(*, report_only: bool = False) -> Callable[[V], V]: ...


def csp_exempt(view: Any = None, /, *, report_only: bool = False) -> Any:
    """Send no CSP header for this view (``@csp_exempt``), or only drop the report-only policy
    (``@csp_exempt(report_only=True)``)."""
    change = csp.Change("exempt", csp.REPORT_ONLY if report_only else csp.ALL)
    if view is not None:
        return _decorate(view, change)
    return lambda v: _decorate(v, change)


def _directives(directives: Mapping[str, Any] | None, extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(directives or {})
    merged.update({name.replace("_", "-"): value for name, value in extra.items()})
    return merged


def csp_replace(
    directives: Mapping[str, Any] | None = None, /, *, report_only: bool = False, **kwargs: Any
) -> Callable[[V], V]:
    """Replace whole directives for this view; a value of ``None`` removes the directive.

    Values are written like ``CSP_DICT`` (bare keywords, ``"nonce"``);
    keyword arguments use underscores: ``csp_replace(frame_ancestors=["none"])``.
    """
    target = csp.REPORT_ONLY if report_only else csp.MAIN
    change = csp.Change.of("replace", _directives(directives, kwargs), target)
    return lambda view: _decorate(view, change)


def csp_update(
    directives: Mapping[str, Any] | None = None, /, *, report_only: bool = False, **kwargs: Any
) -> Callable[[V], V]:
    """Add sources to directives for this view.

    A directive the policy leaves out starts from the one it falls back to
    (``img-src`` from ``default-src``), so adding a host never widens or
    narrows anything else.
    """
    target = csp.REPORT_ONLY if report_only else csp.MAIN
    change = csp.Change.of("update", _directives(directives, kwargs), target)
    return lambda view: _decorate(view, change)
