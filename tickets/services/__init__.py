"""Writes on the service side, one module per area; the names callers use are re-exported here."""

from tickets.services.core import (
    ticket_add_customer_message,
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_reopen,
    ticket_reply,
    ticket_resolve,
)

__all__ = [
    "ticket_add_customer_message", "ticket_assign", "ticket_change_status", "ticket_create", "ticket_reopen",
    "ticket_reply", "ticket_resolve",
]
