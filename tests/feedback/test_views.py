from __future__ import annotations

import pytest
from django.urls import reverse

from feedback.choices import SurveyKind
from feedback.models import Response
from feedback.services import response_submit
from journeys import rollup
from journeys.models import ExperienceSignal, ScoreComponentDaily
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_it_asks_anonymous_visitors_to_log_in(client):
    for name in ("feedback:responses", "feedback:response-create"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_an_answer_recorded_on_the_page_moves_the_touchpoint_score(agent_client, customer, touchpoint):
    # given an NPS survey at the touchpoint
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)

    # when an agent records a promoter's answer in Persian
    response = agent_client.post(reverse("feedback:response-create"), {
        "survey": survey.pk, "customer": customer.pk, "score": "10",
        "comment": "تجربه خرید عالی بود",
    })
    rollup.rollup_new_signals()

    # then the answer, its signal and the touchpoint's component are there
    assert response.status_code == 302
    answer = Response.objects.get()
    assert (answer.touchpoint, answer.scale_min, answer.scale_max) == (touchpoint, 0, 10)
    assert answer.comment == "تجربه خرید عالی بود"
    assert ExperienceSignal.objects.get(source="response").value == 10
    component = ScoreComponentDaily.objects.get(touchpoint=touchpoint)
    assert (component.nps_responses, component.nps_promoters) == (1, 1)


@pytest.mark.parametrize("score", ["11", "-1", "seven", ""])
def test_an_out_of_scale_answer_re_renders_and_records_nothing(agent_client, customer, touchpoint, score):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)

    response = agent_client.post(reverse("feedback:response-create"), {
        "survey": survey.pk, "customer": customer.pk, "score": score, "comment": "Tốt lắm",
    })

    assert response.status_code == 400
    assert response.context["form"].errors["score"]
    assert "Tốt lắm" in response.content.decode()
    assert Response.objects.count() == 0 and ExperienceSignal.objects.count() == 0


def test_an_answer_about_another_customers_ticket_is_refused(agent_client, customer, touchpoint):
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    someone_elses = make_ticket(customer=CustomerFactory())

    response = agent_client.post(reverse("feedback:response-create"), {
        "survey": survey.pk, "customer": customer.pk, "score": "4", "ticket": someone_elses.pk,
    })

    assert response.status_code == 400
    assert "another customer" in response.content.decode()
    assert Response.objects.count() == 0


def test_an_unknown_ticket_number_is_a_field_error(agent_client, customer, touchpoint):
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)

    response = agent_client.post(reverse("feedback:response-create"), {
        "survey": survey.pk, "customer": customer.pk, "score": "4", "ticket": "99999",
    })

    assert response.status_code == 400
    assert "no ticket with that number" in response.content.decode()


def test_the_list_filters_paginates_and_keeps_queries_flat(agent_client, touchpoint, django_assert_max_num_queries):
    csat = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    nps = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    customer = CustomerFactory()
    for i in range(30):
        response_submit(survey=csat, customer=customer, score=1 + i % 5, comment="Xe giao trễ")
    response_submit(survey=nps, customer=customer, score=9)

    with django_assert_max_num_queries(10):
        page = agent_client.get(reverse("feedback:responses"))
    only_nps = agent_client.get(reverse("feedback:responses"), {"kind": "nps"})

    assert len(page.context["page_obj"].object_list) == 25
    assert [r.score for r in only_nps.context["page_obj"].object_list] == [9]
    assert "Xe giao trễ" in page.content.decode()


def test_the_list_has_an_empty_state(agent_client):
    response = agent_client.get(reverse("feedback:responses"))

    assert "No answers yet" in response.content.decode()
