from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cxhub.exceptions import DomainError
from feedback.choices import SurveyKind
from feedback.models import Response
from feedback.services import response_submit
from journeys.models import ExperienceSignal
from tests.feedback.factories import make_survey
from tests.tickets.factories import make_ticket
from tickets.services import ticket_assign

pytestmark = pytest.mark.django_db


def test_an_answer_stores_its_scale_and_formula_and_records_one_signal(customer, touchpoint):
    survey = make_survey(kind=SurveyKind.CES, touchpoint=touchpoint)

    answer = response_submit(survey=survey, customer=customer, score=6, comment="Dễ dàng")

    assert (answer.scale_min, answer.scale_max, answer.formula_version) == (1, 7, "2026.1")
    signal = ExperienceSignal.objects.get()
    assert (signal.kind, signal.value, signal.touchpoint_id) == ("ces_answer", 6, touchpoint.pk)


def test_the_signal_freezes_who_handled_the_ticket(customer, touchpoint, agent, other_agent):
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    ticket = make_ticket(customer=customer, touchpoint=touchpoint, assignee=agent)

    response_submit(survey=survey, customer=customer, score=5, ticket=ticket)
    ticket_assign(ticket=ticket, assignee=other_agent, actor=other_agent)

    assert ExperienceSignal.objects.get(source="response").context["ticket_assignee_id"] == agent.pk


@pytest.mark.parametrize("change, field", [
    ({"score": 6}, "score"),
    ({"score": True}, "score"),
    ({"answered_at": timezone.now() + dt.timedelta(days=2)}, "answered_at"),
    ({"language": "xx"}, "language"),
])
def test_it_refuses_bad_answers_and_writes_nothing(customer, touchpoint, change, field):
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)

    with pytest.raises(DomainError) as excinfo:
        response_submit(**{"survey": survey, "customer": customer, "score": 4, **change})

    assert excinfo.value.field == field
    assert Response.objects.count() == 0 and ExperienceSignal.objects.count() == 0


def test_it_refuses_an_inactive_touchpoint_and_a_missing_one(customer, touchpoint):
    survey_without_place = make_survey(kind=SurveyKind.NPS)
    with pytest.raises(DomainError, match="which touchpoint"):
        response_submit(survey=survey_without_place, customer=customer, score=9)

    touchpoint.is_active = False
    touchpoint.save()
    with pytest.raises(DomainError, match="no longer active"):
        response_submit(survey=survey_without_place, customer=customer, score=9, touchpoint=touchpoint)


def test_a_staff_pulse_survey_cannot_take_customer_answers(customer, touchpoint):
    from feedback.choices import Audience

    pulse = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    pulse.audience = Audience.STAFF
    pulse.save()

    with pytest.raises(DomainError, match="anonymous"):
        response_submit(survey=pulse, customer=customer, score=9)
    assert Response.objects.count() == 0 and ExperienceSignal.objects.count() == 0
