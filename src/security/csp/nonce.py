"""The per-request CSP nonce: random, lazy, and able to tell whether a page used it.

The middleware puts a :class:`LazyNonce` on ``request.csp_nonce``.  Nothing is
generated until a template or view reads it, and only then does the response's
policy carry ``'nonce-…'`` (and ``Cache-Control: private``).
"""

from __future__ import annotations

import secrets

#: Bytes of randomness per nonce: 144 bits, 24 URL-safe base64 characters without padding.
NONCE_BYTES = 18


def new_nonce() -> str:
    """A fresh nonce from the operating system's CSPRNG, valid in a CSP ``nonce-`` source."""
    return secrets.token_urlsafe(NONCE_BYTES)


class LazyNonce:
    """A nonce made on first use; ``str(nonce)`` or ``{{ request.csp_nonce }}`` reads it.

    Truth-testing, ``repr`` and :attr:`used` never generate it, so
    ``{% if request.csp_nonce %}`` does not put a nonce in the header.
    """

    __slots__ = ("_value",)

    def __init__(self) -> None:
        self._value: str | None = None

    @property
    def used(self) -> bool:
        """Whether anything has read the nonce during this request."""
        return self._value is not None

    @property
    def value(self) -> str:
        if self._value is None:
            self._value = new_nonce()
        return self._value

    def __str__(self) -> str:
        return self.value

    def __html__(self) -> str:
        # URL-safe base64 holds no character that HTML escaping would change.
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyNonce):
            return self.value == other.value
        return self.value == other

    def __hash__(self) -> int:
        return hash(self.value)

    def __len__(self) -> int:
        return len(self.value)

    def __add__(self, other: str) -> str:
        return self.value + other

    def __radd__(self, other: str) -> str:
        return other + self.value

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<LazyNonce {'used' if self.used else 'unused'}>"
