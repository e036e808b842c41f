"""Report bodies as real browsers send them (shapes taken from Chromium and Firefox traffic)."""

import json

REPORT_URI = {
    "csp-report": {
        "document-uri": "https://shop.example/cart?id=7",
        "referrer": "https://shop.example/",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": "default-src 'self'; report-uri /csp-report/",
        "disposition": "enforce",
        "blocked-uri": "https://evil.example/x.js",
        "line-number": 12,
        "column-number": 4,
        "source-file": "https://shop.example/static/app.js?v=3",
        "status-code": 200,
        "script-sample": "",
    }
}

REPORTING_API = [
    {
        "age": 10,
        "type": "csp-violation",
        "url": "https://shop.example/cart",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/130",
        "body": {
            "documentURL": "https://shop.example/cart",
            "referrer": "",
            "blockedURL": "inline",
            "effectiveDirective": "script-src-elem",
            "originalPolicy": "script-src 'self'; report-to csp",
            "sourceFile": "https://shop.example/cart",
            "sample": "alert(1)",
            "disposition": "enforce",
            "statusCode": 200,
            "lineNumber": 3,
            "columnNumber": 9,
        },
    },
    {"age": 1, "type": "deprecation", "url": "https://shop.example/", "body": {"id": "X", "message": "old"}},
]


def dumps(value: object) -> bytes:
    return json.dumps(value).encode()
