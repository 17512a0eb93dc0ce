"""/people/: accounts, roles and teams, for administrators."""

from __future__ import annotations

from django.urls import path

from cxhub import views_people

app_name = "people"
urlpatterns = [
    path("", views_people.people_list, name="list"),
    path("new/", views_people.person_create, name="create"),
    path("<int:pk>/", views_people.person_edit, name="edit"),
    path("<int:pk>/password-link/", views_people.person_password_link, name="password-link"),
    path("teams/new/", views_people.team_create, name="team-create"),
]
