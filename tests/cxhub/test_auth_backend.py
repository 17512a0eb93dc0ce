"""Permissions read in one query give the same answers as Django's model backend."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from cxhub import roles
from cxhub.auth_backend import RoleBackend
from tests.cxhub.factories import UserFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    return type(user).objects.get(pk=user.pk)  # no permission cache carried over


@pytest.mark.parametrize("kind", ["roles", "own", "both", "none", "superuser", "inactive"])
def test_it_answers_as_the_model_backend_does(kind):
    user = UserFactory(is_superuser=kind == "superuser", is_active=kind != "inactive")
    if kind in ("roles", "both", "inactive"):
        user.groups.add(Group.objects.get(name=roles.SUPPORT_AGENT), Group.objects.get(name=roles.CX_MANAGER))
    if kind in ("own", "both"):
        user.user_permissions.add(Permission.objects.get(codename="delete_ticket"))

    ours = RoleBackend().get_all_permissions(fresh(user))

    assert ours == ModelBackend().get_all_permissions(fresh(user))
    assert bool(ours) == (kind not in ("none", "inactive"))


def test_it_reads_them_in_one_query_and_keeps_them_for_the_request(django_assert_num_queries):
    user = fresh(UserFactory())
    user.groups.add(Group.objects.get(name=roles.SUPPORT_AGENT))
    user = fresh(user)

    with django_assert_num_queries(1):
        assert user.has_perm("tickets.change_ticket")
        assert not user.has_perm("cxhub.manage_people")
        assert user.has_perms(["tickets.view_ticket", "tickets.add_ticketmessage"])
