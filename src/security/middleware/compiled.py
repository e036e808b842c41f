"""``CompiledMiddleware``: settings compiled per instance into a ready plan, failing fast.

Production servers never run system checks, so a wrong setting must stop the
site where Django builds the middleware, at application load.  Each instance
keeps the values ``load_setting`` received (at construction and on every
``setting_changed``), compiles them with the same pure validators and builders
the system checks call, and raises ``ImproperlyConfigured`` naming the setting
when one is wrong.  Compiling per instance (not once per process) means a
setting assigned directly (``settings.X = ...``) is seen by the next
middleware built.

A wrong value arriving through ``setting_changed`` is not raised inside the
signal: a receiver that raises there breaks ``override_settings`` for
everybody, including tests that never send a request through this instance.
It is compiled, and raised, at the start of this instance's next request, and
every request is refused until a valid value arrives: the middleware never
serves with a setting it could not load.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .. import conf
from ..headers import SettingError
from .base import BaseMiddleware

_ABSENT = object()


def _given(setting: str, value: Any) -> Any:
    """``value``, or ``_ABSENT`` when the project did not set ``setting``.

    ``BaseMiddleware`` passes ``None`` for an unset optional setting, and Django
    defines some names itself (``X_FRAME_OPTIONS``): neither is the project's choice.
    """
    if conf.is_djangos_default(setting, value) or (
        value is None and setting in conf.DEFAULTS and not conf.is_set(setting)
    ):
        return _ABSENT
    return value


class CompiledMiddleware(BaseMiddleware):
    """Base of the package's configurable middleware: ``compile()`` runs once per settings state.

    Subclasses list their settings in ``OPTIONAL_SETTINGS`` / ``REQUIRED_SETTINGS``,
    read them with :meth:`setting` inside :meth:`compile`, and keep what it builds
    on ``self``.  A :class:`~security.headers.SettingError` raised there becomes
    ``ImproperlyConfigured``; validators may also raise ``ImproperlyConfigured``
    naming the setting themselves (``auth_settings.require``).
    """

    def __init__(self, get_response: Any) -> None:
        self._values: dict[str, Any] = {}
        self._stale = False
        self._loading = True
        super().__init__(get_response)
        self._recompile()
        self._loading = False

    def load_setting(self, setting: str, value: Any) -> None:
        """Keep ``value`` and, after construction, compile again (restoring the old value on error)."""
        value = _given(setting, value)
        previous = self._values.get(setting, _ABSENT)
        self._values[setting] = value
        if self._loading:
            return  # compiled once, when every setting is in
        try:
            self._recompile()
        except ImproperlyConfigured:
            self._values[setting] = previous
            raise

    def _on_setting_changed(self, *, setting: str, value: Any, enter: bool, **_: Any) -> None:
        """A settings change (``override_settings``): keep the value, compile before the next request.

        ``override_settings`` changes several settings one signal at a time, so
        an intermediate state (both ``CSP_DICT`` and ``CSP_STRING`` set, say) is
        not an error; only the state a request sees is compiled (see :meth:`refresh`).
        """
        if setting in self.REQUIRED_SETTINGS or setting in self.OPTIONAL_SETTINGS:
            self._values[setting] = _given(setting, value)
            self._stale = True

    def refresh(self) -> None:
        """Compile what settings changes left pending; hot paths call it as ``self._stale and self.refresh()``.

        On a wrong value the instance stays stale, so every request raises
        until a valid value arrives (cleared first, so a change arriving while
        compiling is not lost).
        """
        self._stale = False
        try:
            self._recompile()
        except ImproperlyConfigured:
            self._stale = True
            raise

    def __call__(self, request: Any) -> Any:
        # At the start of each request, sync and async alike: the hooks then see compiled state.
        if self._stale:
            self.refresh()
        return super().__call__(request)

    def setting(self, name: str) -> Any:
        """The value in force for ``name``: the project's, or the documented default.

        Django's own settings (``LOGIN_URL``, ``STATIC_URL``) are not in
        :data:`conf.DEFAULTS`: their value is passed on as Django holds it.
        """
        value = self._values.get(name, _ABSENT)
        if name not in conf.DEFAULTS:
            return None if value is _ABSENT else value
        return conf.effective(name, None if value is _ABSENT else value, present=value is not _ABSENT)

    def compile(self) -> None:
        """Build everything requests need from :meth:`setting`; raise ``SettingError`` when wrong."""

    def _recompile(self) -> None:
        try:
            self.compile()
        except SettingError as error:
            raise ImproperlyConfigured(f"{type(self).__name__}: {error}.") from None
