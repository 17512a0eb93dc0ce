from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from journeys.choices import SignalKind


class SurveyKind(models.TextChoices):
    NPS = "nps", _("NPS (0-10, how likely to recommend)")
    CSAT = "csat", _("CSAT (1-5, how satisfied)")
    CES = "ces", _("CES (1-7, it was easy)")


# Each kind's scale and the experience signal its answers record.
SCALES: dict[str, tuple[int, int]] = {
    SurveyKind.NPS: (0, 10),
    SurveyKind.CSAT: (1, 5),
    SurveyKind.CES: (1, 7),
}
SIGNAL_KINDS: dict[str, str] = {
    SurveyKind.NPS: SignalKind.NPS_ANSWER,
    SurveyKind.CSAT: SignalKind.CSAT_ANSWER,
    SurveyKind.CES: SignalKind.CES_ANSWER,
}
# The standard questions in the four languages customers answer in.
DEFAULT_QUESTION_TRANSLATIONS: dict[str, dict[str, str]] = {
    SurveyKind.NPS: {
        "el": "Πόσο πιθανό είναι να μας προτείνετε σε έναν φίλο ή συνάδελφο;",
        "vi": "Bạn có sẵn lòng giới thiệu chúng tôi với bạn bè hoặc đồng nghiệp không?",
        "fa": "چقدر احتمال دارد ما را به یک دوست یا همکار توصیه کنید؟",
    },
    SurveyKind.CSAT: {
        "el": "Πόσο ικανοποιημένοι μείνατε από την εμπειρία σας;",
        "vi": "Bạn hài lòng thế nào với trải nghiệm của mình?",
        "fa": "چقدر از تجربه خود راضی بودید؟",
    },
    SurveyKind.CES: {
        "el": "Ήταν εύκολο να βρω αυτό που χρειαζόμουν.",
        "vi": "Tôi dễ dàng có được những gì mình cần.",
        "fa": "به‌راحتی به آنچه نیاز داشتم رسیدم.",
    },
}

DEFAULT_QUESTIONS: dict[str, str] = {
    SurveyKind.NPS: "How likely are you to recommend us to a friend or colleague?",
    SurveyKind.CSAT: "How satisfied were you with your experience?",
    SurveyKind.CES: "It was easy to get what I needed.",
}


class Audience(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    STAFF = "staff", _("Staff (employee pulse)")


class QuestionKind(models.TextChoices):
    RATING = "rating", _("Rating")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TEXT = "text", _("Free text")


class InvitationTrigger(models.TextChoices):
    TICKET_RESOLVED = "ticket_resolved", _("Ticket resolved")
    TOUCHPOINT_EVENT = "touchpoint_event", _("Touchpoint event")
    BATCH = "batch", _("Batch to a segment")
    MANUAL = "manual", _("Manual")


class InvitationStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("invitation status", "Scheduled")
    SENT = "sent", pgettext_lazy("invitation status", "Sent")
    ANSWERED = "answered", pgettext_lazy("invitation status", "Answered")
    EXPIRED = "expired", pgettext_lazy("invitation status", "Expired")
    SKIPPED = "skipped", pgettext_lazy("invitation status", "Skipped")
    FAILED = "failed", pgettext_lazy("invitation status", "Failed to send")


class Sentiment(models.TextChoices):
    POSITIVE = "positive", pgettext_lazy("sentiment", "Positive")
    NEUTRAL = "neutral", pgettext_lazy("sentiment", "Neutral")
    NEGATIVE = "negative", pgettext_lazy("sentiment", "Negative")
    UNKNOWN = "unknown", pgettext_lazy("sentiment", "Unknown")
