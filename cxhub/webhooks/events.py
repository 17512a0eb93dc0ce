"""The event types integrations may subscribe to. Emitters use these constants, never bare strings."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TICKET_CREATED = "ticket.created"
TICKET_UPDATED = "ticket.updated"
TICKET_RESOLVED = "ticket.resolved"
RESPONSE_CREATED = "response.created"
ALERT_RAISED = "alert.raised"
ALERT_ACKNOWLEDGED = "alert.acknowledged"
ALERT_RESOLVED = "alert.resolved"
SCORE_CHANGED = "score.changed"

# Sent only by "send test" to one subscription, whatever its event filter; never subscribable.
WEBHOOK_TEST = "webhook.test"

# A subscription listing this receives every event type, including ones added later.
ALL_EVENTS = "*"

# What each type means, shown beside its name where a manager picks the types of a subscription.
EVENT_TYPES: dict[str, str] = {
    TICKET_CREATED: _("A ticket was created."),
    TICKET_UPDATED: _("A ticket's status, assignment, priority or classification changed."),
    TICKET_RESOLVED: _("A ticket was resolved for the first time."),
    RESPONSE_CREATED: _("A survey response was submitted."),
    ALERT_RAISED: _("An experience alert was raised."),
    ALERT_ACKNOWLEDGED: _("An experience alert was acknowledged."),
    ALERT_RESOLVED: _("An experience alert was resolved."),
    SCORE_CHANGED: _("An experience score changed."),
}

SUBSCRIBABLE = (ALL_EVENTS, *EVENT_TYPES)
