from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone"
    EMAIL = "email", "E-mail"
    WEB = "web", "Web"
    APP = "app", "Mobile app"
    CHAT = "chat", "Chat"
    SOCIAL = "social", "Social media"
    MAIL = "mail", "Post"


class Language(models.TextChoices):
    EN = "en", "English"
    EL = "el", "Ελληνικά"
    VI = "vi", "Tiếng Việt"
    FA = "fa", "فارسی"


class SignalKind(models.TextChoices):
    """What an experience signal says. Each kind feeds one or more daily score components."""

    FIRST_RESPONSE = "first_response", "First agent response (value: seconds)"
    QUEUE_WAIT = "queue_wait", "Wait in queue before the first agent touch (value: seconds)"
    TICKET_RESOLVED = "ticket_resolved", "Ticket resolved (value: seconds to resolve)"
    SLA_MET = "sla_met", "Resolution within SLA"
    SLA_BREACHED = "sla_breached", "Resolution SLA breached"
    FIRST_CONTACT_RESOLUTION = "first_contact_resolution", "Resolved at first contact"
    FCR_REVOKED = "fcr_revoked", "First-contact resolution revoked by a reopen"
    TICKET_REOPENED = "ticket_reopened", "Ticket reopened"
    NPS_ANSWER = "nps_answer", "NPS answer (value: 0-10)"
    CSAT_ANSWER = "csat_answer", "CSAT answer (value: 1-5)"
    CES_ANSWER = "ces_answer", "CES answer (value: 1-7)"


# The value range each answer kind accepts, on the standard scale the metrics are defined on.
ANSWER_RANGES: dict[str, tuple[int, int]] = {
    SignalKind.NPS_ANSWER: (0, 10),
    SignalKind.CSAT_ANSWER: (1, 5),
    SignalKind.CES_ANSWER: (1, 7),
}
