"""Pages where managers subscribe URLs to events and watch the deliveries (docs/webhooks.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxhub.exceptions import DomainError
from cxhub.forms import run_service
from cxhub.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from cxhub.webhooks import services
from cxhub.webhooks.filters import DeliveryFilterSet
from cxhub.webhooks.forms import SubscriptionForm

PAGE_SIZE = 25
VIEW = "cxhub.view_webhooksubscription"
CHANGE = "cxhub.change_webhooksubscription"
_SECRET_KEY = "webhook-secret-{}"  # session key: the secret of a just-created subscription, shown once


def _subscription(pk: int) -> WebhookSubscription:
    return get_object_or_404(WebhookSubscription.objects.select_related("owner"), pk=pk)


def _detail(subscription: WebhookSubscription) -> HttpResponse:
    return redirect("webhooks:detail", subscription.pk)


@login_required
@permission_required(VIEW, raise_exception=True)
def subscription_list(request: HttpRequest) -> HttpResponse:
    latest = WebhookDelivery.objects.filter(subscription=OuterRef("pk")).order_by("-created_at", "-id")
    subscriptions = (WebhookSubscription.objects.select_related("owner")
                     .annotate(last_delivery_status=Subquery(latest.values("status")[:1]),
                               last_delivery_at=Subquery(latest.values("updated_at")[:1])))
    state = request.GET.get("state", "")
    if state == "active":
        subscriptions = subscriptions.filter(is_active=True)
    elif state == "disabled":
        subscriptions = subscriptions.filter(is_active=False)
    else:
        state = ""
    page = Paginator(subscriptions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cxhub/webhooks/list.html",
                  {"page_obj": page, "subscriptions": page.object_list, "state": state})


@login_required
@permission_required("cxhub.add_webhooksubscription", raise_exception=True)
def subscription_create(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        subscription = run_service(form, lambda: services.subscription_create(owner=request.user, **form.cleaned_data))
        if subscription is not None:
            request.session[_SECRET_KEY.format(subscription.pk)] = subscription.secret
            messages.success(request, _("Subscription created. Copy its secret now: it is shown only once."))
            return _detail(subscription)
    return render(request, "cxhub/webhooks/form.html", {"form": form, "subscription": None})


@login_required
@permission_required(CHANGE, raise_exception=True)
def subscription_edit(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = _subscription(pk)
    initial = {"url": subscription.url, "description": subscription.description,
               "event_types": subscription.event_types}
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_service(form, lambda: services.subscription_update(subscription=subscription,
                                                                      **form.cleaned_data))
        if done is not None:
            messages.success(request, _("Subscription saved."))
            return _detail(subscription)
    return render(request, "cxhub/webhooks/form.html", {"form": form, "subscription": subscription})


@login_required
@permission_required(VIEW, raise_exception=True)
def subscription_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = _subscription(pk)
    deliveries = (WebhookDelivery.objects.filter(subscription=subscription).select_related("event")
                  .prefetch_related(Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number")))
                  .order_by("-created_at", "-id"))
    filterset = DeliveryFilterSet(request.GET, queryset=deliveries)
    if not filterset.is_valid():
        messages.error(request, _("That filter was not understood; showing all deliveries."))
        filterset = DeliveryFilterSet({}, queryset=deliveries)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cxhub/webhooks/detail.html", {
        "subscription": subscription, "filter": filterset, "page_obj": page, "deliveries": page.object_list,
        # the secret of a subscription created a moment ago, shown this once and then forgotten
        "secret": request.session.pop(_SECRET_KEY.format(subscription.pk), None),
    })


def _act(request: HttpRequest, action, success: str) -> bool:
    """Run a one-click action; its refusal becomes an error message rather than an error page."""
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def subscription_enable(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = _subscription(pk)
    _act(request, lambda: services.subscription_enable(subscription=subscription),
         _("Subscription enabled; recent deliveries that were waiting resume within a minute."))
    return _detail(subscription)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def subscription_disable(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = _subscription(pk)
    _act(request, lambda: services.subscription_disable(subscription=subscription, actor=request.user),
         _("Subscription disabled; events are kept but not sent."))
    return _detail(subscription)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def subscription_test(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = _subscription(pk)
    _act(request, lambda: services.subscription_send_test(subscription=subscription),
         _("Test event sent; its delivery is at the top of the list."))
    return _detail(subscription)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def subscription_rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = services.subscription_rotate_secret(subscription=_subscription(pk))
    request.session[_SECRET_KEY.format(subscription.pk)] = subscription.secret
    messages.success(request, _("New secret made; the old one no longer verifies. Copy it now."))
    return _detail(subscription)


@login_required
@permission_required("cxhub.delete_webhooksubscription", raise_exception=True)
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = _subscription(pk)
    if request.method == "POST":
        subscription.delete()
        messages.success(request, _("Subscription to %(url)s deleted with its delivery log.") % {
            "url": subscription.url})
        return redirect("webhooks:list")
    return render(request, "cxhub/webhooks/confirm_delete.html", {"subscription": subscription})


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def delivery_redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("event", "subscription"), pk=pk)
    _act(request, lambda: services.delivery_redeliver(delivery=delivery),
         _("Delivery of %(event)s sent again; see its newest attempt.") % {"event": delivery.event_id})
    return redirect(reverse("webhooks:detail", args=[delivery.subscription_id]) + f"#delivery-{delivery.pk}")
