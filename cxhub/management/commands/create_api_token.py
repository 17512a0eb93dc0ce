"""`manage.py create_api_token USERNAME`: a new API token for scripts; the key is the last line."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token


@transaction.atomic
def api_token_replace(*, user: AbstractBaseUser) -> Token:
    """Give the user a new token; the old one, if any, stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


class Command(BaseCommand):
    help = "Create (or replace) the REST API token of a user and print its key on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        username = options["username"]
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            raise CommandError(f"There is no user named {username!r}.") from None
        if not user.is_active:
            raise CommandError(f"The account {username!r} is not active; activate it first.")
        replaced = Token.objects.filter(user=user).exists()
        token = api_token_replace(user=user)
        note = " (the previous token no longer works)" if replaced else ""
        self.stdout.write(f"API token for {username}{note}. Send it as: Authorization: Token <key>")
        self.stdout.write(token.key)
