"""FilterSets of the feedback side, shared by the API lists and the pages.

The response list page, its CSV export and `/api/v1/responses/` read the same query-string parameters.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cxhub.api import IdFilter, StableOrderingFilter
from feedback.choices import Sentiment, SurveyKind
from feedback.models import Response, Survey
from journeys.models import Touchpoint
from tickets.filters import DateFromFilter, DateToFilter

# Score bands of each kind, on the kind's standard scale (docs: NPS 9-10 / 7-8 / 0-6; CSAT 4-5 / 3 / 1-2;
# CES 5-7 / 4 / 1-3). "neutral" exists for CSAT and CES and means each kind's own middle.
BANDS: dict[str, tuple[str, Q]] = {
    "promoter": (_("Promoters (NPS 9-10)"), Q(survey__kind=SurveyKind.NPS, score__gte=9)),
    "passive": (_("Passives (NPS 7-8)"), Q(survey__kind=SurveyKind.NPS, score__gte=7, score__lte=8)),
    "detractor": (_("Detractors (NPS 0-6)"), Q(survey__kind=SurveyKind.NPS, score__lte=6)),
    "satisfied": (_("Satisfied (CSAT 4-5)"), Q(survey__kind=SurveyKind.CSAT, score__gte=4)),
    "neutral": (_("Neutral (CSAT 3, CES 4)"),
                Q(survey__kind=SurveyKind.CSAT, score=3) | Q(survey__kind=SurveyKind.CES, score=4)),
    "dissatisfied": (_("Dissatisfied (CSAT 1-2)"), Q(survey__kind=SurveyKind.CSAT, score__lte=2)),
    "easy": (_("Easy (CES 5-7)"), Q(survey__kind=SurveyKind.CES, score__gte=5)),
    "hard": (_("Hard (CES 1-3)"), Q(survey__kind=SurveyKind.CES, score__lte=3)),
}
# The bands that make sense for one kind, for the page's band menu once a survey is chosen.
KIND_BANDS: dict[str, tuple[str, ...]] = {
    SurveyKind.NPS: ("promoter", "passive", "detractor"),
    SurveyKind.CSAT: ("satisfied", "neutral", "dissatisfied"),
    SurveyKind.CES: ("easy", "neutral", "hard"),
}
# One answer's band as the pages name it ("9 / 10 · promoter").
BAND_NAMES: dict[str, str] = {
    "promoter": pgettext_lazy("score band", "promoter"), "passive": pgettext_lazy("score band", "passive"),
    "detractor": pgettext_lazy("score band", "detractor"), "satisfied": pgettext_lazy("score band", "satisfied"),
    "neutral": pgettext_lazy("score band", "neutral"), "dissatisfied": pgettext_lazy("score band", "dissatisfied"),
    "easy": pgettext_lazy("score band", "easy"), "hard": pgettext_lazy("score band", "hard"),
}
GOOD_BANDS = {"promoter", "satisfied", "easy"}
BAD_BANDS = {"detractor", "dissatisfied", "hard"}


def band_of(kind: str, score: int) -> str:
    """The band key of a score of this kind (the same cut-offs as BANDS)."""
    if kind == SurveyKind.NPS:
        return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    if kind == SurveyKind.CSAT:
        return "satisfied" if score >= 4 else "neutral" if score == 3 else "dissatisfied"
    return "easy" if score >= 5 else "neutral" if score == 4 else "hard"


class SurveyFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=SurveyKind.choices)
    touchpoint = django_filters.ModelChoiceFilter(queryset=Touchpoint.objects.all())
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Survey
        fields = ["kind", "touchpoint", "is_active"]


class ResponseFilterSet(django_filters.FilterSet):
    survey = django_filters.ModelChoiceFilter(queryset=Survey.objects.all(), empty_label=_("Any survey"))
    kind = django_filters.ChoiceFilter(field_name="survey__kind", choices=SurveyKind.choices,
                                       empty_label=_("Any kind"), help_text="nps, csat or ces.")
    touchpoint = django_filters.ModelChoiceFilter(
        queryset=Touchpoint.objects.select_related("stage__journey")
        .order_by("stage__journey__name", "stage__position", "position", "id"),
        empty_label=_("Any touchpoint"))
    customer = IdFilter(field_name="customer")
    ticket = IdFilter(field_name="ticket")
    band = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _condition) in BANDS.items()], method="filter_band",
        empty_label=_("Any score"),
        help_text="A score band of the answer's kind: promoter, passive, detractor (NPS); satisfied, "
                  "neutral, dissatisfied (CSAT); easy, neutral, hard (CES).",
    )
    sentiment = django_filters.ChoiceFilter(choices=Sentiment.choices, empty_label=_("Any sentiment"))
    has_comment = django_filters.BooleanFilter(method="filter_has_comment",
                                               help_text="true: only answers with a comment.")
    answered = django_filters.IsoDateTimeFromToRangeFilter(
        field_name="answered_at",
        help_text="answered_after / answered_before: ISO 8601 times, both ends included.",
    )
    answered_from = DateFromFilter(field_name="answered_at", help_text="Answered on or after this date.")
    answered_to = DateToFilter(field_name="answered_at", help_text="Answered on or before this date.")
    ordering = StableOrderingFilter(fields=("answered_at", "created_at", "score"))

    class Meta:
        model = Response
        fields = ["survey", "touchpoint", "customer", "ticket"]

    def filter_band(self, queryset: QuerySet[Response], name: str, value: str) -> QuerySet[Response]:
        return queryset.filter(BANDS[value][1]) if value else queryset

    def filter_has_comment(self, queryset: QuerySet[Response], name: str, value: bool | None
                           ) -> QuerySet[Response]:
        if value is None:
            return queryset
        return queryset.exclude(comment="") if value else queryset.filter(comment="")
