"""API tokens: made, checked and revoked here. Keys are random, shown once, and stored only hashed."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxhub.exceptions import ConflictError, DomainError
from cxhub.lookups import RowLookup
from cxhub.models import ApiToken

KEY_PREFIX = "cxh_"
# A token's last use is written at most this often, so reads never turn into a write per request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
# The token of a key's hash, with its user: every API call asks, so its statement is written once.
_TOKEN_BY_HASH = RowLookup(ApiToken, by="key_hash", related=["user"])


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: AbstractBaseUser, name: str, created_by: AbstractBaseUser | None = None,
                     expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for the user; returns it with its key, which is not kept anywhere."""
    name = name.strip()
    if not name:
        raise DomainError(_("Say what the token is for, e.g. 'CRM sync'."), field="name")
    if not user.is_active:
        raise DomainError(_("The account is not active; activate it first."), field="user")
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError(_("The expiry must be in the future."), field="expires_at")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=key[:12], key_hash=key_hash(key),
                                    created_by=created_by, expires_at=expires_at)
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: AbstractBaseUser | None) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ConflictError(_("This token was revoked already."))
    token.revoked_at = timezone.now()
    token.revoked_by = by
    token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def api_token_authenticate(key: str) -> ApiToken | None:
    """The usable token of this key, with its user, or None. Marks its use (coarsely)."""
    if not key or len(key) > 200:
        return None
    token = _TOKEN_BY_HASH.get(key_hash(key))
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
