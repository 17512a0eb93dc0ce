"""The answers list: filters in the query string (bands at their boundaries), pagination, flat queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback.choices import Sentiment, SurveyKind
from feedback.models import Response
from feedback.services import response_submit
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


def listed(client, **params) -> list[Response]:
    response = client.get(reverse("feedback:responses"), params)
    assert response.status_code == 200
    return list(response.context["page_obj"].object_list)


def scores(client, **params) -> list[int]:
    return sorted(r.score for r in listed(client, **params))


@pytest.fixture
def answered(touchpoint):
    """One answer per score around each kind's band boundaries."""
    customer = CustomerFactory()
    surveys = {kind: make_survey(kind=kind, touchpoint=touchpoint) for kind in SurveyKind.values}
    for kind, values in (("nps", (6, 7, 8, 9)), ("csat", (2, 3, 4)), ("ces", (3, 4, 5))):
        for score in values:
            response_submit(survey=surveys[kind], customer=customer, score=score)
    return surveys


@pytest.mark.parametrize("band, kind, expected", [
    ("detractor", "nps", [6]), ("passive", "nps", [7, 8]), ("promoter", "nps", [9]),
    ("dissatisfied", "csat", [2]), ("neutral", "csat", [3]), ("satisfied", "csat", [4]),
    ("hard", "ces", [3]), ("neutral", "ces", [4]), ("easy", "ces", [5]),
])
def test_a_score_band_holds_exactly_its_scores_at_the_boundaries(agent_client, answered, band, kind, expected):
    assert scores(agent_client, survey=answered[kind].pk, band=band) == expected


def test_neutral_without_a_survey_means_each_kinds_middle(agent_client, answered):
    shown = listed(agent_client, band="neutral")

    assert sorted((r.survey.kind, r.score) for r in shown) == [("ces", 4), ("csat", 3)]


def test_it_filters_by_touchpoint_sentiment_comment_and_dates(agent_client, touchpoint):
    # given answers at two touchpoints, with and without comments, on different days
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    elsewhere = TouchpointFactory(name="Delivery")
    customer = CustomerFactory()
    now = timezone.now()
    old = response_submit(survey=survey, customer=customer, score=5, comment="Πολύ καλό",
                          answered_at=now - dt.timedelta(days=10))
    Response.objects.filter(pk=old.pk).update(sentiment=Sentiment.POSITIVE)
    silent = response_submit(survey=survey, customer=customer, score=4)
    delivered = response_submit(survey=survey, customer=customer, score=1, comment="Giao hàng trễ",
                                touchpoint=elsewhere)

    # then each filter narrows the list
    assert listed(agent_client, touchpoint=elsewhere.pk) == [delivered]
    assert listed(agent_client, sentiment="positive") == [old]
    assert set(listed(agent_client, has_comment="true")) == {old, delivered}
    assert listed(agent_client, has_comment="false") == [silent]
    day = timezone.localdate(now - dt.timedelta(days=10)).isoformat()
    assert listed(agent_client, answered_from=day, answered_to=day) == [old]
    assert old not in listed(agent_client, answered_from=timezone.localdate().isoformat())


def test_the_filters_survive_in_the_page_links_and_the_export_link(agent_client, touchpoint):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    customer = CustomerFactory()
    for _ in range(30):
        response_submit(survey=survey, customer=customer, score=3)

    response = agent_client.get(reverse("feedback:responses"), {"band": "detractor", "survey": survey.pk})

    html = response.content.decode()
    assert f"band=detractor&amp;survey={survey.pk}&amp;page=2" in html
    assert f"export.csv?band=detractor&amp;survey={survey.pk}" in html
    assert len(response.context["page_obj"].object_list) == 25


def test_a_bad_filter_value_is_reported_and_ignored(agent_client, answered):
    response = agent_client.get(reverse("feedback:responses"), {"band": "ecstatic", "sentiment": "positive"})

    assert "Ignored the band filter" in response.content.decode()


def test_no_match_has_its_own_empty_state(agent_client, answered):
    response = agent_client.get(reverse("feedback:responses"), {"sentiment": "negative"})

    assert "No answers match these filters" in response.content.decode()


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("feedback:responses"), params).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_queries_for_3_or_30_answers(agent_client, touchpoint,
                                                                django_assert_max_num_queries):
    survey = make_survey(kind=SurveyKind.CES, touchpoint=touchpoint)
    for n in range(3):
        response_submit(survey=survey, customer=CustomerFactory(), score=1 + n, ticket=None,
                        comment="ok")
    with_3 = _queries(agent_client, survey=survey.pk)
    for n in range(27):
        response_submit(survey=survey, customer=CustomerFactory(), score=1 + n % 7,
                        touchpoint=TouchpointFactory(), comment="ok")

    with django_assert_max_num_queries(with_3):
        agent_client.get(reverse("feedback:responses"), {"survey": survey.pk})


def test_an_answer_links_to_its_page(agent_client, answered):
    answer = Response.objects.first()

    html = agent_client.get(reverse("feedback:responses")).content.decode()

    assert reverse("feedback:response", args=[answer.pk]) in html


def test_it_sorts_by_score_and_keeps_the_choice(agent_client, answered):
    lowest = listed(agent_client, survey=answered["nps"].pk, ordering="score")
    highest = agent_client.get(reverse("feedback:responses"), {"survey": answered["nps"].pk, "ordering": "-score"})

    assert [r.score for r in lowest] == [6, 7, 8, 9]
    assert [r.score for r in highest.context["page_obj"].object_list] == [9, 8, 7, 6]
    assert '<option value="-score" selected>' in highest.content.decode()
