"""Employee pulse: anonymous answers, one per invitation, eNPS, and nothing shown below five answers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import models
from django.urls import reverse

from cxhub.exceptions import ConflictError, DomainError
from feedback.choices import Audience
from feedback.models import PulseAnswer, PulseInvitation, Survey
from feedback.pulse import (
    PULSE_QUESTION,
    pulse_answer,
    pulse_invite,
    pulse_report,
    pulse_survey_create,
    pulse_token_hash,
)
from journeys.models import ExperienceSignal
from tests.cxhub.factories import UserFactory

pytestmark = pytest.mark.django_db


def _tokens() -> list[str]:
    return [re.search(r"/pulse/([\w-]+)/", m.body).group(1) for m in mail.outbox]


@pytest.fixture
def pulse(db):
    return pulse_survey_create(name="Pulse, spring")


@pytest.fixture
def invite(pulse, django_capture_on_commit_callbacks):
    def run(team=None):
        with django_capture_on_commit_callbacks(execute=True):
            return pulse_invite(survey=pulse, team=team)
    return run


def test_a_pulse_is_a_staff_nps_survey_about_working_here(pulse):
    assert (pulse.audience, pulse.kind, pulse.question) == (Audience.STAFF, "nps", PULSE_QUESTION)
    assert (pulse.scale_min, pulse.scale_max) == (0, 10)


def test_it_invites_active_staff_once_each_with_a_link_whose_token_is_stored_hashed(
        invite, manager, agent, other_agent):
    UserFactory(username="gone", is_active=False)
    UserFactory(username="nomail", email="")

    first = invite()
    again = invite()

    assert (first.invited, first.without_email) == (3, ["nomail"])
    assert (again.invited, again.already_invited) == (0, 3)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([manager.email, agent.email, other_agent.email])
    stored = set(PulseInvitation.objects.values_list("token_hash", flat=True))
    assert {pulse_token_hash(t) for t in _tokens()} == stored
    assert not any(t in stored for t in _tokens())


def test_it_can_invite_only_a_team(invite, agent, other_agent, team):
    result = invite(team=team)

    assert result.invited == 1 and mail.outbox[0].to == [agent.email]


def test_an_answer_names_nobody_and_keeps_only_the_week(invite, pulse, agent):
    invite()

    answer = pulse_answer(token=_tokens()[0], score=9, comment="Good team", today=dt.date(2026, 11, 19))

    fields = {f.name for f in PulseAnswer._meta.get_fields()}
    assert fields == {"id", "survey", "score", "comment", "week"}
    assert not any(isinstance(f, models.DateTimeField) for f in PulseAnswer._meta.get_fields())
    assert answer.week == dt.date(2026, 11, 16)  # the Monday
    assert PulseInvitation.objects.get().used is True
    assert ExperienceSignal.objects.count() == 0  # staff answers are not customer experience


def test_a_link_answers_once_and_reuse_is_refused(invite, pulse, agent):
    invite()
    token = _tokens()[0]
    pulse_answer(token=token, score=7)

    with pytest.raises(ConflictError):
        pulse_answer(token=token, score=10)

    assert PulseAnswer.objects.count() == 1


@pytest.mark.parametrize("token, score", [("not-a-token", 5), ("", 5)])
def test_an_unknown_link_is_refused(pulse, token, score):
    with pytest.raises(DomainError):
        pulse_answer(token=token, score=score)


def test_a_bad_score_leaves_the_link_unused(invite, agent):
    invite()
    token = _tokens()[0]

    with pytest.raises(DomainError):
        pulse_answer(token=token, score=11)

    assert PulseInvitation.objects.get().used is False


def _staff(n):
    return [UserFactory(username=f"staff{i}") for i in range(n)]


def test_the_report_stays_hidden_below_five_answers(invite, pulse):
    _staff(6)
    invite()
    for token in _tokens()[:4]:
        pulse_answer(token=token, score=10, comment="Nice")

    report = pulse_report(survey=pulse)

    assert report.shown is False and report.invited == 6
    assert report.answered is None and report.enps is None and report.comments == ()


def test_enps_is_promoters_minus_detractors_as_a_share_of_answers(invite, pulse):
    _staff(8)
    invite()
    scores = [10, 9, 9, 8, 7, 6, 0]  # 3 promoters, 2 passives, 2 detractors of 7
    for token, score in zip(_tokens(), scores, strict=False):
        pulse_answer(token=token, score=score, comment="" if score == 8 else f"Said {score}")

    report = pulse_report(survey=pulse)

    assert report.shown is True
    assert (report.answered, report.invited) == (7, 8)
    assert (report.promoters, report.passives, report.detractors) == (3, 2, 2)
    assert report.enps == 14  # (3 - 2) / 7 = 14.3 points
    assert list(report.comments) == sorted(f"Said {s}" for s in scores if s != 8)


# --- Pages ----------------------------------------------------------------------------------------------


def test_staff_answer_through_the_link_without_logging_in(client, invite, pulse, agent):
    invite()
    url = reverse("pulse:answer", args=[_tokens()[0]])

    page = client.get(url)
    sent = client.post(url, {"score": "8", "comment": "Fine"})
    again = client.get(url)

    assert page.status_code == 200 and PULSE_QUESTION in page.content.decode()
    assert sent.status_code == 200 and "Thank you" in sent.content.decode()
    assert again.status_code == 410
    assert PulseAnswer.objects.get().score == 8


def test_the_answer_page_keeps_the_comment_when_the_score_is_missing(client, invite, agent):
    invite()

    page = client.post(reverse("pulse:answer", args=[_tokens()[0]]), {"comment": "Kept"})

    assert page.status_code == 400 and "Kept" in page.content.decode()
    assert PulseInvitation.objects.get().used is False


def test_a_manager_sees_the_report_and_invites_a_team(manager_client, pulse, agent, team):
    page = manager_client.get(reverse("pulse:report", args=[pulse.pk]))
    invited = manager_client.post(reverse("pulse:invite", args=[pulse.pk]), {"team": team.pk})

    assert page.status_code == 200 and "Too few answers to keep people anonymous" in page.content.decode()
    assert invited.status_code == 302 and PulseInvitation.objects.filter(user=agent).exists()


def test_a_manager_creates_a_pulse_from_the_list(manager_client):
    created = manager_client.post(reverse("pulse:list"), {"name": "Autumn pulse"})

    survey = Survey.objects.get(name="Autumn pulse")
    assert created.status_code == 302 and survey.audience == Audience.STAFF
    assert "Autumn pulse" in manager_client.get(reverse("pulse:list")).content.decode()


@pytest.mark.parametrize("name, args, method", [
    ("pulse:list", [], "get"), ("pulse:report", ["pk"], "get"), ("pulse:invite", ["pk"], "post"),
])
def test_agents_cannot_see_or_run_the_pulse(agent_client, pulse, name, args, method):
    url = reverse(name, args=[pulse.pk for _ in args])

    assert getattr(agent_client, method)(url).status_code == 403


def test_anonymous_people_are_sent_to_log_in_for_the_report(client, pulse):
    assert client.get(reverse("pulse:report", args=[pulse.pk])).status_code == 302
