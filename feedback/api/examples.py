"""Examples of the feedback side's requests and answers in the OpenAPI schema: surveys and their
versions, responses and themes, invitations, touchpoint events, settings and post-ticket rules.

The same world as journeys.api.examples: the CSAT survey 12 of the "Home delivery" touchpoint (24),
answered by customers from Athens (251), Hanoi (388) and Tehran (402).
tests/cxhub/test_api_schema.py checks every example against the schema of the operation that shows it.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

QUESTION = {
    "en": "How satisfied are you with the delivery of your car?",
    "el": "Πόσο ικανοποιημένος είστε με την παράδοση του αυτοκινήτου σας;",
    "vi": "Bạn hài lòng thế nào với việc giao xe?",
    "fa": "از تحویل خودروی خود چقدر راضی هستید؟",
}
DEFINITION = {
    "title": {"en": "Delivery", "el": "Παράδοση", "vi": "Giao xe", "fa": "تحویل"},
    "intro": {},
    "questions": [
        {"key": "csat", "kind": "rating", "primary": True, "required": True, "text": QUESTION,
         "scale_min": 1, "scale_max": 5, "choices": []},
        {"key": "on_time", "kind": "single", "primary": False, "required": False,
         "text": {"en": "Did the car arrive on the promised day?", "el": "Ήρθε την ημέρα που συμφωνήσαμε;"},
         "scale_min": None, "scale_max": None,
         "choices": [{"key": "yes", "text": {"en": "Yes", "el": "Ναι"}},
                     {"key": "no", "text": {"en": "No", "el": "Όχι"}}]},
    ],
}
SURVEY = {
    "id": 12, "name": "CSAT: Home delivery", "kind": "csat", "question": QUESTION["en"], "touchpoint": 24,
    "scale_min": 1, "scale_max": 5, "version": 2, "audience": "customers", "is_active": True,
    "definition": DEFINITION, "created_at": "2026-02-01T09:00:00Z", "updated_at": "2026-09-14T11:26:40.502118Z",
}
SURVEY_EXAMPLES = [OpenApiExample("A CSAT survey", response_only=True, value=SURVEY)]
SURVEY_CREATE_EXAMPLES = [OpenApiExample("A CSAT survey for a touchpoint", request_only=True, value={
    "name": "CSAT: Home delivery", "kind": "csat", "touchpoint": 24, "question": QUESTION["en"],
    "audience": "customers",
})]
SURVEY_VERSION_EXAMPLES = [OpenApiExample("Version 2", response_only=True, value={
    "number": 2, "definition": DEFINITION, "created_by": 3, "created_at": "2026-09-14T11:26:40.498903Z",
})]
SURVEY_VERSION_CREATE_EXAMPLES = [OpenApiExample(
    "Add a question", request_only=True, value={"definition": DEFINITION},
    description="The whole definition: the primary question and one more.",
)]

THEME = {"id": 5, "name": "Delivery time"}
THEME_EXAMPLES = [OpenApiExample("A theme", response_only=True, value=THEME)]
THEME_CREATE_EXAMPLES = [OpenApiExample("A theme", request_only=True, value={"name": "Delivery time"})]

RESPONSE = {
    "id": 15522, "survey": 12, "customer": 388, "touchpoint": 24, "ticket": None, "score": 2,
    "comment": "Xe giao trễ hai ngày và không ai gọi báo trước.", "language": "vi", "scale_min": 1,
    "scale_max": 5, "survey_version": 2, "formula_version": "2026.1", "sentiment": "negative",
    "themes": [THEME], "follow_up_ticket": 1049, "loop_closed_at": None, "invitation": 8113,
    "answered_at": "2026-11-20T09:12:44.120551Z", "created_at": "2026-11-20T09:12:44.298311Z",
}
RESPONSE_EXAMPLES = [OpenApiExample("A low answer with a follow-up ticket", response_only=True, value=RESPONSE)]
RESPONSE_DETAIL_EXAMPLES = [OpenApiExample("A response with its other answers", response_only=True,
                                           value={**RESPONSE, "answers": {"on_time": "no"}})]
RESPONSE_CREATE_EXAMPLES = [OpenApiExample("An answer collected by the CRM", request_only=True, value={
    "survey": 12, "customer": 402, "score": 5, "comment": "تحویل به‌موقع بود و راننده بسیار مؤدب بود.",
    "language": "fa", "answered_at": "2026-11-22T15:40:00+03:30", "answers": {"on_time": "yes"},
})]
RESPONSE_THEME_EXAMPLES = [OpenApiExample("Tag with a theme", request_only=True, value={"theme": 5})]

INVITATION = {
    "id": 8113, "survey": 12, "customer": 388, "touchpoint": 24, "ticket": None, "trigger": "touchpoint_event",
    "status": "answered", "skip_reason": "", "language": "vi", "send_at": "2026-11-19T18:00:00Z",
    "sent_at": "2026-11-19T18:00:04.771203Z", "expires_at": "2026-12-03T18:00:00Z",
    "answered_at": "2026-11-20T09:12:44.120551Z", "created_at": "2026-11-19T16:31:09.118200Z",
}
INVITATION_EXAMPLES = [
    OpenApiExample("An answered invitation", response_only=True, value=INVITATION),
    OpenApiExample("A skipped invitation", response_only=True, value={
        **INVITATION, "id": 8140, "customer": 251, "trigger": "manual", "status": "skipped",
        "skip_reason": "fatigue", "language": "el", "sent_at": None, "answered_at": None,
    }),
]
INVITATION_CREATE_EXAMPLES = [OpenApiExample("Invite one customer tomorrow morning", request_only=True, value={
    "survey": 12, "customer": 251, "touchpoint": 24, "send_at": "2026-11-24T09:00:00+02:00",
})]
INVITATION_BATCH_EXAMPLES = [OpenApiExample("Invite a segment", request_only=True, value={
    "survey": 12, "segment": "premium", "send_at": "2026-11-24T09:00:00+02:00",
})]
INVITATION_BATCH_RESULT_EXAMPLES = [OpenApiExample("Most invited", response_only=True, value={
    "invited": 184, "skipped": {"fatigue": 23, "no_email": 4},
})]

TOUCHPOINT_EVENT = {
    "id": 3310, "touchpoint": 24, "customer": 388, "kind": "delivery", "external_id": "CRM-EVT-9001",
    "occurred_at": "2026-11-19T16:30:00Z", "data": {"order": "SO-2026-0057", "model": "City EV"},
    "invitation": {"id": 8113, "survey": 12, "status": "scheduled", "skip_reason": "",
                   "send_at": "2026-11-19T18:00:00Z", "expires_at": "2026-12-03T18:00:00Z"},
    "created_at": "2026-11-19T16:31:09.114583Z",
}
TOUCHPOINT_EVENT_EXAMPLES = [OpenApiExample("A delivery that invited its customer", response_only=True,
                                            value=TOUCHPOINT_EVENT)]
TOUCHPOINT_EVENT_CREATE_EXAMPLES = [OpenApiExample("A delivery", request_only=True, value={
    "touchpoint": 24, "customer_external_id": "CRM-1002", "kind": "delivery", "external_id": "CRM-EVT-9001",
    "occurred_at": "2026-11-19T23:30:00+07:00", "data": {"order": "SO-2026-0057", "model": "City EV"},
})]

FEEDBACK_SETTINGS_EXAMPLES = [
    OpenApiExample("At most one invitation a month", request_only=True, value={"contact_fatigue_days": 30}),
    OpenApiExample("The settings", response_only=True,
                   value={"contact_fatigue_days": 30, "invitation_expiry_days": 14}),
]
TICKET_SURVEY_RULE = {"id": 2, "survey": 12, "team": 2, "touchpoint": 24, "delay_minutes": 60, "position": 0,
                      "is_active": True}
TICKET_SURVEY_RULE_EXAMPLES = [
    OpenApiExample("Ask an hour after a delivery ticket is resolved", request_only=True,
                   value={key: value for key, value in TICKET_SURVEY_RULE.items() if key != "id"}),
    OpenApiExample("A rule", response_only=True, value=TICKET_SURVEY_RULE),
]
