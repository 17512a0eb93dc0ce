"""People: accounts, their roles, teams and profile flags, as administrators manage them (/people/).

Roles are the groups of cxhub.roles; a person may hold several. Groups that are not roles (made in the
Django admin) are left alone. Team membership is changed from the team's side, so the audit log records
it on the team ("members"), where the other membership changes are recorded too; the roles are recorded
on the account ("groups") and the flags on the profile.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from cxhub.exceptions import DomainError, ForbiddenError
from cxhub.models import Profile, Team
from cxhub.roles import MANAGE_PEOPLE, ROLE_PERMISSIONS

User = get_user_model()
AnyUser = AbstractBaseUser | AnonymousUser

# --- Reads --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleFilters:
    q: str = ""
    role: str = ""
    team: int | None = None
    status: str = ""  # "active", "inactive" or "" for both


def role_groups() -> QuerySet[Group]:
    """The groups that are roles, in the order of cxhub.roles."""
    return Group.objects.filter(name__in=list(ROLE_PERMISSIONS))


def people_list(*, filters: PeopleFilters) -> QuerySet[AbstractBaseUser]:
    """Everyone with an account, with their roles, teams and profile joined in: three queries a page."""
    people = (
        User.objects.select_related("profile")
        .prefetch_related(
            Prefetch("groups", queryset=Group.objects.order_by("name")),
            Prefetch("teams", queryset=Team.objects.order_by("name")),
        )
        .order_by("-is_active", "first_name", "last_name", "username")
    )
    if filters.q:
        for word in filters.q.split()[:4]:  # bounded: each word is one more condition
            people = people.filter(Q(username__icontains=word) | Q(first_name__icontains=word)
                                   | Q(last_name__icontains=word) | Q(email__icontains=word))
    if filters.role == "none":
        people = people.exclude(groups__name__in=list(ROLE_PERMISSIONS))
    elif filters.role:
        people = people.filter(groups__name=filters.role)
    if filters.team is not None:
        people = people.filter(teams=filters.team)
    if filters.status == "active":
        people = people.filter(is_active=True)
    elif filters.status == "inactive":
        people = people.filter(is_active=False)
    return people.distinct()


def person_roles(person: AbstractBaseUser) -> list[str]:
    """The person's roles, in the order of cxhub.roles (from prefetched groups when there are)."""
    names = {group.name for group in person.groups.all()}  # type: ignore[attr-defined]
    return [role for role in ROLE_PERMISSIONS if role in names]


def profile_of(person: AbstractBaseUser) -> Profile | None:
    try:
        return person.profile  # type: ignore[attr-defined]
    except Profile.DoesNotExist:
        return None


# --- Checks ---------------------------------------------------------------------------------------------


def _manages_people(roles: Iterable[str]) -> bool:
    return any(MANAGE_PEOPLE in ROLE_PERMISSIONS[role] for role in roles)


def _other_active_people_managers(person: AbstractBaseUser) -> bool:
    """Whether someone else who is active can still manage people (by a role, or as a superuser)."""
    roles = [role for role, codes in ROLE_PERMISSIONS.items() if MANAGE_PEOPLE in codes]
    return User.objects.filter(is_active=True).exclude(pk=person.pk).filter(
        Q(groups__name__in=roles) | Q(is_superuser=True)).exists()


def check_person_change(*, actor: AnyUser, person: AbstractBaseUser, roles: list[str], is_active: bool) -> None:
    """Refuse changes that would lock people out of managing people, or that reach above the actor."""
    if person.is_superuser and not actor.is_superuser:  # type: ignore[attr-defined]
        raise ForbiddenError(_("Only a superuser can change a superuser's account."))
    if person.pk == actor.pk:
        if not is_active:
            raise DomainError(_("You cannot deactivate your own account."), field="is_active")
        if not actor.is_superuser and not _manages_people(roles):  # type: ignore[attr-defined]
            raise DomainError(_("You cannot take away your own administrator role: ask another administrator."),
                              field="roles")
    was_manager = person.is_active and _manages_people(person_roles(person))
    stays_manager = is_active and _manages_people(roles)
    if was_manager and not stays_manager and not _other_active_people_managers(person):
        raise DomainError(_("This is the last active administrator: give someone else the role first."),
                          field="roles")


# --- Writes ---------------------------------------------------------------------------------------------


def _set_roles(person: AbstractBaseUser, roles: list[str]) -> None:
    """Give exactly these roles; groups that are not roles stay."""
    unknown = set(roles) - set(ROLE_PERMISSIONS)
    if unknown:
        raise DomainError(_("Unknown role: %(role)s.") % {"role": ", ".join(sorted(unknown))}, field="roles")
    current = set(person.groups.filter(name__in=list(ROLE_PERMISSIONS)).values_list("name", flat=True))  # type: ignore[attr-defined]
    if current - set(roles):
        person.groups.remove(*Group.objects.filter(name__in=current - set(roles)))  # type: ignore[attr-defined]
    if set(roles) - current:
        person.groups.add(*Group.objects.filter(name__in=set(roles) - current))  # type: ignore[attr-defined]


def _set_teams(person: AbstractBaseUser, teams: Iterable[Team]) -> None:
    """Membership changed from each team's side, so the audit log shows it on the team."""
    wanted = {team.pk: team for team in teams}
    current = {team.pk: team for team in Team.objects.filter(members=person)}
    for team_id in current.keys() - wanted.keys():
        current[team_id].members.remove(person)
    for team_id in wanted.keys() - current.keys():
        wanted[team_id].members.add(person)


def _set_profile(person: AbstractBaseUser, *, sees_all_teams: bool) -> None:
    profile, created = Profile.objects.get_or_create(user=person, defaults={"sees_all_teams": sees_all_teams})
    if not created and profile.sees_all_teams != sees_all_teams:
        profile.sees_all_teams = sees_all_teams
        profile.save(update_fields=["sees_all_teams", "updated_at"])


@transaction.atomic
def person_update(*, actor: AnyUser, person: AbstractBaseUser, roles: list[str], teams: Iterable[Team],
                  sees_all_teams: bool, is_active: bool, first_name: str, last_name: str,
                  email: str) -> AbstractBaseUser:
    """Change a person's name, e-mail, roles, teams, "sees all teams" flag and active status."""
    person = User.objects.select_for_update().get(pk=person.pk)
    check_person_change(actor=actor, person=person, roles=roles, is_active=is_active)
    _check_email_free(email, person=person)
    fields = {"first_name": first_name.strip(), "last_name": last_name.strip(), "email": email.strip(),
              "is_active": is_active}
    changed = [name for name, value in fields.items() if getattr(person, name) != value]
    for name in changed:
        setattr(person, name, fields[name])
    if changed:
        person.save(update_fields=changed)
    _set_roles(person, roles)
    _set_teams(person, teams)
    _set_profile(person, sees_all_teams=sees_all_teams)
    return person


def _check_email_free(email: str, *, person: AbstractBaseUser | None = None) -> None:
    """An e-mail address names one account: the password-set link goes to it."""
    taken = User.objects.filter(email__iexact=email.strip())
    if person is not None:
        taken = taken.exclude(pk=person.pk)
    if email.strip() and taken.exists():
        raise DomainError(_("Another account has this e-mail address."), field="email")


@transaction.atomic
def person_create(*, actor: AnyUser, username: str, first_name: str, last_name: str, email: str,
                  roles: list[str], teams: Iterable[Team], sees_all_teams: bool, site_url: str) -> AbstractBaseUser:
    """Make an account without a password and e-mail the person a link to choose one (the password reset
    flow's, valid for PASSWORD_RESET_TIMEOUT), sent once the account is saved."""
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("This username is taken."), field="username")
    _check_email_free(email)
    person = User(username=username, first_name=first_name.strip(), last_name=last_name.strip(),
                  email=email.strip(), is_active=True)
    person.set_unusable_password()
    person.save()
    _set_roles(person, roles)
    _set_teams(person, teams)
    _set_profile(person, sees_all_teams=sees_all_teams)
    link = password_set_link(person=person, site_url=site_url)
    transaction.on_commit(lambda: _send_welcome(person=person, link=link, actor=actor))
    return person


def password_set_link(*, person: AbstractBaseUser, site_url: str) -> str:
    """The password reset flow's link for this person: it works until they set a password, and for
    PASSWORD_RESET_TIMEOUT seconds."""
    path = reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
        "token": default_token_generator.make_token(person),
    })
    return site_url.rstrip("/") + path


def _send_welcome(*, person: AbstractBaseUser, link: str, actor: AnyUser) -> None:
    context = {
        "person": person, "link": link, "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "inviter": (actor.get_full_name() or actor.get_username()) if actor.is_authenticated else "",  # type: ignore[union-attr]
    }
    subject = render_to_string("cxhub/people/email/welcome_subject.txt", context).strip()
    body = render_to_string("cxhub/people/email/welcome.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])  # type: ignore[attr-defined]


@transaction.atomic
def password_link_resend(*, actor: AnyUser, person: AbstractBaseUser, site_url: str) -> None:
    """E-mail the person a fresh link to choose a password (a new account, or a forgotten password)."""
    if person.is_superuser and not actor.is_superuser:  # type: ignore[attr-defined]
        raise ForbiddenError(_("Only a superuser can change a superuser's account."))
    if not person.is_active:
        raise DomainError(_("This account is deactivated: activate it first."))
    if not person.email:  # type: ignore[attr-defined]
        raise DomainError(_("This account has no e-mail address."), field="email")
    link = password_set_link(person=person, site_url=site_url)
    transaction.on_commit(lambda: _send_welcome(person=person, link=link, actor=actor))


@transaction.atomic
def team_create(*, name: str, email: str = "") -> Team:
    """A new team; names are unique whatever their case."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the team a name."), field="name")
    if Team.objects.filter(name__iexact=name).exists():
        raise DomainError(_("There is a team with this name already."), field="name")
    return Team.objects.create(name=name, email=email.strip())
