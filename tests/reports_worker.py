"""A separate OS process that counts violations into the test database (for concurrency tests)."""

import os


def count_in_process(database_name: str, digests: list[str], repeats: int, start_at: float) -> None:
    """Set up Django against ``database_name`` and count each fingerprint ``repeats`` times."""
    import time

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = database_name
    from security.csp.reports import Fingerprint
    from security.reports.storage import count_violation

    time.sleep(max(0.0, start_at - time.time()))
    for _ in range(repeats):
        for digest in digests:
            count_violation(Fingerprint("script-src", digest, "/", ""))


def post_in_process(database_name: str, blocked: list[str], repeats: int, start_at: float) -> None:
    """Post reports through the buffered collector (flush every 0.1 s), then exit normally (atexit flush)."""
    import json
    import time

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = database_name
    settings.CSP_REPORTS_FLUSH_INTERVAL = 0.1
    settings.CSP_REPORTS_RATE_LIMIT = None
    settings.CSP_REPORTS_NEW_PER_CLIENT = None
    from django.test import RequestFactory

    from security.views import reports_endpoint

    factory = RequestFactory()
    bodies = [
        json.dumps(
            {
                "csp-report": {
                    "document-uri": "https://a.example/",
                    "violated-directive": "img-src",
                    "blocked-uri": b,
                }
            }
        )
        for b in blocked
    ]
    time.sleep(max(0.0, start_at - time.time()))
    for _ in range(repeats):
        for body in bodies:
            response = reports_endpoint(factory.post("/r/", body, content_type="application/csp-report"))
            assert response.status_code == 204, response.status_code
