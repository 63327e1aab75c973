"""``{{ amount|yuan }}`` → ``1,500,000.00元``: the core's own money format on every page."""

from __future__ import annotations

from decimal import Decimal

from django import template

from rainforest.core.money import format_yuan

register = template.Library()


@register.filter
def yuan(value: Decimal | None) -> str:
    return "—" if value is None else format_yuan(Decimal(value))
