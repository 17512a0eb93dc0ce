"""A customer answers a survey in Persian on a right-to-left page, in a real browser."""

from __future__ import annotations

import re

from feedback.choices import InvitationTrigger
from feedback.invitations import invitation_create, invitation_send
from feedback.models import Response
from tests.feedback.invite_helpers import custom_survey
from tests.journeys.factories import CustomerFactory, TouchpointFactory

LINK = re.compile(r"/s/([A-Za-z0-9_-]+)/")
COMMENT = "تحویل خودرو سریع و دوستانه بود، ممنونم!"


def test_a_customer_answers_a_survey_in_persian(browser_page, transactional_db, mailoutbox):
    touchpoint = TouchpointFactory(name="Delivery")
    survey = custom_survey(touchpoint)  # titled and partly worded in Persian
    customer = CustomerFactory(name="سارا احمدی", language="fa", email="sara@example.com")
    invitation = invitation_create(survey=survey, customer=customer, touchpoint=touchpoint,
                                   trigger=InvitationTrigger.MANUAL)
    assert invitation_send(invitation_id=invitation.pk) == "sent"
    token = LINK.search(mailoutbox[-1].body).group(1)
    page = browser_page.page

    browser_page.goto(f"/s/{token}/")

    html = page.locator("html")
    assert html.get_attribute("lang") == "fa" and html.get_attribute("dir") == "rtl"
    # the layout is mirrored: the answer button sits on the right-hand side of the form
    form_box = page.locator("form").bounding_box()
    button_box = page.get_by_role("button", name="ارسال پاسخ من").bounding_box()
    assert button_box["x"] + button_box["width"] > form_box["x"] + form_box["width"] / 2
    assert browser_page.accessibility_violations() == []
    browser_page.screenshot("customer-survey-fa")

    assert page.get_by_role("heading", name="بازدید شما").is_visible()
    page.locator("input[name='q_csat'][value='5']").check()
    page.get_by_label("تلفنی").check()
    page.locator("textarea").first.fill(COMMENT)
    page.get_by_role("button", name="ارسال پاسخ من").click()
    page.wait_for_url(re.compile(r"/thanks/$"))
    assert page.locator("html").get_attribute("dir") == "rtl"
    browser_page.screenshot("customer-thanks-fa")

    answer = Response.objects.get()
    assert answer.score == 5 and answer.customer == customer
    assert answer.comment == COMMENT  # Persian text kept intact
