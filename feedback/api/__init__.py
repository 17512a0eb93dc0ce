"""The feedback REST API, registered on the one router in cxhub.api_urls."""

from __future__ import annotations
