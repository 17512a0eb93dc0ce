"""`Authorization: Token <key>` against hashed API tokens (cxhub.tokens)."""

from __future__ import annotations

from typing import Any

from auditlog.context import auditlog_value
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class HashedTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        from cxhub.tokens import api_token_authenticate

        token = api_token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        _audit_as(token.user)
        return token.user, token


def _audit_as(user: Any) -> None:
    """Name the token's user as the actor of the audit-log entries this request writes.

    The audit log's middleware runs before DRF authenticates a token, and so sees only the session's
    (anonymous) user: without this, configuration changed through the API was logged with no actor.
    """
    try:
        context = auditlog_value.get()
    except LookupError:
        return  # outside a request (a script, a test calling the class directly)
    context["actor"] = user
