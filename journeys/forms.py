from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class TouchpointTargetForm(forms.Form):
    target_score = forms.DecimalField(
        label=_("Target score"), min_value=Decimal(0), max_value=Decimal(100), decimal_places=2,
        help_text=_("The experience score (0-100) this touchpoint should reach."),
    )
    weight = forms.DecimalField(
        label=_("Weight"), min_value=Decimal("0.01"), max_value=Decimal("9999.99"), decimal_places=2,
        help_text=_("How much this touchpoint counts in its stage's and journey's score."),
    )
