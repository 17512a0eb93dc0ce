"""/api/v1/: every app registers its viewsets on the one router."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from feedback.api import views as feedback
from journeys.api import views as journeys
from tickets.api import views as tickets

router = DefaultRouter()
router.register("customers", journeys.CustomerViewSet, basename="customer")
router.register("programs", journeys.ProgramViewSet, basename="program")
router.register("journeys", journeys.JourneyViewSet, basename="journey")
router.register("stages", journeys.StageViewSet, basename="stage")
router.register("touchpoints", journeys.TouchpointViewSet, basename="touchpoint")
router.register("tickets", tickets.TicketViewSet, basename="ticket")
router.register("surveys", feedback.SurveyViewSet, basename="survey")
router.register("responses", feedback.ResponseViewSet, basename="response")
urlpatterns = router.urls
