"""/api/v1/: every app registers its viewsets on the one router."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import DefaultRouter

from cxhub import api_webhooks as webhooks
from feedback.api import views as feedback
from journeys.api import alerts as journey_alerts
from journeys.api import scores as journey_scores
from journeys.api import signals as journey_signals
from journeys.api import views as journeys
from tickets.api import config_views as service_desk
from tickets.api import reports as service_reports
from tickets.api import views as tickets

# JSON only (DESIGN.md section 6): no ".json" suffixed copy of every address (those of the custom actions
# answered 500: the actions take no format argument).
router = DefaultRouter()
router.include_format_suffixes = False
router.register("customers", journeys.CustomerViewSet, basename="customer")
router.register("programs", journeys.ProgramViewSet, basename="program")
router.register("journeys", journeys.JourneyViewSet, basename="journey")
router.register("stages", journeys.StageViewSet, basename="stage")
router.register("touchpoints", journeys.TouchpointViewSet, basename="touchpoint")
router.register("scores", journey_scores.ScoreViewSet, basename="score")
router.register("alerts", journey_alerts.AlertViewSet, basename="alert")
router.register("signals", journey_signals.ExperienceSignalViewSet, basename="signal")
router.register("tickets", tickets.TicketViewSet, basename="ticket")
router.register("categories", service_desk.CategoryViewSet, basename="category")
router.register("resolution-codes", service_desk.ResolutionCodeViewSet, basename="resolution-code")
router.register("tags", service_desk.TagViewSet, basename="tag")
router.register("custom-fields", service_desk.CustomFieldViewSet, basename="custom-field")
router.register("business-calendars", service_desk.BusinessCalendarViewSet, basename="business-calendar")
router.register("sla-policies", service_desk.SlaPolicyViewSet, basename="sla-policy")
router.register("routing-rules", service_desk.RoutingRuleViewSet, basename="routing-rule")
router.register("team-routing", service_desk.TeamRoutingViewSet, basename="team-routing")
router.register("canned-responses", service_desk.CannedResponseViewSet, basename="canned-response")
router.register("agent-availability", service_desk.AgentAvailabilityViewSet, basename="agent-availability")
router.register("reports/tickets", service_reports.TicketReportViewSet, basename="ticket-report")
router.register("surveys", feedback.SurveyViewSet, basename="survey")
router.register("responses", feedback.ResponseViewSet, basename="response")
router.register("themes", feedback.ThemeViewSet, basename="theme")
router.register("invitations", feedback.InvitationViewSet, basename="invitation")
router.register("touchpoint-events", feedback.TouchpointEventViewSet, basename="touchpoint-event")
router.register("ticket-survey-rules", feedback.TicketSurveyRuleViewSet, basename="ticket-survey-rule")
router.register("webhook-subscriptions", webhooks.WebhookSubscriptionViewSet, basename="webhook-subscription")
router.register("webhook-deliveries", webhooks.WebhookDeliveryViewSet, basename="webhook-delivery")
urlpatterns = [
    # One object, not a collection: GET and PATCH at a fixed address.
    path("feedback-settings/", feedback.FeedbackSettingsView.as_view(), name="feedback-settings"),
    *router.urls,
]
