"""Examples of the service side's requests and answers in the OpenAPI schema: tickets and their actions,
upserts, the service desk's configuration and the service report.

The same world as journeys.api.examples: ticket 1042 of Νίκος Παπαδόπουλος (customer 251, CRM-1001)
about a late home delivery (touchpoint 24), worked by Minh Trần of the Service desk team (2).
tests/cxhub/test_api_schema.py checks every example against the schema of the operation that shows it.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample

MINH = {"id": 7, "username": "minh", "name": "Minh Trần"}
SARA = {"id": 4, "username": "sara", "name": "Sara Ahmadi"}

TICKET = {
    "id": 1042, "subject": "Delivery two days late", "status": "open", "priority": "high", "channel": "email",
    "customer": {"id": 251, "name": "Νίκος Παπαδόπουλος", "external_id": "CRM-1001"},
    "touchpoint": {"id": 24, "name": "Home delivery"}, "team": {"id": 2, "name": "Service desk"},
    "assignee": MINH, "created_by": None, "external_id": "CRM-TCK-5531",
    "created_at": "2026-11-21T08:02:11.503327Z", "updated_at": "2026-11-21T08:40:19.220871Z",
    "category": {"id": 3, "name": "Delivery and orders"}, "resolution_code": None, "tags": ["courier"],
    "custom_fields": {"vehicle_model": "Family hybrid"},
    "sla_policy": {"id": 6, "name": "Office hours: High"}, "sla_status": "ok",
    "first_response_due_at": "2026-11-21T10:02:11.503327Z", "next_response_due_at": None,
    "resolution_due_at": "2026-11-22T08:02:11.503327Z", "first_response_at": "2026-11-21T08:40:19.220871Z",
    "first_touched_at": "2026-11-21T08:31:45.009912Z", "first_resolved_at": None, "resolved_at": None,
    "closed_at": None, "reopen_count": 0, "first_contact_resolution": False, "merged_into": None,
}
CUSTOMER_MESSAGE = {
    "id": 5120, "kind": "customer", "internal": False, "author": None,
    "body": "Το αυτοκίνητο έπρεπε να παραδοθεί την Τετάρτη και ακόμη δεν έχει έρθει. Τι συμβαίνει;",
    "attachments": [], "created_at": "2026-11-21T08:02:11.503327Z",
}
REPLY = {
    "id": 5123, "kind": "reply", "internal": False, "author": MINH,
    "body": "Sorry about the wait. The car left the port yesterday; the courier will call you today to "
            "agree a time for tomorrow.",
    "attachments": [{"id": 311, "name": "delivery-note-SO-2026-0042.pdf", "content_type": "application/pdf",
                     "size": 48211, "download": "/tickets/1042/attachments/311/"}],
    "created_at": "2026-11-21T08:40:19.220871Z",
}
TICKET_DETAIL = {
    **TICKET,
    "messages": [CUSTOMER_MESSAGE, REPLY],
    "events": [
        {"id": 9801, "kind": "created", "actor": None, "data": {"status": "new", "priority": "high"},
         "created_at": "2026-11-21T08:02:11.503327Z"},
        {"id": 9802, "kind": "assigned", "actor": MINH,
         "data": {"old": {"assignee_id": None, "team_id": 2}, "new": {"assignee_id": 7, "team_id": 2}},
         "created_at": "2026-11-21T08:31:45.009912Z"},
        {"id": 9803, "kind": "message", "actor": MINH, "data": {"message_kind": "reply"},
         "created_at": "2026-11-21T08:40:19.220871Z"},
        {"id": 9804, "kind": "status", "actor": MINH, "data": {"old": "new", "new": "open"},
         "created_at": "2026-11-21T08:40:19.220871Z"},
    ],
    "links": [{"id": 77, "kind": "related", "direction": "out",
               "ticket": {"id": 1036, "subject": "Where is my car?", "status": "resolved"},
               "created_at": "2026-11-21T08:45:02.110236Z"}],
}
RESOLVED_TICKET_DETAIL = {
    **TICKET_DETAIL, "status": "resolved", "updated_at": "2026-11-22T10:15:40.771920Z",
    "resolution_code": {"id": 2, "name": "Explained"}, "first_resolved_at": "2026-11-22T10:15:40.771920Z",
    "resolved_at": "2026-11-22T10:15:40.771920Z",
    "events": [*TICKET_DETAIL["events"],
               {"id": 9830, "kind": "status", "actor": MINH, "data": {"old": "open", "new": "resolved"},
                "created_at": "2026-11-22T10:15:40.771920Z"}],
}

TICKET_EXAMPLES = [OpenApiExample("A ticket", response_only=True, value=TICKET)]
TICKET_DETAIL_EXAMPLES = [
    OpenApiExample("An open ticket with its conversation", response_only=True, value=TICKET_DETAIL),
    OpenApiExample("The same ticket resolved", response_only=True, value=RESOLVED_TICKET_DETAIL),
]
TICKET_CREATE_EXAMPLES = [OpenApiExample("A late delivery", request_only=True, value={
    "customer": 251, "subject": "Delivery two days late", "body": CUSTOMER_MESSAGE["body"],
    "touchpoint": 24, "channel": "email", "priority": "high", "external_id": "CRM-TCK-5531", "category": 3,
})]
TICKET_UPSERT_EXAMPLES = [
    OpenApiExample("Create by CRM id", request_only=True, value={
        "customer_external_id": "CRM-1003", "subject": "The invoice shows the wrong VAT number",
        "body": "شماره مالیاتی در فاکتور اشتباه است. لطفاً آن را اصلاح کنید.", "channel": "web",
        "priority": "normal", "category": 4,
    }),
    OpenApiExample("Update by CRM id", request_only=True,
                   description="An update may change priority, assignee and status.",
                   value={"priority": "urgent", "assignee": 7, "status": "pending"}),
]
TICKET_BULK_UPSERT_EXAMPLES = [
    OpenApiExample("Two tickets, one for an unknown customer", request_only=True, value={"items": [
        {"external_id": "CRM-TCK-5531", "status": "resolved"},
        {"external_id": "CRM-TCK-5540", "customer_external_id": "CRM-1002",
         "subject": "Cần đổi lịch bảo dưỡng", "body": "Tôi muốn dời lịch bảo dưỡng sang thứ Bảy.",
         "channel": "phone", "priority": "normal"},
        {"external_id": "CRM-TCK-5541", "customer_external_id": "CRM-9999", "subject": "Test drive request",
         "body": "I would like to try the City EV this weekend."},
    ]}),
    OpenApiExample("A mixed result", response_only=True, status_codes=["200"], value={
        "written": True, "results": [
            {"index": 0, "external_id": "CRM-TCK-5531", "status": "updated", "id": 1042, "errors": {}},
            {"index": 1, "external_id": "CRM-TCK-5540", "status": "created", "id": 1077, "errors": {}},
            {"index": 2, "external_id": "CRM-TCK-5541", "status": "error", "id": None,
             "errors": {"customer_external_id": ["No customer has this CRM id."]}},
        ]}),
    OpenApiExample("An atomic call with an error", response_only=True, status_codes=["400"], value={
        "detail": "Nothing was written: 1 of 3 items have errors (atomic call).",
        "errors": {"items": ["Nothing was written: 1 of 3 items have errors (atomic call)."]},
        "written": False, "results": [
            {"index": 0, "external_id": "CRM-TCK-5531", "status": "updated", "id": 1042, "errors": {}},
            {"index": 1, "external_id": "CRM-TCK-5540", "status": "created", "id": None, "errors": {}},
            {"index": 2, "external_id": "CRM-TCK-5541", "status": "error", "id": None,
             "errors": {"customer_external_id": ["No customer has this CRM id."]}},
        ]}),
]

# --- Actions ------------------------------------------------------------------------------------------------

TICKET_REPLY_EXAMPLES = [
    OpenApiExample("A public reply", request_only=True, value={"body": REPLY["body"], "internal": False}),
    OpenApiExample("An internal note", request_only=True, value={
        "body": "Courier confirmed: the car was held at customs; new slot tomorrow 10:00-12:00.",
        "internal": True}),
]
TICKET_MESSAGE_EXAMPLES = [OpenApiExample("A reply with an attachment", response_only=True, value=REPLY)]
TICKET_STATUS_EXAMPLES = [OpenApiExample("Wait for the customer", request_only=True, value={"status": "pending"})]
TICKET_ASSIGN_EXAMPLES = [
    OpenApiExample("Give it to Sara", request_only=True, value={"assignee": SARA["id"]}),
    OpenApiExample("Unassign", request_only=True, value={"assignee": None}),
]
TICKET_PRIORITY_EXAMPLES = [OpenApiExample("Urgent", request_only=True, value={"priority": "urgent"})]
TICKET_CLASSIFY_EXAMPLES = [OpenApiExample("Category, tags and a custom field", request_only=True, value={
    "category": 3, "tags": ["courier", "customs"], "custom_fields": {"vehicle_model": "Family hybrid"},
})]
TICKET_MERGE_EXAMPLES = [OpenApiExample("Into the first report", request_only=True, value={"into": 1036})]
TICKET_LINK_INPUT_EXAMPLES = [OpenApiExample("Relate two tickets", request_only=True, value={"other": 1036})]
TICKET_LINK_EXAMPLES = [OpenApiExample("A related ticket", response_only=True, value=TICKET_DETAIL["links"][0])]
TICKET_BULK_EXAMPLES = [OpenApiExample("Give three tickets to Minh", request_only=True, value={
    "tickets": [1042, 1043, 1039], "assignee": MINH["id"], "priority": "high",
})]
BULK_RESULT_EXAMPLES = [OpenApiExample("One refused", response_only=True, value={
    "changed": [1042, 1043],
    "failed": [{"id": 1039, "reason": "A closed ticket cannot change: reopen it first."}],
})]

# --- Service desk configuration -----------------------------------------------------------------------------


def crud_examples(name: str, response: dict[str, Any], read_only: tuple[str, ...] = ("id",)) -> list[OpenApiExample]:
    """A request (the writable fields of `response`) and the answer, for a configuration entry."""
    request = {key: value for key, value in response.items() if key not in read_only}
    return [OpenApiExample(name, request_only=True, value=request),
            OpenApiExample(name, response_only=True, value=response)]


CATEGORY_EXAMPLES = crud_examples("A category", {"id": 3, "name": "Delivery and orders", "is_active": True})
RESOLUTION_CODE_EXAMPLES = crud_examples("A resolution code", {"id": 2, "name": "Explained", "is_active": True})
TAG_EXAMPLES = crud_examples("A tag", {"id": 12, "name": "courier"})
CUSTOM_FIELD_EXAMPLES = crud_examples("A choice field", {
    "id": 1, "key": "vehicle_model", "label": "Vehicle model", "kind": "choice",
    "choices": ["City EV", "Family hybrid", "SUV", "Van"], "position": 0, "is_active": True,
})
BUSINESS_CALENDAR_EXAMPLES = crud_examples("Office hours in Athens", {
    "id": 1, "name": "Athens office hours", "time_zone": "Europe/Athens", "around_the_clock": False,
    "hours": [{"weekday": day, "opens": "09:00:00", "closes": "18:00:00"} for day in range(5)]
    + [{"weekday": 5, "opens": "10:00:00", "closes": "14:00:00"}],
    "holidays": [{"date": "2026-10-28", "name": "Ochi Day"}, {"date": "2026-12-25", "name": "Christmas Day"}],
})
SLA_POLICY_EXAMPLES = crud_examples("High priority in office hours", {
    "id": 6, "name": "Office hours: High", "position": 5, "priority": "high", "team": None, "channel": "",
    "calendar": 1, "first_response_minutes": 120, "next_response_minutes": 240, "resolution_minutes": 720,
    "at_risk_percent": 80, "is_active": True,
})
ROUTING_RULE_EXAMPLES = crud_examples("Invoices go to Billing", {
    "id": 1, "name": "Invoices and payments go to Billing", "position": 1, "is_active": True, "channel": "",
    "category": None, "touchpoint": None, "segment": "", "priority": "",
    "keywords": "invoice, charged, payment, refund, VAT", "team": 4, "set_priority": "",
})
TEAM_ROUTING_EXAMPLES = crud_examples("Round robin", {"team": 2, "mode": "round_robin"}, read_only=())
CANNED_RESPONSE_EXAMPLES = crud_examples("Thanks for your patience", {
    "id": 1, "title": "Thanks for your patience",
    "body": "Dear {customer_name},\n\nthank you for your patience while we looked into {ticket_number}.\n\n"
            "Kind regards,\n{agent_name}",
    "team": 2, "created_by": SARA, "updated_at": "2026-10-02T09:12:00.318210Z",
}, read_only=("id", "created_by", "updated_at"))
CANNED_RENDER_EXAMPLES = [OpenApiExample("Filled in for ticket 1042", response_only=True, value={
    "text": "Dear Νίκος Παπαδόπουλος,\n\nthank you for your patience while we looked into #1042.\n\n"
            "Kind regards,\nMinh Trần",
})]
AGENT_AVAILABILITY_EXAMPLES = [
    OpenApiExample("Away", request_only=True, value={"is_available": False}),
    OpenApiExample("An agent", response_only=True, value={
        "user": MINH, "is_available": True, "last_assigned_at": "2026-11-21T08:31:45.009912Z"}),
]

# --- Service report -----------------------------------------------------------------------------------------


def _report_row(label: str, group: int | str | None, **figures: Any) -> dict[str, Any]:
    team = "" if group is None else f"&team={group}"
    counts = ("created", "open_now", "open_at_end", "responded", "resolved", "sla_met", "fcr", "reopened")
    page = {count: f"/tickets/?queue=all{team}&created_after=2026-10-25&created_before=2026-11-23"
            for count in counts}
    return {"label": label, "group": group, **figures,
            "tickets": {count: f"https://cxhub.example.com/api/v1{link}" for count, link in page.items()},
            "page_links": page}


SERVICE_REPORT_EXAMPLES = [OpenApiExample("By team, last 30 days", response_only=True, value={
    "window": {"start": "2026-10-25", "end": "2026-11-23", "days": 30}, "by": "team",
    "rows": [_report_row(
        "Service desk", 2, created=214, open_now=31, open_at_end=31, responded=205, resolved=188, sla_met=161,
        fcr=102, reopened=9, first_response_median_hours=0.8, first_response_p90_hours=3.6,
        resolution_median_hours=9.4, resolution_p90_hours=41.0, sla_rate=85.6, fcr_rate=54.3, reopen_rate=4.8,
    )],
    "total": _report_row(
        "All tickets", None, created=214, open_now=31, open_at_end=31, responded=205, resolved=188,
        sla_met=161, fcr=102, reopened=9, first_response_median_hours=0.8, first_response_p90_hours=3.6,
        resolution_median_hours=9.4, resolution_p90_hours=41.0, sla_rate=85.6, fcr_rate=54.3, reopen_rate=4.8,
    ),
})]
