"""The feedback panel on a touchpoint's page: recent comments with their sentiment, linked to the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from feedback.choices import SurveyKind
from feedback.panels import touchpoint_comments_panel
from feedback.services import response_submit
from journeys.panels import panel_providers
from journeys.selectors import Window
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


def ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


@pytest.fixture
def commented(touchpoint):
    """In the last 30 days: 2 positive comments, 1 negative, 1 answer without a comment; an old comment
    and one at another touchpoint, neither counted."""
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    for days, score, comment in [(1, 5, "Wonderful, friendly and fast, thank you"),
                                 (2, 5, "Excellent help, great people"),
                                 (3, 1, "Terrible, rude and slow"), (4, 4, ""),
                                 (45, 5, "Excellent long ago")]:
        response_submit(survey=survey, customer=CustomerFactory(), score=score, comment=comment,
                        answered_at=ago(days))
    other = make_survey(kind=SurveyKind.CSAT, touchpoint=TouchpointFactory(), name="Elsewhere")
    response_submit(survey=other, customer=CustomerFactory(), score=5, comment="Excellent elsewhere")
    return touchpoint


def test_it_is_registered_for_those_who_see_answers():
    keys = {key: permission for key, _, permission in panel_providers()}

    assert keys["feedback.comments"] == "feedback.view_response"


def test_it_shows_the_latest_comments_of_the_window_with_sentiment_counts(commented):
    panel = touchpoint_comments_panel(commented, Window.last(30))

    assert [r.comment for r in panel.context["comments"]] == [
        "Wonderful, friendly and fast, thank you", "Excellent help, great people", "Terrible, rude and slow"]
    counts = {s["key"]: s["count"] for s in panel.context["sentiments"]}
    assert panel.context["total"] == 3
    assert counts["positive"] == 2 and counts["negative"] == 1


def test_each_link_lists_exactly_the_counted_answers(agent_client, commented):
    panel = touchpoint_comments_panel(commented, Window.last(30))

    for s in panel.context["sentiments"]:
        page = agent_client.get(s["url"])
        assert page.context["page_obj"].paginator.count == s["count"], s["key"]
    everything = agent_client.get(panel.context["all_url"])
    assert everything.context["page_obj"].paginator.count == 3


def test_without_comments_it_says_so(touchpoint):
    panel = touchpoint_comments_panel(touchpoint, Window.last(30))

    assert panel.context["total"] == 0 and panel.context["comments"] == []


def test_it_costs_the_same_queries_for_few_or_many_comments(commented, django_assert_max_num_queries):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=commented)
    for i in range(10):
        response_submit(survey=survey, customer=CustomerFactory(), score=9, comment=f"Great {i}")

    with django_assert_max_num_queries(4):
        touchpoint_comments_panel(commented, Window.last(30))
