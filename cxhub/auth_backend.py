"""Django's model backend, reading a person's permissions in one fixed statement instead of two queries.

Every API call and every page checks permissions, and ModelBackend reads them with two queries (the
person's own, then their roles'). One statement, a UNION of the two, gives the same set. It never
changes, so it is written once from the models' table names rather than compiled by the ORM on every
request, which cost more CPU than running it (docs/performance.md).
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection


@functools.cache
def _permissions_sql() -> tuple[str, str]:
    """(everyone's, one person's) permissions as (app_label, codename) rows, for this database."""
    quote = connection.ops.quote_name
    user = get_user_model()
    permission, content_type = quote(Permission._meta.db_table), quote(ContentType._meta.db_table)
    own = user.user_permissions.through._meta
    groups = user.groups.through._meta
    roles = Group.permissions.through._meta
    every = (f"SELECT ct.{quote('app_label')}, p.{quote('codename')} FROM {permission} p "
             f"JOIN {content_type} ct ON ct.{quote('id')} = p.{quote('content_type_id')}")

    def column(meta: Any, model: type) -> str:
        return quote(next(f.column for f in meta.fields if f.related_model is model))

    mine = (
        f"{every} WHERE p.{quote('id')} IN ("
        f"SELECT {column(own, Permission)} FROM {quote(own.db_table)} WHERE {column(own, user)} = %s "
        f"UNION SELECT r.{column(roles, Permission)} FROM {quote(roles.db_table)} r "
        f"JOIN {quote(groups.db_table)} g ON g.{column(groups, Group)} = r.{column(roles, Group)} "
        f"WHERE g.{column(groups, user)} = %s)"
    )
    return every, mine


class RoleBackend(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            every, mine = _permissions_sql()
            with connection.cursor() as cursor:
                if user_obj.is_superuser:
                    cursor.execute(every)
                else:
                    cursor.execute(mine, [user_obj.pk, user_obj.pk])
                rows = cursor.fetchall()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
