"""CSV import of survey responses given before CX Hub: checked like answers from the API, scored on the
day they were given, never followed up or announced, and recognised by external_id when imported again."""

from __future__ import annotations

import datetime as dt

import pytest

from cxhub.models import WebhookEvent, WebhookSubscription
from feedback.choices import SurveyKind
from feedback.models import Invitation, Response, TicketSurveyRule
from journeys.choices import SignalKind
from journeys.models import ExperienceSignal
from tests.cxhub.import_helpers import counts, csv_bytes, rejections, run_import
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory, TouchpointFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

HEADER = ["external_id", "survey", "customer_external_id", "score", "answered_at", "comment", "touchpoint",
          "ticket_external_id", "language"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def nps(touchpoint):
    return make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint, name="NPS after the test drive")


def row(external_id: str = "R-1", **values: str) -> list[str]:
    cells = {"external_id": external_id, "survey": "NPS after the test drive", "customer_external_id": "CRM-GR-1",
             "score": "9", "answered_at": "2024-03-20 18:45", "comment": "", "touchpoint": "",
             "ticket_external_id": "", "language": "", **values}
    return [cells[name] for name in HEADER]


def responses_file(*rows: list[str]) -> bytes:
    return csv_bytes(HEADER, *rows)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_an_answer_is_stored_with_its_key_and_scored_on_the_day_it_was_given(customer, touchpoint, nps):
    job = run_import("responses", responses_file(row(comment="Εξαιρετική εξυπηρέτηση, ευχαριστώ!")))

    assert counts(job) == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0}
    response = Response.objects.get()
    assert response.external_id == "R-1" and response.survey == nps and response.customer == customer
    assert response.touchpoint == touchpoint and response.score == 9
    assert response.answered_at == at("2024-03-20 18:45")
    assert response.comment == "Εξαιρετική εξυπηρέτηση, ευχαριστώ!" and response.language == customer.language
    assert (response.scale_min, response.scale_max, response.version.number) == (0, 10, 1)
    signal = ExperienceSignal.objects.get(source="response", source_id=str(response.pk))
    assert (signal.kind, signal.value, signal.occurred_at, signal.touchpoint) == (
        SignalKind.NPS_ANSWER, 9, at("2024-03-20 18:45"), touchpoint)


def test_text_in_any_script_is_kept_as_written(touchpoint, nps):
    CustomerFactory(external_id="VN-1", name="Nguyễn Văn An")
    CustomerFactory(external_id="IR-1", name="مریم احمدی")

    run_import("responses", responses_file(
        row("R-1", customer_external_id="VN-1", comment="Dịch vụ rất tốt, nhân viên thân thiện.", language="VI"),
        row("R-2", customer_external_id="IR-1", comment="خدمات عالی بود، ممنونم!", language="fa")))

    assert dict(Response.objects.values_list("external_id", "comment")) == {
        "R-1": "Dịch vụ rất tốt, nhân viên thân thiện.", "R-2": "خدمات عالی بود، ممنونم!"}
    assert dict(Response.objects.values_list("external_id", "language")) == {"R-1": "vi", "R-2": "fa"}


def test_a_low_answer_from_history_opens_no_follow_up_and_nothing_is_announced(customer, nps, manager):
    WebhookSubscription.objects.create(owner=manager, url="https://crm.example.com/hook", event_types=["*"])

    run_import("responses", responses_file(row(score="2", comment="Κανείς δεν απάντησε.")))

    response = Response.objects.get()
    assert response.follow_up_ticket is None and not Ticket.objects.exists()
    assert not WebhookEvent.objects.exists()


def test_imported_resolved_tickets_invite_nobody_to_a_survey(customer, touchpoint, nps):
    TicketSurveyRule.objects.create(survey=nps, delay_minutes=60)
    tickets = csv_bytes(["external_id", "customer_external_id", "subject", "description", "created_at",
                         "resolved_at", "touchpoint"],
                        ["T-1", "CRM-GR-1", "Θόρυβος", "Ακούγεται θόρυβος.", "2024-03-18 09:00", "2024-03-19 09:00",
                         "Test drive"])

    run_import("tickets", tickets)

    assert Ticket.objects.get().status == "resolved"
    assert not Invitation.objects.exists()


def test_an_answer_about_a_ticket_is_scored_at_the_ticket_s_touchpoint(customer, nps):
    elsewhere = TouchpointFactory(name="Workshop")
    tickets = csv_bytes(["external_id", "customer_external_id", "subject", "description", "created_at",
                         "first_response_at", "resolved_at", "touchpoint"],
                        ["T-1", "CRM-GR-1", "Θόρυβος", "Ακούγεται θόρυβος.", "2024-03-18 09:00", "2024-03-18 10:00",
                         "2024-03-19 09:00", "Workshop"])
    run_import("tickets", tickets)

    run_import("responses", responses_file(row(ticket_external_id="T-1")))

    response = Response.objects.get()
    assert response.ticket.external_id == "T-1" and response.touchpoint == elsewhere
    signal = ExperienceSignal.objects.get(source="response")
    assert signal.context["ticket_id"] == response.ticket_id and signal.context["ticket_sla"] == "met"


def test_importing_the_same_file_again_changes_nothing(customer, nps):
    content = responses_file(row("R-1"), row("R-2", score="3"))
    run_import("responses", content)

    job = run_import("responses", content)

    assert counts(job) == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    assert Response.objects.count() == 2 and ExperienceSignal.objects.count() == 2


def test_a_changed_comment_is_updated_but_a_scored_answer_is_not_changed(customer, nps):
    run_import("responses", responses_file(row("R-1", comment="OK"), row("R-2")))

    job = run_import("responses", responses_file(row("R-1", comment="Πολύ καλή εξυπηρέτηση"), row("R-2", score="4")))

    assert counts(job) == {"created": 0, "updated": 1, "unchanged": 0, "rejected": 1}
    assert rejections(job) == {3: {"score": ["This answer was imported with another score: a scored answer is not "
                                             "changed."]}}
    assert dict(Response.objects.values_list("external_id", "score")) == {"R-1": 9, "R-2": 9}
    assert Response.objects.get(external_id="R-1").comment == "Πολύ καλή εξυπηρέτηση"


def test_a_survey_closed_since_still_brings_in_its_answers(customer, nps):
    nps.is_active = False
    nps.save()

    job = run_import("responses", responses_file(row(survey=str(nps.pk))))

    assert counts(job)["created"] == 1


@pytest.mark.parametrize(("values", "errors"), [
    ({"survey": "Unknown survey"}, {"survey": ["No survey has the id or name Unknown survey."]}),
    ({"score": "11"}, {"score": ["The score must be from 0 to 10."]}),
    ({"score": "7.5"}, {"score": ["A valid integer is required."]}),
    ({"answered_at": "20.03.2024"}, {"answered_at": [
        "Datetime has wrong format. Use one of these formats instead: "
        "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]}),
    ({"answered_at": "2999-01-01 00:00"}, {"answered_at": ["An answer cannot be given in the future."]}),
    ({"customer_external_id": "CRM-NOPE"}, {"customer_external_id": [
        "No customer has this external_id (import the customers first)."]}),
    ({"ticket_external_id": "T-NOPE"}, {"ticket_external_id": ["No ticket has this external_id."]}),
    ({"language": "de"}, {"language": ['"de" is not a valid choice.']}),
    ({"score": ""}, {"score": ["This value is required."]}),
])
def test_a_bad_row_is_rejected_with_the_reason_and_leaves_nothing_behind(customer, nps, values, errors):
    job = run_import("responses", responses_file(row("R-BAD", **values), row("R-GOOD")))

    assert rejections(job) == {2: errors}
    assert list(Response.objects.values_list("external_id", flat=True)) == ["R-GOOD"]
    assert ExperienceSignal.objects.count() == 1


def test_an_answer_needs_a_touchpoint_and_a_ticket_of_the_same_customer(customer, nps):
    survey = make_survey(kind=SurveyKind.CSAT, name="CSAT nowhere")
    other = CustomerFactory(external_id="CRM-2")
    Ticket.objects.create(subject="x", customer=other, external_id="T-OTHER", created_at=at("2024-03-01 00:00"),
                          first_response_due_at=at("2024-03-01 08:00"), resolution_due_at=at("2024-03-04 00:00"))

    job = run_import("responses", responses_file(row("R-1", survey="CSAT nowhere", score="4"),
                                                 row("R-2", ticket_external_id="T-OTHER")))

    assert survey.touchpoint is None
    assert rejections(job) == {
        2: {"touchpoint": ["Say which touchpoint this answer is about: the survey has none."]},
        3: {"ticket_external_id": ["That ticket belongs to another customer."]},
    }
