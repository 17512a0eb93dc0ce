from __future__ import annotations

from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Service: tickets"

    def ready(self) -> None:
        from journeys.extensions import register_open_ticket_counter
        from tickets.health_source import open_ticket_counts

        register_open_ticket_counter(open_ticket_counts)

        # The touchpoint page shows what the tickets raised there are about (journeys.panels).
        from journeys.panels import panel_provider_register
        from tickets.panels import touchpoint_categories_panel

        panel_provider_register(key="tickets.categories", provider=touchpoint_categories_panel,
                                position=10, permission="tickets.view_ticket")

        # Historical tickets can be imported from CSV files (cxhub.imports, docs/import.md).
        from cxhub.imports import register_importer
        from tickets.importers import TICKETS

        register_importer(TICKETS.kind, TICKETS)

        # Routing and the SLA clock read the configuration from a per-process snapshot kept current by
        # a token that every change to it replaces (tickets.services.desk_config).
        from tickets.services.desk_config import connect_signals

        connect_signals()
