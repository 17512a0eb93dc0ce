from __future__ import annotations

from django.apps import AppConfig


class CxhubConfig(AppConfig):
    name = "cxhub"
    verbose_name = "CX Hub"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from cxhub import languages, roles

        # Role groups and their permissions follow the code after every migrate (and test flush).
        # No sender filter: each app's permissions exist only after its own post_migrate, so the
        # sync runs after every app's (a few cheap queries each) and the last run sees them all.
        post_migrate.connect(roles.sync_role_groups, dispatch_uid="cxhub.sync_role_groups")
        # The profile language is read at login and kept in the session (cxhub.languages).
        user_logged_in.connect(languages.remember_profile_language, dispatch_uid="cxhub.remember_profile_language")
        # So are the role names the page header shows (cxhub.roles.session_role_label).
        user_logged_in.connect(roles.remember_role_names, dispatch_uid="cxhub.remember_role_names")
