"""Pages map the one domain exception to a form error here, so views carry no try/except."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from cxhub.exceptions import DomainError

T = TypeVar("T")


def run_service(form: forms.Form, action: Callable[[], T]) -> T | None:
    """Call a service; on DomainError put its message on the form (on its field when the form has
    one by that name) and return None, so the view re-renders the form with the input kept."""
    try:
        return action()
    except DomainError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
        return None


def flash_form_errors(request: HttpRequest, form: forms.Form) -> None:
    """Each of the form's errors as a message, for actions that redirect back instead of re-rendering."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
