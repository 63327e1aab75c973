"""R&D programme rules (重点领域研发计划), pure: no Django.

What is here:

- the programme's policy parameters (stage time limits, formal-review and similarity
  settings), versioned, each value with its citation;
- near-duplicate detection on Chinese text: character shingles and Jaccard similarity;
- the application window (申报时间) as a rule: open from ``opens_at`` to ``closes_at``,
  both instants included;
- the call's (guideline's) own checks: criteria weights, percentages.

Formal review (形式审查) is in ``domain_formal_review``.

Chinese legal usage (POLICY.md): 「不低于」「不超过」「以上」「以下」 include the number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from rainforest.core.errors import ValidationError
from rainforest.core.policy import (
    Citation,
    ParameterRegistry,
    ParameterSet,
)
from rainforest.core.workdays import DEFAULT_TZ

__all__ = [
    "DEFAULT_NOTE",
    "FORMAL_REVIEW",
    "MEASURES",
    "PARAMETERS",
    "PLATFORM_DEFAULT",
    "PROCEDURE",
    "SIMILARITY",
    "STAGE_LIMITS",
    "Earlier",
    "Similar",
    "check_percent",
    "check_weights",
    "check_window",
    "default_stage_limits",
    "find_similar",
    "jaccard",
    "normalise_text",
    "parameters_on",
    "parse_percent",
    "shingles",
]
MEASURES = "《深圳市重点领域研发计划管理办法》"
PROCEDURE = "《深圳市科技计划项目全过程管理操作规程（试行）》"
# The procedure's own numbers are not public; these are the platform's starting values
# for an administrator to replace (POLICY.md §1, marked [default]).
DEFAULT_NOTE = "环节时限（操作规程未公开具体数字，平台默认值，管理员可调整）"
PLATFORM_DEFAULT = "科创雨林平台默认参数（管理员可调整）"

STAGE_LIMITS = "programs.stage_limits"
FORMAL_REVIEW = "programs.formal_review"
SIMILARITY = "programs.similarity"

PARAMETERS = ParameterRegistry(
    [
        ParameterSet(
            name=STAGE_LIMITS,
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                "proposal_collection": 20,
                "proposal_review": 10,
                "formal_review": 5,
                "correction": 10,
                "expert_review": 15,
                "public_notice": 5,
                "approval_contract": 15,
                "objection_review": 10,
            },
            citations={
                "proposal_collection": Citation(PROCEDURE, DEFAULT_NOTE),
                "proposal_review": Citation(PROCEDURE, DEFAULT_NOTE),
                "formal_review": Citation(PROCEDURE, DEFAULT_NOTE),
                "correction": Citation(PLATFORM_DEFAULT, "补正期限"),
                "expert_review": Citation(PROCEDURE, DEFAULT_NOTE),
                "public_notice": Citation(PROCEDURE, DEFAULT_NOTE),
                "approval_contract": Citation(PROCEDURE, DEFAULT_NOTE),
                "objection_review": Citation(PLATFORM_DEFAULT, "异议处理期限"),
            },
        ),
        ParameterSet(
            name=FORMAL_REVIEW,
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                # Characters 3-8 of a USCC are the registering authority's administrative
                # division code (GB 32100-2015); 4403 is Shenzhen.
                "city_division_prefixes": ("4403",),
                # The same principal investigator with a near-identical title and summary
                # in another call counts as the same application sent twice.
                "duplicate_similarity": Decimal("0.80"),
            },
            citations={
                "city_division_prefixes": Citation(MEASURES, "申报单位应在深圳市注册"),
                "duplicate_similarity": Citation(MEASURES, "不得重复申报；相似度阈值为平台默认值"),
            },
        ),
        ParameterSet(
            name=SIMILARITY,
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                "shingle_size": 2,
                "proposal_threshold": Decimal("0.50"),
            },
            citations={
                "shingle_size": Citation(PLATFORM_DEFAULT, "项目建议查重：字符二元组"),
                "proposal_threshold": Citation(
                    PLATFORM_DEFAULT, "项目建议查重：Jaccard 相似度阈值"
                ),
            },
        ),
    ]
)


def parameters_on(name: str, day: date) -> ParameterSet:
    return PARAMETERS.in_force(name, day)


def default_stage_limits(day: date) -> dict[str, int]:
    """Every stage time limit in force on ``day``, in working days."""
    params = parameters_on(STAGE_LIMITS, day)
    return {key: params.integer(key) for key in params.values}


# --- text similarity ------------------------------------------------------------------

_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_text(text: str) -> str:
    """Full-width to half-width, lower case, punctuation and spaces removed."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return _DROP.sub("", folded)


def shingles(text: str, size: int = 2) -> frozenset[str]:
    """Overlapping character n-grams of the normalised text (a short text is one shingle)."""
    if size < 1:
        raise ValueError("shingle size must be at least 1")
    clean = normalise_text(text)
    if not clean:
        return frozenset()
    if len(clean) <= size:
        return frozenset({clean})
    return frozenset(clean[i : i + size] for i in range(len(clean) - size + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> Decimal:
    """|a ∩ b| / |a ∪ b| to four places; two empty sets are not similar (0)."""
    union = len(a | b)
    if union == 0:
        return Decimal("0.0000")
    return (Decimal(len(a & b)) / Decimal(union)).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class Earlier:
    """An earlier text to compare against: its id and its text."""

    id: int
    text: str


@dataclass(frozen=True)
class Similar:
    id: int
    score: Decimal


def find_similar(
    text: str, earlier: Iterable[Earlier], *, threshold: Decimal, size: int = 2
) -> list[Similar]:
    """Earlier texts at or above ``threshold`` similarity, most similar first."""
    mine = shingles(text, size)
    found = [
        Similar(item.id, score)
        for item in earlier
        if (score := jaccard(mine, shingles(item.text, size))) >= threshold
    ]
    return sorted(found, key=lambda s: (-s.score, s.id))


# --- the application window -----------------------------------------------------------


def check_window(opens_at: datetime, closes_at: datetime, now: datetime) -> None:
    """Refuse a submission before the window opens or after it closes (both ends included)."""
    if now < opens_at:
        raise ValidationError(
            f"申报尚未开始：申报时间为 {_when(opens_at)} 至 {_when(closes_at)}。",
            f"Applications open at {_when(opens_at)}; the window closes at {_when(closes_at)}.",
            code="window_not_open",
        )
    if now > closes_at:
        raise ValidationError(
            f"申报已截止（截止时间 {_when(closes_at)}），不能再提交。",
            f"The application window closed at {_when(closes_at)}; it can no longer be submitted.",
            code="window_closed",
        )


def _when(moment: datetime) -> str:
    """Beijing time, as the page states the server clock."""
    local = moment.astimezone(DEFAULT_TZ) if moment.tzinfo else moment
    return local.strftime("%Y-%m-%d %H:%M:%S")


# --- call (guideline) rules -----------------------------------------------------------


def check_weights(weights: Sequence[int]) -> None:
    """Review criteria weights are whole numbers above zero that add up to 100."""
    if not weights:
        raise ValidationError(
            "请至少填写一项评审标准及其权重",
            "Enter at least one review criterion with its weight",
            field="criteria",
            code="criteria_required",
        )
    if any(w <= 0 for w in weights):
        raise ValidationError(
            "每项评审标准的权重应大于零",
            "Each criterion's weight must be more than zero",
            field="criteria",
            code="weight_invalid",
        )
    total = sum(weights)
    if total != 100:
        raise ValidationError(
            f"评审标准的权重合计应为 100，现为 {total}",
            f"The criteria weights must add up to 100; they add up to {total}",
            field="criteria",
            code="weights_not_100",
        )


def check_percent(value: Decimal, *, field: str) -> Decimal:
    if value < 0 or value > 100:
        raise ValidationError(
            "比例应在 0 至 100 之间",
            "The percentage must be from 0 to 100",
            field=field,
            code="percent_invalid",
        )
    return value


def parse_percent(raw: str, *, field: str) -> Decimal:
    """A percentage typed as ``50``, ``33.33`` or ``50%``; from 0 to 100, two places at most."""
    text = (raw or "").strip().rstrip("%％").strip()
    try:
        value = Decimal(text)
    except ArithmeticError:
        value = Decimal("NaN")
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise ValidationError(
            "比例应为数字，最多两位小数，如 50 或 33.33",
            "The percentage must be a number with at most two decimals, such as 50 or 33.33",
            field=field,
            code="percent_invalid",
        )
    return check_percent(value, field=field)
