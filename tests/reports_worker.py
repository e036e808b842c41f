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
