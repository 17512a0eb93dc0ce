from __future__ import annotations

from decimal import Decimal

import pytest

from cxhub.exceptions import DomainError
from journeys.services import touchpoint_set_target

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("target, weight, field", [
    (Decimal("100.01"), Decimal("1"), "target_score"),
    (Decimal("-1"), Decimal("1"), "target_score"),
    (Decimal("80"), Decimal("0"), "weight"),
    (Decimal("80"), Decimal("1000000"), "weight"),
])
def test_targets_and_weights_stay_in_range(touchpoint, target, weight, field):
    with pytest.raises(DomainError) as excinfo:
        touchpoint_set_target(touchpoint=touchpoint, target_score=target, weight=weight)

    assert excinfo.value.field == field
    touchpoint.refresh_from_db()
    assert (touchpoint.target_score, touchpoint.weight) == (Decimal("75"), Decimal("1"))
