"""The ticket page: working one ticket with the whole customer relationship in view."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feedback.choices import SurveyKind
from feedback.services import response_submit
from tests.feedback.factories import make_survey
from tests.tickets.factories import make_ticket
from tickets.choices import CustomFieldKind
from tickets.models import Attachment, CannedResponse, Category, CustomField, ResolutionCode, TicketEvent

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def test_the_customer_panel_shows_answers_nps_journey_and_other_tickets(agent_client, customer, touchpoint):
    nps = make_survey(kind=SurveyKind.NPS, touchpoint=touchpoint)
    response_submit(survey=nps, customer=customer, score=3, comment="Πολύ αργή παράδοση")
    earlier = make_ticket(customer=customer, subject="Earlier problem")
    ticket = make_ticket(customer=customer, touchpoint=touchpoint)

    response = agent_client.get(reverse("tickets:detail", args=[ticket.pk]))

    experience = response.context["experience"]
    assert experience.latest_nps == 3
    assert [tp.pk for tp in experience.touchpoints] == [touchpoint.pk]
    html = response.content.decode()
    assert "Earlier problem" in html and f"#{earlier.pk}" in html
    assert touchpoint.name in html


def test_a_team_lead_assigns_changes_priority_and_classifies_with_history(client, team_lead, other_agent):
    agent_client = client  # a team lead works tickets as an agent does, and assigns them to others too
    agent_client.force_login(team_lead)
    ticket = make_ticket()
    category = Category.objects.create(name="Delivery")
    code = ResolutionCode.objects.create(name="Fixed")
    CustomField.objects.create(key="vin", label="VIN", kind=CustomFieldKind.TEXT)
    CustomField.objects.create(key="model", label="Model", kind=CustomFieldKind.CHOICE, choices=["EV", "Hybrid"])

    agent_client.post(reverse("tickets:assign", args=[ticket.pk]), {"assignee": other_agent.pk})
    agent_client.post(reverse("tickets:priority", args=[ticket.pk]), {"priority": "urgent"})
    response = agent_client.post(reverse("tickets:classify", args=[ticket.pk]), {
        "category": category.pk, "resolution_code": code.pk, "tags": "VIP, recall-2026 ,vip",
        "cf_vin": "WVWZZZ1JZXW000001", "cf_model": "EV",
    })

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.priority, ticket.category, ticket.resolution_code) == (
        other_agent, "urgent", category, code)
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["recall-2026", "vip"]
    assert ticket.custom_fields == {"vin": "WVWZZZ1JZXW000001", "model": "EV"}
    kinds = set(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert {"assigned", "priority", "category", "resolution_code", "tags", "fields"} <= kinds


def test_a_bad_classification_changes_nothing_and_says_why(agent_client):
    ticket = make_ticket()
    CustomField.objects.create(key="km", label="Mileage", kind=CustomFieldKind.NUMBER)
    category = Category.objects.create(name="Billing")

    response = agent_client.post(reverse("tickets:classify", args=[ticket.pk]), {
        "category": category.pk, "tags": "ok", "cf_km": "lots",
    })

    assert response.status_code == 400
    assert "Mileage must be a number" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.category is None and not ticket.tags.exists()


def test_assigning_to_someone_who_does_not_work_tickets_is_refused(agent_client, manager):
    from tests.cxhub.factories import UserFactory

    ticket = make_ticket()
    outsider = UserFactory(username="eve")

    response = agent_client.post(reverse("tickets:assign", args=[ticket.pk]), {"assignee": outsider.pk},
                                 follow=True)

    assert "Choose someone who works tickets" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_a_canned_response_fills_the_reply_box_with_placeholders(agent_client, agent, customer):
    ticket = make_ticket(customer=customer)
    canned = CannedResponse.objects.create(
        title="Thanks", body="Dear {customer_name}, about {ticket_number}: {unknown} — {agent_name}")

    response = agent_client.get(reverse("tickets:detail", args=[ticket.pk]), {"canned": canned.pk})

    body = response.context["reply_form"].initial["body"]
    assert body == f"Dear {customer.name}, about #{ticket.pk}: {{unknown}} — Bob"


def test_a_reply_with_an_image_keeps_it_and_serves_it_as_a_download(agent_client):
    ticket = make_ticket()
    upload = SimpleUploadedFile("photo.png", PNG, content_type="image/png")

    response = agent_client.post(reverse("tickets:reply", args=[ticket.pk]),
                                 {"body": "Here is the photo", "internal": "0", "attachments": [upload]})

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.original_name, attachment.content_type, attachment.size) == ("photo.png", "image/png",
                                                                                   len(PNG))
    download = agent_client.get(reverse("tickets:attachment", args=[ticket.pk, attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG


@pytest.mark.parametrize("name, content, message", [
    ("tool.exe", b"MZ\x90\x00", "this type cannot be attached"),
    ("fake.png", b"GIF89a not a png", "is not really a PNG file"),
    ("notes.txt", b"\xff\xfe\x00\x00binary" * 10, "not a UTF-8 text file"),
    ("empty.pdf", b"", "is empty"),
])
def test_a_bad_attachment_refuses_the_whole_message(agent_client, name, content, message):
    ticket = make_ticket()
    upload = SimpleUploadedFile(name, content)

    response = agent_client.post(reverse("tickets:reply", args=[ticket.pk]),
                                 {"body": "See attached", "internal": "0", "attachments": [upload]})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert ticket.messages.count() == 1 and Attachment.objects.count() == 0


def test_an_oversized_attachment_is_refused(agent_client, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    ticket = make_ticket()
    upload = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 1))

    response = agent_client.post(reverse("tickets:reply", args=[ticket.pk]),
                                 {"body": "Big one", "internal": "0", "attachments": [upload]})

    assert response.status_code == 400 and "larger than 1 MB" in response.content.decode()


def test_an_attachment_of_another_ticket_is_not_found(agent_client, agent):
    from tickets.services.productivity import ticket_reply_with_attachments

    ticket, other = make_ticket(), make_ticket()
    message = ticket_reply_with_attachments(
        ticket=other, author=agent, body="x", files=[SimpleUploadedFile("a.png", PNG)])
    attachment = message.attachments.get()

    response = agent_client.get(reverse("tickets:attachment", args=[ticket.pk, attachment.pk]))

    assert response.status_code == 404


def test_the_ticket_page_needs_a_login_and_a_role(client, db):
    from tests.cxhub.factories import UserFactory

    ticket = make_ticket()
    anonymous = client.get(reverse("tickets:detail", args=[ticket.pk]))
    client.force_login(UserFactory(username="norole"))
    no_role = client.get(reverse("tickets:detail", args=[ticket.pk]))
    posted = client.post(reverse("tickets:classify", args=[ticket.pk]), {"tags": "x"})

    assert anonymous.status_code == 302
    assert no_role.status_code == 403 and posted.status_code == 403


def test_the_page_shows_each_sla_target_and_pauses_while_pending(agent_client, agent):
    from tickets.models import BusinessCalendar, SlaPolicy
    from tickets.services import ticket_change_status

    calendar = BusinessCalendar.objects.create(name="Around the clock", around_the_clock=True)
    SlaPolicy.objects.create(name="Normal", priority="normal", calendar=calendar, first_response_minutes=60,
                             next_response_minutes=120, resolution_minutes=600)
    ticket = make_ticket()

    page = agent_client.get(reverse("tickets:detail", args=[ticket.pk]))
    ticket_change_status(ticket=ticket, status="pending", actor=agent)
    paused = agent_client.get(reverse("tickets:detail", args=[ticket.pk]))

    html = page.content.decode()
    assert "Normal" in html and "First reply" in html and "Resolution" in html
    assert "of business time left" in html
    assert page.context["sla"].status == "ok"
    assert paused.context["sla"].paused
    assert "the resolution clock stops" in paused.content.decode()


def test_a_canned_response_with_other_braces_still_fills_the_known_placeholders(agent, customer):
    from tickets.services.productivity import canned_render

    ticket = make_ticket(customer=customer)
    canned = CannedResponse(title="Code", body="Hi {customer_name}: use {} or {0} or {x:>5}, see {ticket_number}")

    text = canned_render(canned=canned, ticket=ticket, agent=agent)

    assert text == f"Hi {customer.name}: use {{}} or {{0}} or {{x:>5}}, see #{ticket.pk}"
