"""The central idea, end to end: a ticket's outcome and a customer's answer change a touchpoint's and
a journey's score through the Celery rollup, and the journey page and the API show the same figures."""

from __future__ import annotations

import pytest
from django.urls import reverse

from feedback.choices import SurveyKind
from journeys.models import RollupWatermark, ScoreComponentDaily
from tests.feedback.factories import make_survey
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_ticket_and_an_answer_move_the_touchpoint_and_journey_scores(
        agent_client, manager_client, customer, touchpoint, django_capture_on_commit_callbacks):
    journey = touchpoint.stage.journey
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)

    # given a journey with no data yet
    before = manager_client.get(reverse("journeys:detail", args=[journey.pk])).context["card"]
    assert before.score.value is None

    # when an agent logs, answers and resolves a ticket, and the customer's CSAT answer is recorded;
    # each commit queues the rollup task, which runs in-process here (no broker configured)
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(reverse("tickets:create"), {
            "customer": customer.pk, "touchpoint": touchpoint.pk, "channel": "phone",
            "priority": "normal", "subject": "Test drive", "body": "Can I bring the car back later?",
        })
        ticket = Ticket.objects.get()
        agent_client.post(reverse("tickets:reply", args=[ticket.pk]), {"body": "Of course.", "internal": "0"})
        agent_client.post(reverse("tickets:status", args=[ticket.pk]), {"status": "resolved"})
        agent_client.post(reverse("feedback:response-create"), {
            "survey": survey.pk, "customer": customer.pk, "score": "4", "ticket": ticket.pk,
            "comment": "Πολύ καλή εξυπηρέτηση",
        })

    # then the rollup has run and the touchpoint's components hold both outcomes
    row = ScoreComponentDaily.objects.get(touchpoint=touchpoint)
    assert (row.tickets_resolved, row.sla_met, row.fcr, row.first_responses) == (1, 1, 1, 1)
    assert (row.csat_responses, row.csat_satisfied) == (1, 1)
    assert RollupWatermark.objects.get().last_signal_id > 0

    # and the journey page scores it: CSAT 100, SLA 100, FCR 100 -> 100
    after = manager_client.get(reverse("journeys:detail", args=[journey.pk])).context["card"]
    tp_card = after.stages[0].touchpoints[0]
    assert tp_card.score.value == pytest.approx(100.0)
    assert after.score.value == pytest.approx(100.0)
    assert tp_card.score.metrics["csat"].sample == 1
