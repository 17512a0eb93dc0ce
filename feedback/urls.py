from __future__ import annotations

from django.urls import path

from feedback import views

app_name = "feedback"
urlpatterns = [
    path("responses/", views.response_list, name="responses"),
    path("responses/new/", views.response_create, name="response-create"),
]
