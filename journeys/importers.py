"""CSV import of customers (docs/import.md), registered in JourneysConfig.ready().

Each row is checked by the API's upsert serializer and written by `customers_upsert`, so a file and a
CRM follow the same rules. A batch costs a handful of queries whatever its size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from cxhub.imports import CREATED, UNCHANGED, UPDATED, Column, Importer, Row, RowOutcome
from journeys.api.serializers import CustomerUpsertItemSerializer
from journeys.models import Customer, Touchpoint
from journeys.services import CUSTOMER_UPSERT_FIELDS, customers_upsert

MAX_ID = 2**63 - 1  # a larger number is no id, never a database error


class TouchpointRefField(serializers.Field):
    """A touchpoint in an import file: its id, or its name when only one touchpoint has that name
    (names are unique within a stage only). Used by the ticket and response importers too."""

    def to_internal_value(self, data: Any) -> Touchpoint:
        text = str(data).strip()
        if text.isdigit():
            touchpoint = Touchpoint.objects.filter(pk=int(text)).first() if int(text) <= MAX_ID else None
        else:
            # As written first: SQLite compares case-insensitively in ASCII only, so "Παράδοση" must match itself.
            touchpoints = Touchpoint.objects.select_related("stage__journey").order_by("id")
            matches = list(touchpoints.filter(name=text)[:5]) or list(touchpoints.filter(name__iexact=text)[:5])
            if len(matches) > 1:
                where = ", ".join(f"{t.stage.journey.name} › {t.stage.name} (id {t.pk})" for t in matches)
                raise serializers.ValidationError(
                    _("Several touchpoints are called %(name)s (%(where)s): give the id instead.")
                    % {"name": text, "where": where})
            touchpoint = matches[0] if matches else None
        if touchpoint is None:
            raise serializers.ValidationError(_("No touchpoint has the id or name %(value)s.") % {"value": text})
        return touchpoint

    def to_representation(self, value: Touchpoint) -> int:
        return value.pk

CUSTOMER_COLUMNS = (
    Column("external_id", gettext_lazy("The customer's id in the system the file comes from; the key of the row."),
           "CRM-10042", required=True),
    Column("name", gettext_lazy("Full name or account name."), "Νίκος Παπαδόπουλος", required=True),
    Column("email", gettext_lazy("E-mail address for survey invitations."), "nikos@example.com"),
    Column("segment", gettext_lazy("A group for filtering scores, such as retail, fleet or premium."), "retail"),
    Column("language", gettext_lazy("Language of invitations and survey pages: en, el, vi or fa; en when empty."),
           "el"),
)


def _unchanged(customer: Customer | None, values: dict[str, object]) -> bool:
    return customer is not None and all(getattr(customer, name) == value for name, value in values.items()
                                        if name in CUSTOMER_UPSERT_FIELDS)


def write_customers(rows: Sequence[Row], *, actor: AbstractBaseUser | None) -> list[RowOutcome]:
    """Check every row, leave out the ones that change nothing, upsert the rest in one bulk call."""
    existing = {c.external_id: c for c in Customer.objects.filter(external_id__in=[r.external_id for r in rows])}
    outcomes: list[RowOutcome | None] = []
    items: list[dict[str, object]] = []
    positions: list[int] = []
    for row in rows:
        data = row.given("external_id", *CUSTOMER_UPSERT_FIELDS)
        if "language" in data:
            data["language"] = data["language"].lower()
        serializer = CustomerUpsertItemSerializer(data=data)
        if not serializer.is_valid():
            outcomes.append(RowOutcome.rejected(serializer.errors))
            continue
        values = dict(serializer.validated_data)
        if _unchanged(existing.get(row.external_id), values):
            outcomes.append(RowOutcome(UNCHANGED))
            continue
        positions.append(len(outcomes))
        outcomes.append(None)
        items.append(values)
    for position, result in zip(positions, customers_upsert(items=items), strict=True):
        outcomes[position] = (RowOutcome.rejected(result.errors) if result.status == "error"
                              else RowOutcome(CREATED if result.status == "created" else UPDATED))
    return [outcome for outcome in outcomes if outcome is not None]


CUSTOMERS = Importer(
    kind="customers",
    label=gettext_lazy("Customers"),
    description=gettext_lazy("People and accounts, keyed by their id in your CRM. Import them before their "
                             "tickets and responses."),
    columns=CUSTOMER_COLUMNS,
    write_batch=write_customers,
    permission="journeys.add_customer",
    position=10,
)
