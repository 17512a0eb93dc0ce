"""Authentication and hardening: lockout, password change and reset, the Content-Security-Policy, and
the audit log of configuration changes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from cxhub.roles import CX_MANAGER

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PASSWORD = "a long and Unusual passphrase 42"


@pytest.fixture
def person(db):
    return get_user_model().objects.create_user(
        "dana", email="dana@example.com", password=PASSWORD
    )


def login(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


# --- Lockout --------------------------------------------------------------------------------------------


def test_repeated_failures_lock_the_account_even_against_the_right_password(client, person, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        response = login(client, "dana", "wrong")
    # the third failure already answers with the lockout page
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()

    response = login(client, "dana", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(client, person, settings):
    settings.AXES_FAILURE_LIMIT = 3
    login(client, "dana", "wrong")
    login(client, "dana", "wrong")
    assert login(client, "dana", PASSWORD).status_code == 302
    client.logout()

    login(client, "dana", "wrong")
    login(client, "dana", "wrong")

    assert login(client, "dana", PASSWORD).status_code == 302


def test_a_wrong_password_re_renders_the_form_with_a_message(client, person):
    response = login(client, "dana", "wrong")

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


# --- Password change and reset ----------------------------------------------------------------------------


def test_changing_the_password_needs_the_old_one_and_a_strong_new_one(client, person):
    client.force_login(person)
    url = reverse("password_change")

    weak = client.post(url, {"old_password": PASSWORD, "new_password1": "12345678",
                             "new_password2": "12345678"})
    assert weak.status_code == 200
    assert "This password is too common" in weak.content.decode()

    wrong_old = client.post(url, {"old_password": "nope", "new_password1": "Another long phrase 7",
                                  "new_password2": "Another long phrase 7"})
    assert wrong_old.status_code == 200
    person.refresh_from_db()
    assert person.check_password(PASSWORD)

    done = client.post(url, {"old_password": PASSWORD, "new_password1": "Another long phrase 7",
                             "new_password2": "Another long phrase 7"})
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.check_password("Another long phrase 7")


def test_the_password_change_page_needs_a_login(client):
    response = client.get(reverse("password_change"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_password_reset_link_by_e_mail_sets_a_new_password_once(client, person, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "dana@example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = re.search(r"https?://[^/\s]+(/\S+)", mailoutbox[0].body).group(1)

    form_page = client.get(link, follow=True)  # the token moves into the session, then the form
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    saved = client.post(set_url, {"new_password1": "Brand new phrase 2026",
                                  "new_password2": "Brand new phrase 2026"})
    assert saved.status_code == 302
    assert login(client, "dana", "Brand new phrase 2026").status_code == 302

    client.logout()
    again = client.get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_a_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, db, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)

    assert "Check your e-mail" in response.content.decode()
    assert mailoutbox == []


# --- Content-Security-Policy ------------------------------------------------------------------------------


def test_every_page_carries_a_policy_that_allows_only_our_own_scripts(manager_client):
    for url in (reverse("login"), reverse("journeys:dashboard"), reverse("api-docs")):
        response = manager_client.get(url)
        policy = response.headers["Content-Security-Policy"]
        directives = dict(
            [*part.strip().split(" ", 1), ""][:2] for part in policy.split(";") if part.strip()
        )
        assert directives["script-src"] == "'self'", url
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path.relative_to(TEMPLATES)}: {tag}")
        if re.search(r"\son[a-z]+\s*=", text) or "javascript:" in text:
            offenders.append(f"{path.relative_to(TEMPLATES)}: inline handler")
    assert offenders == []


def test_the_api_docs_load_their_script_from_a_file(manager_client):
    page = manager_client.get(reverse("api-docs")).content.decode()

    assert re.findall(r"<script>", page) == []
    assert "<script src=" in page


# --- Audit log --------------------------------------------------------------------------------------------


def test_changing_a_target_is_recorded_with_who_and_what(manager_client, manager, touchpoint):
    manager_client.post(reverse("journeys:touchpoint", args=[touchpoint.pk]),
                        {"target_score": "82.5", "weight": "2"})

    entry = LogEntry.objects.get_for_object(touchpoint).order_by("-timestamp").first()
    assert entry.actor == manager
    assert entry.changes_dict["target_score"] == ["75.00", "82.5"]
    page = manager_client.get(reverse("audit-log")).content.decode()
    assert touchpoint.name in page and "target_score" in page


def test_a_change_through_the_api_is_recorded_with_the_tokens_user(api_client_for, manager, touchpoint):
    response = api_client_for(manager).patch(f"/api/v1/touchpoints/{touchpoint.pk}/", {"target_score": "81.5"},
                                             format="json")

    assert response.status_code == 200
    entry = LogEntry.objects.get_for_object(touchpoint).order_by("-timestamp").first()
    assert entry.actor == manager
    assert entry.changes_dict["target_score"] == ["75.00", "81.50"]


def test_giving_someone_a_role_is_recorded(person):
    person.groups.add(Group.objects.get(name=CX_MANAGER))

    entry = LogEntry.objects.get_for_object(person).order_by("-timestamp").first()
    assert entry is not None
    assert "groups" in entry.changes_dict


def test_agents_cannot_read_the_audit_log(agent_client):
    assert agent_client.get(reverse("audit-log")).status_code == 403


def test_the_audit_log_filters_and_ignores_unreadable_filters(manager_client, touchpoint):
    manager_client.post(reverse("journeys:touchpoint", args=[touchpoint.pk]),
                        {"target_score": "80", "weight": "1"})

    page = manager_client.get(reverse("audit-log"), {"since": "not-a-date", "q": touchpoint.name})

    assert page.status_code == 200
    assert "Ignored filters that could not be read: since" in page.content.decode()
    assert touchpoint.name in page.content.decode()
    none = manager_client.get(reverse("audit-log"), {"q": "no such thing"})
    assert "No configuration changes match" in none.content.decode()


def test_the_audit_log_page_query_count_does_not_grow_with_entries(
    manager_client, touchpoint, django_assert_max_num_queries
):
    for n in range(30):
        touchpoint.target_score = 50 + n
        touchpoint.save()
    with django_assert_max_num_queries(10):
        response = manager_client.get(reverse("audit-log"))
    assert response.status_code == 200
