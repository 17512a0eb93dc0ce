"""Writes on the service side, one module per area; the names callers use are re-exported here."""

from tickets.services.bulk import BulkResult, tickets_bulk_update
from tickets.services.classify import (
    ticket_classify,
    ticket_set_category,
    ticket_set_custom_fields,
    ticket_set_priority,
    ticket_set_resolution_code,
    ticket_set_tags,
)
from tickets.services.core import (
    ticket_add_customer_message,
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_reopen,
    ticket_reply,
    ticket_resolve,
)
from tickets.services.merge import ticket_link, ticket_merge, ticket_unlink

__all__ = [
    "BulkResult",
    "ticket_add_customer_message",
    "ticket_assign",
    "ticket_change_status",
    "ticket_classify",
    "ticket_create",
    "ticket_link",
    "ticket_merge",
    "ticket_reopen",
    "ticket_reply",
    "ticket_resolve",
    "ticket_set_category",
    "ticket_set_custom_fields",
    "ticket_set_priority",
    "ticket_set_resolution_code",
    "ticket_set_tags",
    "ticket_unlink",
    "tickets_bulk_update",
]
