"""CSV import of historical tickets (docs/import.md), registered in TicketsConfig.ready().

A row is checked by the API's upsert serializer (with the references a person writes in a file: the
customer's CRM id, team, category and touchpoint by name) and written by `ticket_import`, which keeps
the ticket's own times and status and announces nothing. Each row is its own savepoint; a batch costs
a constant number of queries per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from cxhub.exceptions import DomainError
from cxhub.imports import Column, Importer, Row, RowOutcome
from cxhub.models import Team
from journeys.importers import TouchpointRefField
from journeys.services import rollup_after_commit, rollups_deferred
from tickets.api.serializers import TicketUpsertItemSerializer
from tickets.models import Category
from tickets.services.upsert import ticket_import

# The file's column names where the service's differ.
_TO_SERVICE = {"description": "body"}
_TO_COLUMN = {"body": "description", "customer": "customer_external_id"}
_CHOICE_COLUMNS = ("status", "priority", "channel")


class TicketImportRowSerializer(TicketUpsertItemSerializer):
    """A ticket row: the API upsert's checks, with references by CRM id and by name, and its history."""

    customer = None  # named by customer_external_id (the parent's validate() finds the customer)
    assignee = None  # history is not assigned to today's agents
    touchpoint = TouchpointRefField(required=False)
    team = serializers.SlugRelatedField(
        slug_field="name", queryset=Team.objects.all(), required=False,
        error_messages={"does_not_exist": gettext_lazy("No team is called {value}.")},
    )
    category = serializers.SlugRelatedField(
        slug_field="name", queryset=Category.objects.all(), required=False,
        error_messages={"does_not_exist": gettext_lazy("No category is called {value}.")},
    )
    created_at = serializers.DateTimeField()
    first_response_at = serializers.DateTimeField(required=False)
    resolved_at = serializers.DateTimeField(required=False)
    closed_at = serializers.DateTimeField(required=False)
    first_contact_resolution = serializers.BooleanField(required=False)


TICKET_COLUMNS = (
    Column("external_id", gettext_lazy("The ticket's id in the system the file comes from; the key of the row."),
           "T-2023-0815", required=True),
    Column("customer_external_id", gettext_lazy("The customer's external_id (import the customers first)."),
           "CRM-10042", required=True),
    Column("subject", gettext_lazy("What the request is about, at most 200 characters."),
           "Η παράδοση καθυστέρησε", required=True),
    Column("description", gettext_lazy("The customer's first message."),
           "Το αυτοκίνητο παραδόθηκε δύο εβδομάδες αργότερα.", required=True),
    Column("created_at", gettext_lazy("When the customer asked: the SLA clock starts here."),
           "2024-03-18 09:30", required=True),
    Column("first_response_at", gettext_lazy("When an agent first answered; without it the first response "
                                             "counts as given at the resolution."), "2024-03-18 10:15"),
    Column("status", gettext_lazy("new, open, pending, resolved or closed; resolved when empty and resolved_at is "
                                  "given, else new."), "resolved"),
    Column("resolved_at", gettext_lazy("When it was resolved; needed for resolved and closed tickets."),
           "2024-03-19 16:10"),
    Column("closed_at", gettext_lazy("When it was closed; resolved_at when empty."), ""),
    Column("priority", gettext_lazy("low, normal, high or urgent; normal when empty."), "high"),
    Column("channel", gettext_lazy("email, phone, chat, web, app, social, in_person or mail; email when empty."),
           "phone"),
    Column("team", gettext_lazy("The team's name; the touchpoint's owning team when empty."), "Service desk"),
    Column("category", gettext_lazy("The category's name."), "Delivery"),
    Column("touchpoint", gettext_lazy("Where in the journey the need arose, by id or name; its scores count the "
                                      "ticket."), "Delivery"),
    Column("first_contact_resolution", gettext_lazy("yes when it was resolved at the first contact; scored only "
                                                    "when given."), "no"),
)


def _service_values(row: Row) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in row.given().items():
        data[_TO_SERVICE.get(name, name)] = value.lower() if name in _CHOICE_COLUMNS else value
    return data


def _column_errors(errors: dict[str, Any]) -> dict[str, Any]:
    return {_TO_COLUMN.get(name, name): messages for name, messages in errors.items()}


def write_tickets(rows: Sequence[Row], *, actor: AbstractBaseUser | None) -> list[RowOutcome]:
    """Check and write each row in its own savepoint. The outcome signals of the batch are rolled up
    once, after the batch commits, rather than once per signal."""
    outcomes = []
    with rollups_deferred():
        for row in rows:
            serializer = TicketImportRowSerializer(data=_service_values(row))
            if not serializer.is_valid():
                outcomes.append(RowOutcome.rejected(_column_errors(serializer.errors)))
                continue
            try:
                _ticket, outcome = ticket_import(external_id=row.external_id, values=serializer.validated_data,
                                                 actor=actor)
            except DomainError as error:
                outcomes.append(RowOutcome.from_error(error, renames=_TO_COLUMN))
            else:
                outcomes.append(RowOutcome(outcome))
    rollup_after_commit()
    return outcomes


TICKETS = Importer(
    kind="tickets",
    label=gettext_lazy("Historical tickets"),
    description=gettext_lazy(
        "Tickets from your previous help desk, with the times and status they had: their resolution time and "
        "SLA count in the scores of the day they happened. Nothing is sent: no e-mail, survey invitation or "
        "webhook."),
    columns=TICKET_COLUMNS,
    write_batch=write_tickets,
    permission="tickets.add_ticket",
    position=20,
)
