"""The support agent's pages: the queue, a new ticket, and working one ticket."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from cxhub.exceptions import DomainError
from cxhub.forms import flash_form_errors, run_service
from cxhub.pagination import CappedPaginator
from cxhub.roles import ASSIGN_TICKETS
from journeys.choices import Channel
from journeys.selectors import customer_experience
from tickets import selectors, services
from tickets.choices import TRANSITIONS, MessageKind, Priority, SlaStatus, Status
from tickets.filters import QUEUES
from tickets.forms import (
    AssignForm,
    BulkForm,
    ClassifyForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
    TicketCreateForm,
)
from tickets.models import AgentAvailability, Attachment, CannedResponse, CustomField, Ticket
from tickets.services import productivity, routing
from tickets.services import sla as sla_services

PAGE_SIZE = 25
SLA_TARGET_LABELS = {"first_response": gettext_lazy("First reply"), "next_response": gettext_lazy("Next reply"),
                     "resolution": gettext_lazy("Resolution")}
ORDERINGS = [
    ("", gettext_lazy("Newest first")), ("created_at", gettext_lazy("Oldest first")),
    ("resolution_due_at", gettext_lazy("Due soonest")), ("-priority", gettext_lazy("Most urgent")),
    ("-updated_at", gettext_lazy("Recently changed")),
]

# The button an agent sees for each status a ticket can move to.
STATUS_ACTIONS = {
    Status.OPEN: pgettext_lazy("ticket action", "Reopen"),
    Status.PENDING: pgettext_lazy("ticket action", "Wait on customer"),
    Status.RESOLVED: pgettext_lazy("ticket action", "Resolve"),
    Status.CLOSED: pgettext_lazy("ticket action", "Close"),
}


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
def ticket_list(request: HttpRequest) -> HttpResponse:
    filterset = selectors.ticket_queue(request=request)
    filterset.is_valid()  # an invalid value is dropped on its own; the others still apply
    queue = filterset.form.cleaned_data.get("queue") or "open"
    page = CappedPaginator(filterset.qs, PAGE_SIZE)  # a queue may match a million: count the first pages only
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "tickets/ticket_list.html", {
        "filterset": filterset, "form": filterset.form, "queue": queue, "queues": QUEUES,
        "queue_label": QUEUES[queue], "now": timezone.now(),
        "page_obj": page.get_page(request.GET.get("page")),
        "statuses": Status.choices, "priorities": Priority.choices, "channels": Channel.choices,
        "filtered": any(v for k, v in params.items() if k not in {"queue", "ordering"}),
        "orderings": ORDERINGS,
        "bulk_form": _bulk_form(request),
        "export_query": params.urlencode(),
        "available": AgentAvailability.objects.filter(user=request.user, is_available=False).first() is None,
    })


def _bulk_form(request: HttpRequest) -> BulkForm:
    """An agent may only take tickets in bulk; a team lead or a manager assigns anyone who works tickets
    (each ticket then checks its own team)."""
    form = BulkForm()
    if not request.user.has_perm(ASSIGN_TICKETS):
        form.agents = [request.user]
    return form


@login_required
@permission_required("tickets.add_ticket", raise_exception=True)
def ticket_create(request: HttpRequest) -> HttpResponse:
    form = TicketCreateForm(request.POST or None,
                            initial={"touchpoint": request.GET.get("touchpoint")})
    if request.method == "POST" and form.is_valid():
        ticket = run_service(form, lambda: services.ticket_create(actor=request.user,
                                                                  **form.cleaned_data))
        if ticket is not None:
            messages.success(request, _("Ticket #%(number)s logged.") % {"number": ticket.pk})
            return redirect("tickets:detail", pk=ticket.pk)
    return render(request, "tickets/ticket_form.html", {"form": form},
                  status=400 if form.errors else 200)


def _get(request: HttpRequest, pk: int) -> Ticket:
    """A ticket the user may see; another team's is "not found", like a number that does not exist."""
    try:
        return selectors.ticket_get(pk=pk, user=request.user)
    except Ticket.DoesNotExist:
        raise Http404("No such ticket.") from None


def _assign_form(request: HttpRequest, ticket: Ticket) -> AssignForm:
    """The assignee picker offers whom the user may give the ticket to: the ticket's team for a team lead or
    a manager; themselves for an agent, who may take a ticket but not hand it to others."""
    form = AssignForm()
    if request.user.has_perm(ASSIGN_TICKETS):
        form.agents = list(selectors.ticket_assignable_people(ticket=ticket))
    else:
        form.agents = [request.user]
    if ticket.assignee is not None and ticket.assignee not in form.agents:
        form.agents.append(ticket.assignee)  # shown as the current choice, whoever it is
    return form


def _detail(request: HttpRequest, ticket: Ticket, *, reply_form: ReplyForm | None = None,
            classify_form: ClassifyForm | None = None, status: int = 200) -> HttpResponse:
    now = timezone.now()
    custom_fields = list(CustomField.objects.filter(is_active=True))
    initial_reply = {}
    canned_id = request.GET.get("canned", "")
    if reply_form is None and canned_id.isdigit():
        canned = CannedResponse.objects.filter(pk=int(canned_id)).first()
        if canned is not None:
            initial_reply["body"] = productivity.canned_render(canned=canned, ticket=ticket, agent=request.user)
    if classify_form is None:
        classify_form = ClassifyForm(custom_fields=custom_fields, initial={
            "category": ticket.category_id, "resolution_code": ticket.resolution_code_id,
            "tags": ", ".join(t.name for t in ticket.tags.all()),
            **{f"cf_{k}": v for k, v in (ticket.custom_fields or {}).items()},
        })
    return render(request, "tickets/ticket_detail.html", {
        "ticket": ticket,
        "reply_form": reply_form or ReplyForm(initial=initial_reply),
        "classify_form": classify_form,
        "assign_form": _assign_form(request, ticket),
        "priorities": Priority.choices,
        "custom_fields": [(f, (ticket.custom_fields or {}).get(f.key)) for f in custom_fields],
        "canned_responses": CannedResponse.objects.filter(Q(team__isnull=True) | Q(team_id=ticket.team_id)),
        "actions": [(s, STATUS_ACTIONS[s]) for s in Status.values if s in TRANSITIONS[ticket.status]],
        "other_tickets": selectors.customer_recent_tickets(ticket=ticket, user=request.user),
        "experience": customer_experience(customer_id=ticket.customer_id),
        "sla": sla_services.ticket_sla_state(ticket=ticket, at=now),
        "sla_labels": SLA_TARGET_LABELS,
        # The history stores values ("pending"); the page shows their labels in the reader's language.
        "status_labels": dict(Status.choices), "priority_labels": dict(Priority.choices),
        "sla_status_labels": dict(SlaStatus.choices), "message_kind_labels": dict(MessageKind.choices),
        "now": now,
    }, status=status)


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _get(request, pk))


@login_required
@permission_required("tickets.add_ticketmessage", raise_exception=True)
@require_POST
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _get(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid() and run_service(form, lambda: productivity.ticket_reply_with_attachments(
            ticket=ticket, author=request.user, body=form.cleaned_data["body"],
            internal=form.cleaned_data["internal"], files=form.cleaned_data["attachments"])):
        messages.success(request, _("Note added.") if form.cleaned_data["internal"] else _("Reply sent."))
        return redirect("tickets:detail", pk=pk)
    return _detail(request, _get(request, pk), reply_form=form, status=400)


@login_required
@permission_required("tickets.change_ticket", raise_exception=True)
@require_POST
def ticket_status(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _get(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
        return redirect("tickets:detail", pk=pk)
    new = form.cleaned_data["status"]
    if run_service(form, lambda: services.ticket_change_status(ticket=ticket, status=new,
                                                               actor=request.user)):
        messages.success(request, _("Ticket #%(number)s is now %(status)s.")
                         % {"number": pk, "status": Status(new).label.lower()})
    else:
        flash_form_errors(request, form)
    return redirect("tickets:detail", pk=pk)


@login_required
@permission_required("tickets.change_ticket", raise_exception=True)
@require_POST
def ticket_take(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the ticket to the agent who pressed the button (or give it back)."""
    ticket = _get(request, pk)
    give_back = request.POST.get("release") == "1"
    assignee = None if give_back else request.user
    try:
        selectors.check_ticket_assign(actor=request.user, ticket=ticket, assignee=assignee)
        services.ticket_assign(ticket=ticket, assignee=assignee, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("tickets:detail", pk=pk)
    messages.success(request, _("Ticket released to the queue.") if give_back
                     else _("Ticket #%(number)s is yours.") % {"number": pk})
    return redirect("tickets:detail", pk=pk)


@login_required
@permission_required("tickets.change_ticket", raise_exception=True)
@require_POST
def ticket_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one change to the selected tickets; say what changed and, row by row, what could not."""
    back = request.POST.get("next") or ""
    back = back if back.startswith("/tickets/") else reverse("tickets:list")
    form = BulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    assignee = data["assignee"]
    person = None if assignee in (None, "none") else assignee
    # Another team's ticket is "No such ticket."; an assignment the role may not make, refused per row.
    access = selectors.tickets_bulk_access(user=request.user, ticket_ids=data["tickets"], assignee=person,
                                           unassign=assignee == "none")
    result = run_service(form, lambda: services.tickets_bulk_update(
        ticket_ids=access.allowed, actor=request.user, status=data["status"] or None,
        priority=data["priority"] or None, assignee=person, unassign=assignee == "none",
    ) if access.allowed else services.BulkResult())
    if result is not None:
        result.failed = [*access.refused, *result.failed]
    if result is None:
        flash_form_errors(request, form)
        return redirect(back)
    if result.changed:
        count = len(result.changed)
        messages.success(request, ngettext("Changed %(count)d ticket.", "Changed %(count)d tickets.", count)
                         % {"count": count})
    for ticket_id, reason in result.failed:
        messages.warning(request, _("#%(number)s not changed: %(reason)s") % {"number": ticket_id, "reason": reason})
    return redirect(back)


def _assign(request: HttpRequest, ticket: Ticket, assignee: object) -> Ticket:
    selectors.check_ticket_assign(actor=request.user, ticket=ticket, assignee=assignee)  # type: ignore[arg-type]
    return services.ticket_assign(ticket=ticket, assignee=assignee, actor=request.user)  # type: ignore[arg-type]


@login_required
@permission_required("tickets.change_ticket", raise_exception=True)
@require_POST
def ticket_assign(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _get(request, pk)
    form = AssignForm(request.POST)
    if form.is_valid() and run_service(form, lambda: _assign(request, ticket, form.cleaned_data["assignee"])):
        who = form.cleaned_data["assignee"]
        messages.success(request, _("Assigned to %(name)s.") % {"name": who.get_full_name() or who.get_username()}
                         if who else _("Ticket released to the queue."))
    else:
        flash_form_errors(request, form)
    return redirect("tickets:detail", pk=pk)


@login_required
@permission_required("tickets.change_ticket", raise_exception=True)
@require_POST
def ticket_priority(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _get(request, pk)
    form = PriorityForm(request.POST)
    if form.is_valid() and run_service(form, lambda: services.ticket_set_priority(
            ticket=ticket, priority=form.cleaned_data["priority"], actor=request.user)):
        messages.success(request, _("Priority is now %(priority)s.")
                         % {"priority": Priority(form.cleaned_data["priority"]).label.lower()})
    else:
        flash_form_errors(request, form)
    return redirect("tickets:detail", pk=pk)


@login_required
@permission_required("tickets.change_ticket", raise_exception=True)
@require_POST
def ticket_classify(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _get(request, pk)
    form = ClassifyForm(request.POST, custom_fields=list(CustomField.objects.filter(is_active=True)))
    if form.is_valid() and run_service(form, lambda: services.ticket_classify(
            ticket=ticket, actor=request.user, category=form.cleaned_data["category"],
            resolution_code=form.cleaned_data["resolution_code"], tags=form.tag_names(),
            custom_fields=form.custom_values())):
        messages.success(request, _("Saved the classification."))
        return redirect("tickets:detail", pk=pk)
    return _detail(request, _get(request, pk), classify_form=form, status=400)


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """Always a download with the checked type, never rendered inline: an upload cannot run here."""
    ticket = _get(request, pk)
    attachment = get_object_or_404(Attachment.objects.select_related("message"), pk=attachment_id,
                                   message__ticket_id=ticket.pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is gone from storage.") from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@permission_required("tickets.change_ticket", raise_exception=True)
@require_POST
def my_availability(request: HttpRequest) -> HttpResponse:
    """An agent says whether routing should hand them new tickets."""
    available = request.POST.get("available") == "1"
    try:
        routing.agent_set_availability(agent=request.user, is_available=available)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You get new tickets from routing again.") if available
                         else _("Routing will not hand you new tickets until you are back."))
    back = request.POST.get("next") or ""
    return redirect(back if back.startswith("/tickets/") else reverse("tickets:list"))
