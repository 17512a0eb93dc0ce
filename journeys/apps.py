from __future__ import annotations

from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = "Experience: journeys and scores"

    def ready(self) -> None:
        # Customers can be imported from CSV files (cxhub.imports, docs/import.md).
        from cxhub.imports import register_importer
        from journeys.importers import CUSTOMERS

        register_importer(CUSTOMERS.kind, CUSTOMERS)
