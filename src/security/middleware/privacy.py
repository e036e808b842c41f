"""Privacy signals of the request: Do Not Track (``request.dnt``) and Global Privacy Control (``request.gpc``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase

from ..headers import privacy
from .base import BaseMiddleware
from .response_headers import header, set_default

_ECHO = {True: header("DNT", "1"), False: header("DNT", "0")}


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

        Only a valid preference (``1`` or ``0``) is echoed, never arbitrary
        client input.
        """
        preference = getattr(request, "dnt", None)
        if preference is not None:
            set_default(response, _ECHO[preference])
        return response
