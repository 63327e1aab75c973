"""Expert scores for R&D programmes, and what the later stages share. Pure.

The later stages of organising a project (《深圳市重点领域研发计划管理办法》) are split by
subject: expert scores are aggregated here (专家评审); ranking, the funding line and staff
adjustments are in ``domain_ranking`` (择优立项); the public notice and objections in
``domain_notice`` (社会公示, 异议); national matching funds in ``domain_matching``
(配套资助). This module holds what they share: the sources cited, the versioned
parameters (every rule returns a :class:`~rainforest.core.policy.Decision` built from a
:class:`~rainforest.core.policy.ParameterSet`; our own starting values say 「平台默认值」
in their citation) and the small checks on amounts, instants and wording.

No Django here: the app's services turn models into the plain dataclasses below. Clock
and calendar are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, localcontext

from rainforest.core.errors import ValidationError
from rainforest.core.money import quantize_fen
from rainforest.core.policy import (
    Citation,
    Decision,
    ParameterRegistry,
    ParameterSet,
    Reason,
    decide,
)
from rainforest.core.workdays import DEFAULT_TZ

__all__ = [
    "CENT",
    "CIVIL_CODE",
    "MANAGEMENT_MEASURES",
    "MATCHING",
    "NATIONAL_MEASURES",
    "PARAMETERS",
    "PROCEDURES",
    "RANKING",
    "SEED_LETTER",
    "AggregateScore",
    "Criterion",
    "ExpertSheet",
    "ScoredApplication",
    "aggregate_scores",
    "check_amount",
    "default_citation",
    "invalid",
    "local_text",
    "matching_parameters",
    "ranking_parameters",
    "require_aware",
    "score_text",
]

# --- sources ---------------------------------------------------------------------------

SEED_LETTER = "深圳市科技创新局关于市七届人大六次会议第20250968号建议答复的函（2025年10月29日）"
MANAGEMENT_MEASURES = "《深圳市重点领域研发计划管理办法》"
PROCEDURES = "《深圳市科技计划项目全过程管理操作规程(试行)》"
NATIONAL_MEASURES = "《深圳市承接国家重大科技项目管理办法》"
CIVIL_CODE = "《中华人民共和国民法典》"


def default_citation(document: str, about: str) -> Citation:
    """A value that is our own starting value, not taken from ``document``: say so."""
    return Citation(document, f"平台默认值：{about}")


RANKING = "programs.ranking"
MATCHING = "programs.matching"

PARAMETERS = ParameterRegistry(
    [
        ParameterSet(
            name=RANKING,
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                "score_max": 100,
                "weights_total": 100,
                "trim_extremes": True,
                "trim_min_experts": 5,
                "funding_line_mode": "stop",
                "adjustment_reason_min_chars": 5,
                "notice_workdays": 5,
                "notice_period_counting": "next_day",
                "objection_grounds_min_chars": 20,
            },
            citations={
                "score_max": default_citation(MANAGEMENT_MEASURES, "专家评审 每项指标0至100分"),
                "weights_total": default_citation(MANAGEMENT_MEASURES, "评审指标权重合计100"),
                "trim_extremes": default_citation(
                    MANAGEMENT_MEASURES, "专家评审 去掉一个最高分和一个最低分"
                ),
                "trim_min_experts": default_citation(
                    MANAGEMENT_MEASURES, "专家5人以上（含）时去掉最高、最低分"
                ),
                "funding_line_mode": default_citation(
                    MANAGEMENT_MEASURES, "立项 按排名依次择优，预算不足即止"
                ),
                "adjustment_reason_min_chars": default_citation(
                    PROCEDURES, "调整立项名单须书面说明理由"
                ),
                "notice_workdays": default_citation(PROCEDURES, "社会公示 5个工作日"),
                "notice_period_counting": Citation(CIVIL_CODE, "第二百零一条"),
                "objection_grounds_min_chars": default_citation(
                    PROCEDURES, "社会公示 异议须实名并说明理由"
                ),
            },
        ),
        ParameterSet(
            name=MATCHING,
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                "matching_ratio": Decimal("1"),
                "matching_cap": Decimal("10000000.00"),
                "landing_required": True,
                "proof_required": True,
            },
            citations={
                "matching_ratio": default_citation(SEED_LETTER, "三（一） 国家项目配套资助 1:1"),
                "matching_cap": default_citation(
                    SEED_LETTER, "三（一） 国家项目配套资助 每项1000万元以内"
                ),
                "landing_required": Citation(NATIONAL_MEASURES, "国家重大科技项目落地深圳"),
                "proof_required": default_citation(NATIONAL_MEASURES, "须提交国家立项证明材料"),
            },
        ),
    ]
)


def ranking_parameters(day: date) -> ParameterSet:
    """The ranking, funding-line and notice parameters in force on ``day``."""
    return PARAMETERS.in_force(RANKING, day)


def matching_parameters(day: date) -> ParameterSet:
    """The matching-funds parameters in force on ``day``."""
    return PARAMETERS.in_force(MATCHING, day)


# --- small helpers ---------------------------------------------------------------------

CENT = Decimal("0.01")


def invalid(zh: str, en: str, *, field: str, code: str) -> ValidationError:
    return ValidationError(zh, en, field=field, code=code)


def score_text(score: Decimal) -> str:
    return f"{score:.2f}"


def require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")


def local_text(moment: datetime) -> str:
    return moment.astimezone(DEFAULT_TZ).strftime("%Y-%m-%d %H:%M:%S")


def check_amount(amount: Decimal, *, field: str, positive: bool = False) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, Decimal) or not amount.is_finite():
        raise invalid(
            "金额必须是精确到分的数字。",
            "The amount must be an exact number to the fen.",
            field=field,
            code="amount_invalid",
        )
    if amount != amount.quantize(CENT):
        raise invalid(
            f"金额 {amount} 超过两位小数，请精确到分。",
            f"The amount {amount} has more than two decimals; round it to the fen.",
            field=field,
            code="amount_invalid",
        )
    if amount < 0 or (positive and amount == 0):
        raise invalid(
            "金额必须大于零。" if positive else "金额不能为负数。",
            "The amount must be above zero." if positive else "The amount cannot be negative.",
            field=field,
            code="amount_invalid",
        )
    return amount.quantize(CENT)


# --- criteria and scores ---------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """A review criterion (评审指标) of the call, with its weight; weights sum to 100."""

    code: str
    name_zh: str
    name_en: str
    weight: Decimal


@dataclass(frozen=True)
class ExpertSheet:
    """One expert's scores for one application: every criterion is a key.

    A score is 0..``score_max``, or None when the expert marked the criterion "n/a"
    (不适用); n/a is left out of every sum, never counted as zero. At least one criterion
    of a sheet is scored.
    """

    expert_id: str
    scores: Mapping[str, Decimal | int | None]


@dataclass(frozen=True)
class ScoredApplication:
    """An application with its expert sheets, as ranking needs it."""

    number: str
    submitted_at: datetime
    requested_fiscal: Decimal
    sheets: tuple[ExpertSheet, ...]


@dataclass(frozen=True)
class AggregateScore:
    """The aggregated score (综合得分), rounded half-up to 0.01, and how it was reached."""

    number: str
    score: Decimal
    criterion_means: Mapping[str, Decimal]
    expert_totals: Mapping[str, Decimal]
    experts_counted: tuple[str, ...]
    experts_trimmed: tuple[str, ...]
    decision: Decision
    # scores marked n/a on all sheets, and criteria no counted expert answered (their
    # weights are left out and the others renormalised); none of either: the score is
    # exactly the plain weighted mean
    not_applicable: int = 0
    criteria_left_out: tuple[str, ...] = ()


def _check_criteria(criteria: Sequence[Criterion], params: ParameterSet) -> None:
    if not criteria:
        raise invalid(
            "申请指南没有设置评审指标，请先设置指标及权重。",
            "The call has no review criteria; set the criteria and their weights first.",
            field="criteria",
            code="criteria_missing",
        )
    codes = [c.code for c in criteria]
    if len(set(codes)) != len(codes):
        raise invalid(
            "评审指标编码重复，请每项指标使用不同的编码。",
            "Two review criteria share a code; give each criterion its own code.",
            field="criteria",
            code="criteria_duplicate",
        )
    for c in criteria:
        if not isinstance(c.weight, Decimal | int) or isinstance(c.weight, bool) or c.weight <= 0:
            raise invalid(
                f"评审指标「{c.name_zh}」的权重必须大于零。",
                f"The weight of criterion '{c.name_en}' must be above zero.",
                field="criteria",
                code="criteria_weight_invalid",
            )
    total = sum((Decimal(c.weight) for c in criteria), Decimal(0))
    expected = params.decimal("weights_total")
    if total != expected:
        raise invalid(
            f"评审指标权重合计为 {total}，应为 {expected}，请调整权重。",
            f"The criteria weights add up to {total}; they must add up to {expected}.",
            field="criteria",
            code="criteria_weights_total",
        )


def _check_sheets(
    app: ScoredApplication, criteria: Sequence[Criterion], params: ParameterSet
) -> None:
    if not app.sheets:
        raise invalid(
            f"申请 {app.number} 还没有专家评分，无法计算综合得分。",
            f"Application {app.number} has no expert scores yet; the score cannot be computed.",
            field="sheets",
            code="scores_missing",
        )
    experts = [s.expert_id for s in app.sheets]
    if len(set(experts)) != len(experts):
        raise invalid(
            f"申请 {app.number} 有专家重复评分，每位专家只能提交一份评分表。",
            f"An expert scored application {app.number} twice; each expert submits one sheet.",
            field="sheets",
            code="scores_duplicate_expert",
        )
    codes = {c.code for c in criteria}
    top = params.decimal("score_max")
    for sheet in app.sheets:
        given = set(sheet.scores)
        if given != codes:
            missing = sorted(codes - given)
            extra = sorted(given - codes)
            raise invalid(
                f"专家 {sheet.expert_id} 对申请 {app.number} 的评分表指标不全或有多余指标"
                f"（缺少：{'、'.join(missing) or '无'}；多余：{'、'.join(extra) or '无'}）。",
                f"Expert {sheet.expert_id}'s sheet for application {app.number} does not score "
                f"exactly the call's criteria (missing: {', '.join(missing) or 'none'}; "
                f"unknown: {', '.join(extra) or 'none'}).",
                field="sheets",
                code="scores_criteria_mismatch",
            )
        if all(score is None for score in sheet.scores.values()):
            raise invalid(
                f"专家 {sheet.expert_id} 对申请 {app.number} 的评分表所有指标均为「不适用」"
                "（n/a），没有可计入的评分；请至少对一项指标评分。",
                f"Expert {sheet.expert_id}'s sheet for application {app.number} marks every "
                "criterion n/a, so nothing on it can count; at least one criterion must be scored.",
                field="sheets",
                code="scores_all_not_applicable",
            )
        for code, score in sheet.scores.items():
            if score is None:
                continue  # n/a (不适用): left out, never zero
            if (
                isinstance(score, bool)
                or not isinstance(score, Decimal | int)
                or not Decimal(score).is_finite()
                or not 0 <= score <= top
            ):
                raise invalid(
                    f"专家 {sheet.expert_id} 对指标 {code} 的评分 {score} 不在 0 至 {top} 分之间。",
                    f"Expert {sheet.expert_id}'s score {score} for criterion {code} is not "
                    f"between 0 and {top}.",
                    field="sheets",
                    code="score_out_of_range",
                )


def _weighted_mean(
    values: Mapping[str, Decimal], weights: Mapping[str, Decimal], total_weight: Decimal
) -> Decimal:
    """Σ value × weight ÷ Σ weight over the criteria in ``values``.

    With every criterion present the divisor is ``total_weight`` itself (the weights add
    up to it), so a result without n/a is exactly the plain Σ value × weight ÷ total.
    """
    answered = sum((weights[code] for code in values), Decimal(0))
    divisor = total_weight if len(values) == len(weights) else answered
    return sum((values[code] * weights[code] for code in values), Decimal(0)) / divisor


def aggregate_scores(
    app: ScoredApplication, criteria: Sequence[Criterion], *, params: ParameterSet
) -> AggregateScore:
    """综合得分 = Σ(各指标专家平均分 × 权重) ÷ 100, after optional trimming.

    With trimming on and at least ``trim_min_experts`` experts (「以上」 includes it), the
    sheets with the highest and the lowest weighted total are left out (one each; among
    equal totals the smaller expert id is taken as the lowest and the larger as the highest,
    which does not change the score). The score is rounded half-up to 0.01 and ranking uses
    the rounded figure, the one people see.

    "n/a" (不适用, a None score) is never counted as zero; it is left out of every sum:
    an expert's weighted total is Σ s × w ÷ Σ w over the criteria they scored (a weighted
    mean on the same 0..100 scale); a criterion's mean is over the counted experts who
    scored it; a criterion no counted expert scored is left out and the remaining weights
    renormalised (÷ their sum instead of 100). Without n/a this is the plain rule above.
    """
    _check_criteria(criteria, params)
    _check_sheets(app, criteria, params)
    weights = {c.code: Decimal(c.weight) for c in criteria}
    total_weight = params.decimal("weights_total")
    answered = {
        s.expert_id: {
            code: Decimal(score) for code in weights if (score := s.scores[code]) is not None
        }
        for s in app.sheets
    }
    with localcontext() as ctx:
        ctx.prec = 60
        totals = {
            expert: _weighted_mean(given, weights, total_weight)
            for expert, given in answered.items()
        }
        ordered = sorted(app.sheets, key=lambda s: (totals[s.expert_id], s.expert_id))
        trim_on = bool(params.value("trim_extremes"))
        trim_min = params.integer("trim_min_experts")
        trimmed: tuple[ExpertSheet, ...] = ()
        counted = tuple(ordered)
        if trim_on and len(ordered) >= trim_min:
            trimmed = (ordered[0], ordered[-1])
            counted = tuple(ordered[1:-1])
        means: dict[str, Decimal] = {}
        for code in weights:
            given = [answered[s.expert_id][code] for s in counted if code in answered[s.expert_id]]
            if given:
                means[code] = sum(given, Decimal(0)) / Decimal(len(given))
        exact = _weighted_mean(means, weights, total_weight)
    score = quantize_fen(exact)
    shown_means = {code: quantize_fen(mean) for code, mean in means.items()}
    shown_totals = {expert: quantize_fen(t) for expert, t in totals.items()}
    not_applicable = sum(len(weights) - len(given) for given in answered.values())
    left_out = tuple(c for c in criteria if c.code not in means)
    divisor = total_weight if not left_out else sum((weights[c] for c in means), Decimal(0))
    reasons = [
        Reason(
            f"申请 {app.number}：{len(app.sheets)} 位专家评分，计入 {len(counted)} 位；"
            f"综合得分 = Σ(各指标专家平均分 × 权重) ÷ {divisor} = {score_text(score)} 分"
            "（四舍五入保留两位小数）。",
            f"Application {app.number}: {len(app.sheets)} experts scored it and "
            f"{len(counted)} count; score = Σ(mean per criterion × weight) ÷ {divisor} "
            f"= {score_text(score)} (rounded half-up to two decimals).",
        )
    ]
    if trimmed:
        low, high = trimmed
        reasons.append(
            Reason(
                f"专家人数 {len(app.sheets)} 人，达到 {trim_min} 人（含）以上，去掉加权总分最高的"
                f"专家 {high.expert_id}（{score_text(shown_totals[high.expert_id])} 分）和最低的"
                f"专家 {low.expert_id}（{score_text(shown_totals[low.expert_id])} 分）。",
                f"{len(app.sheets)} experts, at least {trim_min}: the highest weighted total "
                f"(expert {high.expert_id}, {score_text(shown_totals[high.expert_id])}) and the "
                f"lowest (expert {low.expert_id}, {score_text(shown_totals[low.expert_id])}) "
                "are left out.",
            )
        )
    elif trim_on:
        reasons.append(
            Reason(
                f"专家人数 {len(app.sheets)} 人，不足 {trim_min} 人，不去掉最高分和最低分。",
                f"{len(app.sheets)} experts, fewer than {trim_min}: no score is left out.",
            )
        )
    if not_applicable:
        reasons.append(
            Reason(
                f"共有 {not_applicable} 项评分为「不适用」（n/a），未计入，不按零分计算："
                "专家的加权总分按其已评指标的权重折算，各指标平均分只计已评该指标的专家。",
                f"Scores marked n/a: {not_applicable}; they were left out, not counted as "
                "zero: an expert's weighted total is renormalised over the weights of the "
                "criteria they scored, and a criterion's mean is over the experts who scored it.",
            )
        )
    if left_out:
        reasons.append(
            Reason(
                "计入的专家对指标"
                + "、".join(f"「{c.name_zh}」" for c in left_out)
                + f"均评为「不适用」，该指标不计入综合得分，其余指标的权重（合计 {divisor}）"
                "按比例折算。",
                "No counted expert scored "
                + ", ".join(f"'{c.name_en}'" for c in left_out)
                + ": it is left out of the score and the other criteria's weights, "
                f"{divisor} in all, are renormalised.",
            )
        )
    facts: dict[str, object] = {
        "number": app.number,
        "score": score,
        "criterion_means": shown_means,
        "expert_totals": shown_totals,
        "experts_trimmed": [s.expert_id for s in trimmed],
    }
    if not_applicable:
        facts["not_applicable"] = not_applicable
        facts["criteria_left_out"] = [c.code for c in left_out]
    return AggregateScore(
        number=app.number,
        score=score,
        criterion_means=shown_means,
        expert_totals=shown_totals,
        experts_counted=tuple(s.expert_id for s in counted),
        experts_trimmed=tuple(s.expert_id for s in trimmed),
        decision=decide(
            "scored",
            params,
            reasons=reasons,
            cite=["weights_total", "trim_extremes", "trim_min_experts"],
            facts=facts,
        ),
        not_applicable=not_applicable,
        criteria_left_out=tuple(c.code for c in left_out),
    )
