"""Signals the service side sends, so downstream apps (feedback) can react without tickets importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent once per ticket, on its *first* resolution, inside the resolving transaction (so whatever a
# receiver writes commits or rolls back with the resolution). Arguments: ticket (locked, saved) and at.
# Receivers must only write rows: anything slow or external (e-mail) belongs to a task after commit.
ticket_resolved = Signal()
