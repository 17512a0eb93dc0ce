"""CSV export of a filtered ticket list, streamed so 100,000 rows cost flat memory.

The filters are the ticket list's: the same query string through the same TicketFilterSet
(tickets/filters.py), so the export holds exactly the tickets the list shows, on every page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation

from cxhub.csv_export import csv_stream
from tickets.choices import OPEN_STATUSES
from tickets.filters import TicketFilterSet, queue_params
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to

CHUNK_SIZE = 2000  # rows fetched per round trip; the iterator holds one chunk at a time

COLUMNS = (
    "id", "external_id", "subject", "customer", "customer_external_id", "status", "priority", "channel",
    "team", "assignee", "touchpoint", "category", "created_at", "first_response_at", "resolved_at",
    "resolution_due_at", "reopen_count", "sla_met", "fcr",
)


def export_filterset(*, request: HttpRequest) -> TicketFilterSet:
    """The list's own FilterSet over the query string, with the list's default queue ("All open") and
    default order (newest first), over the tickets the user may see, and every column's relation joined
    in: one query, read in chunks."""
    data = queue_params(request.GET)
    tickets = (
        tickets_visible_to(request.user)
        .select_related("customer", "team", "assignee", "touchpoint", "category")
        .order_by("-created_at", "-id")
    )
    return TicketFilterSet(data, queryset=tickets, request=request)


def _when(value: dt.datetime | None) -> str:
    return "" if value is None else timezone.localtime(value).isoformat(timespec="seconds")


def _person(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def sla_met(ticket: Ticket, now: dt.datetime) -> str:
    """yes / no once the SLA outcome is known (resolved, or open past its due time); empty before."""
    if ticket.first_resolved_at is not None:
        return "yes" if ticket.first_resolved_at <= ticket.resolution_due_at else "no"
    if ticket.status in OPEN_STATUSES and now > ticket.resolution_due_at:
        return "no"
    return ""


def _labels(ticket: Ticket) -> list[str]:
    """Status, priority and channel as the English labels: the file is data (its header names fields),
    so it reads the same whichever language the person who downloads it uses."""
    with translation.override("en"):
        return [str(ticket.get_status_display()), str(ticket.get_priority_display()),
                str(ticket.get_channel_display())]


def ticket_row(ticket: Ticket, now: dt.datetime) -> list[object]:
    return [
        ticket.pk, ticket.external_id, ticket.subject, ticket.customer.name, ticket.customer.external_id,
        *_labels(ticket),
        ticket.team.name if ticket.team else "", _person(ticket.assignee),
        ticket.touchpoint.name if ticket.touchpoint else "", ticket.category.name if ticket.category else "",
        _when(ticket.created_at), _when(ticket.first_response_at), _when(ticket.resolved_at),
        _when(ticket.resolution_due_at), ticket.reopen_count, sla_met(ticket, now),
        "yes" if ticket.first_contact_resolution else "no",
    ]


def csv_rows(tickets: QuerySet[Ticket]) -> Iterator[str]:
    """The export as CSV text in pieces, the tickets read CHUNK_SIZE at a time."""
    now = timezone.now()
    rows = (ticket_row(ticket, now) for ticket in tickets.iterator(chunk_size=CHUNK_SIZE))
    return csv_stream(COLUMNS, rows)
