"""``/.well-known/gpc.json``: the site's Global Privacy Control support resource.

Route it at the well-known path::

    path(".well-known/gpc.json", security.privacy_views.gpc_json)

The body is ``{"gpc": GPC_SUPPORTED, "lastUpdate": GPC_LAST_UPDATE}`` (the
date is left out while ``GPC_LAST_UPDATE`` is None), built once per settings.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from . import conf
from .headers import SettingError, privacy
from .log import logger


@conf.compiled
def gpc_body() -> bytes:
    try:
        return privacy.gpc_document(conf.get("GPC_SUPPORTED"), conf.get("GPC_LAST_UPDATE"))
    except SettingError as error:  # reported by security.E052; the resource must still answer
        logger.error("%s; serving gpc.json without lastUpdate until it is fixed.", error)
        return privacy.gpc_document(conf.get("GPC_SUPPORTED") is True, None)


@require_safe
def gpc_json(request: HttpRequest) -> HttpResponse:
    """Answer GET/HEAD with the GPC support resource (405 for other methods)."""
    response = HttpResponse(gpc_body(), content_type="application/json")
    response["Cache-Control"] = "public, max-age=86400"
    response["Access-Control-Allow-Origin"] = "*"
    return response
