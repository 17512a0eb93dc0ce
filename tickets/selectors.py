"""Reads on the service side."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest

from tickets.filters import TicketFilterSet, queue_params
from tickets.models import Ticket, TicketEvent, TicketMessage


def ticket_queue(*, request: HttpRequest) -> TicketFilterSet:
    """The agent's queue: the shared ticket filters over the query string, "All open" by default.

    An invalid value drops only its own filter (the page says which); the list joins in everything it
    shows, so it runs a constant number of queries per page.
    """
    data = queue_params(request.GET)
    tickets = (
        Ticket.objects.select_related("customer", "team", "assignee", "touchpoint__stage", "category")
        .prefetch_related("tags")
        .order_by("-created_at", "-id")
    )
    return TicketFilterSet(data, queryset=tickets, request=request)


def ticket_get(*, pk: int) -> Ticket:
    """One ticket with its conversation and history. Raises Ticket.DoesNotExist."""
    return (
        Ticket.objects.select_related("customer", "team", "assignee", "touchpoint__stage__journey",
                                      "category", "resolution_code", "sla_policy", "merged_into")
        .prefetch_related(
            Prefetch("messages", queryset=TicketMessage.objects.select_related("author")
                     .prefetch_related("attachments")),
            Prefetch("events", queryset=TicketEvent.objects.select_related("actor")),
            "tags", "links_out__to_ticket", "links_in__from_ticket",
        )
        .get(pk=pk)
    )


def customer_recent_tickets(*, ticket: Ticket, limit: int = 5) -> list[Ticket]:
    return list(
        Ticket.objects.filter(customer_id=ticket.customer_id).exclude(pk=ticket.pk)
        .order_by("-created_at")[:limit]
    )
