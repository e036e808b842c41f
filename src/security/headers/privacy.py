"""Privacy signals: Do Not Track and Global Privacy Control, read from request headers.

``DNT`` (W3C Tracking Preference Expression, withdrawn in 2019) is ``1`` for
opt-out and ``0`` for opt-in.  ``Sec-GPC`` (Global Privacy Control) is ``1``
when the user asks not to have their data sold or shared; any other value
means no preference was expressed.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from . import SettingError


def dnt(value: str | None) -> bool | None:
    """``True`` for ``DNT: 1``, ``False`` for ``DNT: 0``, ``None`` when absent or anything else."""
    if value is None:
        return None
    value = value.strip()
    if value == "1":
        return True
    if value == "0":
        return False
    return None


_DNT_ECHO = re.compile(r"[ -~]{1,16}")


def dnt_echo(value: object) -> str | None:
    """The DNT value to echo: the client's own, when it is a short printable token."""
    if isinstance(value, str) and _DNT_ECHO.fullmatch(value.strip()):
        return value.strip()
    return None


def gpc(value: str | None) -> bool:
    """``True`` only for ``Sec-GPC: 1``, the one value the GPC specification defines."""
    return value is not None and value.strip() == "1"


def gpc_document(supported: Any, last_update: Any) -> bytes:
    """Body of ``/.well-known/gpc.json``: ``{"gpc": <bool>, "lastUpdate": "YYYY-MM-DD"}``."""
    if not isinstance(supported, bool):
        raise SettingError(f"GPC_SUPPORTED must be True or False, not {supported!r}")
    document: dict[str, Any] = {"gpc": supported}
    if last_update is not None:
        if isinstance(last_update, datetime.date):
            last_update = last_update.isoformat()[:10]
        try:
            if not isinstance(last_update, str):
                raise TypeError
            datetime.date.fromisoformat(last_update)
            if len(last_update) != 10:
                raise ValueError
        except (TypeError, ValueError):
            raise SettingError(
                f"GPC_LAST_UPDATE must be None, a date or a 'YYYY-MM-DD' string, not {last_update!r}"
            ) from None
        document["lastUpdate"] = last_update
    return json.dumps(document).encode()
