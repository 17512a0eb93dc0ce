"""Customer health pages: the list (at risk first) and one customer's health card."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from journeys import health, selectors
from journeys.models import Customer, CustomerHealth, HealthBand

PAGE_SIZE = 25
MAX_QUERY = 100  # characters of search text kept; the rest is ignored


@login_required
@permission_required("journeys.view_customerhealth", raise_exception=True)
@require_GET
def health_list(request: HttpRequest) -> HttpResponse:
    band = request.GET.get("band", "")
    if band and band not in HealthBand.values:
        messages.warning(request, _("Ignored an unknown band; showing every band."))
        band = ""
    segment = request.GET.get("segment", "").strip()[:60]
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    ordering = request.GET.get("ordering", "")
    if ordering not in health.ORDERINGS:
        ordering = ""
    rows = health.health_list(band=band, segment=segment, q=q, ordering=ordering)
    counts = dict(CustomerHealth.objects.values_list("band").annotate(n=Count("pk")).order_by())
    return render(request, "journeys/health/list.html", {
        "page_obj": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "band": band, "segment": segment, "q": q, "ordering": ordering,
        "orderings": [(key, label) for key, (label, _order) in health.ORDERINGS.items()],
        "filtered": bool(band or segment or q),
        "bands": [(value, label, counts.get(value, 0)) for value, label in HealthBand.choices],
        "total": sum(counts.values()),
        "segments": health.segments(),
    })


def _customer(pk: int) -> tuple[Customer, CustomerHealth | None]:
    try:
        return health.customer_health_get(customer_id=pk)
    except Customer.DoesNotExist:
        raise Http404("No such customer.") from None


@login_required
@permission_required("journeys.view_customerhealth", raise_exception=True)
@require_GET
def customer_health(request: HttpRequest, pk: int) -> HttpResponse:
    customer, row = _customer(pk)
    return render(request, "journeys/health/customer.html", {
        "customer": customer, "health": row,
        "experience": selectors.customer_experience(customer_id=customer.pk),
        "lookback_days": health.LOOKBACK.days,
    })


@login_required
@permission_required("journeys.view_customerhealth", raise_exception=True)
@require_POST
def customer_health_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    """Recompute one customer's health now instead of waiting for the periodic job."""
    customer, _row = _customer(pk)
    changed = health.health_recompute(customer_ids=[customer.pk])
    if changed:
        messages.success(request, _("Recomputed the health of %(name)s: it has changed.")
                         % {"name": customer.name})
    else:
        messages.info(request, _("Recomputed the health of %(name)s: nothing has changed.")
                      % {"name": customer.name})
    return redirect("journeys:customer_health", pk=customer.pk)
