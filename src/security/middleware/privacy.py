"""Privacy signals of the request: Do Not Track (``request.dnt``) and Global Privacy Control (``request.gpc``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase

from ..headers import privacy
from .base import BaseMiddleware
from .response_headers import has


class DoNotTrackMiddleware(BaseMiddleware):
    """Expose the client's tracking preferences as ``request.dnt`` and ``request.gpc``.

    ``request.dnt`` is ``True`` (``DNT: 1``, opt-out), ``False`` (``DNT: 0``,
    opt-in) or ``None`` (absent or any other value).  ``request.gpc`` is
    ``True`` when the request carries ``Sec-GPC: 1`` (Global Privacy Control,
    the signal current browsers send and privacy laws such as the CCPA honour),
    ``False`` otherwise.  Neither changes Django's behaviour; views decide.
    """

    def process_request(self, request: HttpRequest) -> None:
        """Read the DNT and Sec-GPC headers into request attributes."""
        meta = request.META
        request.dnt = privacy.dnt(meta.get("HTTP_DNT"))  # type: ignore[attr-defined]
        request.gpc = privacy.gpc(meta.get("HTTP_SEC_GPC"))  # type: ignore[attr-defined]
        return None

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Echo the DNT header in the response (draft-mayer-do-not-track-00, section 8.4).

        The client's value is echoed as the original did, read from
        ``request.META`` (so it works when only this hook runs), but only a short
        printable token: never text that could split or forge a header.
        """
        value = request.META.get("HTTP_DNT")
        if value is not None and not has(response, "dnt"):
            echo = privacy.dnt_echo(value)
            if echo is not None:
                response.headers["DNT"] = echo
        return response
