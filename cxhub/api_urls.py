"""/api/v1/: every app registers its viewsets on the one router."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
urlpatterns = router.urls
