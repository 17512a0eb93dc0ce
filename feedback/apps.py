from __future__ import annotations

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback: surveys and responses"

    def ready(self) -> None:
        from feedback.invitations import on_ticket_resolved as invite_after_resolution
        from feedback.loop import on_ticket_resolved as close_loop
        from tickets.signals import ticket_resolved

        # tickets never imports feedback: it announces a ticket's first resolution, and we listen.
        # Its customer is invited to answer a survey (TicketSurveyRule) ...
        ticket_resolved.connect(invite_after_resolution, dispatch_uid="feedback.invite_after_resolution")
        # ... and a follow-up ticket's first resolution closes the loop it was opened for.
        ticket_resolved.connect(close_loop, dispatch_uid="feedback.close_loop_after_resolution")

        # The touchpoint page shows what customers wrote there (journeys.panels).
        from feedback.panels import touchpoint_comments_panel
        from journeys.panels import panel_provider_register

        panel_provider_register(key="feedback.comments", provider=touchpoint_comments_panel,
                                position=20, permission="feedback.view_response")

        # Survey responses given before CX Hub can be imported from CSV files (cxhub.imports, docs/import.md).
        from cxhub.imports import register_importer
        from feedback.importers import RESPONSES

        register_importer(RESPONSES.kind, RESPONSES)
