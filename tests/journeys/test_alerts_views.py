"""Alert pages: permissions, filters, the acknowledge and resolve forms, messages, the dashboard panel."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journeys import alerts
from journeys.models import Alert, AlertStatus
from tests.journeys.alerts_data import make_alert, touchpoint_in_new_journey
from tests.journeys.factories import JourneyFactory

pytestmark = pytest.mark.django_db

LIST = reverse("journeys:alerts")


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def tp(db):
    return touchpoint_in_new_journey(name="Delivery")


# --- Permissions --------------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_log_in(client, tp):
    alert = make_alert(tp)

    for url in (LIST, reverse("journeys:alert_detail", args=[alert.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_an_agent_sees_alerts_but_no_forms(agent_client, tp):
    alert = make_alert(tp)

    assert agent_client.get(LIST).status_code == 200
    response = agent_client.get(reverse("journeys:alert_detail", args=[alert.pk]))

    assert response.status_code == 200
    assert reverse("journeys:alert_acknowledge", args=[alert.pk]) not in response.content.decode()
    assert "Only a CX manager" in response.content.decode()


@pytest.mark.parametrize("action", ["alert_acknowledge", "alert_resolve"])
def test_an_agent_may_not_act(agent_client, tp, action):
    alert = make_alert(tp)

    response = agent_client.post(reverse(f"journeys:{action}", args=[alert.pk]), {f"{action[6:]}-note": "x"})

    assert response.status_code == 403
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN


def test_a_user_without_a_role_may_not_see_alerts(client, tp):
    from tests.cxhub.factories import UserFactory

    client.force_login(UserFactory(username="mallory"))

    assert client.get(LIST).status_code == 403


def test_actions_take_only_post(manager_client, tp):
    alert = make_alert(tp)

    assert manager_client.get(reverse("journeys:alert_resolve", args=[alert.pk])).status_code == 405


def test_an_unknown_alert_is_a_404(manager_client):
    assert manager_client.get(reverse("journeys:alert_detail", args=[999999])).status_code == 404
    assert manager_client.post(reverse("journeys:alert_resolve", args=[999999]),
                               {"resolve-note": "x"}).status_code == 404


# --- The list -----------------------------------------------------------------------------------------


def test_the_list_shows_live_alerts_by_default(manager_client, tp):
    opened = make_alert(tp, metric="csat", kind="drop")
    acknowledged = make_alert(tp, metric="nps", kind="drop", status=AlertStatus.ACKNOWLEDGED)
    resolved = make_alert(tp, metric="sla", kind="drop", status=AlertStatus.RESOLVED)

    response = manager_client.get(LIST)

    shown = {a.pk for a in response.context["page_obj"].object_list}
    assert shown == {opened.pk, acknowledged.pk}
    assert resolved.pk not in shown


@pytest.mark.parametrize("query, expected", [
    ("status=resolved", {"resolved"}),
    ("status=all", {"open", "acknowledged", "resolved", "other_program"}),
    ("status=open", {"open", "other_program"}),
    ("kind=drop", {"acknowledged"}),
    ("metric=nps", {"acknowledged"}),
])
def test_the_list_filters(manager_client, tp, query, expected):
    made = {
        "open": make_alert(tp),
        "acknowledged": make_alert(tp, kind="drop", metric="nps", status=AlertStatus.ACKNOWLEDGED),
        "resolved": make_alert(tp, status=AlertStatus.RESOLVED),
        "other_program": make_alert(touchpoint_in_new_journey()),
    }

    response = manager_client.get(f"{LIST}?{query}")

    shown = {a.pk for a in response.context["page_obj"].object_list}
    assert shown == {made[name].pk for name in expected}


def test_the_list_filters_by_program_and_journey(manager_client, tp):
    mine = make_alert(tp)
    journey_alert = make_alert(None, journey=tp.stage.journey)
    other = make_alert(touchpoint_in_new_journey())
    program = tp.stage.journey.program

    by_program = manager_client.get(f"{LIST}?program={program.pk}")
    by_journey = manager_client.get(f"{LIST}?journey={tp.stage.journey_id}")

    assert {a.pk for a in by_program.context["page_obj"].object_list} == {mine.pk, journey_alert.pk}
    assert {a.pk for a in by_journey.context["page_obj"].object_list} == {mine.pk, journey_alert.pk}
    assert other.pk not in {a.pk for a in by_program.context["page_obj"].object_list}
    assert f'<option value="{program.pk}" selected>' in by_program.content.decode()


@pytest.mark.parametrize("query", ["status=bogus", "program=abc", "journey=99999999999999999999999",
                                   "ordering=password", "page=999"])
def test_a_bad_filter_is_ignored_not_a_500(manager_client, tp, query):
    make_alert(tp)

    response = manager_client.get(f"{LIST}?{query}")

    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) == 1


def test_worst_first_orders_by_the_shortfall_share_of_the_range(manager_client, tp):
    small = make_alert(tp, value=70, reference=75)  # 5 of 100
    nps = make_alert(tp, kind="drop", metric="nps", value=20, reference=36)  # 16 of 200 = 8%
    large = make_alert(tp, value=50, reference=75)  # 25 of 100

    response = manager_client.get(f"{LIST}?ordering=-severity")

    assert [a.pk for a in response.context["page_obj"].object_list] == [large.pk, nps.pk, small.pk]


def test_the_list_has_an_empty_state(manager_client, tp):
    make_alert(tp, status=AlertStatus.RESOLVED)

    assert "No alerts" in manager_client.get(LIST).content.decode()
    assert "No alerts match these filters" in manager_client.get(f"{LIST}?kind=drop").content.decode()


def test_the_list_paginates(manager_client, tp):
    for _ in range(30):
        make_alert(tp)

    first = manager_client.get(LIST)
    second = manager_client.get(f"{LIST}?page=2")

    assert len(first.context["page_obj"].object_list) == 25
    assert len(second.context["page_obj"].object_list) == 5
    assert "Page 1 of 2" in first.content.decode()


def test_the_list_runs_the_same_queries_for_3_or_30_alerts(manager_client, tp):
    def queries() -> int:
        manager_client.get(LIST)  # warm the session and permission caches
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(LIST).status_code == 200
        return len(captured)

    for _ in range(3):
        make_alert(tp)
    few = queries()
    for _ in range(22):
        make_alert(touchpoint_in_new_journey())
    many = queries()

    assert many == few


# --- One alert ----------------------------------------------------------------------------------------


def test_the_detail_shows_the_figure_its_subject_and_history(manager_client, tp, manager):
    alert = make_alert(tp, occurrences=3)
    alerts.alert_acknowledge(alert=alert, by=manager, note="Courier briefed.")

    page = manager_client.get(reverse("journeys:alert_detail", args=[alert.pk])).content.decode()

    assert "60.0" in page and "75.0" in page and "55.0 to 65.0" in page and "42 answers" in page
    assert reverse("journeys:touchpoint", args=[tp.pk]) in page
    assert reverse("journeys:detail", args=[tp.stage.journey_id]) in page
    assert "Seen on 3 days" in page
    assert "Acknowledged by Alice" in page and "Courier briefed." in page


def test_a_journey_alert_links_its_journey(manager_client):
    journey = JourneyFactory()
    alert = make_alert(None, journey=journey)

    page = manager_client.get(reverse("journeys:alert_detail", args=[alert.pk])).content.decode()

    assert reverse("journeys:detail", args=[journey.pk]) in page


def test_a_manager_acknowledges_with_a_note(manager_client, tp, manager):
    alert = make_alert(tp)

    response = manager_client.post(reverse("journeys:alert_acknowledge", args=[alert.pk]),
                                   {"acknowledge-note": "Looking at the courier's routes."})

    assert response.status_code == 302
    assert response["Location"] == reverse("journeys:alert_detail", args=[alert.pk])
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == manager
    assert "Looking at the courier's routes." in alert.note
    assert any("acknowledged" in text for text in texts(response))


def test_a_manager_resolves_with_a_note(manager_client, tp, manager):
    alert = make_alert(tp, status=AlertStatus.ACKNOWLEDGED)

    response = manager_client.post(reverse("journeys:alert_resolve", args=[alert.pk]),
                                   {"resolve-note": "New courier."}, follow=True)

    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_by == manager
    assert "Alert resolved" in response.content.decode()
    assert "cannot change" in response.content.decode()  # no forms any more


def test_a_blank_note_re_renders_the_form_with_the_error(manager_client, tp):
    alert = make_alert(tp)

    response = manager_client.post(reverse("journeys:alert_resolve", args=[alert.pk]), {"resolve-note": "  "})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN
    assert any("not resolved" in text for text in texts(response))


def test_resolving_a_resolved_alert_says_why_and_changes_nothing(manager_client, tp):
    alert = make_alert(tp, status=AlertStatus.RESOLVED, note="Closed before.")

    response = manager_client.post(reverse("journeys:alert_resolve", args=[alert.pk]),
                                   {"resolve-note": "Again"})

    assert response.status_code == 400
    assert any("a resolved alert cannot change" in text for text in texts(response))
    assert Alert.objects.get(pk=alert.pk).note == "Closed before."


def test_acknowledging_an_acknowledged_alert_names_what_it_may_do(manager_client, tp):
    alert = make_alert(tp, status=AlertStatus.ACKNOWLEDGED)

    response = manager_client.post(reverse("journeys:alert_acknowledge", args=[alert.pk]),
                                   {"acknowledge-note": "Again"})

    assert response.status_code == 400
    assert any("can only be resolved" in text for text in texts(response))


# --- The dashboard panel ------------------------------------------------------------------------------


def test_the_dashboard_panel_lists_live_alerts_worst_first_at_most_five(rf, tp):
    program = tp.stage.journey.program
    made = [make_alert(tp, value=75 - gap) for gap in (3, 30, 10, 1, 20, 5, 2)]
    make_alert(tp, value=0, status=AlertStatus.RESOLVED)
    make_alert(touchpoint_in_new_journey(), value=0)  # another program

    with CaptureQueriesContext(connection) as queries:
        context = alerts.dashboard_context(program=program, window=None)
    panel = context["alert_panel"]

    assert len(queries) == 2
    assert [a.value for a in panel.alerts] == [45, 55, 65, 70, 72]
    assert panel.total == len(made)
    html = render_to_string("journeys/partials/_dashboard_alerts.html", context)
    assert f"{LIST}?program={program.pk}" in html
    assert "All 7 open alerts" in html


def test_the_dashboard_panel_has_an_empty_state(tp):
    context = alerts.dashboard_context(program=tp.stage.journey.program, window=None)

    html = render_to_string("journeys/partials/_dashboard_alerts.html", context)

    assert context["alert_panel"].total == 0
    assert "No open alerts" in html


# --- Content-Security-Policy readiness --------------------------------------------------------------


def test_the_alert_templates_carry_no_inline_script_style_or_handler():
    root = Path(settings.BASE_DIR) / "templates" / "journeys"
    files = [*(root / "alerts").glob("*.html"), root / "partials" / "_dashboard_alerts.html"]
    assert files
    for path in files:
        text = path.read_text()
        assert "<script" not in text, path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert "style=" not in text, path


def test_the_chosen_filters_stay_chosen_after_a_reload(manager_client, tp):
    page = manager_client.get(f"{LIST}?status=resolved&kind=drop&ordering=-severity").content.decode()

    assert '<option value="resolved" selected>' in page
    assert '<option value="drop" selected>' in page
    assert '<option value="-severity" selected>' in page
