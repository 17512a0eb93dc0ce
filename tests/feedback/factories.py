from __future__ import annotations

from feedback.choices import SurveyKind
from feedback.models import Survey
from feedback.services import survey_create
from journeys.models import Touchpoint


def make_survey(*, kind: str = SurveyKind.CSAT, touchpoint: Touchpoint | None = None,
                name: str | None = None) -> Survey:
    return survey_create(name=name or f"{kind.upper()} survey", kind=kind, touchpoint=touchpoint)
