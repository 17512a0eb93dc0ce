"""`manage.py create_api_token USERNAME`: a new API token for scripts; the key is the last line."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cxhub.exceptions import DomainError
from cxhub.tokens import api_token_create


class Command(BaseCommand):
    help = ("Create a REST API token for a user and print its key, alone, on the last line. Only a hash "
            "is stored: the key cannot be shown again. Revoke tokens on the API tokens page.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="Command line", help="What uses the token.")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        username = options["username"]
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            raise CommandError(f"There is no user named {username!r}.") from None
        try:
            token, key = api_token_create(user=user, name=options["name"])
        except DomainError as exc:
            raise CommandError(f"{username!r}: {exc.message}") from None
        self.stdout.write(f"API token {token.prefix}… for {username}. Send it as: Authorization: Token <key>")
        self.stdout.write(key)
