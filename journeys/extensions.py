"""Extension points through which downstream apps feed the experience side without being imported.

`journeys` never imports `tickets` or `feedback`. Where the experience side needs a fact only a
downstream app knows (how many tickets a customer has open), that app registers a function here from
its `AppConfig.ready()`, and journeys calls whatever is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

# fn(customer_ids) -> {customer_id: open tickets}; customers without open tickets may be left out.
OpenTicketCounter = Callable[[Sequence[int]], Mapping[int, int]]

_open_ticket_counters: list[OpenTicketCounter] = []


def register_open_ticket_counter(fn: OpenTicketCounter) -> OpenTicketCounter:
    """Add a source of open-ticket counts. Registering the same function again changes nothing."""
    if fn not in _open_ticket_counters:
        _open_ticket_counters.append(fn)
    return fn


def open_ticket_counts(customer_ids: Sequence[int]) -> dict[int, int]:
    """Open tickets per customer, summed over every registered source (one query per source)."""
    totals: dict[int, int] = {}
    ids = list(customer_ids)
    if not ids:
        return totals
    for counter in _open_ticket_counters:
        for customer_id, count in counter(ids).items():
            totals[customer_id] = totals.get(customer_id, 0) + int(count)
    return totals
