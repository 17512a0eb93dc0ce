from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web")
    APP = "app", _("Mobile app")
    CHAT = "chat", _("Chat")
    SOCIAL = "social", _("Social media")
    MAIL = "mail", _("Post")


class Language(models.TextChoices):
    EN = "en", "English"
    EL = "el", "Ελληνικά"
    VI = "vi", "Tiếng Việt"
    FA = "fa", "فارسی"


class SignalKind(models.TextChoices):
    """What an experience signal says. Each kind feeds one or more daily score components."""

    FIRST_RESPONSE = "first_response", _("First agent response (value: seconds)")
    QUEUE_WAIT = "queue_wait", _("Wait in queue before the first agent touch (value: seconds)")
    TICKET_RESOLVED = "ticket_resolved", _("Ticket resolved (value: seconds to resolve)")
    SLA_MET = "sla_met", _("Resolution within SLA")
    SLA_BREACHED = "sla_breached", _("Resolution SLA breached")
    FIRST_CONTACT_RESOLUTION = "first_contact_resolution", _("Resolved at first contact")
    FCR_REVOKED = "fcr_revoked", _("First-contact resolution revoked by a reopen")
    TICKET_REOPENED = "ticket_reopened", _("Ticket reopened")
    NPS_ANSWER = "nps_answer", _("NPS answer (value: 0-10)")
    CSAT_ANSWER = "csat_answer", _("CSAT answer (value: 1-5)")
    CES_ANSWER = "ces_answer", _("CES answer (value: 1-7)")


# The value range each answer kind accepts, on the standard scale the metrics are defined on.
ANSWER_RANGES: dict[str, tuple[int, int]] = {
    SignalKind.NPS_ANSWER: (0, 10),
    SignalKind.CSAT_ANSWER: (1, 5),
    SignalKind.CES_ANSWER: (1, 7),
}
