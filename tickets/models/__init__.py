"""The service side's models, one module per area."""

from tickets.models.productivity import CannedResponse
from tickets.models.routing import AgentAvailability, ConfigStamp, RoutingRule, TeamRouting
from tickets.models.sla import BusinessCalendar, BusinessHours, Holiday, SlaPolicy
from tickets.models.ticket import (
    Attachment,
    Category,
    CustomField,
    ResolutionCode,
    Tag,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketMessage,
)

__all__ = [
    "AgentAvailability", "Attachment", "BusinessCalendar", "BusinessHours", "CannedResponse", "Category",
    "ConfigStamp",
    "CustomField", "Holiday", "ResolutionCode", "RoutingRule", "SlaPolicy", "Tag", "TeamRouting", "Ticket",
    "TicketEvent", "TicketLink", "TicketMessage",
]
