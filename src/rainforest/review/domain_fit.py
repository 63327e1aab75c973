"""The field pool and the fit of an expert for an item, and the draw's problem; pure.

Fit is a score per (item, expert) pair from the field codes and the Chinese keyword/text
similarity (character bigrams); :func:`build_problem` turns items, experts and avoidance
into the sparse problem :mod:`.domain_assignment` solves.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import numpy as np

from rainforest.core.errors import ValidationError
from rainforest.core.policy import ParameterSet
from rainforest.review.domain import ExpertProfile, ReviewItem, StaffConflict, org_key
from rainforest.review.domain_assignment import FIT_SCALE, DrawProblem
from rainforest.review.domain_avoidance import Exclusion, find_exclusions


def codes_match(a: str, b: str) -> bool:
    """Field codes match when equal or one refines the other (F06 and F0601)."""
    return a.startswith(b) or b.startswith(a)


def field_score(item_fields: Sequence[str], expert_fields: Sequence[str]) -> float:
    """Per item code: 1 for the same code, 0.5 when one refines the other; averaged."""
    if not item_fields:
        return 0.0
    total = 0.0
    for code in item_fields:
        best = 0.0
        for other in expert_fields:
            if other == code:
                best = 1.0
                break
            if codes_match(code, other):
                best = 0.5
        total += best
    return total / len(item_fields)


_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)


def ngrams(text: str, size: int = 2) -> Counter[str]:
    """Character n-grams of each run of text (Chinese has no spaces between words)."""
    grams: Counter[str] = Counter()
    for part in _NOT_TEXT.split(text.lower()):
        if not part:
            continue
        if len(part) < size:
            grams[part] += 1
            continue
        for i in range(len(part) - size + 1):
            grams[part[i : i + size]] += 1
    return grams


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(count * b[g] for g, count in a.items() if g in b)
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def item_profile(item: ReviewItem, size: int) -> Counter[str]:
    # keywords count twice: they are chosen words, the text is prose around them
    grams = ngrams(" ".join(item.keywords), size)
    grams.update(grams)
    grams.update(ngrams(f"{item.title} {item.text}", size))
    return grams


def expert_profile(expert: ExpertProfile, size: int) -> Counter[str]:
    return ngrams(" ".join(expert.keywords), size)


def fit_score(item: ReviewItem, expert: ExpertProfile, *, params: ParameterSet) -> int:
    """Fit in millionths: field weight × field score + text weight × n-gram cosine."""
    size = params.integer("ngram")
    value = float(params.decimal("fit_field_weight")) * field_score(
        item.fields, expert.fields
    ) + float(params.decimal("fit_text_weight")) * cosine(
        item_profile(item, size), expert_profile(expert, size)
    )
    return max(0, min(FIT_SCALE, round(value * FIT_SCALE)))


def field_pool(
    items: Sequence[ReviewItem], experts: Sequence[ExpertProfile]
) -> set[tuple[str, str]]:
    """Pairs where the expert shares a field code with the item (equal or refining)."""
    exact: dict[str, set[str]] = defaultdict(set)
    prefix: dict[str, set[str]] = defaultdict(set)
    for e in experts:
        for code in e.fields:
            exact[code].add(e.id)
            for n in range(1, len(code) + 1):
                prefix[code[:n]].add(e.id)
    pairs: set[tuple[str, str]] = set()
    for item in items:
        found: set[str] = set()
        for code in item.fields:
            found |= prefix.get(code, set())
            for n in range(1, len(code)):
                found |= exact.get(code[:n], set())
        pairs.update((item.id, e) for e in found)
    return pairs


# --- the draw's problem -------------------------------------------------------------------


@dataclass(frozen=True)
class DrawPlan:
    """The problem to solve, and what avoidance left out (to show and to store)."""

    problem: DrawProblem
    exclusions: dict[tuple[str, str], list[Exclusion]]
    pool_size: dict[str, int]


def build_problem(
    items: Sequence[ReviewItem],
    experts: Sequence[ExpertProfile],
    conflicts: Sequence[StaffConflict],
    *,
    k: int,
    load: int,
    q: Fraction,
    avoidance: ParameterSet,
    draw_params: ParameterSet,
    on: date,
    loads_used: Mapping[str, int] | None = None,
) -> DrawPlan:
    """Eligible pairs with their fit, in a canonical order (items and experts by id).

    ``loads_used`` takes items an expert already reviews in this call off its L.
    """
    if k < 1 or load < 1:
        raise ValidationError(
            "每个评审对象的专家人数 k 和每位专家的评审数上限 L 都必须至少为 1。",
            "Experts per item k and items per expert L must both be at least 1.",
            field="k" if k < 1 else "load",
            code="draw_parameters_invalid",
        )
    items = sorted(items, key=lambda i: i.id)
    experts = sorted(experts, key=lambda e: e.id)
    exclusions = find_exclusions(items, experts, conflicts, params=avoidance, on=on)
    pool_kind = str(draw_params.value("pool"))
    if pool_kind == "field":
        pool = field_pool(items, experts)
    else:
        pool = {(i.id, e.id) for i in items for e in experts}
    item_index = {item.id: n for n, item in enumerate(items)}
    expert_index = {e.id: n for n, e in enumerate(experts)}
    eligible = sorted(
        (item_index[i], expert_index[e]) for (i, e) in pool if (i, e) not in exclusions
    )
    size = draw_params.integer("ngram")
    item_grams = [item_profile(i, size) for i in items]
    expert_grams = [expert_profile(e, size) for e in experts]
    wf = float(draw_params.decimal("fit_field_weight"))
    wt = float(draw_params.decimal("fit_text_weight"))
    fits = [
        max(
            0,
            min(
                FIT_SCALE,
                round(
                    (
                        wf * field_score(items[i].fields, experts[j].fields)
                        + wt * cosine(item_grams[i], expert_grams[j])
                    )
                    * FIT_SCALE
                ),
            ),
        )
        for i, j in eligible
    ]
    orgs = sorted({org_key(e.employer_uscc) for e in experts if e.employer_uscc})
    org_index = {org: n for n, org in enumerate(orgs)}
    used = loads_used or {}
    one_per_org = avoidance.integer("max_experts_per_org_per_panel") == 1
    problem = DrawProblem(
        items=tuple(i.id for i in items),
        experts=tuple(e.id for e in experts),
        pair_item=np.array([i for i, _ in eligible], dtype=np.int64),
        pair_expert=np.array([j for _, j in eligible], dtype=np.int64),
        pair_fit=np.array(fits, dtype=np.int64),
        k=np.full(len(items), k, dtype=np.int64),
        load=np.array([max(0, load - used.get(e.id, 0)) for e in experts], dtype=np.int64),
        q=q,
        group=np.array(
            [org_index.get(org_key(e.employer_uscc), -1) for e in experts], dtype=np.int64
        ),
        one_per_group=one_per_org,
    )
    pool_size = Counter(items[i].id for i, _ in eligible)
    return DrawPlan(
        problem=problem,
        exclusions=exclusions,
        pool_size={i.id: pool_size.get(i.id, 0) for i in items},
    )


def lottery_q(k: int, pool: int) -> Fraction:
    """q = k / pool: with equal fit the draw is today's lottery inside the pool."""
    if pool < k:
        raise ValueError("the pool is smaller than k")
    return Fraction(k, pool)
