from __future__ import annotations

from django.apps import AppConfig


class CxhubConfig(AppConfig):
    name = "cxhub"
    verbose_name = "CX Hub"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cxhub import roles

        # Role groups and their permissions follow the code after every migrate (and test flush).
        post_migrate.connect(roles.sync_role_groups, sender=self)
