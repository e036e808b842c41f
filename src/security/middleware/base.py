"""``BaseMiddleware``: the documented base class of every middleware in the package.

Subclasses declare the settings they read in ``REQUIRED_SETTINGS`` and
``OPTIONAL_SETTINGS`` and receive them through :meth:`BaseMiddleware.load_setting`
at construction and whenever one of them changes.  The base class also makes
every middleware serve WSGI and ASGI natively: synchronous hooks run inline in
both modes, and subclasses that do I/O (database, cache, session) override the
``a``-prefixed hooks instead of being pushed to a thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponseBase

GetResponse = Callable[[HttpRequest], HttpResponseBase]
AsyncGetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]


class BaseMiddleware:
    """Abstract class containing functionality common to all middleware that need configuration.

    ``load_setting(setting, value)`` is called once for each key of
    ``REQUIRED_SETTINGS`` and ``OPTIONAL_SETTINGS`` (``value`` is ``None`` for an
    unset optional key) and again whenever one of them changes through the
    ``setting_changed`` signal.  It is never called when both tuples are empty.
    A missing required setting raises ``ImproperlyConfigured`` naming it.

    Request processing: override :meth:`process_request` (return a response to
    short-circuit) and/or :meth:`process_response`.  They must not block; a
    middleware that needs the database or the cache overrides
    :meth:`aprocess_request` / :meth:`aprocess_response` for ASGI as well.
    """

    REQUIRED_SETTINGS: tuple[str, ...] = ()
    OPTIONAL_SETTINGS: tuple[str, ...] = ()

    #: Dotted paths of middleware that must come *before* this one in
    #: ``settings.MIDDLEWARE`` (checked at start-up by ``security.E032``).
    REQUIRES_AFTER: tuple[str, ...] = ()
    #: Dotted paths of middleware that must come *after* this one (``security.E032``).
    REQUIRES_BEFORE: tuple[str, ...] = ()

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse | AsyncGetResponse) -> None:
        if get_response is None:
            raise ValueError("get_response must be provided.")
        self.get_response = get_response
        self._is_async = iscoroutinefunction(get_response)
        if self._is_async:
            markcoroutinefunction(self)
        if self.REQUIRED_SETTINGS or self.OPTIONAL_SETTINGS:
            self._load_all_settings()
            # Weak (the default) so a discarded handler's middleware is collected.
            setting_changed.connect(self._on_setting_changed)

    # -- settings ------------------------------------------------------------------

    def load_setting(self, setting: str, value: Any) -> None:
        """Receive one setting's value; called at construction and on every change.

        Abstract, as documented: a subclass that declares settings implements it
        (raise ``ImproperlyConfigured`` naming the setting for a value it cannot use).
        """
        raise NotImplementedError(
            f"{type(self).__name__} declares settings but does not implement load_setting"
        )

    def _load_all_settings(self) -> None:
        for name in self.REQUIRED_SETTINGS:
            if not hasattr(settings, name):
                raise ImproperlyConfigured(
                    f"{type(self).__name__} requires the {name} setting; add it to your settings."
                )
            self.load_setting(name, getattr(settings, name))
        for name in self.OPTIONAL_SETTINGS:
            self.load_setting(name, getattr(settings, name, None))

    def _on_setting_changed(self, *, setting: str, value: Any, enter: bool, **_: Any) -> None:
        if setting in self.REQUIRED_SETTINGS or setting in self.OPTIONAL_SETTINGS:
            # On exit of override_settings Django sends the restored value, or
            # None when the setting did not exist before.
            self.load_setting(setting, value)

    # -- request processing ------------------------------------------------------

    def process_request(self, request: HttpRequest) -> HttpResponseBase | None:
        """Inspect the request before the view; return a response to answer early."""
        return None

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Adjust the response on its way out."""
        return response

    async def aprocess_request(self, request: HttpRequest) -> HttpResponseBase | None:
        """ASGI form of :meth:`process_request`; runs the sync hook inline by default."""
        return self.process_request(request)

    async def aprocess_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """ASGI form of :meth:`process_response`; runs the sync hook inline by default."""
        return self.process_response(request, response)

    def __call__(self, request: HttpRequest) -> Any:
        if self._is_async:
            return self.__acall__(request)
        response = self.process_request(request)
        if response is None:
            response = self.get_response(request)  # type: ignore[assignment]
        return self.process_response(request, response)  # type: ignore[arg-type]

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = await self.aprocess_request(request)
        if response is None:
            response = await self.get_response(request)  # type: ignore[misc]
        return await self.aprocess_response(request, response)
