from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from feedback.choices import SurveyKind
from feedback.services import response_submit
from journeys import rollup
from journeys.models import ScoreComponentDaily
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory
from tests.tickets.factories import make_ticket
from tickets.services import ticket_reopen, ticket_reply, ticket_resolve

pytestmark = pytest.mark.django_db

FIELDS = [f.name for f in ScoreComponentDaily._meta.fields if f.name != "id"]


def test_recompute_scores_rebuilds_exactly_what_the_incremental_rollup_built(touchpoint, agent):
    # given tickets and answers rolled up incrementally
    survey = make_survey(kind=SurveyKind.CES, touchpoint=touchpoint)
    for score in (7, 2, 6):
        response_submit(survey=survey, customer=CustomerFactory(), score=score)
    ticket = make_ticket(touchpoint=touchpoint)
    ticket_reply(ticket=ticket, author=agent, body="Done")
    ticket_resolve(ticket=ticket, actor=agent)
    ticket_reopen(ticket=ticket, actor=agent)
    rollup.rollup_new_signals()
    incremental = list(ScoreComponentDaily.objects.values_list(*FIELDS))

    # when the command recomputes everything
    out = io.StringIO()
    call_command("recompute_scores", stdout=out)

    # then the rows are the same and the command said what it did
    assert list(ScoreComponentDaily.objects.values_list(*FIELDS)) == incremental
    assert "touchpoint-days written (100%)" in out.getvalue()
    # 3 answers; queue wait, first response, resolved, SLA met, FCR, reopened, FCR revoked
    assert "Done: 10 signals" in out.getvalue()
