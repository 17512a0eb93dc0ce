"""A ModelSerializer that reads its model once per class, not once per instance."""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from rest_framework import serializers
from rest_framework.fields import Field


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer, with the fields it derives from the model worked out once per class.

    DRF builds a model serializer's fields from the model on every instantiation: each model field's
    type, choices, help text, validators. That is the same answer every time and, for one ticket in an
    answer, about a sixth of a request's CPU (docs/performance.md). Here the first instance keeps the
    fields it built as the class's pattern, and every instance gets fresh field objects made from the
    pattern's own arguments, as DRF's `Field.__deepcopy__` does. Arguments a field only reads (its
    validators, queryset, model field, plain values) are shared rather than copied; a field given as an
    argument (a list's child) and any mutable container are copied.

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


_SHARED_ARGUMENTS = frozenset({"validators", "queryset", "model_field", "regex"})
_IMMUTABLE = (str, int, float, bool, type(None))


def _fresh(field: Field) -> Field:
    """A new, unbound field made with the arguments the pattern was made with."""
    kwargs = {key: value if key in _SHARED_ARGUMENTS or isinstance(value, _IMMUTABLE) else copy.deepcopy(value)
              for key, value in field._kwargs.items()}
    args: list[Any] = [arg if isinstance(arg, _IMMUTABLE) else copy.deepcopy(arg) for arg in field._args]
    return field.__class__(*args, **kwargs)
