"""One rule for showing sender-controlled text to operators (logs, terminals, the admin).

Browsers, and anyone pretending to be one, choose the text of reports.  Shown
raw it could forge log lines (``\\n``), drive a terminal (``\\x1b[``), break a
log line for JSON-lines readers (U+2028/U+2029) or reorder what an operator
reads (bidi overrides, "Trojan Source").  :func:`escape_controls` writes every
such character as a visible escape and doubles backslashes, so the escaped
text is unambiguous.
"""

from __future__ import annotations

import re

#: C0 and C1 controls, DEL, the backslash, line/paragraph separators, and the
#: bidi controls (LRM, RLM, ALM, embeddings/overrides, isolates).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\\\\\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(value: str) -> str:
    r"""``value`` with controls, separators and bidi controls written as escapes (``\x1b``, ``\u202e``)."""
    if value.isascii() and value.isprintable() and "\\" not in value:
        return value  # the common case, without a regex pass
    return _UNSAFE.sub(_escape_one, value)
