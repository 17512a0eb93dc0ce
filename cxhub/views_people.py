"""The People page for administrators: who has an account, their roles, teams and flags; add a person
(they get an e-mail with a link to choose a password), change one, make a team. The rules live in
cxhub/people.py; every change lands in the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxhub import people
from cxhub.exceptions import DomainError
from cxhub.forms import flash_form_errors, run_service
from cxhub.forms_people import PeopleFilterForm, PersonForm, TeamForm
from cxhub.models import Team
from cxhub.roles import MANAGE_PEOPLE, ROLE_LABELS

PAGE_SIZE = 50


def _person(pk: int):  # type: ignore[no-untyped-def]
    person = get_user_model().objects.filter(pk=pk).first()
    if person is None:
        raise Http404(_("No such person."))
    return person


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@login_required
@permission_required(MANAGE_PEOPLE, raise_exception=True)
def people_list(request: HttpRequest) -> HttpResponse:
    filter_form = PeopleFilterForm(request.GET or None)
    filters = filter_form.filters()
    page = Paginator(people.people_list(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{
        "person": person,
        "roles": [ROLE_LABELS[role] for role in people.person_roles(person)],
        "profile": people.profile_of(person),
    } for person in page.object_list]
    return render(request, "cxhub/people/list.html", {
        "page_obj": page, "rows": rows, "filter_form": filter_form,
        "ignored": filter_form.ignored,
        "filtered": any(getattr(filters, name) for name in ("q", "role", "team", "status")),
        "teams": Team.objects.order_by("name"), "team_form": TeamForm(),
    })


@login_required
@permission_required(MANAGE_PEOPLE, raise_exception=True)
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = run_service(form, lambda: people.person_create(
            actor=request.user, username=data["username"], first_name=data["first_name"],
            last_name=data["last_name"], email=data["email"], roles=data["roles"], teams=data["teams"],
            sees_all_teams=data["sees_all_teams"], site_url=_site_url(request)))
        if person is not None:
            messages.success(request, _("Added %(person)s and e-mailed them a link to choose a password.")
                             % {"person": person.get_full_name() or person.get_username()})
            return redirect("people:edit", pk=person.pk)
    return render(request, "cxhub/people/form.html", {"form": form, "person": None},
                  status=400 if form.errors else 200)


@login_required
@permission_required(MANAGE_PEOPLE, raise_exception=True)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(pk)
    profile = people.profile_of(person)
    initial = {
        "username": person.get_username(), "first_name": person.first_name, "last_name": person.last_name,
        "email": person.email, "roles": people.person_roles(person), "teams": list(person.teams.all()),
        "sees_all_teams": bool(profile and profile.sees_all_teams), "is_active": person.is_active,
    }
    form = PersonForm(request.POST or None, initial=initial, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = run_service(form, lambda: people.person_update(
            actor=request.user, person=person, roles=data["roles"], teams=data["teams"],
            sees_all_teams=data["sees_all_teams"], is_active=data["is_active"],
            first_name=data["first_name"], last_name=data["last_name"], email=data["email"]))
        if saved is not None:
            who = saved.get_full_name() or saved.get_username()
            messages.success(request, _("Saved %(person)s.") % {"person": who})
            return redirect("people:edit", pk=person.pk)
    return render(request, "cxhub/people/form.html", {
        "form": form, "person": person, "profile": profile,
    }, status=400 if form.errors else 200)


@login_required
@permission_required(MANAGE_PEOPLE, raise_exception=True)
@require_POST
def person_password_link(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(pk)
    try:
        people.password_link_resend(actor=request.user, person=person, site_url=_site_url(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("E-mailed %(email)s a link to choose a password.") % {"email": person.email})
    return redirect("people:edit", pk=person.pk)


@login_required
@permission_required([MANAGE_PEOPLE, "cxhub.add_team"], raise_exception=True)
@require_POST
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST)
    if form.is_valid():
        team = run_service(form, lambda: people.team_create(name=form.cleaned_data["name"],
                                                            email=form.cleaned_data["email"]))
        if team is not None:
            messages.success(request, _("Made the team %(team)s: add people to it from their page.")
                             % {"team": team.name})
            return redirect("people:list")
    flash_form_errors(request, form)
    return redirect("people:list")
