"""The composition root: every app's pages and API under one roof."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from cxhub import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("journeys/", include("journeys.urls")),
    path("tickets/", include("tickets.urls")),
    path("feedback/loop/", include("feedback.loop_urls")),  # closed loop, themes (before feedback/)
    path("feedback/", include("feedback.urls")),
    path("pulse/", include("feedback.pulse_urls")),  # employee pulse; answer links need no login
    path("s/", include("feedback.public_urls")),  # public survey links: no login
    path("api/v1/", include("cxhub.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
