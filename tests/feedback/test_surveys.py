"""Survey editing: every saved edit is a new frozen version; bad definitions are refused by field."""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest
from django.db import connection

from cxhub.exceptions import DomainError
from feedback.choices import SurveyKind
from feedback.models import Survey, SurveyVersion
from feedback.selectors import response_questions
from feedback.services import response_submit
from feedback.services_surveys import definition_clean, survey_set_active, survey_start, survey_version_save
from tests.feedback.factories import make_survey

pytestmark = pytest.mark.django_db


def nps_definition(**changes: Any) -> dict[str, Any]:
    definition = {
        "title": {"en": "Your visit", "el": "Η επίσκεψή σας", "fa": "بازدید شما"},
        "intro": {},
        "questions": [
            {"key": "nps", "kind": "rating", "primary": True, "required": True, "scale_min": 0, "scale_max": 10,
             "text": {"en": "Would you recommend us?", "vi": "Bạn có giới thiệu chúng tôi không?"}},
            {"key": "reason", "kind": "single", "required": False,
             "text": {"en": "What mattered most?"},
             "choices": [{"key": "price", "text": {"en": "Price", "el": "Τιμή"}},
                         {"key": "staff", "text": {"en": "Staff"}}]},
            {"key": "stars", "kind": "rating", "scale_min": 1, "scale_max": 5, "text": {"en": "The showroom?"}},
            {"key": "extras", "kind": "multiple", "text": {"en": "What did you use?"},
             "choices": [{"key": "wifi", "text": {"en": "Wi-Fi"}}, {"key": "coffee", "text": {"en": "Coffee"}}]},
            {"key": "why", "kind": "text", "text": {"en": "Anything else?"}},
        ],
    }
    definition.update(changes)
    return definition


def test_an_edit_makes_version_2_and_old_answers_keep_version_1(customer, touchpoint, manager):
    # given an NPS survey answered once on version 1
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    old = response_submit(survey=survey, customer=customer, score=8)

    # when a manager saves new questions
    version = survey_version_save(survey=survey, definition=nps_definition(), actor=manager)

    # then version 2 is current, version 1 is untouched, and the old answer still shows version 1
    survey.refresh_from_db()
    assert (version.number, survey.version, version.created_by) == (2, 2, manager)
    assert survey.question == "Would you recommend us?"
    v1 = SurveyVersion.objects.get(survey=survey, number=1)
    assert [q["key"] for q in v1.definition["questions"]] == ["nps"]
    old.refresh_from_db()
    assert (old.version, old.survey_version) == (v1, 1)
    shown = response_questions(response=old)
    assert [(q.key, q.scale[0], q.scale[-1], q.answer) for q in shown] == [("nps", 0, 10, 8)]


def test_an_answer_after_the_edit_points_at_version_2_and_shows_its_questions(customer, touchpoint, manager):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    survey_version_save(survey=survey, definition=nps_definition(), actor=manager)

    answer = response_submit(survey=survey, customer=customer, score=10, language="el",
                             answers={"reason": "price", "extras": ["wifi", "coffee"], "stars": 4})

    assert (answer.version.number, answer.survey_version) == (2, 2)
    shown = {q.key: q for q in response_questions(response=answer)}
    assert shown["nps"].answer == 10
    assert shown["reason"].answer == "Τιμή"  # the choice as the customer read it, in Greek
    assert shown["extras"].answer == "Wi-Fi, Coffee"
    assert shown["stars"].scale == [1, 2, 3, 4, 5] and shown["stars"].answer == 4
    assert shown["why"].answer is None


def test_saving_the_same_questions_again_makes_no_new_version(touchpoint, manager):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    survey_version_save(survey=survey, definition=nps_definition(), actor=manager)

    again = survey_version_save(survey=survey, definition=nps_definition(), actor=manager)

    assert again.number == 2 and SurveyVersion.objects.filter(survey=survey).count() == 2


def test_each_edit_takes_the_next_number(touchpoint, manager):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    survey_version_save(survey=survey, definition=nps_definition(), actor=manager)
    changed = nps_definition(title={"en": "After your visit"})

    third = survey_version_save(survey=survey, definition=changed, actor=manager)

    assert third.number == 3
    assert list(SurveyVersion.objects.filter(survey=survey).values_list("number", flat=True)) == [1, 2, 3]


def _broken(change: Any) -> dict[str, Any]:
    definition = copy.deepcopy(nps_definition())
    change(definition)
    return definition


def _set(path: tuple, value: Any) -> Any:
    def apply(d: dict[str, Any]) -> None:
        target = d
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
    return apply


@pytest.mark.parametrize("change, field, words", [
    (_set(("questions", 0, "primary"), False), "questions", "Mark one question as the primary"),
    (_set(("questions", 2, "primary"), True), "questions.2.scale_min", "0-10 scale"),
    (lambda d: d["questions"].append({**d["questions"][0], "key": "nps2"}), "questions", "Only one question"),
    (_set(("questions", 0, "scale_min"), 1), "questions.0.scale_min", "0-10 scale"),
    (_set(("questions", 0, "required"), False), "questions.0.required", "must be required"),
    (_set(("questions", 1, "kind"), "slider"), "questions.1.kind", "unknown kind"),
    (_set(("questions", 2, "key"), "reason"), "questions.2.key", "already used by question 2"),
    (_set(("questions", 1, "key"), "Not a slug!"), "questions.1.key", "lowercase"),
    (_set(("questions", 1, "choices", 1, "key"), "price"), "questions.1.choices", "used twice"),
    (_set(("questions", 1, "choices"), [{"key": "only", "text": {"en": "Only"}}]), "questions.1.choices",
     "from 2 to"),
    (_set(("questions", 3, "text"), {"en": "  ", "el": "Τι;"}), "questions.3.text", "English text is empty"),
    (_set(("questions", 1, "choices", 0, "text"), {"en": ""}), "questions.1.choices", "English text is empty"),
    (_set(("questions", 4, "text"), {"en": "Why?", "de": "Warum?"}), "questions.4.text", "unknown language"),
    (_set(("questions", 2, "scale_max"), 11), "questions.2.scale_min", "within 0-10"),
    (_set(("questions", 2, "scale_max"), "5"), "questions.2.scale_max", "whole numbers"),
    (_set(("title",), {"el": "Μόνο ελληνικά"}), "title", "English text is empty"),
    (_set(("questions",), []), "questions", "at least one question"),
    (lambda d: d["questions"].extend({"key": f"t{n}", "kind": "text", "text": {"en": "?"}} for n in range(16)),
     "questions", "at most 20"),
])
def test_it_refuses_a_bad_definition_and_keeps_the_current_version(touchpoint, manager, change, field, words):
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)

    with pytest.raises(DomainError) as excinfo:
        survey_version_save(survey=survey, definition=_broken(change), actor=manager)

    assert excinfo.value.field == field
    assert words in excinfo.value.message
    survey.refresh_from_db()
    assert survey.version == 1 and SurveyVersion.objects.filter(survey=survey).count() == 1


@pytest.mark.parametrize("kind, scale", [("nps", (0, 10)), ("csat", (1, 5)), ("ces", (1, 7))])
def test_the_primary_question_must_use_the_kinds_scale(kind, scale):
    primary = {"key": "score", "kind": "rating", "primary": True, "required": True,
               "scale_min": scale[0], "scale_max": scale[1], "text": {"en": "Score?"}}

    assert definition_clean(definition={"title": {"en": "T"}, "questions": [primary]}, kind=kind)
    for other in ((0, 10), (1, 5), (1, 7)):
        if other != scale:
            with pytest.raises(DomainError, match="scale"):
                definition_clean(definition={"title": {"en": "T"}, "questions": [
                    {**primary, "scale_min": other[0], "scale_max": other[1]}]}, kind=kind)


def test_a_new_survey_starts_as_version_1_by_its_author(touchpoint, manager):
    survey = survey_start(name=" Delivery CES ", kind=SurveyKind.CES, touchpoint=touchpoint, actor=manager)

    version = SurveyVersion.objects.get(survey=survey)
    assert (survey.name, survey.scale_min, survey.scale_max, survey.version) == ("Delivery CES", 1, 7, 1)
    assert version.created_by == manager
    assert version.definition["questions"][0]["primary"] is True


def test_a_survey_needs_a_known_kind_and_a_name(touchpoint, manager):
    with pytest.raises(DomainError) as excinfo:
        survey_start(name="X", kind="stars", touchpoint=touchpoint, actor=manager)
    assert excinfo.value.field == "kind"
    with pytest.raises(DomainError) as excinfo:
        survey_start(name="  ", kind="nps", touchpoint=touchpoint, actor=manager)
    assert excinfo.value.field == "name"


def test_a_closed_survey_takes_no_answers_and_can_reopen(customer, touchpoint):
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)

    survey_set_active(survey=survey, active=False)
    with pytest.raises(DomainError, match="closed"):
        response_submit(survey=survey, customer=customer, score=5)
    with pytest.raises(DomainError, match="already closed"):
        survey_set_active(survey=survey, active=False)
    survey_set_active(survey=survey, active=True)

    assert response_submit(survey=survey, customer=customer, score=5).survey == survey


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_managers_saving_at_once_get_the_next_two_numbers(touchpoint, manager):
    # given one survey, loaded by two managers
    survey = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def save(title: str) -> None:
        try:
            barrier.wait()
            survey_version_save(survey=Survey.objects.get(pk=survey.pk), actor=manager,
                                definition=nps_definition(title={"en": title}))
        except BaseException as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connection.close()

    # when both save different edits at the same moment
    threads = [threading.Thread(target=save, args=(title,)) for title in ("Morning", "Evening")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then neither fails: the row lock queues them as versions 2 and 3
    assert errors == []
    survey.refresh_from_db()
    assert survey.version == 3
    assert list(SurveyVersion.objects.filter(survey=survey).values_list("number", flat=True)) == [1, 2, 3]
