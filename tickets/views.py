"""The support agent's pages: the queue, a new ticket, and working one ticket."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cxhub.forms import run_service
from tickets import selectors, services
from tickets.choices import TRANSITIONS, Status
from tickets.forms import ReplyForm, StatusForm, TicketCreateForm, TicketFilterForm
from tickets.models import Ticket

PAGE_SIZE = 25

# The button an agent sees for each status a ticket can move to.
STATUS_ACTIONS = {
    Status.OPEN: "Reopen",
    Status.PENDING: "Wait on customer",
    Status.RESOLVED: "Resolve",
    Status.CLOSED: "Close",
}


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
def ticket_list(request: HttpRequest) -> HttpResponse:
    form = TicketFilterForm(request.GET)
    form.is_valid()  # an invalid filter value is dropped on its own; the others still apply
    data = form.cleaned_data
    team = data.get("team")
    filters = selectors.TicketFilters(
        queue=data.get("queue") or "open", status=data.get("status") or "",
        priority=data.get("priority") or "", team_id=team.pk if team else None,
        q=(data.get("q") or "").strip(),
    )
    page = Paginator(selectors.ticket_list(user=request.user, filters=filters), PAGE_SIZE)
    return render(request, "tickets/ticket_list.html", {
        "form": form, "filters": filters, "queues": selectors.QUEUES,
        "queue_label": selectors.QUEUES[filters.queue], "now": timezone.now(),
        "page_obj": page.get_page(request.GET.get("page")),
    })


@login_required
@permission_required("tickets.add_ticket", raise_exception=True)
def ticket_create(request: HttpRequest) -> HttpResponse:
    form = TicketCreateForm(request.POST or None,
                            initial={"touchpoint": request.GET.get("touchpoint")})
    if request.method == "POST" and form.is_valid():
        ticket = run_service(form, lambda: services.ticket_create(actor=request.user,
                                                                  **form.cleaned_data))
        if ticket is not None:
            messages.success(request, f"Ticket #{ticket.pk} logged.")
            return redirect("tickets:detail", pk=ticket.pk)
    return render(request, "tickets/ticket_form.html", {"form": form},
                  status=400 if form.errors else 200)


def _get(pk: int) -> Ticket:
    try:
        return selectors.ticket_get(pk=pk)
    except Ticket.DoesNotExist:
        raise Http404("No such ticket.") from None


def _detail(request: HttpRequest, ticket: Ticket, reply_form: ReplyForm | None = None,
            status: int = 200) -> HttpResponse:
    return render(request, "tickets/ticket_detail.html", {
        "ticket": ticket,
        "reply_form": reply_form or ReplyForm(),
        "actions": [(s, STATUS_ACTIONS[s]) for s in Status.values if s in TRANSITIONS[ticket.status]],
        "other_tickets": selectors.customer_recent_tickets(ticket=ticket),
    }, status=status)


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _get(pk))


@login_required
@permission_required("tickets.add_ticketmessage", raise_exception=True)
@require_POST
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _get(pk)
    form = ReplyForm(request.POST)
    if form.is_valid() and run_service(form, lambda: services.ticket_reply(
            ticket=ticket, author=request.user, **form.cleaned_data)):
        messages.success(request, "Note added." if form.cleaned_data["internal"] else "Reply sent.")
        return redirect("tickets:detail", pk=pk)
    return _detail(request, _get(pk), reply_form=form, status=400)


@login_required
@permission_required("tickets.change_ticket", raise_exception=True)
@require_POST
def ticket_status(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _get(pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid status.")
        return redirect("tickets:detail", pk=pk)
    new = form.cleaned_data["status"]
    if run_service(form, lambda: services.ticket_change_status(ticket=ticket, status=new,
                                                               actor=request.user)):
        messages.success(request, f"Ticket #{pk} is now {Status(new).label.lower()}.")
    else:
        messages.error(request, " ".join(form.non_field_errors() + form.errors.get("status", [])))
    return redirect("tickets:detail", pk=pk)


@login_required
@permission_required("tickets.change_ticket", raise_exception=True)
@require_POST
def ticket_take(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the ticket to the agent who pressed the button (or give it back)."""
    ticket = _get(pk)
    give_back = request.POST.get("release") == "1"
    services.ticket_assign(ticket=ticket, assignee=None if give_back else request.user,
                           actor=request.user)
    messages.success(request, "Ticket released to the queue." if give_back
                     else f"Ticket #{pk} is yours.")
    return redirect("tickets:detail", pk=pk)
