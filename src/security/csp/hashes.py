"""Hash sources (``sha256-…``) for inline ``<script>`` and ``<style>`` blocks.

A hash allows one exact inline block without ``'unsafe-inline'`` and, unlike a
nonce, keeps a page cacheable.  Compute the hashes once (at start-up or in a
test) and put them in ``CSP_DICT``; the middleware quotes them.
"""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser

ALGORITHMS = ("sha256", "sha384", "sha512")


def csp_hash(content: str | bytes, algorithm: str = "sha256") -> str:
    """The CSP hash source of ``content`` (UTF-8), e.g. ``"sha256-…"``, ready for ``CSP_DICT``.

    The browser hashes the exact text between the tags, whitespace included,
    after the HTML parser turned CRLF and lone CR into LF; so does this.
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}, not {algorithm!r}")
    data = content.encode("utf-8") if isinstance(content, str) else content
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    digest = hashlib.new(algorithm, data).digest()
    return f"{algorithm}-{base64.b64encode(digest).decode('ascii')}"


class _InlineBlocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.blocks: dict[str, list[str]] = {"script": [], "style": []}
        self._open: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.blocks and not (tag == "script" and any(name == "src" for name, _ in attrs)):
            self._open, self._text = tag, []

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._open:
            self.blocks[tag].append("".join(self._text))
            self._open = None


def inline_hashes(html: str, algorithm: str = "sha256") -> dict[str, list[str]]:
    """Hash sources of every inline script and style block of ``html``.

    Returns ``{"script-src": [...], "style-src": [...]}`` (duplicates removed,
    document order kept), ready to pass to ``csp_update`` or merge into ``CSP_DICT``.
    """
    parser = _InlineBlocks()
    parser.feed(html.replace("\r\n", "\n").replace("\r", "\n"))  # as browsers preprocess input
    parser.close()
    return {
        f"{tag}-src": list(dict.fromkeys(csp_hash(block, algorithm) for block in blocks))
        for tag, blocks in parser.blocks.items()
    }
