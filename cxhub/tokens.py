"""API tokens: made, checked and revoked here. Keys are random, shown once, and stored only hashed."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.expressions import Col
from django.utils import timezone
from django.utils.translation import gettext as _

from cxhub.exceptions import ConflictError, DomainError
from cxhub.models import ApiToken

KEY_PREFIX = "cxh_"
# A token's last use is written at most this often, so reads never turn into a write per request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


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
    token = _token_with_user(key_hash(key))
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class _Reader(NamedTuple):
    """How one model's columns of the token's row become an instance: as the ORM reads them."""

    model: type[Model]
    attnames: list[str]
    converters: list[tuple[int, Col, list[Callable[..., Any]]]]  # (position, column, converters)

    def read(self, values: Sequence[Any]) -> Model:
        values = list(values)
        for position, column, converters in self.converters:
            for convert in converters:
                values[position] = convert(values[position], column, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


@functools.cache
def _token_query() -> tuple[str, list[_Reader]]:
    """The statement that reads a token by its key's hash, joined to its user, and its row's readers.

    Every API call runs it. The ORM would compile the same statement each time, which cost more CPU
    than running it (docs/performance.md); it is written once from the models instead, and its row read
    with the converters the ORM applies (SQLite's datetimes and booleans).
    """
    quote = connection.ops.quote_name
    user_model = get_user_model()
    columns, readers = [], []
    for model, alias in ((ApiToken, "t"), (user_model, "u")):
        fields = model._meta.concrete_fields
        converters = []
        for position, field in enumerate(fields):
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if found:
                converters.append((position, column, found))
        columns += [f"{alias}.{quote(field.column)}" for field in fields]
        readers.append(_Reader(model, [field.attname for field in fields], converters))
    sql = (f"SELECT {', '.join(columns)} FROM {quote(ApiToken._meta.db_table)} t "
           f"JOIN {quote(user_model._meta.db_table)} u "
           f"ON u.{quote(user_model._meta.pk.column)} = t.{quote(ApiToken._meta.get_field('user').column)} "
           f"WHERE t.{quote(ApiToken._meta.get_field('key_hash').column)} = %s")
    return sql, readers


def _token_with_user(hashed: str) -> ApiToken | None:
    """What `ApiToken.objects.select_related("user").get(key_hash=hashed)` gives, or None."""
    sql, (tokens, users) = _token_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [hashed])
        row = cursor.fetchone()  # key_hash is unique
    if row is None:
        return None
    width = len(tokens.attnames)
    token = tokens.read(row[:width])
    token.user = users.read(row[width:])
    return token
