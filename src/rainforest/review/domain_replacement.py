"""Replacing an expert who declines or recuses (替补), pure: an alternate drawn so that the
probability cap q still holds for every expert on the item."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from math import gcd

import numpy as np

from rainforest.core.errors import ValidationError
from rainforest.review.domain_assignment import number_text


@dataclass(frozen=True)
class Replacement:
    """An alternate drawn for a declined or recused pair, within the probability cap.

    ``offered`` maps each candidate expert to the probability it was given (Fractions as
    strings when stored); a candidate's chance of sitting on the item — its draw marginal,
    the probability given in earlier replacements and this one — stays at or below q.
    """

    item: str
    declined: str
    chosen: str
    offered: Mapping[str, Fraction]


def replacement_draw(
    *,
    item: str,
    declined: str,
    candidates: Mapping[str, int],
    spent: Mapping[str, Fraction],
    q: Fraction,
    rng: np.random.Generator,
) -> Replacement:
    """Draw an alternate for ``item`` among ``candidates`` (expert → fit in millionths).

    ``candidates`` holds only experts who may take the item now (eligible, not on its
    panel, no second expert of a panel member's organisation, load left under L).
    ``spent[e]`` is the probability the expert already had of sitting on this item (its
    marginal in the draw plus earlier replacements). Each candidate is offered at most
    ``q - spent[e]``; the offers are filled best fit first (ties by expert id) until they
    add up to 1, which maximises expected fit, and one candidate is sampled from them.
    """
    room = {
        e: q - spent.get(e, Fraction(0)) for e in candidates if q - spent.get(e, Fraction(0)) > 0
    }
    if sum(room.values(), Fraction(0)) < 1:
        raise ValidationError(
            f"无法为评审对象 {item} 抽取替补专家：在概率上限 q = {q} 下，可替补专家的剩余概率"
            f"合计 {number_text(sum(room.values(), Fraction(0)))} 不足 1；请扩大专家库或提高 q。",
            f"No alternate can be drawn for item {item}: under the cap q = {q} the remaining "
            "probability of the available experts adds up to less than 1. Widen the pool "
            "or raise q.",
            field="expert",
            code="replacement_infeasible",
        )
    offered: dict[str, Fraction] = {}
    left = Fraction(1)
    for e in sorted(room, key=lambda e: (-candidates[e], e)):
        if left <= 0:
            break
        give = min(room[e], left)
        offered[e] = give
        left -= give
    denominator = 1
    for p in offered.values():
        denominator = denominator * p.denominator // gcd(denominator, p.denominator)
    ticket = int(rng.integers(denominator))
    running = 0
    chosen = ""
    for e in sorted(offered):
        running += int(offered[e] * denominator)
        if ticket < running:
            chosen = e
            break
    return Replacement(item=item, declined=declined, chosen=chosen, offered=offered)
