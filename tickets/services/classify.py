"""Classifying a ticket: priority, tags, category, resolution code and custom fields.

Each change is recorded in the ticket's history (who, what, when) and moves `updated_at`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from cxhub.exceptions import DomainError
from tickets.choices import CustomFieldKind, EventKind, Priority
from tickets.models import Category, CustomField, ResolutionCode, Tag, Ticket
from tickets.services.history import ticket_event, ticket_lock
from tickets.services.sla import ticket_refresh_sla

MAX_TAGS = 20
TAG_PATTERN = re.compile(r"^[\w][\w .\-]{0,48}$")


@transaction.atomic
def ticket_set_priority(*, ticket: Ticket, priority: str, actor: AbstractBaseUser | None,
                        at: dt.datetime | None = None) -> Ticket:
    """Change the priority (the SLA targets follow the new priority)."""
    at = at or timezone.now()
    if priority not in Priority.values:
        raise DomainError(f"Unknown priority {priority!r}.", field="priority")
    ticket = ticket_lock(ticket)
    if ticket.priority == priority:
        return ticket
    old, ticket.priority = ticket.priority, priority
    ticket.save(update_fields=["priority", "updated_at"])
    ticket_event(ticket, EventKind.PRIORITY, actor, at, old=old, new=priority)
    ticket_refresh_sla(ticket=ticket, at=at)  # the policy and due times follow the priority
    return ticket


def clean_tag_names(names: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in names:
        name = " ".join(str(raw).split()).lower()
        if not name:
            continue
        if not TAG_PATTERN.match(name):
            raise DomainError(f"{name!r} is not a valid tag: letters, digits, spaces, dots and dashes, "
                              "up to 50 characters.", field="tags")
        if name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MAX_TAGS:
        raise DomainError(f"At most {MAX_TAGS} tags on a ticket.", field="tags")
    return cleaned


@transaction.atomic
def ticket_set_tags(*, ticket: Ticket, names: Iterable[str], actor: AbstractBaseUser | None,
                    at: dt.datetime | None = None) -> Ticket:
    """Replace the ticket's tags; unknown tags are created (lower-case, trimmed)."""
    at = at or timezone.now()
    wanted = clean_tag_names(names)
    ticket = ticket_lock(ticket)
    old = sorted(ticket.tags.values_list("name", flat=True))
    if old == sorted(wanted):
        return ticket
    Tag.objects.bulk_create([Tag(name=n) for n in wanted], ignore_conflicts=True)
    ticket.tags.set(Tag.objects.filter(name__in=wanted))
    ticket.save(update_fields=["updated_at"])
    ticket_event(ticket, EventKind.TAGS, actor, at, old=old, new=sorted(wanted))
    return ticket


@transaction.atomic
def ticket_set_category(*, ticket: Ticket, category: Category | None, actor: AbstractBaseUser | None,
                        at: dt.datetime | None = None) -> Ticket:
    at = at or timezone.now()
    if category is not None and not category.is_active:
        raise DomainError("That category is no longer in use.", field="category")
    ticket = ticket_lock(ticket)
    if ticket.category_id == (category.pk if category else None):
        return ticket
    old = ticket.category.name if ticket.category else None
    ticket.category = category
    ticket.save(update_fields=["category", "updated_at"])
    ticket_event(ticket, EventKind.CATEGORY, actor, at, old=old, new=category.name if category else None)
    return ticket


@transaction.atomic
def ticket_set_resolution_code(*, ticket: Ticket, code: ResolutionCode | None, actor: AbstractBaseUser | None,
                               at: dt.datetime | None = None) -> Ticket:
    at = at or timezone.now()
    if code is not None and not code.is_active:
        raise DomainError("That resolution code is no longer in use.", field="resolution_code")
    ticket = ticket_lock(ticket)
    if ticket.resolution_code_id == (code.pk if code else None):
        return ticket
    old = ticket.resolution_code.name if ticket.resolution_code else None
    ticket.resolution_code = code
    ticket.save(update_fields=["resolution_code", "updated_at"])
    ticket_event(ticket, EventKind.RESOLUTION_CODE, actor, at, old=old, new=code.name if code else None)
    return ticket


def clean_custom_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check values against the active custom field definitions; empty values remove the field."""
    fields = {f.key: f for f in CustomField.objects.filter(is_active=True)}
    cleaned: dict[str, Any] = {}
    for key, raw in values.items():
        field = fields.get(key)
        if field is None:
            raise DomainError(f"There is no custom field {key!r}.", field="custom_fields")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            cleaned[key] = None
            continue
        if field.kind == CustomFieldKind.NUMBER:
            try:
                number = Decimal(str(raw).strip())
            except InvalidOperation:
                raise DomainError(f"{field.label} must be a number.", field="custom_fields") from None
            if not number.is_finite():
                raise DomainError(f"{field.label} must be a number.", field="custom_fields")
            cleaned[key] = int(number) if number == number.to_integral_value() else float(number)
        elif field.kind == CustomFieldKind.CHOICE:
            if str(raw) not in [str(c) for c in field.choices]:
                allowed = ", ".join(str(c) for c in field.choices)
                raise DomainError(f"{field.label} must be one of: {allowed}.", field="custom_fields")
            cleaned[key] = str(raw)
        else:
            text = str(raw).strip()
            if len(text) > 500:
                raise DomainError(f"{field.label} is too long (at most 500 characters).", field="custom_fields")
            cleaned[key] = text
    return cleaned


@transaction.atomic
def ticket_set_custom_fields(*, ticket: Ticket, values: Mapping[str, Any], actor: AbstractBaseUser | None,
                             at: dt.datetime | None = None) -> Ticket:
    """Set (or, with an empty value, remove) custom field values; other fields are left as they are."""
    at = at or timezone.now()
    cleaned = clean_custom_fields(values)
    ticket = ticket_lock(ticket)
    current = dict(ticket.custom_fields or {})
    updated = {**current, **{k: v for k, v in cleaned.items() if v is not None}}
    for key in (k for k, v in cleaned.items() if v is None):
        updated.pop(key, None)
    if updated == current:
        return ticket
    ticket.custom_fields = updated
    ticket.save(update_fields=["custom_fields", "updated_at"])
    ticket_event(ticket, EventKind.FIELDS, actor, at, old=current, new=updated)
    return ticket


@transaction.atomic
def ticket_classify(
    *,
    ticket: Ticket,
    actor: AbstractBaseUser | None,
    category: Category | None,
    resolution_code: ResolutionCode | None,
    tags: Iterable[str] | None,
    custom_fields: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> Ticket:
    """Set category, resolution code, tags and custom fields together: all of them or none.

    `tags=None` leaves the tags as they are (an empty list removes them all).
    """
    at = at or timezone.now()
    ticket_set_category(ticket=ticket, category=category, actor=actor, at=at)
    ticket_set_resolution_code(ticket=ticket, code=resolution_code, actor=actor, at=at)
    if tags is not None:
        ticket_set_tags(ticket=ticket, names=tags, actor=actor, at=at)
    if custom_fields:
        ticket_set_custom_fields(ticket=ticket, values=custom_fields, actor=actor, at=at)
    return ticket
