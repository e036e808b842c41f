"""``manage.py expire_passwords``: make selected users change their password on their next request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ... import password_expiry


class Command(BaseCommand):
    help = (
        "Expire the passwords of the given users (by username), of a group, or of all users, "
        "so MandatoryPasswordChangeMiddleware sends them to the password-change page. "
        "--never does the opposite: their passwords never expire."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("usernames", nargs="*", help="usernames of the users to expire")
        parser.add_argument("--all", action="store_true", help="every active user")
        parser.add_argument("--group", action="append", default=[], help="members of this group (repeatable)")
        parser.add_argument("--never", action="store_true", help="make the passwords never expire instead")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        usernames: list[str] = options["usernames"]
        if not (usernames or options["all"] or options["group"]):
            raise CommandError("Name at least one username, --group NAME or --all.")
        users = user_model._default_manager.all()
        if options["all"]:
            users = users.filter(is_active=True) if hasattr(user_model, "is_active") else users
        else:
            chosen = user_model._default_manager.none()
            if usernames:
                chosen |= users.filter(**{f"{user_model.USERNAME_FIELD}__in": usernames})
                found = set(chosen.values_list(user_model.USERNAME_FIELD, flat=True))
                missing = sorted(set(usernames) - found)
                if missing:
                    raise CommandError(f"No such user(s): {', '.join(missing)}")
            if options["group"]:
                chosen |= users.filter(groups__name__in=options["group"])
            users = chosen.distinct()
        if options["never"]:
            count = password_expiry.never_expire_passwords(users)
            self.stdout.write(f"{count} password(s) will never expire.")
        else:
            count = password_expiry.expire_passwords(users)
            self.stdout.write(f"Expired {count} password(s).")
