"""Serializers whose fields cost less to set up: a ModelSerializer reads its model once per class, and
both make each instance's fields without deep-copying the arguments they were declared with."""

from __future__ import annotations

import copy
import functools
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from rest_framework import serializers
from rest_framework.fields import Field

from cxhub.lookups import RowLookup


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer, with the fields it derives from the model worked out once per class.

    DRF builds a model serializer's fields from the model on every instantiation: each model field's
    type, choices, help text, validators. That is the same answer every time and, for one ticket in an
    answer, about a sixth of a request's CPU (docs/performance.md). Here the first instance keeps the
    fields it built as the class's pattern, and every instance gets fresh field objects made from the
    pattern's own arguments, as DRF's `Field.__deepcopy__` does, without copying the arguments a field
    only reads (see `_fresh`).

    Only for serializers whose fields follow from the class alone; one whose `get_fields` reads the
    instance or the context must subclass DRF's own.
    """

    _field_pattern: ClassVar[dict[str, Field] | None] = None

    def get_fields(self) -> dict[str, Field]:
        cls = type(self)
        pattern = cls.__dict__.get("_field_pattern")  # a subclass builds its own, never its parent's
        if pattern is None:
            pattern = super().get_fields()
            cls._field_pattern = pattern
        return {name: _fresh(field) for name, field in pattern.items()}


class Serializer(serializers.Serializer):
    """DRF's Serializer, each instance's fields made from the declared ones as ModelSerializer's are.

    DRF deep-copies the declared fields for every instance, querysets and choices included; an input
    serializer of a busy endpoint (ticket creation) spent more on that than on validating.
    """

    def get_fields(self) -> dict[str, Field]:
        return {name: _fresh(field) for name, field in self._declared_fields.items()}


def _fresh(field: Field) -> Field:
    """A new, unbound field made with the arguments the pattern was made with.

    DRF fields only read their arguments (a choice field builds its own mapping of the choices, a list
    of validators is copied): they are shared. A field given as an argument (a list's child, a related
    field's) is copied, since binding changes it, and so is a mutable default, which may end up in the
    validated data.
    """
    args = [copy.deepcopy(arg) if isinstance(arg, Field) else arg for arg in field._args]
    kwargs = {key: _own(key, value) for key, value in field._kwargs.items()}
    return field.__class__(*args, **kwargs)


def _own(key: str, value: Any) -> Any:
    if isinstance(value, Field) or (key in ("default", "initial") and isinstance(value, list | dict | set)):
        return copy.deepcopy(value)
    return value


@functools.cache
def _lookup_of(model: type[Model]) -> RowLookup:
    return RowLookup(model)


class PrimaryKeyLookupField(serializers.PrimaryKeyRelatedField):
    """DRF's PrimaryKeyRelatedField over every row of `model`, read by a RowLookup (cxhub.lookups): the
    same answers and errors, without the ORM compiling the query on each request. For the references
    of busy inputs (a ticket's customer and touchpoint)."""

    def __init__(self, model: type[Model], **kwargs: Any) -> None:
        self.model = model
        super().__init__(queryset=model._default_manager.all(), **kwargs)

    def to_internal_value(self, data: Any) -> Model:
        try:
            if isinstance(data, bool):
                raise TypeError
            instance = _lookup_of(self.model).get(data)
        except (TypeError, ValueError, DjangoValidationError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if instance is None:
            self.fail("does_not_exist", pk_value=data)
        return instance
