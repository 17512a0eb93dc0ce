"""The page header names the signed-in person's main role without a query of its own on each page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("who", "label"), [
    ("manager", "CX manager"), ("agent", "Support agent"), ("team_lead", "Team lead"),
    ("administrator", "Administrator"),
])
def test_the_header_names_the_main_role(client, request, who, label):
    client.force_login(request.getfixturevalue(who))

    page = client.get("/account/").content.decode()

    assert f"· {label}</span>" in page


def test_the_role_names_are_read_once_per_session(client, manager):
    client.force_login(manager)
    client.get("/account/")

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/account/").content.decode()

    assert "· CX manager</span>" in page
    assert not [q for q in queries.captured_queries if '"auth_group"."name"' in q["sql"]]


def test_a_new_sign_in_shows_a_role_given_meanwhile(client, agent):
    from django.contrib.auth.models import Group

    from cxhub.roles import CX_MANAGER

    client.force_login(agent)
    client.get("/account/")
    agent.groups.add(Group.objects.get(name=CX_MANAGER))
    client.logout()
    client.force_login(agent)

    assert "· CX manager</span>" in client.get("/account/").content.decode()
