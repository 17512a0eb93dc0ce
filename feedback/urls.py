from __future__ import annotations

from django.urls import path

from feedback import views

app_name = "feedback"
urlpatterns = [
    path("responses/", views.response_list, name="responses"),
    path("responses/new/", views.response_create, name="response-create"),
    path("responses/export.csv", views.response_export, name="response-export"),
    path("responses/<int:pk>/", views.response_detail, name="response"),
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/new/", views.survey_create, name="survey-create"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey"),
    path("surveys/<int:pk>/edit/", views.survey_edit, name="survey-edit"),
    path("surveys/<int:pk>/preview/", views.survey_preview, name="survey-preview"),
    path("surveys/<int:pk>/preview/page/", views.survey_preview_page, name="survey-preview-page"),
    path("surveys/<int:pk>/active/", views.survey_set_active, name="survey-active"),
]
