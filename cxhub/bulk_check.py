"""A quick first check of bulk items, for serializers made only of plain text and choice fields.

A bulk call of 500 items spent most of its Python time in DRF's per-field machinery: for each field of
each item a chain of calls, a try/except per validator and error objects built in advance. Most items
of a CRM sync are plain strings well within their limits, so `plain_checker` checks those inline, by
the same rules DRF applies (strip, blank, length, NUL and surrogate characters, choices, and any other
validator the field carries, called directly), and answers None for anything else: the caller then runs
the serializer itself, which gives the error messages. The fast answer is never trusted blindly: it is
either exactly what the serializer would return or None (tests/cxhub/test_bulk_check.py compares them
over generated input).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxLengthValidator, MinLengthValidator, ProhibitNullCharactersValidator
from rest_framework import serializers
from rest_framework.fields import ProhibitSurrogateCharactersValidator, empty

Checker = Callable[[dict[str, Any]], "dict[str, Any] | None"]

_INLINE_VALIDATORS = (MaxLengthValidator, MinLengthValidator, ProhibitNullCharactersValidator,
                      ProhibitSurrogateCharactersValidator)


@dataclass(frozen=True)
class _Text:
    name: str
    required: bool
    allow_blank: bool
    trim: bool
    max_length: int | None
    min_length: int | None
    others: tuple[Callable[[Any], None], ...]  # validators not checked inline, e.g. an e-mail's

    def clean(self, value: str) -> str | None:
        if self.trim:
            value = value.strip()
        if not value:
            return "" if self.allow_blank else None  # DRF returns a blank before any validator runs
        if (self.max_length is not None and len(value) > self.max_length) or \
                (self.min_length is not None and len(value) < self.min_length) or "\x00" in value:
            return None
        try:
            value.encode("utf-8")  # fails exactly on surrogate characters
            for validator in self.others:
                validator(value)
        except (UnicodeEncodeError, DjangoValidationError, serializers.ValidationError):
            return None
        return value


@dataclass(frozen=True)
class _Choice:
    name: str
    required: bool
    allow_blank: bool
    values: dict[str, Any]

    def clean(self, value: str) -> Any:
        if value == "" and self.allow_blank:
            return ""
        return self.values.get(value)


def plain_checker(serializer: serializers.Serializer) -> Checker | None:
    """A function that returns an item's validated data as `serializer.run_validation` would, or None when
    it cannot tell (the caller runs the serializer); None instead of a function when the serializer has
    anything beyond plain text and choice fields (relations, defaults, its own validate methods)."""
    if serializer.validators or type(serializer).validate is not serializers.Serializer.validate:
        return None
    specs: list[_Text | _Choice] = []
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if field.source != name or field.default is not empty or field.allow_null or \
                hasattr(serializer, f"validate_{name}"):
            return None
        if type(field) in (serializers.CharField, serializers.EmailField):
            specs.append(_Text(
                name, field.required, field.allow_blank, field.trim_whitespace, field.max_length,
                field.min_length,
                tuple(v for v in field.validators if not isinstance(v, _INLINE_VALIDATORS)),
            ))
        elif type(field) is serializers.ChoiceField and not field.validators:
            specs.append(_Choice(name, field.required, field.allow_blank, dict(field.choice_strings_to_values)))
        else:
            return None

    def check(item: dict[str, Any]) -> dict[str, Any] | None:
        data: dict[str, Any] = {}
        for spec in specs:
            value = item.get(spec.name, empty)
            if value is empty:
                if spec.required:
                    return None
                continue
            if type(value) is not str:
                return None
            cleaned = spec.clean(value)
            if cleaned is None:
                return None
            data[spec.name] = cleaned
        return data

    return check
