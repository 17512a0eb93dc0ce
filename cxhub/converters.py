"""Path converters shared by the URL confs."""

from __future__ import annotations

from django.urls import register_converter


class Id64Converter:
    """A 64-bit id: a longer number is a 404, never an overflow in the database."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(Id64Converter, "id64")
