"""The demo site serves its home page over real HTTP with its own headers shown."""

import urllib.request

from .demo_server import serve_demo


def test_demo_home_page_shows_its_own_headers():
    with serve_demo() as server, urllib.request.urlopen(server.url + "/") as response:
        body = response.read().decode()
        headers = dict(response.headers.items())
    assert response.status == 200
    assert "<!--response-headers-->" not in body
    for name in headers:
        if name.lower() in {"content-type", "x-frame-options"}:
            assert f"<th>{name}</th>" in body
