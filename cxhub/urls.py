"""The composition root: every app's pages and API under one roof."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cxhub import health, views, views_account, views_audit, views_tokens

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),  # the database and Redis, for load balancers
    # login, logout, password change and reset (templates in templates/registration/)
    path("accounts/", include("django.contrib.auth.urls")),
    path("account/", views_account.account, name="account"),  # your language, the way to your password
    # the language switcher posts to Django's set_language here (cxhub.languages has the order of choice)
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/", views_audit.audit_log, name="audit-log"),
    path("api-tokens/", views_tokens.token_list, name="api-tokens"),
    path("api-tokens/<int:pk>/revoke/", views_tokens.token_revoke, name="api-token-revoke"),
    path("people/", include("cxhub.urls_people")),  # accounts, roles and teams, for administrators
    path("admin/", admin.site.urls),
    path("webhooks/", include("cxhub.urls_webhooks")),  # outgoing webhooks, for managers
    path("imports/", include("cxhub.urls_imports")),  # CSV imports, for managers
    path("journeys/", include("journeys.urls")),
    path("tickets/", include("tickets.urls")),
    path("feedback/loop/", include("feedback.loop_urls")),  # closed loop, themes (before feedback/)
    path("feedback/", include("feedback.urls")),
    path("pulse/", include("feedback.pulse_urls")),  # employee pulse; answer links need no login
    path("s/", include("feedback.public_urls")),  # public survey links: no login
    path("api/v1/", include("cxhub.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

# Under /api/ errors answer JSON in the API's error shape; elsewhere, pages in the site's layout.
handler400 = "cxhub.views.bad_request"
handler403 = "cxhub.views.permission_denied"
handler404 = "cxhub.views.page_not_found"
handler500 = "cxhub.health.server_error"  # a database outage is a 503, anything else cxhub.views' 500
