"""The demo site (served by uvicorn over real HTTP) sends the header set and shows privacy signals."""

from __future__ import annotations

import json
import urllib.request

from .demo_server import serve_demo


def get(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request) as response:
        return response.status, dict(response.headers.items()), response.read().decode()


def test_demo_privacy_page_headers_and_gpc_json():
    with serve_demo() as server:
        status, headers, body = get(server.url + "/privacy/", {"Sec-GPC": "1", "DNT": "0"})
        _, _, gpc = get(server.url + "/.well-known/gpc.json")
    assert status == 200
    assert '<td id="gpc">True</td>' in body
    assert '<td id="dnt">False</td>' in body
    assert headers["DNT"] == "0"
    assert headers["X-Frame-Options"] == "sameorigin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Permissions-Policy"].startswith("geolocation=(), camera=()")
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"  # ignored on http
    assert json.loads(gpc) == {"gpc": True, "lastUpdate": "2025-01-01"}
