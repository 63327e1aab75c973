"""A call's review settings (评审设置), pure: k, L, q, the aggregation method, blind review.

Staff set them before the draw; the draw defaults to them and its record keeps the values
it actually used. A call without settings uses the parameters' defaults (k = 5 per
《深圳市重点领域研发计划管理办法》 as read in :mod:`.domain`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from rainforest.core.errors import ValidationError
from rainforest.core.policy import ParameterSet
from rainforest.review.domain_assignment import parse_q
from rainforest.review.domain_scoring import METHODS

K_MAX = 50
LOAD_MAX = 500


@dataclass(frozen=True)
class ReviewSettings:
    k: int  # experts per item
    load: int  # L: items per expert in the call
    q: Fraction  # probability cap per (item, expert) pair
    method: str  # trimmed_mean | mean | median
    normalise: bool  # per-expert normalisation of totals
    blind: bool  # hide applicant identities from experts

    @property
    def q_text(self) -> str:
        return f"{self.q.numerator}/{self.q.denominator}"

    @property
    def min_pool(self) -> int:
        """Eligible experts an item needs at least: k experts, each with x ≤ q, so k / q."""
        return min_pool(self.k, self.q)


def min_pool(k: int, q: Fraction) -> int:
    return math.ceil(Fraction(k) / q)


def default_settings(draw_params: ParameterSet, scoring_params: ParameterSet) -> ReviewSettings:
    return ReviewSettings(
        k=draw_params.integer("experts_per_item"),
        load=draw_params.integer("items_per_expert"),
        q=parse_q(str(draw_params.value("probability_cap"))),
        method=str(scoring_params.value("method")),
        normalise=bool(scoring_params.value("normalise")),
        blind=False,
    )


def _count(value: object, field: str, top: int, zh: str, en: str) -> int | ValidationError:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        return ValidationError(
            f"{zh}应为 1 到 {top} 之间的整数。",
            f"{en} must be a whole number from 1 to {top}.",
            field=field,
            code=f"{field}_invalid",
        )
    return value


def check_settings(
    *, k: object, load: object, q: object, method: object, normalise: bool, blind: bool
) -> tuple[ReviewSettings | None, list[ValidationError]]:
    """The settings and every problem with them (one per field); None while any is wrong."""
    errors: list[ValidationError] = []
    experts = _count(k, "k", K_MAX, "每个申请的专家人数 k", "Experts per application k")
    per_expert = _count(load, "load", LOAD_MAX, "每位专家评审数上限 L", "Applications per expert L")
    errors += [e for e in (experts, per_expert) if isinstance(e, ValidationError)]
    cap: Fraction | None = None
    try:
        cap = parse_q(q)
    except ValidationError as exc:
        errors.append(exc)
    if method not in METHODS:
        errors.append(
            ValidationError(
                "请选择汇总方法：去掉最高最低分后平均、平均或中位数。",
                "Choose the aggregation method: trimmed mean, mean or median.",
                field="method",
                code="method_invalid",
            )
        )
    if errors or not isinstance(experts, int) or not isinstance(per_expert, int) or cap is None:
        return None, errors
    settings = ReviewSettings(
        k=experts, load=per_expert, q=cap, method=str(method), normalise=normalise, blind=blind
    )
    return settings, []
