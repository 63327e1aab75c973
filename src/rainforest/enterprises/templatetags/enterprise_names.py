"""``{{ code|name_of:"industry" }}``: a registry code in the page's language."""

from __future__ import annotations

from django import template

from rainforest.enterprises import domain
from rainforest.language import english

register = template.Library()

_CODES = {
    "industry": domain.INDUSTRIES,
    "size": domain.SIZES,
    "district": domain.DISTRICTS,
    "tier": domain.TIERS,
    "criterion": domain.HNTE_CRITERIA,
    "special_sector": domain.SPECIAL_SECTORS,
}


@register.filter
def name_of(code: str, kind: str) -> str:
    names = _CODES.get(kind, {}).get(code)
    if names is None:
        return code
    return names[1] if english() else names[0]
