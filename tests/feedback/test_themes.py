"""Themes on comments, and counts of themes and sentiment per touchpoint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cxhub.exceptions import DomainError
from feedback.choices import SurveyKind
from feedback.services import response_submit
from feedback.themes import comment_counts, response_tag, response_untag, theme_create
from journeys.selectors import Window
from tests.feedback.factories import make_survey
from tests.journeys.factories import TouchpointFactory

pytestmark = pytest.mark.django_db


def test_creating_a_theme_twice_gives_the_same_theme(db):
    first = theme_create(name="Waiting time")

    assert theme_create(name="  waiting   TIME ") == first


def test_a_theme_needs_a_name(db):
    with pytest.raises(DomainError) as excinfo:
        theme_create(name="   ")
    assert excinfo.value.field == "name"


def test_tagging_and_untagging_are_idempotent(customer, touchpoint):
    answer = response_submit(survey=make_survey(touchpoint=touchpoint), customer=customer, score=2,
                             comment="Too slow")
    price = theme_create(name="Price")

    assert response_tag(response=answer, theme=price) is True
    assert response_tag(response=answer, theme=price) is False
    assert list(answer.themes.all()) == [price]
    assert response_untag(response=answer, theme=price) is True
    assert response_untag(response=answer, theme=price) is False
    assert not answer.themes.exists()


def test_it_counts_themes_and_sentiment_per_touchpoint_in_the_window(customer, touchpoint):
    # given: comments at two touchpoints, one answer outside the window
    elsewhere = TouchpointFactory(name="Delivery")
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    wait, staff = theme_create(name="Waiting time"), theme_create(name="Staff")
    a = response_submit(survey=survey, customer=customer, score=1, comment="Terrible wait")
    b = response_submit(survey=survey, customer=customer, score=5, comment="Friendly staff")
    c = response_submit(survey=survey, customer=customer, score=2, comment="Still waiting, so slow")
    response_submit(survey=survey, customer=customer, score=4)  # no comment: not counted
    d = response_submit(survey=survey, customer=customer, score=3, comment="خوب", language="fa",
                        touchpoint=elsewhere)
    old = response_submit(survey=survey, customer=customer, score=1, comment="Awful",
                          answered_at=timezone.now() - dt.timedelta(days=60))
    for answer, theme in ((a, wait), (c, wait), (b, staff), (a, staff), (old, wait), (d, wait)):
        response_tag(response=answer, theme=theme)

    # when
    counts = {c.label: c for c in comment_counts(window=Window.last(30))}

    # then
    here = counts[touchpoint.name]
    assert here.sentiment == {"positive": 1, "neutral": 0, "negative": 2, "unknown": 0}
    assert here.comments == 3
    assert here.themes == [("Staff", 2), ("Waiting time", 2)]  # most frequent first, then by name
    there = counts["Delivery"]
    assert there.sentiment["unknown"] == 1 and there.themes == [("Waiting time", 1)]


# --- Tagging from the response page ---------------------------------------------------------------------


def _url(answer) -> str:
    return f"/feedback/loop/responses/{answer.pk}/themes/"


def test_a_manager_tags_a_comment_with_a_new_theme_and_removes_it(manager_client, customer, touchpoint):
    answer = response_submit(survey=make_survey(touchpoint=touchpoint), customer=customer, score=2,
                             comment="Too expensive")

    tagged = manager_client.post(_url(answer), {"name": "Price", "next": "/feedback/responses/"})
    theme = answer.themes.get()
    removed = manager_client.post(_url(answer), {"remove": theme.pk})

    assert tagged.status_code == 302 and tagged["Location"] == "/feedback/responses/"
    assert theme.name == "Price"
    assert removed.status_code == 302 and not answer.themes.exists()


def test_tagging_never_redirects_to_another_site(manager_client, customer, touchpoint):
    answer = response_submit(survey=make_survey(touchpoint=touchpoint), customer=customer, score=4)

    tagged = manager_client.post(_url(answer), {"name": "Staff", "next": "https://elsewhere.example/"})

    assert tagged["Location"] == "/feedback/responses/"


def test_agents_may_not_tag(agent_client, customer, touchpoint):
    answer = response_submit(survey=make_survey(touchpoint=touchpoint), customer=customer, score=4)

    assert agent_client.post(_url(answer), {"name": "Staff"}).status_code == 403
    assert not answer.themes.exists()


def test_a_missing_response_is_404_and_tagging_takes_only_posts(manager_client, customer, touchpoint):
    answer = response_submit(survey=make_survey(touchpoint=touchpoint), customer=customer, score=4)

    assert manager_client.post("/feedback/loop/responses/999999/themes/", {"name": "Staff"}).status_code == 404
    assert manager_client.get(_url(answer)).status_code == 405


def test_the_response_page_shows_its_themes_and_its_loop_and_tagging_returns_there(
        manager_client, customer, touchpoint):
    answer = response_submit(survey=make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint), customer=customer,
                             score=1, comment="Too expensive")
    page_url = f"/feedback/responses/{answer.pk}/"

    tagged = manager_client.post(_url(answer), {"name": "Price", "next": page_url})
    page = manager_client.get(page_url).content.decode()

    assert tagged["Location"] == page_url
    assert "Price" in page and f'action="{_url(answer)}"' in page
    assert "Loop open" in page and f"#{answer.follow_up_ticket_id}" in page
