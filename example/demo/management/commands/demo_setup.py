"""Create (or reset) the demo user and print its credentials."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "demo"
PASSWORD = "demo-password-1"
#: A plain user whose initial password has expired: the first login leads to the
#: password-change page (MandatoryPasswordChangeMiddleware).
NEWCOMER = "newcomer"
NEWCOMER_PASSWORD = "change-me-1"


class Command(BaseCommand):
    help = "Create the demo user of the example site and print its credentials."

    def handle(self, *args: Any, **options: Any) -> None:
        user, _ = get_user_model().objects.get_or_create(username=USERNAME)
        user.is_staff = user.is_superuser = True
        user.set_password(PASSWORD)
        user.save()
        self.stdout.write(f"Demo user: {USERNAME} / password: {PASSWORD}")

        from security.auth_throttling import reset_throttle
        from security.password_expiry import expire_password

        newcomer, _ = get_user_model().objects.get_or_create(username=NEWCOMER)
        newcomer.set_password(NEWCOMER_PASSWORD)
        newcomer.save()
        expire_password(newcomer)
        reset_throttle(username=NEWCOMER)
        self.stdout.write(
            f"Newcomer (must change the password at first login): {NEWCOMER} / password: {NEWCOMER_PASSWORD}"
        )
