from __future__ import annotations

from tests.journeys.factories import CustomerFactory
from tickets.models import Ticket
from tickets.services import ticket_create


def make_ticket(**kwargs: object) -> Ticket:
    """A ticket created the way the app creates them: through the service."""
    defaults: dict[str, object] = {
        "customer": kwargs.pop("customer", None) or CustomerFactory(),
        "subject": "The car makes a noise",
        "body": "Since the service visit there is a rattle at 50 km/h.",
        "actor": None,
    }
    defaults.update(kwargs)
    return ticket_create(**defaults)  # type: ignore[arg-type]
