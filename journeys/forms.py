from __future__ import annotations

from decimal import Decimal

from django import forms


class TouchpointTargetForm(forms.Form):
    target_score = forms.DecimalField(
        label="Target score", min_value=Decimal(0), max_value=Decimal(100), decimal_places=2,
        help_text="The experience score (0-100) this touchpoint should reach.",
    )
    weight = forms.DecimalField(
        label="Weight", min_value=Decimal("0.01"), max_value=Decimal("9999.99"), decimal_places=2,
        help_text="How much this touchpoint counts in its stage's and journey's score.",
    )
