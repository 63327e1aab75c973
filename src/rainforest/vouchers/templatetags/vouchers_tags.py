"""``{{ amount|yuan }}``: 1,234,567.80 — thousands always grouped by three, two decimals.

Django's ``intcomma`` follows the locale and groups zh-hans amounts differently (or not at
all); an amount must read the same on every page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"
