"""CSV export of the answers list: streamed, UTF-8 with a BOM, the list's filters, safe from formulas."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback.choices import SurveyKind
from feedback.services import response_submit
from feedback.services_surveys import survey_version_save
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_it_streams_the_filtered_answers_with_a_bom(agent_client, touchpoint):
    # given answers of two kinds, one in Persian
    nps = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint, name="After the test drive")
    csat = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    customer = CustomerFactory(name="مریم احمدی", external_id="CRM-FA-7")
    response_submit(survey=nps, customer=customer, score=10, comment="خیلی خوب بود", language="fa")
    response_submit(survey=nps, customer=customer, score=5)
    response_submit(survey=csat, customer=customer, score=2)

    # when the promoters are exported
    response = agent_client.get(reverse("feedback:response-export"), {"band": "promoter"})

    # then one row, in full, and the file is an attachment
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="answers-')
    [row] = rows_of(response)
    assert (row["survey"], row["kind"], row["score"], row["band"]) == ("After the test drive", "nps", "10", "promoter")
    assert (row["customer"], row["customer_external_id"], row["comment"]) == ("مریم احمدی", "CRM-FA-7", "خیلی خوب بود")
    assert (row["scale_min"], row["scale_max"], row["survey_version"], row["language"]) == ("0", "10", "1", "fa")


def test_it_defuses_cells_a_spreadsheet_would_run(agent_client, touchpoint):
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    customer = CustomerFactory(name="=HYPERLINK(\"http://evil.example\")")
    response_submit(survey=survey, customer=customer, score=3, comment="+SUM(A1:A9)")

    [row] = rows_of(agent_client.get(reverse("feedback:response-export")))

    assert row["customer"].startswith("'=HYPERLINK") and row["comment"] == "'+SUM(A1:A9)"


def test_filtered_to_one_survey_the_other_answers_become_columns(agent_client, manager, touchpoint):
    # given a survey edited to ask two more questions, answered before and after the edit
    survey = make_survey(kind=SurveyKind.CES, touchpoint=touchpoint)
    customer = CustomerFactory()
    before = response_submit(survey=survey, customer=customer, score=4)
    survey_version_save(survey=survey, actor=manager, definition={"title": {"en": "Delivery"}, "questions": [
        {"key": "ces", "kind": "rating", "primary": True, "required": True, "scale_min": 1, "scale_max": 7,
         "text": {"en": "It was easy."}},
        {"key": "channel", "kind": "multiple", "text": {"en": "How did you reach us?"},
         "choices": [{"key": "phone", "text": {"en": "Phone"}}, {"key": "chat", "text": {"en": "Chat"}}]},
        {"key": "note", "kind": "text", "text": {"en": "Anything else?"}}]})
    after = response_submit(survey=survey, customer=customer, score=6,
                            answers={"channel": ["phone", "chat"], "note": "-1 for the hold music"})

    # when the survey's answers are exported
    rows = rows_of(agent_client.get(reverse("feedback:response-export"), {"survey": survey.pk}))

    # then each question is a column; the answer from before the edit leaves them empty
    by_id = {int(r["id"]): r for r in rows}
    assert (by_id[after.pk]["answer:channel"], by_id[after.pk]["answer:note"]) == ("phone; chat",
                                                                                  "'-1 for the hold music")
    assert (by_id[before.pk]["answer:channel"], by_id[before.pk]["survey_version"]) == ("", "1")
    unfiltered = rows_of(agent_client.get(reverse("feedback:response-export")))
    assert "answer:channel" not in unfiltered[0]


def test_a_bad_filter_refuses_the_export(agent_client):
    response = agent_client.get(reverse("feedback:response-export"), {"band": "ecstatic"})

    assert response.status_code == 400 and b"band" in response.content


def test_the_export_needs_the_view_permission(client, django_user_model):
    assert client.get(reverse("feedback:response-export")).status_code == 302
    client.force_login(django_user_model.objects.create_user("nobody"))
    assert client.get(reverse("feedback:response-export")).status_code == 403


def test_the_export_costs_the_same_queries_for_3_or_30_answers(agent_client, touchpoint,
                                                                 django_assert_max_num_queries):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    for n in range(3):
        response_submit(survey=survey, customer=CustomerFactory(), score=n)
    with CaptureQueriesContext(connection) as few:
        rows_of(agent_client.get(reverse("feedback:response-export"), {"survey": survey.pk}))
    for n in range(27):
        response_submit(survey=survey, customer=CustomerFactory(), score=n % 11)

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(rows_of(agent_client.get(reverse("feedback:response-export"), {"survey": survey.pk}))) == 30
