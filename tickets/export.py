"""CSV export of a filtered ticket list, streamed so 100,000 rows cost flat memory.

The filters are the ticket list's: the same query string through the same TicketFilterSet
(tickets/filters.py), so the export holds exactly the tickets the list shows, on every page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from tickets.choices import OPEN_STATUSES
from tickets.filters import QUEUES, TicketFilterSet
from tickets.models import Ticket

CHUNK_SIZE = 2000  # rows fetched per round trip; the iterator holds one chunk at a time
ROWS_PER_WRITE = 500  # rows per piece of the response: fewer, larger writes to the socket
BOM = "\ufeff"  # spreadsheets read the file as UTF-8 (Greek, Vietnamese, Persian) only with it
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (
    "id", "external_id", "subject", "customer", "customer_external_id", "status", "priority", "channel",
    "team", "assignee", "touchpoint", "category", "created_at", "first_response_at", "resolved_at",
    "resolution_due_at", "reopen_count", "sla_met", "fcr",
)


def export_filterset(*, request: HttpRequest) -> TicketFilterSet:
    """The list's own FilterSet over the query string, with the list's default queue ("All open") and
    default order (newest first), and every column's relation joined in: one query, read in chunks."""
    data = request.GET.copy()
    if data.get("queue") not in QUEUES:
        data["queue"] = "open"
    tickets = (
        Ticket.objects.select_related("customer", "team", "assignee", "touchpoint", "category")
        .order_by("-created_at", "-id")
    )
    return TicketFilterSet(data, queryset=tickets, request=request)


def safe_cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


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


def ticket_row(ticket: Ticket, now: dt.datetime) -> list[object]:
    return [
        ticket.pk, ticket.external_id, ticket.subject, ticket.customer.name, ticket.customer.external_id,
        ticket.get_status_display(), ticket.get_priority_display(), ticket.get_channel_display(),
        ticket.team.name if ticket.team else "", _person(ticket.assignee),
        ticket.touchpoint.name if ticket.touchpoint else "", ticket.category.name if ticket.category else "",
        _when(ticket.created_at), _when(ticket.first_response_at), _when(ticket.resolved_at),
        _when(ticket.resolution_due_at), ticket.reopen_count, sla_met(ticket, now),
        "yes" if ticket.first_contact_resolution else "no",
    ]


def csv_rows(tickets: QuerySet[Ticket]) -> Iterator[str]:
    """The CSV text in pieces: a BOM and the header, then ROWS_PER_WRITE rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield BOM + flush()
    now = timezone.now()
    pending = 0
    rows: Iterable[Ticket] = tickets.iterator(chunk_size=CHUNK_SIZE)
    for ticket in rows:
        writer.writerow([safe_cell(v) for v in ticket_row(ticket, now)])
        pending += 1
        if pending == ROWS_PER_WRITE:
            yield flush()
            pending = 0
    if pending:
        yield flush()
