"""The touchpoint drill-down: its figures, the lists behind them, panels, initiatives and stored impact."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from feedback.choices import SurveyKind
from feedback.services import response_submit
from journeys import analysis, rollup
from journeys.models import Initiative
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory
from tests.tickets.factories import make_ticket
from tickets.models import Category
from tickets.services import ticket_reopen, ticket_resolve

pytestmark = pytest.mark.django_db


def ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def url(touchpoint, **params):
    return reverse("journeys:touchpoint", args=[touchpoint.pk]), params


def ids(page) -> set[int]:
    return {obj.pk for obj in page.context["page_obj"].object_list}


@pytest.fixture
def busy(touchpoint, manager):
    """At the touchpoint, in the last 30 days: tickets met (A), breached (B), met then reopened (C); one
    resolved 38 days ago (D, outside). Answers: NPS 9, 3, 7 and CSAT 5, 2 (with comments)."""
    billing = Category.objects.create(name="Billing")
    delivery = Category.objects.create(name="Delivery")
    a = make_ticket(touchpoint=touchpoint, at=ago(5), category=billing)
    ticket_resolve(ticket=a, actor=manager, at=ago(4))  # 1 day: within the 72 h of a normal ticket
    b = make_ticket(touchpoint=touchpoint, at=ago(10), category=billing)
    ticket_resolve(ticket=b, actor=manager, at=ago(5))  # 5 days: breached
    c = make_ticket(touchpoint=touchpoint, at=ago(3), category=delivery)
    ticket_resolve(ticket=c, actor=manager, at=ago(2))
    ticket_reopen(ticket=c, actor=manager, at=ago(1))
    d = make_ticket(touchpoint=touchpoint, at=ago(40))
    ticket_resolve(ticket=d, actor=manager, at=ago(38))
    nps = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    csat = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    for score in (9, 3, 7):
        response_submit(survey=nps, customer=CustomerFactory(), score=score, answered_at=ago(2))
    response_submit(survey=csat, customer=CustomerFactory(), score=5, answered_at=ago(3),
                    comment="Wonderful and friendly staff, thank you")
    response_submit(survey=csat, customer=CustomerFactory(), score=2, answered_at=ago(3),
                    comment="Terrible wait, very rude and slow")
    response_submit(survey=csat, customer=CustomerFactory(), score=4, answered_at=ago(45),
                    comment="An old comment outside the window")
    rollup.rollup_new_signals()
    return {"a": a, "b": b, "c": c, "d": d}


def _figures(client, touchpoint):
    response = client.get(reverse("journeys:touchpoint", args=[touchpoint.pk]), {"window": 30})
    assert response.status_code == 200
    figures = response.context["figures"]
    return response, {f.label: f for group in figures.values() for f in group}


def test_the_page_shows_the_figures_counted_from_the_ledger(manager_client, touchpoint, busy):
    response, figures = _figures(manager_client, touchpoint)

    counts = {label: f.count for label, f in figures.items()}
    assert counts["Tickets resolved"] == 3
    assert counts["Resolution SLA met"] == 2 and counts["Resolution SLA breached"] == 1
    assert counts["Resolved at first contact"] == 2  # C lost its first-contact resolution
    assert counts["Reopened since"] == 1
    assert counts["NPS answers"] == 3 and counts["Promoters (9-10)"] == 1
    assert counts["Detractors (0-6)"] == 1 and counts["Passives (7-8)"] == 1
    assert counts["CSAT answers"] == 2 and counts["Satisfied (4-5)"] == 1
    html = response.content.decode()
    assert 'class="score-math"' in html and "How is this computed?" in html


def test_each_ticket_link_lists_exactly_the_counted_tickets(manager_client, touchpoint, busy):
    _, figures = _figures(manager_client, touchpoint)
    expected = {
        "Tickets resolved": {busy["a"].pk, busy["b"].pk, busy["c"].pk},
        "Resolution SLA met": {busy["a"].pk, busy["c"].pk},
        "Resolution SLA breached": {busy["b"].pk},
        "Resolved at first contact": {busy["a"].pk, busy["b"].pk},
        "Reopened since": {busy["c"].pk},
    }

    for label, tickets in expected.items():
        figure = figures[label]
        page = manager_client.get(figure.url)
        assert page.status_code == 200, label
        assert ids(page) == tickets, label
        assert page.context["page_obj"].paginator.count == figure.count, label


def test_each_answer_link_lists_exactly_the_counted_answers(manager_client, touchpoint, busy):
    _, figures = _figures(manager_client, touchpoint)
    expected_scores = {
        "NPS answers": [3, 7, 9], "Promoters (9-10)": [9], "Passives (7-8)": [7], "Detractors (0-6)": [3],
        "CSAT answers": [2, 5], "Satisfied (4-5)": [5],
    }

    for label, scores in expected_scores.items():
        figure = figures[label]
        page = manager_client.get(figure.url)
        listed = sorted(r.score for r in page.context["page_obj"].object_list)
        assert listed == scores, label
        assert page.context["page_obj"].paginator.count == figure.count, label


def test_components_over_time_are_chart_tables(manager_client, touchpoint, busy):
    response = manager_client.get(reverse("journeys:touchpoint", args=[touchpoint.pk]), {"window": 30})

    series = response.context["series"]
    assert series.granularity == "day" and len(series.periods) == 30
    assert sum(p.components.tickets_resolved for p in series.periods) == 3
    html = response.content.decode()
    assert html.count('<figure class="chart"') == 3 and 'class="chart-data"' in html
    assert 'src="/static/js/charts.js"' in html or "js/charts.js" in html


def test_long_windows_are_drawn_week_by_week(manager_client, touchpoint, busy):
    response = manager_client.get(reverse("journeys:touchpoint", args=[touchpoint.pk]), {"window": 90})

    series = response.context["series"]
    assert series.granularity == "week"
    assert all(p.start.weekday() == 0 for p in series.periods)
    assert sum(p.components.tickets_resolved for p in series.periods) == 4  # D too, 38 days ago


def test_panels_from_tickets_and_feedback_appear(agent_client, touchpoint, busy):
    response = agent_client.get(reverse("journeys:touchpoint", args=[touchpoint.pk]), {"window": 30})

    html = response.content.decode()
    titles = [p.title for p in response.context["panels"]]
    assert titles == ["Top ticket categories", "Recent comments"]
    assert "Billing" in html and "Delivery" in html
    assert "Terrible wait, very rude and slow" in html and "An old comment" not in html
    assert "1 negative" in html and "1 positive" in html


def test_initiatives_are_listed_with_owner_status_and_start(manager_client, manager, touchpoint):
    initiative = Initiative.objects.create(program=touchpoint.stage.journey.program, name="Shorter waits",
                                           owner=manager, status="active", start_date=dt.date(2026, 9, 1))
    initiative.touchpoints.add(touchpoint)

    html = manager_client.get(reverse("journeys:touchpoint", args=[touchpoint.pk])).content.decode()

    # the start date in the language's date format
    assert "Shorter waits" in html and "In progress" in html and "Alice" in html
    assert date_format(dt.date(2026, 9, 1)) in html
    assert f'href="{reverse("journeys:initiative_detail", args=[initiative.pk])}"' in html


def test_the_page_without_anything_has_empty_states(manager_client, touchpoint):
    html = manager_client.get(reverse("journeys:touchpoint", args=[touchpoint.pk])).content.decode()

    assert "No answers or ticket outcomes at this touchpoint" in html
    assert "No improvement initiatives" in html
    assert "Service impact has not been computed yet" in html
    assert "No tickets were raised" in html and "No comments at this touchpoint" in html


def test_the_page_shows_the_stored_service_impact(manager_client, touchpoint, busy):
    analysis.analysis_refresh(window_days=(30,))

    response = manager_client.get(reverse("journeys:touchpoint", args=[touchpoint.pk]), {"window": 7})

    assert response.context["impact"].window_days == 30  # the nearest stored window
    html = response.content.decode()
    assert "breached the SLA" in html and "Computed" in html


def _count_queries(client, touchpoint) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("journeys:touchpoint", args=[touchpoint.pk]), {"window": 30})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_query_count_is_constant_as_tickets_and_answers_grow(manager_client, manager, touchpoint, busy):
    before = _count_queries(manager_client, touchpoint)
    csat = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint, name="More")
    category = Category.objects.create(name="Repairs")
    for i in range(8):
        t = make_ticket(touchpoint=touchpoint, at=ago(6), category=category)
        ticket_resolve(ticket=t, actor=manager, at=ago(5 - i * 0.1))
        response_submit(survey=csat, customer=CustomerFactory(), score=1 + i % 5, answered_at=ago(1),
                        comment=f"Comment number {i}")
    rollup.rollup_new_signals()
    Initiative.objects.create(program=touchpoint.stage.journey.program, name="More",
                              start_date=dt.date(2026, 1, 1)).touchpoints.add(touchpoint)

    after = _count_queries(manager_client, touchpoint)

    assert after == before
