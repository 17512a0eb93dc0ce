"""One row by a unique column, with its SQL written once: for the lookups every API call makes.

The ORM compiles a query on every call; for `Customer.objects.get(pk=…)` that costs more CPU than
PostgreSQL spends running it (docs/performance.md). A `RowLookup` writes the same SELECT once per
process from the model's fields (joined to its to-one relations in `related`, as `select_related`
would) and reads the row with the converters the ORM applies (SQLite's datetimes and booleans, JSON),
into instances as the ORM makes them.

Only for plain lookups on the default database: no custom manager, no filters, one row or none.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Field, Model
from django.db.models.expressions import Col


class _Reader(NamedTuple):
    """How one model's columns of the row become an instance."""

    model: type[Model]
    attnames: list[str]
    pk_position: int
    converters: list[tuple[int, Col, list[Callable[..., Any]]]]  # (position, column, its converters)

    def read(self, values: Sequence[Any]) -> Model | None:
        values = list(values)
        if values[self.pk_position] is None:
            return None  # a null relation, left-joined
        for position, column, converters in self.converters:
            for convert in converters:
                values[position] = convert(values[position], column, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


class RowLookup:
    """`model.objects.select_related(*related).get(**{by: value})`, or None, without the compiling."""

    def __init__(self, model: type[Model], *, by: str = "pk", related: Sequence[str] = ()) -> None:
        self.model = model
        self.key: Field = model._meta.pk if by == "pk" else model._meta.get_field(by)
        if not (self.key.unique or self.key.primary_key):
            raise ValueError(f"{model.__name__}.{self.key.name} is not unique: a lookup by it may find many rows")
        self.related = tuple(related)

    def get(self, value: Any) -> Model | None:
        """The instance whose key is `value`, or None; a value the key's field refuses raises as the ORM
        does (TypeError, ValueError, ValidationError)."""
        value = self.key.get_prep_value(value)
        if not self._in_range(value):
            return None  # as the ORM answers an integer outside the column's range: no such row
        sql, readers = self._statement
        with connection.cursor() as cursor:
            cursor.execute(sql, [value])
            row = cursor.fetchone()
        if row is None:
            return None
        instances, start = [], 0
        for reader in readers:
            instances.append(reader.read(row[start:start + len(reader.attnames)]))
            start += len(reader.attnames)
        main = instances[0]
        for name, instance in zip(self.related, instances[1:], strict=True):
            setattr(main, name, instance)
        return main

    def _in_range(self, value: Any) -> bool:
        internal = self.key.get_internal_type()
        if not isinstance(value, int) or not internal.endswith(("IntegerField", "AutoField")):
            return True
        low, high = connection.ops.integer_field_range(internal)
        return (low is None or value >= low) and (high is None or value <= high)

    @functools.cached_property
    def _statement(self) -> tuple[str, list[_Reader]]:
        quote = connection.ops.quote_name
        columns, readers, joins = [], [], []
        models = [(self.model, "t0")]
        for number, name in enumerate(self.related, start=1):
            relation = self.model._meta.get_field(name)
            target, alias = relation.related_model, f"t{number}"
            join = "LEFT JOIN" if relation.null else "JOIN"
            joins.append(f"{join} {quote(target._meta.db_table)} {alias} "
                         f"ON {alias}.{quote(target._meta.pk.column)} = t0.{quote(relation.column)}")
            models.append((target, alias))
        for model, alias in models:
            fields = model._meta.concrete_fields
            converters = []
            for position, field in enumerate(fields):
                column = field.get_col(alias)
                found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
                if found:
                    converters.append((position, column, found))
            columns += [f"{alias}.{quote(field.column)}" for field in fields]
            attnames = [field.attname for field in fields]
            readers.append(_Reader(model, attnames, attnames.index(model._meta.pk.attname), converters))
        sql = (f"SELECT {', '.join(columns)} FROM {quote(self.model._meta.db_table)} t0 {' '.join(joins)} "
               f"WHERE t0.{quote(self.key.column)} = %s")
        return sql, readers
