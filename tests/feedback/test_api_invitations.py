from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from feedback.choices import Audience, InvitationStatus, InvitationTrigger, SurveyKind
from feedback.invitations import invitation_create, invitation_send
from feedback.models import FeedbackSettings, Invitation
from feedback.services_surveys import survey_start
from tests.cxhub.factories import UserFactory
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory, TouchpointFactory
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

INVITATIONS = "/api/v1/invitations/"
BATCH = INVITATIONS + "batch/"


@pytest.fixture
def outsider(db):
    """Dave has an account but no role."""
    return UserFactory(username="dave")


@pytest.fixture
def survey(touchpoint):
    return make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


# --- Creating one --------------------------------------------------------------------------------------


def test_a_manager_invites_a_customer_about_a_ticket_for_later(api_client_for, manager, survey, customer,
                                                               touchpoint):
    ticket = make_ticket(customer=customer, touchpoint=touchpoint)
    send_at = (timezone.now() + dt.timedelta(hours=2)).replace(microsecond=0)

    response = api_client_for(manager).post(INVITATIONS, {
        "survey": survey.pk, "customer": customer.pk, "touchpoint": touchpoint.pk, "ticket": ticket.pk,
        "send_at": send_at.isoformat()}, format="json")

    assert response.status_code == 201, response.json()
    invitation = Invitation.objects.get()
    body = response.json()
    assert (body["id"], body["status"], body["trigger"], body["ticket"]) == (
        invitation.pk, "scheduled", "manual", ticket.pk)
    assert invitation.send_at == send_at and body["sent_at"] is None and body["skip_reason"] == ""
    expiry = FeedbackSettings.current().invitation_expiry_days
    assert invitation.expires_at == send_at + dt.timedelta(days=expiry)


def test_an_invitation_inside_the_fatigue_window_is_recorded_as_skipped_with_the_reason(
        api_client_for, manager, survey, customer, touchpoint):
    invitation_create(survey=survey, customer=customer, touchpoint=touchpoint, trigger=InvitationTrigger.MANUAL)

    response = api_client_for(manager).post(
        INVITATIONS, {"survey": survey.pk, "customer": customer.pk, "touchpoint": touchpoint.pk}, format="json")

    assert response.status_code == 201
    assert response.json()["status"] == "skipped"
    assert "14 days" in response.json()["skip_reason"]


@pytest.mark.parametrize("change, field", [
    ({"survey": 999999}, "survey"),
    ({"customer": "CRM-1"}, "customer"),
    ({"customer": 10**30}, "customer"),
    ({"touchpoint": None}, "touchpoint"),
    ({"ticket": -4}, "ticket"),
    ({"send_at": "tomorrow"}, "send_at"),
])
def test_bad_invitation_input_is_a_field_error_and_invites_nobody(api_client_for, manager, survey, customer,
                                                                  touchpoint, change, field):
    body = {"survey": survey.pk, "customer": customer.pk, "touchpoint": touchpoint.pk} | change

    response = api_client_for(manager).post(INVITATIONS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Invitation.objects.count() == 0


def test_the_services_rules_refuse_another_customers_ticket_and_a_staff_survey(api_client_for, manager,
                                                                               survey, customer, touchpoint):
    strangers_ticket = make_ticket(customer=CustomerFactory(), touchpoint=touchpoint)
    pulse = survey_start(name="Pulse", kind=SurveyKind.NPS, touchpoint=None, actor=manager,
                         audience=Audience.STAFF)
    api = api_client_for(manager)

    ticket = api.post(INVITATIONS, {"survey": survey.pk, "customer": customer.pk, "touchpoint": touchpoint.pk,
                                    "ticket": strangers_ticket.pk}, format="json")
    staff = api.post(INVITATIONS, {"survey": pulse.pk, "customer": customer.pk, "touchpoint": touchpoint.pk},
                     format="json")

    assert (ticket.status_code, list(ticket.json()["errors"])) == (400, ["ticket"])
    assert (staff.status_code, list(staff.json()["errors"])) == (400, ["survey"])
    assert Invitation.objects.count() == 0


# --- The token stays secret ----------------------------------------------------------------------------


def test_no_answer_ever_carries_the_token_or_its_hash(api_client_for, manager, survey, customer, touchpoint,
                                                      mailoutbox, django_capture_on_commit_callbacks):
    api = api_client_for(manager)
    created = api.post(INVITATIONS, {"survey": survey.pk, "customer": customer.pk,
                                     "touchpoint": touchpoint.pk}, format="json")
    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(invitation_id=invitation.pk)
    invitation.refresh_from_db()
    link = next(word for word in mailoutbox[0].body.split() if "/s/" in word)
    token = link.rstrip("/").rsplit("/", 1)[1]

    answers = [created, api.get(INVITATIONS), api.get(f"{INVITATIONS}{invitation.pk}/")]

    assert invitation.status == InvitationStatus.SENT and len(token) >= 32
    for answer in answers:
        text = answer.content.decode()
        assert token not in text and invitation.token_hash not in text and "token" not in text
    assert answers[2].json()["sent_at"] is not None


# --- Listing -------------------------------------------------------------------------------------------


def test_it_filters_invitations_by_survey_customer_status_and_trigger(api_client_for, agent, survey, customer,
                                                                     touchpoint):
    first = invitation_create(survey=survey, customer=customer, touchpoint=touchpoint,
                              trigger=InvitationTrigger.MANUAL)
    skipped = invitation_create(survey=survey, customer=customer, touchpoint=touchpoint,
                                trigger=InvitationTrigger.BATCH)
    other = invitation_create(survey=make_survey(kind=SurveyKind.NPS), customer=CustomerFactory(),
                              touchpoint=touchpoint, trigger=InvitationTrigger.TOUCHPOINT_EVENT)
    api = api_client_for(agent)

    assert ids(api.get(f"{INVITATIONS}?survey={survey.pk}")) == [skipped.pk, first.pk]
    assert ids(api.get(f"{INVITATIONS}?customer={customer.pk}&status=skipped")) == [skipped.pk]
    assert ids(api.get(f"{INVITATIONS}?trigger=touchpoint_event")) == [other.pk]
    assert ids(api.get(f"{INVITATIONS}?ordering=created_at")) == [first.pk, skipped.pk, other.pk]
    detail = api.get(f"{INVITATIONS}{skipped.pk}/").json()
    assert (detail["status"], bool(detail["skip_reason"])) == ("skipped", True)


@pytest.mark.parametrize("query, field", [
    ("status=lost", "status"), ("customer=abc", "customer"), ("survey=999999", "survey"),
    ("customer=99999999999999999999999", "customer"), ("ticket=0", "ticket"),
    ("created_after=soon", "created_after"),
])
def test_it_refuses_an_invitation_filter_it_cannot_understand(api_client_for, agent, query, field):
    response = api_client_for(agent).get(f"{INVITATIONS}?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize("size", [3, 30])
def test_the_invitation_list_runs_a_constant_number_of_queries(api_client_for, agent, survey, touchpoint, size,
                                                              django_assert_max_num_queries):
    for _ in range(size):
        invitation_create(survey=survey, customer=CustomerFactory(), touchpoint=touchpoint,
                          trigger=InvitationTrigger.MANUAL)

    api = api_client_for(agent)

    with django_assert_max_num_queries(5):
        listed = api.get(INVITATIONS + "?page_size=100")

    assert len(listed.json()["results"]) == size


# --- Batches -------------------------------------------------------------------------------------------


def test_a_batch_invites_a_segment_and_counts_the_skipped_by_reason(api_client_for, manager, survey,
                                                                    touchpoint):
    # given five fleet customers: one without e-mail, one invited yesterday; and a retail customer
    fleet = CustomerFactory.create_batch(3, segment="fleet")
    CustomerFactory(segment="fleet", email="")
    recent = CustomerFactory(segment="fleet")
    invitation_create(survey=survey, customer=recent, touchpoint=touchpoint, trigger=InvitationTrigger.MANUAL,
                      send_at=timezone.now() - dt.timedelta(days=1))
    CustomerFactory(segment="retail")

    # when a manager sends the batch
    response = api_client_for(manager).post(BATCH, {"survey": survey.pk, "segment": "fleet"}, format="json")

    # then the three are invited and the others recorded as skipped, with their reasons
    assert response.status_code == 200, response.json()
    assert response.json() == {"invited": 3, "skipped": {"no_email": 1, "fatigue": 1}}
    batch = Invitation.objects.filter(trigger=InvitationTrigger.BATCH)
    assert {i.customer_id for i in batch.filter(status=InvitationStatus.SCHEDULED)} == {c.pk for c in fleet}
    assert batch.count() == 5


@pytest.mark.parametrize("change, field", [
    ({"segment": "nobody-here"}, "segment"),
    ({"segment": ""}, "segment"),
    ({"survey": "all"}, "survey"),
    ({"touchpoint": 999999}, "touchpoint"),
])
def test_a_bad_batch_is_a_field_error_and_invites_nobody(api_client_for, manager, survey, change, field):
    CustomerFactory(segment="fleet")

    response = api_client_for(manager).post(BATCH, {"survey": survey.pk, "segment": "fleet"} | change,
                                            format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Invitation.objects.count() == 0


def test_a_batch_for_a_survey_without_a_touchpoint_must_name_one(api_client_for, manager):
    CustomerFactory(segment="fleet")
    nowhere = make_survey(kind=SurveyKind.NPS)
    api = api_client_for(manager)

    refused = api.post(BATCH, {"survey": nowhere.pk, "segment": "fleet"}, format="json")
    named = api.post(BATCH, {"survey": nowhere.pk, "segment": "fleet", "touchpoint": TouchpointFactory().pk},
                     format="json")

    assert (refused.status_code, list(refused.json()["errors"])) == (400, ["touchpoint"])
    assert named.json() == {"invited": 1, "skipped": {}}


# --- Who may do what -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method, url", [
    ("get", INVITATIONS), ("get", INVITATIONS + "{id}/"), ("post", INVITATIONS), ("post", BATCH),
])
def test_anonymous_callers_are_refused_and_people_without_a_role_are_forbidden(
        api_client_for, outsider, survey, customer, touchpoint, method, url):
    invitation = invitation_create(survey=survey, customer=CustomerFactory(segment="fleet"),
                                   touchpoint=touchpoint, trigger=InvitationTrigger.MANUAL)
    url = url.format(id=invitation.pk)
    body = {"survey": survey.pk, "customer": customer.pk, "touchpoint": touchpoint.pk, "segment": "fleet"}

    anonymous = getattr(APIClient(), method)(url, body, format="json")
    roleless = getattr(api_client_for(outsider), method)(url, body, format="json")

    assert (anonymous.status_code, roleless.status_code) == (401, 403)
    assert Invitation.objects.count() == 1


def test_agents_see_invitations_but_do_not_send_them(api_client_for, agent, survey, customer, touchpoint):
    CustomerFactory(segment="fleet")
    api = api_client_for(agent)

    listed = api.get(INVITATIONS)
    one = api.post(INVITATIONS, {"survey": survey.pk, "customer": customer.pk, "touchpoint": touchpoint.pk},
                   format="json")
    batch = api.post(BATCH, {"survey": survey.pk, "segment": "fleet"}, format="json")

    assert (listed.status_code, one.status_code, batch.status_code) == (200, 403, 403)
    assert Invitation.objects.count() == 0
