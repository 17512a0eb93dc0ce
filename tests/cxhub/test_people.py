"""The People page: administrators manage accounts, roles, teams and profile flags."""

from __future__ import annotations

import re

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cxhub.models import Profile, Team
from cxhub.roles import ADMINISTRATOR, CX_MANAGER, SUPPORT_AGENT, TEAM_LEAD
from tests.cxhub.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
LINK = re.compile(r"https?://[^\s]+/accounts/reset/[^\s]+/")


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def roles_of(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def new_person(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"username": "dana", "first_name": "Dana", "last_name": "Ντόκου",
                               "email": "dana@example.com", "roles": [SUPPORT_AGENT]}
    data.update(overrides)
    return data


# --- who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, args", [("people:list", []), ("people:create", []), ("people:edit", ["self"])])
def test_it_refuses_everyone_but_administrators(client, manager, team_lead, agent, name, args):
    for user in (manager, team_lead, agent):
        client.force_login(user)
        url = reverse(name, args=[user.pk if a == "self" else a for a in args])
        assert client.get(url).status_code == 403, (user, name)
    client.logout()
    url = reverse(name, args=[agent.pk if a == "self" else a for a in args])
    assert client.get(url)["Location"].startswith(reverse("login"))


def test_it_sends_an_administrator_home_to_people(admin_client):
    assert admin_client.get(reverse("home"))["Location"] == reverse("people:list")


def test_an_administrator_sees_the_people_link_and_no_business_pages(admin_client, touchpoint):
    html = admin_client.get(reverse("people:list")).content.decode()

    assert f'href="{reverse("people:list")}"' in html
    assert f'href="{reverse("tickets:list")}"' not in html
    assert admin_client.get(reverse("tickets:list")).status_code == 403
    assert admin_client.get(reverse("journeys:dashboard")).status_code == 403
    # configuration of the experience stays with CX managers: targets, weights, journeys
    assert admin_client.get(reverse("journeys:touchpoint_edit", args=[touchpoint.pk])).status_code == 403
    response = admin_client.post(reverse("journeys:touchpoint_edit", args=[touchpoint.pk]),
                                 {"name": "Renamed", "target": "10"})
    assert response.status_code == 403
    touchpoint.refresh_from_db()
    assert touchpoint.name == "Test drive"


def test_an_administrator_cannot_change_targets_through_the_api(api_client_for, administrator, touchpoint):
    response = api_client_for(administrator).patch(f"/api/v1/touchpoints/{touchpoint.pk}/", {"target": "10"},
                                                   format="json")

    assert response.status_code == 403


# --- the list ----------------------------------------------------------------------------------------


def test_it_lists_people_with_roles_teams_language_flag_and_status(admin_client, agent, team_lead, manager):
    Profile.objects.create(user=agent, language="el", sees_all_teams=True)
    gone = UserFactory(username="olga", first_name="Olga", role=SUPPORT_AGENT)
    gone.is_active = False
    gone.save()

    response = admin_client.get(reverse("people:list"))

    assert response.status_code == 200
    rows = {row["person"].username: row for row in response.context["rows"]}
    assert set(rows) >= {"ada", "alice", "bob", "lena", "olga"}
    assert [str(r) for r in rows["lena"]["roles"]] == ["Team lead"]
    assert rows["bob"]["profile"].sees_all_teams and rows["bob"]["profile"].language == "el"
    html = response.content.decode()
    assert "Ελληνικά" in html and "Service desk" in html and "Deactivated" in html


def test_it_filters_people_and_says_which_filter_it_could_not_read(admin_client, agent, other_agent, team_lead,
                                                                  other_team):
    def names(**params):
        response = admin_client.get(reverse("people:list"), params)
        assert response.status_code == 200
        return {row["person"].username for row in response.context["rows"]}, response

    assert names(role=TEAM_LEAD)[0] == {"lena"}
    assert names(team=other_team.pk)[0] == {"charlie"}
    assert names(q="CHAR")[0] == {"charlie"}
    assert names(role="none")[0] == set()
    found, response = names(team="not-a-team", role=SUPPORT_AGENT)
    assert found == {"bob", "charlie"}
    assert "Team" in response.context["ignored"]
    assert names(q="nobody-like-this")[1].context["filtered"]


def test_the_list_runs_the_same_number_of_queries_for_3_or_30_people(admin_client, team, other_team,
                                                                     django_assert_max_num_queries):
    def add(count: int, start: int) -> None:
        for i in range(start, start + count):
            person = UserFactory(username=f"p{i}", role=SUPPORT_AGENT, teams=[team, other_team])
            Profile.objects.create(user=person, language="vi")

    add(3, 0)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(reverse("people:list"))
    add(27, 3)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(reverse("people:list"))
    assert len(response.context["rows"]) == 31


# --- adding a person ---------------------------------------------------------------------------------


def test_an_administrator_adds_a_person_who_chooses_a_password_from_the_e_mail(admin_client, client, team,
                                                                               django_capture_on_commit_callbacks):
    # when Ada adds Dana as an agent of the service desk who sees every team
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("people:create"),
                                     new_person(teams=[team.pk], sees_all_teams="on"))

    # then Dana's account exists without a password, with the role, team and flag
    dana = User.objects.get(username="dana")
    assert response.status_code == 302 and response["Location"] == reverse("people:edit", args=[dana.pk])
    assert not dana.has_usable_password() and dana.is_active
    assert roles_of(dana) == {SUPPORT_AGENT}
    assert list(dana.teams.all()) == [team]
    assert dana.profile.sees_all_teams
    # and she gets one e-mail with a link to choose a password
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dana@example.com"]
    link = LINK.search(mail.outbox[0].body).group(0)
    assert "dana" in mail.outbox[0].body

    # when she follows it and chooses a password
    client.logout()
    form = client.get(link, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "blue-lorry-7-harbour",
                                                    "new_password2": "blue-lorry-7-harbour"})

    # then she can sign in with it
    assert done.status_code == 302
    signed_in = client.post(reverse("login"), {"username": "dana", "password": "blue-lorry-7-harbour"})
    assert signed_in.status_code == 302 and client.session.get("_auth_user_id") == str(dana.pk)


@pytest.mark.parametrize("overrides, field", [
    ({"email": ""}, "email"),
    ({"email": "not an address"}, "email"),
    ({"username": "bob"}, "username"),
    ({"username": "BOB"}, "username"),
    ({"username": "no spaces please"}, "username"),
    ({"roles": ["Superhero"]}, "roles"),
    ({"teams": ["999999"]}, "teams"),
])
def test_a_bad_new_person_is_refused_field_by_field_and_nothing_is_made(admin_client, agent, overrides, field):
    before = User.objects.count()

    response = admin_client.post(reverse("people:create"), new_person(**overrides))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert User.objects.count() == before and not mail.outbox


def test_an_e_mail_address_names_one_account(admin_client, agent):
    response = admin_client.post(reverse("people:create"), new_person(email=agent.email.upper()))

    assert response.status_code == 400
    assert response.context["form"].errors["email"] == ["Another account has this e-mail address."]


# --- changing a person ---------------------------------------------------------------------------------


def test_an_administrator_changes_roles_teams_flag_and_status_and_the_audit_log_says_so(
        admin_client, administrator, agent, team, other_team):
    # when Ada makes Bob a team lead of Billing instead of an agent of the service desk, seeing all teams
    response = admin_client.post(reverse("people:edit", args=[agent.pk]), {
        "first_name": "Bob", "last_name": "Builder", "email": "bob@example.com", "roles": [TEAM_LEAD],
        "teams": [other_team.pk], "sees_all_teams": "on", "is_active": "on",
    })

    assert response.status_code == 302
    agent.refresh_from_db()
    assert roles_of(agent) == {TEAM_LEAD}
    assert list(agent.teams.all()) == [other_team]
    assert agent.profile.sees_all_teams and agent.last_name == "Builder"
    # then each change is in the audit log under Ada's name
    entries = LogEntry.objects.filter(actor=administrator)
    changed = {(e.content_type.model, e.object_pk, *e.changes_dict) for e in entries}
    assert ("team", str(team.pk), "members") in changed  # Bob left the service desk
    assert ("team", str(other_team.pk), "members") in changed  # and joined Billing
    assert ("user", str(agent.pk), "groups") in changed
    assert ("user", str(agent.pk), "last_name") in changed

    # when she deactivates him
    admin_client.post(reverse("people:edit", args=[agent.pk]), {
        "email": "bob@example.com", "roles": [TEAM_LEAD], "teams": [other_team.pk]})

    agent.refresh_from_db()
    assert not agent.is_active and not agent.profile.sees_all_teams
    flag = LogEntry.objects.get(actor=administrator, content_type__model="profile", action=LogEntry.Action.UPDATE)
    assert flag.changes_dict == {"sees_all_teams": [True, False]}


def test_roles_that_are_not_roles_are_left_alone(admin_client, agent):
    from django.contrib.auth.models import Group

    agent.groups.add(Group.objects.create(name="Newsletter editors"))

    admin_client.post(reverse("people:edit", args=[agent.pk]), {
        "email": agent.email, "roles": [CX_MANAGER], "is_active": "on"})

    assert roles_of(agent) == {CX_MANAGER, "Newsletter editors"}


def test_an_administrator_cannot_lock_people_management_out(admin_client, administrator):
    own = reverse("people:edit", args=[administrator.pk])

    deactivated = admin_client.post(own, {"email": administrator.email, "roles": [ADMINISTRATOR]})
    demoted = admin_client.post(own, {"email": administrator.email, "roles": [CX_MANAGER], "is_active": "on"})

    assert deactivated.status_code == 400 and "is_active" in deactivated.context["form"].errors
    assert demoted.status_code == 400 and "roles" in demoted.context["form"].errors
    administrator.refresh_from_db()
    assert administrator.is_active and roles_of(administrator) == {ADMINISTRATOR}


def test_the_last_active_administrator_keeps_the_role(admin_client, client):
    other = UserFactory(username="otto", role=ADMINISTRATOR)
    client.force_login(other)
    ada = User.objects.get(username="ada")
    # Otto takes Ada's role: allowed, Otto is still an administrator
    assert client.post(reverse("people:edit", args=[ada.pk]), {
        "email": ada.email, "roles": [], "is_active": "on"}).status_code == 302

    # and Otto cannot remove his own: he is the last one
    response = client.post(reverse("people:edit", args=[other.pk]), {
        "email": other.email, "roles": [], "is_active": "on"})

    assert response.status_code == 400
    assert roles_of(other) == {ADMINISTRATOR}


def test_only_a_superuser_changes_a_superuser(admin_client):
    root = UserFactory(username="root", is_superuser=True)

    response = admin_client.post(reverse("people:edit", args=[root.pk]), {
        "email": root.email, "roles": [], "is_active": ""})

    assert response.status_code == 400
    root.refresh_from_db()
    assert root.is_active


def test_an_unknown_person_is_a_404(admin_client):
    assert admin_client.get(reverse("people:edit", args=[999999])).status_code == 404


def test_a_new_password_link_goes_out_on_request(admin_client, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("people:password-link", args=[agent.pk]))

    assert response.status_code == 302
    assert len(mail.outbox) == 1 and LINK.search(mail.outbox[0].body)
    assert admin_client.get(reverse("people:password-link", args=[agent.pk])).status_code == 405


def test_a_deactivated_person_gets_no_link(admin_client, agent, django_capture_on_commit_callbacks):
    agent.is_active = False
    agent.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("people:password-link", args=[agent.pk]), follow=True)

    assert not mail.outbox
    assert "deactivated" in response.content.decode()


# --- teams -----------------------------------------------------------------------------------------------


def test_an_administrator_makes_a_team_once(admin_client, team):
    made = admin_client.post(reverse("people:team-create"), {"name": "  Showroom ", "email": ""})
    again = admin_client.post(reverse("people:team-create"), {"name": "service DESK"}, follow=True)

    assert made.status_code == 302
    assert Team.objects.filter(name="Showroom").exists()
    assert Team.objects.filter(name__iexact="service desk").count() == 1
    assert "There is a team with this name already." in again.content.decode()
