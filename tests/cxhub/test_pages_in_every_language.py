"""Every page renders in Greek, Vietnamese and Persian: a translation that broke a placeholder or a plural
would fail here as a server error, not in front of a user."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.cxhub.test_permission_matrix import _kwargs, routes, world  # noqa: F401 (world is a fixture)


@pytest.mark.parametrize("language", ["el", "vi", "fa"])
@pytest.mark.parametrize("role", ["manager", "lead", "admin"])
def test_every_page_renders_in_each_language(world, role, language):  # noqa: F811
    person = world["people"][role]
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(person)
    failures, pages = [], 0
    for route in routes():
        if route.is_api or route.name.endswith("logout"):
            continue
        url = reverse(route.name, kwargs=_kwargs(route, world["values"], user_id=person.pk, other_team=False))
        response = client.get(url)
        pages += 1
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
        elif response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            head = response.content.decode()[:600]
            # Staff pages speak the reader's language; customer pages (previews) the survey's own.
            assert f'lang="{language}"' in head or "public.css" in head, url

    assert pages > 80
    assert not failures, "\n".join(failures)
