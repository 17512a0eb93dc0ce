from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback.choices import SurveyKind
from feedback.models import Response, Survey, SurveyVersion, Theme
from feedback.services import response_submit
from feedback.services_surveys import survey_version_save
from journeys import rollup
from journeys.models import ExperienceSignal, ScoreComponentDaily
from tests.cxhub.factories import UserFactory
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory, TouchpointFactory
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


# --- The survey editor ------------------------------------------------------------------------------


def _editor_post(survey, **overrides):
    """What the editor page posts for the survey's metric question plus one single-choice question."""
    data = {
        "title_en": "After your test drive", "title_fa": "پس از تست درایو",
        "form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "20",
        "form-0-key": survey.kind, "form-0-kind": "rating", "form-0-text_en": "How likely to recommend us?",
        "form-0-text_fa": "چقدر احتمال دارد ما را توصیه کنید؟", "form-0-required": "on", "form-0-primary": "on",
        "form-0-scale_min": "0", "form-0-scale_max": "10", "form-0-ORDER": "1",
        "form-1-kind": "single", "form-1-text_en": "What mattered most?", "form-1-ORDER": "2",
        "form-1-choices": "Price\nstaff | Our staff | Το προσωπικό",
        "save": "",
    }
    data.update(overrides)
    return data


def test_it_keeps_the_survey_editor_from_agents_and_anonymous_visitors(client, agent_client, touchpoint):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    pages = [reverse("feedback:surveys"), reverse("feedback:survey-create"),
             reverse("feedback:survey", args=[survey.pk]), reverse("feedback:survey-edit", args=[survey.pk]),
             reverse("feedback:survey-preview", args=[survey.pk]),
             reverse("feedback:survey-preview-page", args=[survey.pk])]

    for url in pages:
        assert agent_client.get(url).status_code == 403
    assert agent_client.post(reverse("feedback:survey-edit", args=[survey.pk]), _editor_post(survey)).status_code == 403
    assert agent_client.post(reverse("feedback:survey-active", args=[survey.pk]), {"active": "0"}).status_code == 403
    agent_client.logout()
    for url in [*pages, reverse("feedback:survey-active", args=[survey.pk])]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    survey.refresh_from_db()
    assert survey.version == 1 and survey.is_active


def test_a_manager_lists_surveys_with_their_answers(manager_client, customer, touchpoint):
    survey = make_survey(kind=SurveyKind.CES, touchpoint=touchpoint, name="Delivery effort")
    response_submit(survey=survey, customer=customer, score=6)

    response = manager_client.get(reverse("feedback:surveys"))

    assert [(s.name, s.response_count) for s in response.context["surveys"]] == [("Delivery effort", 1)]
    assert "Test drive" in response.content.decode()


def test_a_manager_creates_a_survey_and_goes_on_to_its_questions(manager_client, manager, touchpoint):
    response = manager_client.post(reverse("feedback:survey-create"), {
        "name": "Test drive NPS", "kind": "nps", "touchpoint": touchpoint.pk, "question": ""})

    survey = Survey.objects.get(name="Test drive NPS")
    assert response.status_code == 302 and response.url == reverse("feedback:survey-edit", args=[survey.pk])
    assert survey.versions.get().created_by == manager


def test_saving_the_editor_makes_version_2_with_translations_and_choices(manager_client, manager, touchpoint):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)

    response = manager_client.post(reverse("feedback:survey-edit", args=[survey.pk]), _editor_post(survey))

    assert response.status_code == 302
    version = SurveyVersion.objects.get(survey=survey, number=2)
    primary, reason = version.definition["questions"]
    assert primary["text"]["fa"] == "چقدر احتمال دارد ما را توصیه کنید؟"
    assert (reason["key"], reason["primary"]) == ("what-mattered-most", False)
    assert reason["choices"] == [{"key": "price", "text": {"en": "Price"}},
                                 {"key": "staff", "text": {"en": "Our staff", "el": "Το προσωπικό"}}]
    assert version.created_by == manager
    history = manager_client.get(reverse("feedback:survey", args=[survey.pk])).content.decode()
    assert "v2" in history and "Alice" in history


def test_the_editor_opens_with_the_current_questions(manager_client, touchpoint):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    manager_client.post(reverse("feedback:survey-edit", args=[survey.pk]), _editor_post(survey))

    response = manager_client.get(reverse("feedback:survey-edit", args=[survey.pk]))

    html = response.content.decode()
    assert response.context["questions"].total_form_count() == 2
    assert "staff | Our staff | Το προσωπικό" in html and "Save as version 3" in html


def test_add_a_question_keeps_what_was_typed_and_saves_nothing(manager_client, touchpoint):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    data = _editor_post(survey, add="")
    del data["save"]

    response = manager_client.post(reverse("feedback:survey-edit", args=[survey.pk]), data)

    assert response.status_code == 200
    assert response.context["questions"].total_form_count() == 3
    assert "What mattered most?" in response.content.decode()
    assert SurveyVersion.objects.filter(survey=survey).count() == 1


@pytest.mark.parametrize("overrides, words", [
    ({"form-0-primary": ""}, "Mark one question as the primary"),
    ({"form-0-scale_min": "1"}, "0-10 scale"),
    ({"form-1-key": "nps"}, "already used by question 1"),
    ({"form-1-choices": "Price\nprice | Cheap"}, "used twice"),
    ({"form-0-text_en": ""}, "English text is empty"),
])
def test_a_bad_edit_re_renders_with_the_reason_and_the_input(manager_client, touchpoint, overrides, words):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)

    response = manager_client.post(reverse("feedback:survey-edit", args=[survey.pk]),
                                   _editor_post(survey, **overrides))

    assert response.status_code == 400
    html = response.content.decode()
    assert words in html and "What mattered most?" in html
    assert SurveyVersion.objects.filter(survey=survey).count() == 1


def test_deleting_a_question_in_the_editor_leaves_it_out_of_the_next_version(manager_client, touchpoint):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    manager_client.post(reverse("feedback:survey-edit", args=[survey.pk]), _editor_post(survey))

    manager_client.post(reverse("feedback:survey-edit", args=[survey.pk]),
                        _editor_post(survey, **{"form-INITIAL_FORMS": "2", "form-1-DELETE": "on"}))

    keys = [q["key"] for q in SurveyVersion.objects.get(survey=survey, number=3).definition["questions"]]
    assert keys == ["nps"]


@pytest.mark.parametrize("lang, words, rtl", [
    ("en", "How likely to recommend us?", False),
    ("fa", "چقدر احتمال دارد ما را توصیه کنید؟", True),
    ("el", "How likely to recommend us?", False),  # no Greek text: English stands in
    ("vi", "How likely to recommend us?", False),
])
def test_the_preview_shows_the_answer_page_in_each_language(manager_client, touchpoint, lang, words, rtl):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    manager_client.post(reverse("feedback:survey-edit", args=[survey.pk]), _editor_post(survey))

    frame = manager_client.get(reverse("feedback:survey-preview-page", args=[survey.pk]), {"lang": lang})
    page = manager_client.get(reverse("feedback:survey-preview", args=[survey.pk]), {"lang": lang})

    html = frame.content.decode()
    assert frame.status_code == 200 and words in html
    assert (f'lang="{lang}" dir="rtl"' in html) is rtl
    assert 'name="q_what-mattered-most"' in html
    assert ("Το προσωπικό" in html) is (lang == "el")  # the choice's own Greek text, in Greek only
    assert frame.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert reverse("feedback:survey-preview-page", args=[survey.pk]) in page.content.decode()


def test_the_preview_of_version_1_shows_what_version_1_asked(manager_client, touchpoint):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    manager_client.post(reverse("feedback:survey-edit", args=[survey.pk]), _editor_post(survey))

    html = manager_client.get(reverse("feedback:survey-preview-page", args=[survey.pk]),
                              {"version": "1"}).content.decode()

    assert "What mattered most?" not in html and "How likely are you to recommend us" in html


def test_sending_the_preview_checks_answers_and_records_nothing(manager_client, touchpoint):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    url = reverse("feedback:survey-preview-page", args=[survey.pk])

    missing = manager_client.post(url, {})
    given = manager_client.post(url, {"q_nps": "9"})

    assert missing.status_code == 400
    assert given.status_code == 200 and "nothing is recorded" in given.content.decode()
    assert Response.objects.count() == 0


def test_a_manager_closes_and_reopens_a_survey(manager_client, touchpoint):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    url = reverse("feedback:survey-active", args=[survey.pk])

    manager_client.post(url, {"active": "0"})
    survey.refresh_from_db()
    assert not survey.is_active
    again = manager_client.post(url, {"active": "0"}, follow=True)
    assert "already closed" in again.content.decode()
    manager_client.post(url, {"active": "1"})
    survey.refresh_from_db()
    assert survey.is_active


def test_an_unknown_survey_is_404(manager_client):
    assert manager_client.get(reverse("feedback:survey", args=[999])).status_code == 404
    assert manager_client.get(reverse("feedback:survey-preview", args=[999])).status_code == 404


# --- One answer --------------------------------------------------------------------------------------


def test_an_answer_page_shows_the_questions_it_was_asked_and_the_customers_context(
        agent_client, manager, customer, touchpoint):
    # given an answer on version 1, then an edit, then a second answer on version 2 with a ticket
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    first = response_submit(survey=survey, customer=customer, score=6, comment="Η αναμονή ήταν μεγάλη")
    survey_version_save(survey=survey, actor=manager, definition={
        "title": {"en": "Test drive"}, "questions": [
            {"key": "nps", "kind": "rating", "primary": True, "required": True, "scale_min": 0, "scale_max": 10,
             "text": {"en": "Recommend us?", "el": "Θα μας προτείνατε;"}},
            {"key": "wait", "kind": "rating", "scale_min": 1, "scale_max": 5, "text": {"en": "The wait?"}}]})
    ticket = make_ticket(customer=customer, touchpoint=touchpoint, subject="Brakes squeak")
    second = response_submit(survey=survey, customer=customer, score=9, ticket=ticket, language="el",
                             answers={"wait": 2})

    # when an agent opens each
    old_page = agent_client.get(reverse("feedback:response", args=[first.pk])).content.decode()
    new_page = agent_client.get(reverse("feedback:response", args=[second.pk])).content.decode()

    # then the old answer shows version 1's one question; the new one both, in Greek, with the ticket
    assert "How likely are you to recommend us" in old_page and "The wait?" not in old_page
    assert 'dir="auto" lang="en">Η αναμονή ήταν μεγάλη' in old_page
    assert "Θα μας προτείνατε;" in new_page and "The wait?" in new_page and "<strong>2</strong>" in new_page
    assert f"#{ticket.pk} Brakes squeak" in new_page
    assert reverse("feedback:response", args=[first.pk]) in new_page  # the customer's other answer
    assert "Test drive" in new_page  # a touchpoint the customer has been through


def test_an_answer_page_links_the_follow_up_ticket(agent_client, customer, touchpoint):
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    answer = response_submit(survey=survey, customer=customer, score=1)
    follow_up = make_ticket(customer=customer, subject="Call back about the delay")
    Response.objects.filter(pk=answer.pk).update(follow_up_ticket=follow_up)

    html = agent_client.get(reverse("feedback:response", args=[answer.pk])).content.decode()

    assert f'href="{reverse("tickets:detail", args=[follow_up.pk])}"' in html
    assert f"#{follow_up.pk} Call back about the delay" in html


def test_an_answer_page_needs_the_view_permission(client, customer, touchpoint):
    answer = response_submit(survey=make_survey(touchpoint=touchpoint), customer=customer, score=4)
    url = reverse("feedback:response", args=[answer.pk])

    assert client.get(url).status_code == 302
    assert client.get(reverse("feedback:response", args=[answer.pk + 1])).status_code == 302
    client.force_login(UserFactory(username="nobody"))
    assert client.get(url).status_code == 403


def test_the_survey_list_costs_the_same_queries_for_3_or_30_surveys(manager_client, customer,
                                                                      django_assert_max_num_queries):
    def add(n: int) -> None:
        for _ in range(n):
            survey = make_survey(kind=SurveyKind.CSAT, touchpoint=TouchpointFactory())
            response_submit(survey=survey, customer=customer, score=5)

    add(3)
    with CaptureQueriesContext(connection) as few:
        manager_client.get(reverse("feedback:surveys"))
    add(27)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = manager_client.get(reverse("feedback:surveys"))
    assert len(response.context["surveys"]) == 30


def test_the_answer_page_costs_the_same_queries_however_long_the_history(agent_client, customer, touchpoint,
                                                                         django_assert_max_num_queries):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    answer = response_submit(survey=survey, customer=customer, score=9)
    with CaptureQueriesContext(connection) as few:
        agent_client.get(reverse("feedback:response", args=[answer.pk]))
    for n in range(10):
        response_submit(survey=survey, customer=customer, score=n, touchpoint=TouchpointFactory())
        make_ticket(customer=customer)

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert agent_client.get(reverse("feedback:response", args=[answer.pk])).status_code == 200


def test_a_manager_tagging_an_answer_is_offered_the_existing_themes(manager_client, customer, touchpoint):
    Theme.objects.create(name="Waiting time")
    answer = response_submit(survey=make_survey(touchpoint=touchpoint), customer=customer, score=2,
                             comment="Too long on hold")

    html = manager_client.get(reverse("feedback:response", args=[answer.pk])).content.decode()

    assert '<option value="Waiting time">' in html
