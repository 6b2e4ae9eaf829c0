"""Print a user's API token, making one if needed: ``manage.py api_token USERNAME [--rotate]``."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from vigil_site import services


class Command(BaseCommand):
    help = "Print a user's REST API token (made on first use); --rotate replaces it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--rotate", action="store_true", help="Make a new token; the old one stops working."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['username']!r}.")
        if not user.is_active:
            raise CommandError(f"{user.username} is inactive; an inactive user's token is refused.")
        if options["rotate"]:
            token = services.token_rotate(user=user)
        else:
            token = services.token_get_or_create(user=user)
        self.stdout.write(token.key)
