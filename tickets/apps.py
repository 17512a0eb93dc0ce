from __future__ import annotations

from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Service: tickets"

    def ready(self) -> None:
        from journeys.extensions import register_open_ticket_counter
        from tickets.health_source import open_ticket_counts

        register_open_ticket_counter(open_ticket_counts)
