"""Examples of the experience side's requests and answers in the OpenAPI schema.

One small world runs through them: the "Car ownership" program (3), its "Buying a car" journey (7) with
the stages Purchase (21) and Delivery (22), the touchpoints "Test drive" (19) and "Home delivery" (24),
and customers from Athens, Hanoi and Tehran. tests/cxhub/test_api_schema.py checks every example
against the schema of the operation that shows it.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample

from journeys.scoring import Components

CUSTOMER = {
    "id": 251, "name": "Νίκος Παπαδόπουλος", "email": "nikos.papadopoulos@example.gr",
    "external_id": "CRM-1001", "segment": "premium", "language": "el",
    "created_at": "2026-03-02T08:15:27.412093Z", "updated_at": "2026-11-20T14:03:51.880214Z",
}
CUSTOMER_EXAMPLES = [
    OpenApiExample(
        "A customer from the CRM", request_only=True,
        value={"name": "Νίκος Παπαδόπουλος", "email": "nikos.papadopoulos@example.gr",
               "external_id": "CRM-1001", "segment": "premium", "language": "el"},
    ),
    OpenApiExample("A customer", response_only=True, value=CUSTOMER),
]
CUSTOMER_UPSERT_EXAMPLES = [
    OpenApiExample(
        "Create or update by CRM id", request_only=True,
        description="The CRM id is in the address; fields left out keep their value.",
        value={"name": "Nguyễn Thị Lan", "email": "lan.nguyen@example.vn", "segment": "retail", "language": "vi"},
    ),
]

# --- Bulk upsert of customers ---------------------------------------------------------------------------

CUSTOMER_BULK_UPSERT_EXAMPLES = [
    OpenApiExample(
        "Three customers, a new one without a name", request_only=True,
        value={"atomic": False, "items": [
            {"external_id": "CRM-1001", "name": "Νίκος Παπαδόπουλος", "segment": "premium", "language": "el"},
            {"external_id": "CRM-1002", "name": "Nguyễn Thị Lan", "email": "lan.nguyen@example.vn",
             "language": "vi"},
            {"external_id": "CRM-1003", "email": "maryam.ahmadi@example.ir", "language": "fa"},
        ]},
    ),
    OpenApiExample(
        "A mixed result", response_only=True, status_codes=["200"],
        description="One updated, one created, one refused; the two valid items were written.",
        value={"written": True, "results": [
            {"index": 0, "external_id": "CRM-1001", "status": "updated", "id": 251, "errors": {}},
            {"index": 1, "external_id": "CRM-1002", "status": "created", "id": 388, "errors": {}},
            {"index": 2, "external_id": "CRM-1003", "status": "error", "id": None,
             "errors": {"name": ["A name is needed to create a customer."]}},
        ]},
    ),
    OpenApiExample(
        "An atomic call with an error", response_only=True, status_codes=["400"],
        description="With `atomic: true` one bad item writes nothing; `id` of what would have been created "
                    "is null.",
        value={"detail": "Nothing was written: 1 of 3 items have errors (atomic call).",
               "errors": {"items": ["Nothing was written: 1 of 3 items have errors (atomic call)."]},
               "written": False, "results": [
                   {"index": 0, "external_id": "CRM-1001", "status": "updated", "id": 251, "errors": {}},
                   {"index": 1, "external_id": "CRM-1002", "status": "created", "id": None, "errors": {}},
                   {"index": 2, "external_id": "CRM-1003", "status": "error", "id": None,
                    "errors": {"name": ["A name is needed to create a customer."]}},
               ]},
    ),
]

# --- The journey structure --------------------------------------------------------------------------------

PROGRAM_EXAMPLES = [OpenApiExample("A program", response_only=True, value={
    "id": 3, "name": "Car ownership",
    "purpose": "Every owner trusts us more after each visit than before it.",
    "score_weights": {"csat": 1.0, "nps": 1.0, "ces": 1.0, "sla": 2.0, "fcr": 1.0},
    "min_sample_size": 5, "created_at": "2026-01-12T10:00:00Z", "updated_at": "2026-09-01T07:30:12.004512Z",
})]
JOURNEY = {
    "id": 7, "program": 3, "name": "Buying a car",
    "description": "From the first visit to the showroom to the keys at the door.", "position": 0,
    "created_at": "2026-01-12T10:05:00Z", "updated_at": "2026-06-18T12:41:09.300118Z",
}
JOURNEY_EXAMPLES = [OpenApiExample("A journey", response_only=True, value=JOURNEY)]
STAGE = {"id": 22, "journey": 7, "name": "Delivery", "position": 2,
         "description": "The car reaches its owner, at the dealership or at home."}
STAGE_EXAMPLES = [OpenApiExample("A stage", response_only=True, value=STAGE)]
TOUCHPOINT = {
    "id": 24, "stage": 22, "journey": 7, "name": "Home delivery",
    "description": "The car is delivered to the owner's door on the promised day.", "channel": "in_person",
    "owner_team": 2, "target_score": "80.00", "weight": "2.00", "position": 1, "is_active": True,
    "created_at": "2026-01-12T10:09:44Z", "updated_at": "2026-11-02T16:20:05.118034Z",
}
TOUCHPOINT_EXAMPLES = [OpenApiExample("A touchpoint", response_only=True, value=TOUCHPOINT)]
TOUCHPOINT_TARGET_EXAMPLES = [OpenApiExample(
    "Raise the target", request_only=True, value={"target_score": "80.00", "weight": "2.00"},
)]
JOURNEY_DETAIL_EXAMPLES = [OpenApiExample("A journey with its stages and touchpoints", response_only=True, value={
    **JOURNEY,
    "stages": [
        {"id": 21, "journey": 7, "name": "Purchase", "position": 1, "description": "",
         "touchpoints": [{**TOUCHPOINT, "id": 19, "stage": 21, "name": "Test drive",
                          "description": "A drive of the chosen model with a salesperson.", "owner_team": 1,
                          "target_score": "75.00", "weight": "1.00", "position": 0}]},
        {**STAGE, "touchpoints": [TOUCHPOINT]},
    ],
})]

# --- Scores -----------------------------------------------------------------------------------------------


def components(**counts: int) -> dict[str, int]:
    """Every additive component, zero unless given."""
    return {name: counts.get(name, 0) for name in Components.names()}


def metric(key: str, label: str, value: float | None, sample: int, unit: str = "%", *,
           low: float | None = None, high: float | None = None, enough: bool = True) -> dict[str, Any]:
    return {"key": key, "label": label, "value": value, "low": low, "high": high, "sample": sample,
            "enough": enough, "unit": unit}


DELIVERY_COMPONENTS = components(
    signals=61, csat_responses=24, csat_satisfied=17, csat_score_sum=94, tickets_resolved=9,
    resolution_seconds_sum=176400, first_responses=9, first_response_seconds_sum=30240, queue_waits=9,
    queue_wait_seconds_sum=5400, sla_met=14, sla_breached=4, fcr=5, reopens=1,
)
DELIVERY_METRICS = [
    metric("csat", "CSAT", 70.8, 24, low=50.8, high=85.1),
    metric("nps", "NPS", None, 0, "", enough=False),
    metric("ces", "CES (easy)", None, 0, enough=False),
    metric("ces_mean", "CES mean", None, 0, "/7", enough=False),
    metric("sla", "SLA attainment", 77.8, 18, low=54.8, high=91.0),
    metric("fcr", "First-contact resolution", 55.6, 9, low=26.7, high=81.1),
    metric("reopen_rate", "Reopen rate", 11.1, 9, low=2.0, high=43.5),
    metric("resolution_hours", "Mean resolution time", 5.4, 9, "h"),
    metric("first_response_hours", "Mean first response", 0.9, 9, "h"),
    metric("queue_wait_hours", "Mean wait in queue", 0.2, 9, "h"),
]
WINDOW_30 = {"days": 30, "start": "2026-10-25", "end": "2026-11-23"}
DELIVERY_SCORE = {
    "score": 68.1, "enough_data": True, "sample_size": 33, "metrics": DELIVERY_METRICS,
    "components": DELIVERY_COMPONENTS, "id": 24, "name": "Home delivery", "target_score": "80.00",
    "weight": "2.00", "meets_target": False,
}
TEST_DRIVE_SCORE = {
    "score": 86.4, "enough_data": True, "sample_size": 22,
    "metrics": [metric("csat", "CSAT", 86.4, 22, low=66.7, high=95.3)],
    "components": components(signals=22, csat_responses=22, csat_satisfied=19, csat_score_sum=97),
    "id": 19, "name": "Test drive", "target_score": "75.00", "weight": "1.00", "meets_target": True,
}
TOUCHPOINT_SCORECARD_EXAMPLES = [OpenApiExample(
    "A touchpoint below its target", response_only=True,
    value={"window": WINDOW_30, **DELIVERY_SCORE, "stage": 22, "min_sample_size": 5},
)]
JOURNEY_SCORES_EXAMPLES = [OpenApiExample("A journey's scorecard", response_only=True, value={
    "window": WINDOW_30, "score": 74.3, "enough_data": True, "sample_size": 55,
    "metrics": [metric("csat", "CSAT", 76.1, 46, low=62.1, high=86.1), DELIVERY_METRICS[4]],
    "components": components(signals=83, csat_responses=46, csat_satisfied=36, csat_score_sum=191,
                             tickets_resolved=9, sla_met=14, sla_breached=4, fcr=5, reopens=1),
    "id": 7, "name": "Buying a car", "program": 3, "min_sample_size": 5,
    "stages": [
        {"score": 86.4, "enough_data": True, "sample_size": 22, "metrics": TEST_DRIVE_SCORE["metrics"],
         "components": TEST_DRIVE_SCORE["components"], "id": 21, "name": "Purchase", "position": 1,
         "touchpoints": [TEST_DRIVE_SCORE]},
        {"score": 68.1, "enough_data": True, "sample_size": 33, "metrics": DELIVERY_METRICS,
         "components": DELIVERY_COMPONENTS, "id": 22, "name": "Delivery", "position": 2,
         "touchpoints": [DELIVERY_SCORE]},
    ],
})]


def _figures(score: float | None, sample: int, csat: float | None, sla: float | None) -> dict[str, Any]:
    return {
        "score": score, "enough_data": score is not None, "sample_size": sample,
        "metrics": [metric("csat", "CSAT", csat, sample - 9), metric("sla", "SLA attainment", sla, 18)],
        "components": DELIVERY_COMPONENTS,
    }


SCORE_REPORT_EXAMPLES = [OpenApiExample("A touchpoint by week", response_only=True, value={
    "scope": "touchpoint", "id": 24, "name": "Home delivery",
    "window": {**WINDOW_30, "custom": False},
    "previous_window": {"days": 30, "start": "2026-09-25", "end": "2026-10-24", "custom": False},
    "granularity": "week", "segment": None, "channel": None,
    "current": _figures(68.1, 33, 70.8, 77.8), "previous": _figures(79.5, 31, 81.8, 83.3), "delta": -11.4,
    "series": [
        {"start": "2026-10-25", "end": "2026-11-01", "score": 81.0, "sample_size": 9,
         "metrics": {"csat": 83.3, "nps": None, "ces": None, "sla": 80.0, "fcr": None}},
        {"start": "2026-11-02", "end": "2026-11-08", "score": 72.5, "sample_size": 8,
         "metrics": {"csat": 75.0, "nps": None, "ces": None, "sla": 70.0, "fcr": None}},
        {"start": "2026-11-09", "end": "2026-11-15", "score": 61.0, "sample_size": 9,
         "metrics": {"csat": 62.5, "nps": None, "ces": None, "sla": 60.0, "fcr": None}},
        {"start": "2026-11-16", "end": "2026-11-23", "score": None, "sample_size": 7,
         "metrics": {"csat": 66.7, "nps": None, "ces": None, "sla": None, "fcr": None}},
    ],
})]

# --- Alerts -----------------------------------------------------------------------------------------------

ALERT = {
    "id": 58, "kind": "below_target", "metric": "experience", "status": "open", "subject_type": "touchpoint",
    "program": 3, "journey": 7, "touchpoint": 24, "window_days": 30, "value": 68.1, "reference": 80.0,
    "low": 61.2, "high": 74.5, "sample": 33,
    "message": "The experience score of Home delivery is 68.1 in the last 30 days, below its target of 80.0 "
               "(95% interval 61.2 to 74.5, sample 33).",
    "occurrences": 3, "opened_at": "2026-11-21T06:00:12.551203Z", "last_seen_at": "2026-11-23T06:00:09.104456Z",
    "notified_at": "2026-11-21T06:00:13.002117Z", "acknowledged_by": None, "acknowledged_at": None,
    "resolved_by": None, "resolved_at": None, "note": "", "allowed_actions": ["acknowledged", "resolved"],
    "url": "https://cxhub.example.com/journeys/alerts/58/",
}
ALERT_EXAMPLES = [
    OpenApiExample("An open alert", response_only=True, value=ALERT),
]
ALERT_NOTE_EXAMPLES = [OpenApiExample(
    "What is being done", request_only=True,
    value={"note": "Logistics are calling every customer with a late delivery date; the courier contract "
                   "is under review."},
)]

# --- Experience signals -----------------------------------------------------------------------------------

SIGNAL = {
    "id": 90412, "touchpoint": 24, "customer": 251, "customer_external_id": "CRM-1001", "kind": "sla_breached",
    "value": None, "segment": "premium", "source": "api", "source_id": "5f0c1c2e9a6b4d7e8f1a2b3c4d5e6f70",
    "external_id": "DLV-2026-0042-late", "occurred_at": "2026-11-21T16:30:00Z",
    "recorded_at": "2026-11-21T16:31:02.448120Z",
    "context": {"event": "late_delivery", "order": "SO-2026-0042", "promised": "2026-11-19", "days_late": 2},
}
SIGNAL_EXAMPLES = [
    OpenApiExample("A late delivery", response_only=True, value=SIGNAL),
    OpenApiExample("A CSAT answer recorded from a survey response", response_only=True, value={
        **SIGNAL, "id": 90377, "customer": 388, "customer_external_id": "CRM-1002", "kind": "csat_answer",
        "value": 4.0, "segment": "retail", "source": "response", "source_id": "15522", "external_id": "",
        "occurred_at": "2026-11-20T09:12:44.120551Z", "recorded_at": "2026-11-20T09:12:44.301977Z",
        "context": {"survey_id": 12, "survey_version": 2, "scale": [1, 5], "formula_version": "2026.1"},
    }),
]
SIGNAL_CREATE_EXAMPLES = [
    OpenApiExample("A late delivery", request_only=True, value={
        "touchpoint": 24, "customer_external_id": "CRM-1001", "kind": "sla_breached",
        "occurred_at": "2026-11-21T18:30:00+02:00", "external_id": "DLV-2026-0042-late",
        "context": {"event": "late_delivery", "order": "SO-2026-0042", "promised": "2026-11-19", "days_late": 2},
    }),
    OpenApiExample("A delivery on the promised day", request_only=True, value={
        "touchpoint": 24, "customer": 388, "kind": "sla_met", "occurred_at": "2026-11-22T11:05:00+07:00",
        "external_id": "DLV-2026-0057-on-time", "context": {"order": "SO-2026-0057"},
    }),
]
