"""``SECURITY_REPORTS_ENDPOINT``: where browsers send every Reporting API report of this site.

Set it to a URL or URL name (``"security-reports"``) and the headers we send
name it:

* ``Reporting-Endpoints: default="<url>"``: browsers deliver deprecation,
  intervention and crash reports to the endpoint called ``default``;
* ``Cross-Origin-Opener-Policy`` / ``-Embedder-Policy`` get the structured
  field parameter ``report-to="default"`` (HTML standard);
* every ``Permissions-Policy`` feature gets ``;report-to=default``
  (Permissions Policy, reporting section).

CSP keeps its own ``report-to`` directive and ``CSP_REPORTING_ENDPOINTS``.
"""

from __future__ import annotations

import re

from django.http import HttpResponseBase
from django.urls import NoReverseMatch, reverse

from . import SettingError

SETTING = "SECURITY_REPORTS_ENDPOINT"
#: The endpoint name browsers use for reports no header names (deprecation, intervention, crash).
ENDPOINT_NAME = "default"
HEADER = "Reporting-Endpoints"
_UNSAFE = re.compile(r'[\s"\\,;\x00-\x1f\x7f]')


def endpoint_url(value: object) -> str | None:
    """The URL ``value`` names (a URL, a path or a URL name), ``None`` when unset; ``SettingError`` if unusable."""
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise SettingError(f"{SETTING} must be a URL or a URL name, not {value!r}")
    url = value
    if "/" not in value:
        try:
            url = reverse(value)
        except NoReverseMatch:
            raise SettingError(f"{SETTING}: {value!r} is neither a URL nor a URL name of this site") from None
    if _UNSAFE.search(url) or not url.isascii() or not url.isprintable():
        raise SettingError(f"{SETTING}: {url!r} has characters a header cannot carry")
    if not url.startswith(("/", "https://")) or url.startswith("//"):
        raise SettingError(f"{SETTING}: {url!r} must be a path or an https URL (browsers skip others)")
    return url


def endpoints_member(url: str) -> str:
    """``default="<url>"``, the member of ``Reporting-Endpoints`` for ``url``."""
    return f'{ENDPOINT_NAME}="{url}"'


def with_report_to(policy_value: str) -> str:
    """A COOP/COEP value with the ``report-to`` parameter naming our endpoint."""
    return f'{policy_value}; report-to="{ENDPOINT_NAME}"'


def permissions_with_report_to(policy_value: str) -> str:
    """A ``Permissions-Policy`` value whose every feature reports to our endpoint."""
    return ", ".join(f"{member};report-to={ENDPOINT_NAME}" for member in policy_value.split(", "))


def add_endpoint(response: HttpResponseBase, member: str) -> None:
    """Declare ``member`` in ``Reporting-Endpoints``, keeping endpoints others declared (theirs win by name)."""
    existing = response.headers.get(HEADER)
    if not existing:
        response.headers[HEADER] = member
        return
    names = {part.split("=", 1)[0].strip() for part in existing.split(",")}
    if ENDPOINT_NAME not in names:
        response.headers[HEADER] = f"{existing}, {member}"
