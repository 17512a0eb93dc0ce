"""A support agent's day in a real browser: log in, take a ticket from the queue, reply, resolve."""

from __future__ import annotations

import re

from tests.browser.conftest import log_in
from tests.cxhub.factories import TeamFactory, agent_user
from tests.journeys.factories import CustomerFactory, TouchpointFactory
from tests.tickets.factories import make_ticket
from tickets.choices import Status
from tickets.models import Ticket

PASSWORD = "a long and Unusual passphrase 42"


def an_agent_with_a_ticket_waiting():
    team = TeamFactory(name="Service desk")
    agent = agent_user(username="bob", first_name="Bob", teams=[team])
    agent.set_password(PASSWORD)
    agent.save()
    touchpoint = TouchpointFactory(name="Delivery", owner_team=team)
    ticket = make_ticket(
        customer=CustomerFactory(name="Νίκος Παπαδόπουλος"), touchpoint=touchpoint, team=team,
        subject="Η παράδοση καθυστέρησε", body="Περιμένω το αυτοκίνητο από τη Δευτέρα.",
    )
    return agent, ticket


def test_an_agent_takes_a_ticket_replies_and_resolves_it(browser_page, transactional_db):
    agent, ticket = an_agent_with_a_ticket_waiting()
    page = browser_page.page

    log_in(browser_page, "bob", PASSWORD)
    browser_page.goto("/tickets/?queue=team")
    assert browser_page.accessibility_violations() == []
    browser_page.screenshot("agent-queue")

    # j selects the first ticket of the queue, o opens it
    page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    assert page.get_by_text("Περιμένω το αυτοκίνητο από τη Δευτέρα.").is_visible()
    assert browser_page.accessibility_violations() == []

    page.get_by_role("button", name="Take this ticket").click()
    page.wait_for_load_state()
    ticket.refresh_from_db()
    assert ticket.assignee_id == agent.pk

    # r jumps to the reply box
    page.keyboard.press("r")
    page.keyboard.type("Καλημέρα Νίκο, το αυτοκίνητο φτάνει αύριο στις 10:00.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    assert page.get_by_text("Καλημέρα Νίκο, το αυτοκίνητο φτάνει αύριο").first.is_visible()
    browser_page.screenshot("agent-ticket")

    page.get_by_role("button", name="Resolve").first.click()
    page.wait_for_load_state()
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.messages.filter(body__startswith="Καλημέρα Νίκο").exists()


def test_question_mark_lists_the_shortcuts_of_the_page(browser_page, transactional_db):
    an_agent_with_a_ticket_waiting()
    log_in(browser_page, "bob", PASSWORD)
    browser_page.goto("/tickets/?queue=team")

    browser_page.page.keyboard.press("?")

    dialog = browser_page.page.get_by_role("dialog")
    assert dialog.is_visible()
    assert "New ticket" in dialog.inner_text() and "Next / previous ticket" in dialog.inner_text()
    assert browser_page.accessibility_violations() == []
    browser_page.page.keyboard.press("Escape")
    assert not dialog.is_visible()


def test_keys_typed_into_the_search_box_are_not_shortcuts(browser_page, transactional_db):
    an_agent_with_a_ticket_waiting()
    log_in(browser_page, "bob", PASSWORD)
    browser_page.goto("/tickets/?queue=team")

    browser_page.page.keyboard.press("/")
    browser_page.page.keyboard.type("noon")

    assert browser_page.page.get_by_label("Search").input_value() == "noon"
    assert "/tickets/new" not in browser_page.page.url
    assert Ticket.objects.count() == 1
