from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def person(user: object, fallback: str = "—") -> str:
    """A user's full name, else their username, else the fallback (for no user at all)."""
    if user is None:
        return fallback
    return user.get_full_name() or user.get_username()  # type: ignore[attr-defined]
