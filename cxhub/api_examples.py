"""Examples of the webhook API's requests and answers in the OpenAPI schema (docs/webhooks.md describes
the deliveries themselves). tests/cxhub/test_api_schema.py checks every example against the schema of the
operation that shows it."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

SUBSCRIPTION = {
    "id": 4, "url": "https://crm.example.com/hooks/cxhub", "description": "CRM sync: tickets and answers",
    "event_types": ["ticket.created", "ticket.updated", "ticket.resolved", "response.created"], "owner": 3,
    "is_active": True, "disabled_reason": "", "disabled_at": None, "consecutive_failures": 0,
    "failing_since": None, "last_attempt_at": "2026-11-22T10:15:41.902113Z",
    "last_success_at": "2026-11-22T10:15:41.902113Z", "created_at": "2026-10-01T12:00:03.117400Z",
    "updated_at": "2026-10-01T12:00:03.117400Z",
}
SUBSCRIPTION_EXAMPLES = [OpenApiExample("An active subscription", response_only=True, value=SUBSCRIPTION)]
SUBSCRIPTION_SECRET_EXAMPLES = [OpenApiExample(
    "A new subscription with its secret", response_only=True,
    description="The secret is shown in this answer only: keep it to verify signatures.",
    value={**SUBSCRIPTION, "last_attempt_at": None, "last_success_at": None,
           "secret": "whsec_q8Vb1m3ZK0x2tYc7LwR5nP9dHs4uJ6gA1eF3iO8kT0U="},
)]
SUBSCRIPTION_INPUT_EXAMPLES = [
    OpenApiExample("Tickets and answers", request_only=True, value={
        "url": "https://crm.example.com/hooks/cxhub", "description": "CRM sync: tickets and answers",
        "event_types": ["ticket.created", "ticket.updated", "ticket.resolved", "response.created"],
    }),
    OpenApiExample("Every event", request_only=True, value={
        "url": "https://ops.example.com/cx-events", "description": "Operations dashboard", "event_types": ["*"],
    }),
]

DELIVERY = {
    "id": 20931, "subscription": 4, "event_id": "evt_01KB2X0Q2W3E4R5T6Y7U8I9O0P", "event_type": "ticket.resolved",
    "status": "succeeded", "attempts": 2, "next_attempt_at": None, "last_status_code": 200, "last_error": "",
    "created_at": "2026-11-22T10:15:40.802266Z", "updated_at": "2026-11-22T10:16:12.441390Z",
}
# A delivery is listed and read (200) and is the answer of a test send or a redelivery (202).
ANSWERED = ["200", "202"]
DELIVERY_EXAMPLES = [
    OpenApiExample("Delivered at the second attempt", response_only=True, status_codes=ANSWERED, value=DELIVERY),
    OpenApiExample("Waiting for a retry", response_only=True, status_codes=ANSWERED, value={
        **DELIVERY, "id": 20950, "event_id": "evt_01KB2X7M4N5B6V7C8X9Z0L1K2J", "event_type": "response.created",
        "status": "retrying", "attempts": 1, "next_attempt_at": "2026-11-22T11:02:30Z", "last_status_code": 503,
        "last_error": "HTTP 503", "created_at": "2026-11-22T11:01:59.120334Z",
        "updated_at": "2026-11-22T11:02:00.870112Z",
    }),
]
DELIVERY_DETAIL_EXAMPLES = [OpenApiExample("A delivery with its attempts", response_only=True, status_codes=ANSWERED,
                                           value={
    **DELIVERY,
    "payload": {
        "id": "evt_01KB2X0Q2W3E4R5T6Y7U8I9O0P", "type": "ticket.resolved", "timestamp": "2026-11-22T10:15:40.771Z",
        "data": {"id": 1042, "external_id": "CRM-TCK-5531", "status": "resolved", "priority": "high",
                 "channel": "email", "customer": {"id": 251, "external_id": "CRM-1001"}, "touchpoint_id": 24,
                 "team_id": 2, "assignee_id": 7, "created_at": "2026-11-21T08:02:11.503Z",
                 "updated_at": "2026-11-22T10:15:40.771Z", "first_resolved_at": "2026-11-22T10:15:40.771Z",
                 "resolved_at": "2026-11-22T10:15:40.771Z", "closed_at": None},
    },
    "last_response": "ok",
    "attempt_log": [
        {"number": 1, "created_at": "2026-11-22T10:15:41.002381Z", "status_code": 502, "succeeded": False,
         "duration_ms": 311, "error": "HTTP 502", "response_excerpt": "Bad Gateway", "manual": False,
         "retry_at": "2026-11-22T10:16:11Z"},
        {"number": 2, "created_at": "2026-11-22T10:16:12.301904Z", "status_code": 200, "succeeded": True,
         "duration_ms": 142, "error": "", "response_excerpt": "ok", "manual": False, "retry_at": None},
    ],
})]
