"""Tickets created or updated by their CRM id, one at a time or in bulk.

An upsert goes through the same services as every other door, so routing, the SLA, the history and the
outcome signals stay right:

- a new ticket is made by `ticket_create` (needs customer, subject and body; routing and the SLA policy
  apply as for any new ticket), then moved to `status` by `ticket_change_status` if one is given;
- an existing ticket may change its `priority` (`ticket_set_priority`, the SLA follows), its `assignee`
  (`ticket_assign`, null unassigns) and its `status` (`ticket_change_status`, the workflow's transitions
  apply: an invalid one is an error and changes nothing);
- `body` is the customer's first message and only read when the ticket is created;
- `customer`, `subject`, `channel`, `touchpoint`, `category` and `team` are set when the ticket is made;
  sending another value later is an error on that field (there is no service that changes a subject, and
  classification and routing have their own actions), sending the same value is fine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from cxhub.exceptions import DomainError
from journeys.services import UpsertOutcome
from tickets.models import Ticket
from tickets.services.classify import ticket_set_priority
from tickets.services.core import ticket_assign, ticket_change_status, ticket_create
from tickets.services.history import ticket_lock

CREATE_FIELDS = ("customer", "subject", "body", "touchpoint", "channel", "priority", "category", "team",
                 "assignee")
# Set when the ticket is made; a later upsert may repeat them but not change them.
FIXED_FIELDS = ("customer", "subject", "channel", "touchpoint", "category", "team")


def _differs(ticket: Ticket, name: str, value: Any) -> bool:
    if name == "subject":
        return (value or "").strip() != ticket.subject
    if name == "channel":
        return value != ticket.channel
    wanted = value.pk if value is not None else None
    return wanted != getattr(ticket, f"{name}_id")


@transaction.atomic
def ticket_upsert(
    *, external_id: str, values: Mapping[str, Any], actor: AbstractBaseUser | None
) -> tuple[Ticket, bool]:
    """Create the ticket with this CRM id, or apply the changes an upsert may make (see the module's
    docstring). All or nothing: a change a rule refuses leaves the ticket as it was. Returns the ticket
    and whether it was created."""
    key = (external_id or "").strip()
    if not key:
        raise DomainError("The external_id cannot be empty.", field="external_id")
    existing = Ticket.objects.filter(external_id=key).first()
    if existing is None:
        for required in ("customer", "subject", "body"):
            if not values.get(required):
                raise DomainError(f"A {required} is needed to create a ticket.", field=required)
        ticket = ticket_create(actor=actor, external_id=key,
                               **{name: values[name] for name in CREATE_FIELDS if values.get(name) is not None})
        if values.get("status") and values["status"] != ticket.status:
            ticket_change_status(ticket=ticket, status=values["status"], actor=actor)
        return ticket, True
    ticket = ticket_lock(existing)
    for name in FIXED_FIELDS:
        if name in values and _differs(ticket, name, values[name]):
            raise DomainError(f"An upsert cannot change the ticket's {name} once it is made.", field=name)
    if values.get("priority") and values["priority"] != ticket.priority:
        ticket_set_priority(ticket=ticket, priority=values["priority"], actor=actor)
    if "assignee" in values and _differs(ticket, "assignee", values["assignee"]):
        ticket_assign(ticket=ticket, assignee=values["assignee"], actor=actor)
    if values.get("status") and values["status"] != ticket.status:
        ticket_change_status(ticket=ticket, status=values["status"], actor=actor)
    return ticket, False


def tickets_upsert(
    *, items: Sequence[Mapping[str, Any]], actor: AbstractBaseUser | None
) -> list[UpsertOutcome]:
    """Upsert each item (`external_id` plus the fields of `ticket_upsert`) in order, each in a savepoint of
    its own: an item a rule refuses is reported and leaves nothing behind, the others are written. A CRM id
    repeated in the call names one ticket: the later item updates the one the earlier item made.

    The caller owns the surrounding transaction (and may roll it all back for an all-or-nothing call).
    Costs each ticket's services' queries: keep calls to BULK_UPSERT_LIMIT items.
    """
    outcomes = []
    for index, item in enumerate(items):
        key = str(item.get("external_id") or "").strip()
        try:
            ticket, created = ticket_upsert(external_id=key, values=item, actor=actor)  # a savepoint
        except DomainError as error:
            outcomes.append(UpsertOutcome.failed(index, key, error))
            continue
        outcomes.append(UpsertOutcome(index, key, "created" if created else "updated", ticket.pk))
    return outcomes
