"""API tokens for managers: make one for a person or an integration account (the key is shown once),
see when each was last used, revoke it."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cxhub.forms import run_service
from cxhub.models import ApiToken
from cxhub.tokens import api_token_create, api_token_revoke

NEW_KEY = "cxhub:new-api-key"


class TokenForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        label=gettext_lazy("User"),
        help_text=gettext_lazy("The token acts as this account, with its role's permissions."),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           help_text=gettext_lazy("What uses it, e.g. 'CRM sync'."))
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Optional: the token stops working at the start of this day."),
    )


@login_required
@permission_required("cxhub.view_apitoken", raise_exception=True)
def token_list(request: HttpRequest) -> HttpResponse:
    can_manage = request.user.has_perm("cxhub.add_apitoken")
    form = TokenForm()
    if request.method == "POST":
        if not can_manage:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = TokenForm(request.POST)
        expires = None
        if form.is_valid() and form.cleaned_data["expires_on"]:
            expires = timezone.make_aware(dt.datetime.combine(form.cleaned_data["expires_on"], dt.time.min))
        if form.is_valid():
            made = run_service(form, lambda: api_token_create(
                user=form.cleaned_data["user"], name=form.cleaned_data["name"],
                created_by=request.user, expires_at=expires))
            if made:
                token, key = made
                request.session[NEW_KEY] = {"id": token.pk, "key": key}
                messages.success(request, _("Made the token %(prefix)s… for %(user)s.") % {
                    "prefix": token.prefix, "user": token.user})
                return redirect("api-tokens")
    new_key = request.session.pop(NEW_KEY, None)
    tokens = ApiToken.objects.select_related("user", "created_by", "revoked_by")
    if request.GET.get("show") != "all":
        tokens = tokens.filter(revoked_at__isnull=True)
    page = Paginator(tokens, 50).get_page(request.GET.get("page"))
    return render(request, "cxhub/tokens.html", {
        "form": form, "page_obj": page, "new_key": new_key, "can_manage": can_manage,
        "now": timezone.now(),
    }, status=400 if form.errors else 200)


@login_required
@permission_required("cxhub.change_apitoken", raise_exception=True)
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=pk).first()
    if token is None:
        raise Http404(_("No such token."))
    from cxhub.exceptions import DomainError

    try:
        api_token_revoke(token=token, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Revoked %(prefix)s…: it no longer works.") % {"prefix": token.prefix})
    return redirect("api-tokens")
