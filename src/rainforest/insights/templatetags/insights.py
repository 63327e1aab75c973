from __future__ import annotations

from decimal import Decimal

from django import template

from rainforest.insights.charts import format_number

register = template.Library()


@register.filter
def days(value: Decimal | int | None) -> str:
    """A number of working days as the dashboard shows it: 2, 2.5, or — when none."""
    return format_number(value)
