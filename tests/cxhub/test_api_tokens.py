"""API tokens: hashed at rest, shown once, revocable, expiring, and the API-client roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from cxhub.models import ApiToken
from cxhub.roles import API_CLIENT_READ, API_CLIENT_WRITE
from cxhub.tokens import api_token_authenticate, api_token_create
from tests.cxhub.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm_account():
    return UserFactory(username="crm-sync")


def api(client, key):
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_manager_makes_a_token_and_sees_its_key_once(manager_client, crm_account):
    response = manager_client.post(reverse("api-tokens"), {"user": crm_account.pk, "name": "CRM sync"})
    assert response.status_code == 302

    page = manager_client.get(reverse("api-tokens")).content.decode()
    token = ApiToken.objects.get(user=crm_account)
    key = page.split('id="new-key" type="text" readonly value="')[1].split('"')[0]
    assert key.startswith(token.prefix) and token.name == "CRM sync"
    again = manager_client.get(reverse("api-tokens")).content.decode()
    assert key not in again and f"{token.prefix}…" in again


def test_a_form_without_a_name_re_renders_and_makes_nothing(manager_client, crm_account):
    response = manager_client.post(reverse("api-tokens"), {"user": crm_account.pk, "name": " "})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_revoked_token_answers_401(manager_client, crm_account):
    from rest_framework.test import APIClient

    token, key = api_token_create(user=crm_account, name="CRM sync")
    Group.objects.get(name=API_CLIENT_READ).user_set.add(crm_account)
    assert api(APIClient(), key).get("/api/v1/customers/").status_code == 200

    manager_client.post(reverse("api-token-revoke", args=[token.pk]))

    assert api(APIClient(), key).get("/api/v1/customers/").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "it no longer works" in manager_client.get(reverse("api-tokens")).content.decode()


def test_an_expired_token_answers_401(crm_account):
    from rest_framework.test import APIClient

    token, key = api_token_create(user=crm_account, name="Old")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    assert api(APIClient(), key).get("/api/v1/customers/").status_code == 401


def test_agents_cannot_see_or_make_tokens(agent_client, crm_account):
    assert agent_client.get(reverse("api-tokens")).status_code == 403
    assert agent_client.post(reverse("api-tokens"), {"user": crm_account.pk, "name": "x"}).status_code == 403


def test_a_read_only_client_reads_but_cannot_write(crm_account):
    from rest_framework.test import APIClient

    Group.objects.get(name=API_CLIENT_READ).user_set.add(crm_account)
    client = api(APIClient(), api_token_create(user=crm_account, name="Reports")[1])

    assert client.get("/api/v1/tickets/").status_code == 200
    assert client.post("/api/v1/customers/", {"name": "Nadia"}, format="json").status_code == 403


def test_a_read_write_client_pushes_customers(crm_account):
    from rest_framework.test import APIClient

    Group.objects.get(name=API_CLIENT_WRITE).user_set.add(crm_account)
    client = api(APIClient(), api_token_create(user=crm_account, name="CRM sync")[1])

    response = client.post("/api/v1/customers/", {"name": "Nadia", "external_id": "CRM-9"}, format="json")

    assert response.status_code == 201
    assert client.get("/api/v1/alerts/").status_code == 200
    assert client.post("/api/v1/programs/", {"name": "x", "purpose": "y"}, format="json").status_code == 403


def test_the_token_page_query_count_does_not_grow(manager_client, crm_account, django_assert_max_num_queries):
    for n in range(20):
        api_token_create(user=crm_account, name=f"Token {n}")

    with django_assert_max_num_queries(10):
        assert manager_client.get(reverse("api-tokens")).status_code == 200


def test_a_key_is_checked_in_one_statement_that_reads_the_token_and_its_user_as_the_orm_does(
        crm_account, django_assert_num_queries):
    crm_account.last_login = timezone.now() - dt.timedelta(days=2)
    crm_account.first_name, crm_account.is_staff = "Ελένη", True
    crm_account.save()
    token, key = api_token_create(user=crm_account, name="CRM", expires_at=timezone.now() + dt.timedelta(days=9))
    api_token_authenticate(key)  # marks its use: the next check within minutes writes nothing

    with django_assert_num_queries(1):
        ours = api_token_authenticate(key)
        user = ours.user
    orm = ApiToken.objects.select_related("user").get(pk=token.pk)

    for mine, theirs in ((ours, orm), (user, orm.user)):
        for field in type(theirs)._meta.concrete_fields:
            value = getattr(mine, field.attname)
            assert value == getattr(theirs, field.attname) and type(value) is type(getattr(theirs, field.attname))
        assert mine._state.db == theirs._state.db and not mine._state.adding
    assert timezone.is_aware(ours.expires_at) and user.is_staff is True and user.first_name == "Ελένη"
    assert api_token_authenticate(key + "x") is None and api_token_authenticate("") is None
