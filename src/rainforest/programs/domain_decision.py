"""Ranking, the funding line, public notice and matching funds for R&D programmes. Pure.

The later stages of organising a project (《深圳市重点领域研发计划管理办法》): expert scores
are aggregated (专家评审), applications ranked and the funding line drawn within the
call's budget (择优立项), staff adjust the list with recorded reasons, the proposed list
is published for a notice period counted in working days (社会公示) during which anyone
may lodge an objection (异议), and national projects landing in Shenzhen get matching
funds (配套资助). Every rule returns a :class:`~rainforest.core.policy.Decision` built
from a versioned :class:`~rainforest.core.policy.ParameterSet`; our own starting values
say 「平台默认值」 in their citation.

No Django here: the app's services turn models into the plain dataclasses below. Clock
and calendar are passed in.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, localcontext
from typing import Literal, Protocol

from rainforest.core.errors import ValidationError
from rainforest.core.money import format_yuan, quantize_fen
from rainforest.core.policy import (
    Citation,
    Decision,
    ParameterRegistry,
    ParameterSet,
    Reason,
    decide,
)
from rainforest.core.workdays import DEFAULT_TZ, WorkdayAnswer

__all__ = [
    "CIVIL_CODE",
    "MANAGEMENT_MEASURES",
    "MATCHING",
    "NATIONAL_MEASURES",
    "PARAMETERS",
    "PROCEDURES",
    "RANKING",
    "SEED_LETTER",
    "AdjustedList",
    "Adjustment",
    "AggregateScore",
    "CallBudget",
    "Criterion",
    "ExpertSheet",
    "FundingEntry",
    "FundingLine",
    "FundingMode",
    "MatchingResult",
    "NationalProject",
    "NoticeWindow",
    "ObjectionInput",
    "PendingObjection",
    "RankedApplication",
    "RankingEntry",
    "ScoredApplication",
    "WorkingDayCalendar",
    "aggregate_scores",
    "apply_adjustments",
    "can_approve_after_notice",
    "can_close_notice",
    "decide_matching",
    "default_citation",
    "draw_funding_line",
    "matching_parameters",
    "notice_window",
    "objection_problems",
    "rank_applications",
    "rank_entries",
    "ranking_parameters",
    "validate_objection",
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

_CENT = Decimal("0.01")


def _invalid(zh: str, en: str, *, field: str, code: str) -> ValidationError:
    return ValidationError(zh, en, field=field, code=code)


def _score_text(score: Decimal) -> str:
    return f"{score:.2f}"


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")


def _local_text(moment: datetime) -> str:
    return moment.astimezone(DEFAULT_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _check_amount(amount: Decimal, *, field: str, positive: bool = False) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, Decimal) or not amount.is_finite():
        raise _invalid(
            "金额必须是精确到分的数字。",
            "The amount must be an exact number to the fen.",
            field=field,
            code="amount_invalid",
        )
    if amount != amount.quantize(_CENT):
        raise _invalid(
            f"金额 {amount} 超过两位小数，请精确到分。",
            f"The amount {amount} has more than two decimals; round it to the fen.",
            field=field,
            code="amount_invalid",
        )
    if amount < 0 or (positive and amount == 0):
        raise _invalid(
            "金额必须大于零。" if positive else "金额不能为负数。",
            "The amount must be above zero." if positive else "The amount cannot be negative.",
            field=field,
            code="amount_invalid",
        )
    return amount.quantize(_CENT)


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
    """One expert's scores for one application: a score (0..100) for every criterion."""

    expert_id: str
    scores: Mapping[str, Decimal]


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


def _check_criteria(criteria: Sequence[Criterion], params: ParameterSet) -> None:
    if not criteria:
        raise _invalid(
            "申请指南没有设置评审指标，请先设置指标及权重。",
            "The call has no review criteria; set the criteria and their weights first.",
            field="criteria",
            code="criteria_missing",
        )
    codes = [c.code for c in criteria]
    if len(set(codes)) != len(codes):
        raise _invalid(
            "评审指标编码重复，请每项指标使用不同的编码。",
            "Two review criteria share a code; give each criterion its own code.",
            field="criteria",
            code="criteria_duplicate",
        )
    for c in criteria:
        if not isinstance(c.weight, Decimal | int) or isinstance(c.weight, bool) or c.weight <= 0:
            raise _invalid(
                f"评审指标「{c.name_zh}」的权重必须大于零。",
                f"The weight of criterion '{c.name_en}' must be above zero.",
                field="criteria",
                code="criteria_weight_invalid",
            )
    total = sum((Decimal(c.weight) for c in criteria), Decimal(0))
    expected = params.decimal("weights_total")
    if total != expected:
        raise _invalid(
            f"评审指标权重合计为 {total}，应为 {expected}，请调整权重。",
            f"The criteria weights add up to {total}; they must add up to {expected}.",
            field="criteria",
            code="criteria_weights_total",
        )


def _check_sheets(
    app: ScoredApplication, criteria: Sequence[Criterion], params: ParameterSet
) -> None:
    if not app.sheets:
        raise _invalid(
            f"申请 {app.number} 还没有专家评分，无法计算综合得分。",
            f"Application {app.number} has no expert scores yet; the score cannot be computed.",
            field="sheets",
            code="scores_missing",
        )
    experts = [s.expert_id for s in app.sheets]
    if len(set(experts)) != len(experts):
        raise _invalid(
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
            raise _invalid(
                f"专家 {sheet.expert_id} 对申请 {app.number} 的评分表指标不全或有多余指标"
                f"（缺少：{'、'.join(missing) or '无'}；多余：{'、'.join(extra) or '无'}）。",
                f"Expert {sheet.expert_id}'s sheet for application {app.number} does not score "
                f"exactly the call's criteria (missing: {', '.join(missing) or 'none'}; "
                f"unknown: {', '.join(extra) or 'none'}).",
                field="sheets",
                code="scores_criteria_mismatch",
            )
        for code, score in sheet.scores.items():
            if (
                isinstance(score, bool)
                or not isinstance(score, Decimal | int)
                or not Decimal(score).is_finite()
                or not 0 <= score <= top
            ):
                raise _invalid(
                    f"专家 {sheet.expert_id} 对指标 {code} 的评分 {score} 不在 0 至 {top} 分之间。",
                    f"Expert {sheet.expert_id}'s score {score} for criterion {code} is not "
                    f"between 0 and {top}.",
                    field="sheets",
                    code="score_out_of_range",
                )


def aggregate_scores(
    app: ScoredApplication, criteria: Sequence[Criterion], *, params: ParameterSet
) -> AggregateScore:
    """综合得分 = Σ(各指标专家平均分 × 权重) ÷ 100, after optional trimming.

    With trimming on and at least ``trim_min_experts`` experts (「以上」 includes it), the
    sheets with the highest and the lowest weighted total are left out (one each; among
    equal totals the smaller expert id is taken as the lowest and the larger as the highest,
    which does not change the score). The score is rounded half-up to 0.01 and ranking uses
    the rounded figure, the one people see.
    """
    _check_criteria(criteria, params)
    _check_sheets(app, criteria, params)
    weights = {c.code: Decimal(c.weight) for c in criteria}
    total_weight = params.decimal("weights_total")
    with localcontext() as ctx:
        ctx.prec = 60
        totals = {
            s.expert_id: sum(
                (Decimal(s.scores[code]) * weights[code] for code in weights), Decimal(0)
            )
            / total_weight
            for s in app.sheets
        }
        ordered = sorted(app.sheets, key=lambda s: (totals[s.expert_id], s.expert_id))
        trim_on = bool(params.value("trim_extremes"))
        trim_min = params.integer("trim_min_experts")
        trimmed: tuple[ExpertSheet, ...] = ()
        counted = tuple(ordered)
        if trim_on and len(ordered) >= trim_min:
            trimmed = (ordered[0], ordered[-1])
            counted = tuple(ordered[1:-1])
        k = Decimal(len(counted))
        means = {
            code: sum((Decimal(s.scores[code]) for s in counted), Decimal(0)) / k
            for code in weights
        }
        exact = sum((means[code] * weights[code] for code in weights), Decimal(0)) / total_weight
    score = quantize_fen(exact)
    shown_means = {code: quantize_fen(means[code]) for code in weights}
    shown_totals = {expert: quantize_fen(t) for expert, t in totals.items()}
    reasons = [
        Reason(
            f"申请 {app.number}：{len(app.sheets)} 位专家评分，计入 {len(counted)} 位；"
            f"综合得分 = Σ(各指标专家平均分 × 权重) ÷ {total_weight} = {_score_text(score)} 分"
            "（四舍五入保留两位小数）。",
            f"Application {app.number}: {len(app.sheets)} experts scored it and "
            f"{len(counted)} count; score = Σ(mean per criterion × weight) ÷ {total_weight} "
            f"= {_score_text(score)} (rounded half-up to two decimals).",
        )
    ]
    if trimmed:
        low, high = trimmed
        reasons.append(
            Reason(
                f"专家人数 {len(app.sheets)} 人，达到 {trim_min} 人（含）以上，去掉加权总分最高的"
                f"专家 {high.expert_id}（{_score_text(shown_totals[high.expert_id])} 分）和最低的"
                f"专家 {low.expert_id}（{_score_text(shown_totals[low.expert_id])} 分）。",
                f"{len(app.sheets)} experts, at least {trim_min}: the highest weighted total "
                f"(expert {high.expert_id}, {_score_text(shown_totals[high.expert_id])}) and the "
                f"lowest (expert {low.expert_id}, {_score_text(shown_totals[low.expert_id])}) "
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
            facts={
                "number": app.number,
                "score": score,
                "criterion_means": shown_means,
                "expert_totals": shown_totals,
                "experts_trimmed": [s.expert_id for s in trimmed],
            },
        ),
    )


# --- ranking ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingEntry:
    """What ranking needs of an application: its score and the tie-breakers."""

    number: str
    score: Decimal
    submitted_at: datetime
    requested_fiscal: Decimal


@dataclass(frozen=True)
class RankedApplication:
    """An application's place in the ranking (1 = best); places are never shared."""

    rank: int
    number: str
    score: Decimal
    submitted_at: datetime
    requested_fiscal: Decimal
    decision: Decision
    aggregate: AggregateScore | None = None


_TIE_RULE_ZH = (
    "排序规则：综合得分高者在前；得分相同的，提交时间早者在前；仍相同的，按申请编号升序。"
)
_TIE_RULE_EN = (
    "Ranking rule: higher score first; on equal scores the earlier submission first; "
    "then by application number, ascending."
)


def rank_entries(
    entries: Sequence[RankingEntry],
    *,
    params: ParameterSet,
    aggregates: Mapping[str, AggregateScore] | None = None,
) -> tuple[RankedApplication, ...]:
    """Order by score (high first), then submission time (early first), then number."""
    numbers = [e.number for e in entries]
    if len(set(numbers)) != len(numbers):
        raise _invalid(
            "排名列表中有重复的申请编号。",
            "An application number appears twice in the ranking.",
            field="applications",
            code="ranking_duplicate",
        )
    for e in entries:
        _require_aware(e.submitted_at, f"submitted_at of {e.number}")
        _check_amount(e.requested_fiscal, field="requested_fiscal", positive=True)
    ordered = sorted(entries, key=lambda e: (-e.score, e.submitted_at, e.number))
    by_score: dict[Decimal, list[str]] = {}
    for e in ordered:
        by_score.setdefault(e.score, []).append(e.number)
    ranked: list[RankedApplication] = []
    for place, e in enumerate(ordered, start=1):
        ties = [n for n in by_score[e.score] if n != e.number]
        tie_zh = f"与 {'、'.join(ties)} 得分相同，按规则排序。" if ties else ""
        tie_en = f" Same score as {', '.join(ties)}; ordered by the rule." if ties else ""
        ranked.append(
            RankedApplication(
                rank=place,
                number=e.number,
                score=e.score,
                submitted_at=e.submitted_at,
                requested_fiscal=e.requested_fiscal,
                aggregate=(aggregates or {}).get(e.number),
                decision=decide(
                    "ranked",
                    params,
                    reasons=[
                        Reason(
                            f"申请 {e.number} 综合得分 {_score_text(e.score)} 分，排名第 {place} 位"
                            f"（共 {len(ordered)} 项）。{tie_zh}{_TIE_RULE_ZH}",
                            f"Application {e.number} scored {_score_text(e.score)} and ranks "
                            f"{place} of {len(ordered)}.{tie_en} {_TIE_RULE_EN}",
                        )
                    ],
                    cite=["weights_total"],
                    facts={
                        "number": e.number,
                        "rank": place,
                        "score": e.score,
                        "submitted_at": e.submitted_at,
                        "tied_with": ties,
                    },
                ),
            )
        )
    return tuple(ranked)


def rank_applications(
    applications: Sequence[ScoredApplication],
    criteria: Sequence[Criterion],
    *,
    params: ParameterSet,
) -> tuple[RankedApplication, ...]:
    """Aggregate each application's scores, then rank them (see :func:`rank_entries`)."""
    aggregates = {a.number: aggregate_scores(a, criteria, params=params) for a in applications}
    entries = [
        RankingEntry(a.number, aggregates[a.number].score, a.submitted_at, a.requested_fiscal)
        for a in applications
    ]
    return rank_entries(entries, params=params, aggregates=aggregates)


# --- the funding line ------------------------------------------------------------------

FundingMode = Literal["stop", "skip"]


@dataclass(frozen=True)
class CallBudget:
    """The call's total fiscal budget and the number of projects it funds (at most)."""

    total_fiscal: Decimal
    max_projects: int


@dataclass(frozen=True)
class FundingEntry:
    """One ranked application against the line.

    ``why`` is ``funded``, ``over_budget`` (its request does not fit what is left),
    ``count_reached`` (the project count is full) or ``below_line`` (an earlier one did not
    fit and the call funds strictly in rank order). ``cumulative`` is the funded total
    after this entry and ``remaining`` the budget left after it.
    """

    rank: int
    number: str
    score: Decimal
    requested_fiscal: Decimal
    funded: bool
    why: Literal["funded", "over_budget", "count_reached", "below_line"]
    cumulative: Decimal
    remaining: Decimal
    decision: Decision


@dataclass(frozen=True)
class FundingLine:
    entries: tuple[FundingEntry, ...]
    funded: tuple[str, ...]
    funded_total: Decimal
    remaining: Decimal
    mode: FundingMode
    budget: CallBudget
    decision: Decision


def _check_budget(budget: CallBudget) -> None:
    _check_amount(budget.total_fiscal, field="total_fiscal")
    if isinstance(budget.max_projects, bool) or budget.max_projects < 0:
        raise _invalid(
            "资助项目数不能为负数。",
            "The number of projects cannot be negative.",
            field="max_projects",
            code="max_projects_invalid",
        )


def draw_funding_line(
    ranked: Sequence[RankedApplication],
    budget: CallBudget,
    *,
    params: ParameterSet,
    mode: FundingMode | None = None,
) -> FundingLine:
    """Fund in rank order while the request fits what is left of the budget and the count.

    ``stop`` (default, 「按排名依次」): at the first application that does not fit, the line
    is drawn and every later one is below it. ``skip``: an application that does not fit
    is passed over and a later, smaller one may still be funded. ``mode`` given here (from
    the call) overrides the parameter. Fitting is inclusive: a request equal to what is
    left fits.
    """
    _check_budget(budget)
    chosen: FundingMode
    if mode is None:
        raw = params.value("funding_line_mode")
        if raw not in ("stop", "skip"):
            raise ValueError(f"funding_line_mode must be 'stop' or 'skip', got {raw!r}")
        chosen = "stop" if raw == "stop" else "skip"
    else:
        if mode not in ("stop", "skip"):
            raise _invalid(
                "资助线规则只能是「按排名依次」（stop）或「跳过后递补」（skip）。",
                "The funding-line rule must be 'stop' or 'skip'.",
                field="mode",
                code="funding_mode_invalid",
            )
        chosen = mode
    order = sorted(ranked, key=lambda r: r.rank)
    if [r.rank for r in order] != list(range(1, len(order) + 1)):
        raise _invalid(
            "排名必须是从 1 开始连续且不重复的名次。",
            "Ranks must run 1, 2, 3, … without gaps or repeats.",
            field="ranked",
            code="ranking_invalid",
        )
    total = budget.total_fiscal
    mode_zh = (
        "按排名依次，遇到预算不足即止" if chosen == "stop" else "预算不足的跳过，后续项目可递补"
    )
    mode_en = (
        "strictly in rank order, stopping at the first that does not fit"
        if chosen == "stop"
        else "passing over one that does not fit so a later, smaller one may be funded"
    )
    cumulative = Decimal("0.00")
    funded: list[str] = []
    entries: list[FundingEntry] = []
    stopped = False
    for r in order:
        requested = _check_amount(r.requested_fiscal, field="requested_fiscal", positive=True)
        left = total - cumulative
        head = (
            f"排名第 {r.rank} 位，综合得分 {_score_text(r.score)} 分，"
            f"申请财政资金 {format_yuan(requested)}"
        )
        head_en = (
            f"Rank {r.rank}, score {_score_text(r.score)}, fiscal request {format_yuan(requested)}"
        )
        why: Literal["funded", "over_budget", "count_reached", "below_line"]
        if stopped:
            why = "below_line"
            zh = f"{head}；排在资助线以下（{mode_zh}），不予资助。"
            en = f"{head_en}; below the funding line ({mode_en}), not funded."
        elif len(funded) >= budget.max_projects:
            why = "count_reached"
            zh = f"{head}；资助项目数已满 {budget.max_projects} 项，不予资助。"
            en = f"{head_en}; the {budget.max_projects} project places are taken, not funded."
            stopped = chosen == "stop"
        elif requested > left:
            why = "over_budget"
            zh = (
                f"{head}；累计已安排 {format_yuan(cumulative)}，剩余预算 {format_yuan(left)}，"
                f"不足以资助本项目，不予资助（{mode_zh}）。"
            )
            en = (
                f"{head_en}; {format_yuan(cumulative)} already allocated and "
                f"{format_yuan(left)} left, which does not cover it: not funded ({mode_en})."
            )
            stopped = chosen == "stop"
        else:
            why = "funded"
            cumulative += requested
            funded.append(r.number)
            zh = (
                f"{head}；资助后累计 {format_yuan(cumulative)}，"
                f"剩余预算 {format_yuan(total - cumulative)}，拟予资助。"
            )
            en = (
                f"{head_en}; cumulative {format_yuan(cumulative)} after it, "
                f"{format_yuan(total - cumulative)} left: proposed for funding."
            )
        entries.append(
            FundingEntry(
                rank=r.rank,
                number=r.number,
                score=r.score,
                requested_fiscal=requested,
                funded=why == "funded",
                why=why,
                cumulative=cumulative,
                remaining=total - cumulative,
                decision=decide(
                    "funded" if why == "funded" else "not_funded",
                    params,
                    reasons=[Reason(zh, en)],
                    cite=["funding_line_mode"],
                    facts={
                        "number": r.number,
                        "rank": r.rank,
                        "score": r.score,
                        "requested_fiscal": requested,
                        "cumulative": cumulative,
                        "remaining": total - cumulative,
                        "why": why,
                        "mode": chosen,
                    },
                ),
            )
        )
    summary = decide(
        "drawn",
        params,
        reasons=[
            Reason(
                f"总预算 {format_yuan(total)}，最多资助 {budget.max_projects} 项；"
                f"拟资助 {len(funded)} 项，合计 {format_yuan(cumulative)}，"
                f"剩余 {format_yuan(total - cumulative)}（{mode_zh}）。",
                f"Budget {format_yuan(total)} for at most {budget.max_projects} projects; "
                f"{len(funded)} proposed, {format_yuan(cumulative)} in total, "
                f"{format_yuan(total - cumulative)} left ({mode_en}).",
            ),
            Reason(_TIE_RULE_ZH, _TIE_RULE_EN),
        ],
        cite=["funding_line_mode"],
        facts={
            "total_fiscal": total,
            "max_projects": budget.max_projects,
            "funded": funded,
            "funded_total": cumulative,
            "remaining": total - cumulative,
            "mode": chosen,
        },
    )
    return FundingLine(
        entries=tuple(entries),
        funded=tuple(funded),
        funded_total=cumulative,
        remaining=total - cumulative,
        mode=chosen,
        budget=budget,
        decision=summary,
    )


# --- staff adjustments -----------------------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    """Staff move one application across the line: ``include`` it or ``exclude`` it."""

    number: str
    action: Literal["include", "exclude"]
    reason: str
    actor: str


@dataclass(frozen=True)
class AdjustedList:
    """The decision list (拟立项名单) after adjustments, in rank order, with the record."""

    original: tuple[str, ...]
    adjusted: tuple[str, ...]
    adjustments: tuple[Adjustment, ...]
    adjusted_total: Decimal
    decision: Decision


def apply_adjustments(
    line: FundingLine, adjustments: Sequence[Adjustment], *, params: ParameterSet
) -> AdjustedList:
    """Apply staff adjustments; each needs a reason, and the result must still fit the call.

    Refused (``ValidationError``): an unknown application, including one already funded,
    excluding one not funded, two adjustments of the same application, a reason shorter
    than ``adjustment_reason_min_chars``, or a list that would exceed the call's budget or
    project count.
    """
    by_number = {e.number: e for e in line.entries}
    minimum = params.integer("adjustment_reason_min_chars")
    seen: set[str] = set()
    funded = set(line.funded)
    cleaned: list[Adjustment] = []
    for index, adj in enumerate(adjustments):
        where = f"adjustments[{index}]"
        entry = by_number.get(adj.number)
        if entry is None:
            raise _invalid(
                f"申请 {adj.number} 不在本次排名中，无法调整。",
                f"Application {adj.number} is not in this ranking and cannot be adjusted.",
                field=f"{where}.number",
                code="adjustment_unknown",
            )
        if adj.number in seen:
            raise _invalid(
                f"申请 {adj.number} 被调整了两次，每个申请只能调整一次。",
                f"Application {adj.number} is adjusted twice; adjust each application once.",
                field=f"{where}.number",
                code="adjustment_duplicate",
            )
        seen.add(adj.number)
        if adj.action not in ("include", "exclude"):
            raise _invalid(
                "调整方式只能是「调入」（include）或「调出」（exclude）。",
                "The adjustment must be 'include' or 'exclude'.",
                field=f"{where}.action",
                code="adjustment_action_invalid",
            )
        if adj.action == "include" and entry.funded:
            raise _invalid(
                f"申请 {adj.number} 已在资助线以上，无需调入。",
                f"Application {adj.number} is already above the line; there is nothing to include.",
                field=f"{where}.number",
                code="adjustment_already_funded",
            )
        if adj.action == "exclude" and not entry.funded:
            raise _invalid(
                f"申请 {adj.number} 不在资助线以上，无法调出。",
                f"Application {adj.number} is not above the line, so it cannot be excluded.",
                field=f"{where}.number",
                code="adjustment_not_funded",
            )
        reason = (adj.reason or "").strip()
        if len(reason) < minimum:
            raise _invalid(
                f"调整申请 {adj.number} 须写明理由（至少 {minimum} 个字）。",
                f"Give the reason for adjusting application {adj.number} "
                f"(at least {minimum} characters).",
                field=f"{where}.reason",
                code="adjustment_reason_required",
            )
        if not (adj.actor or "").strip():
            raise _invalid(
                "调整须记录操作人员。",
                "An adjustment must record who made it.",
                field=f"{where}.actor",
                code="adjustment_actor_required",
            )
        cleaned.append(Adjustment(adj.number, adj.action, reason, adj.actor.strip()))
        if adj.action == "include":
            funded.add(adj.number)
        else:
            funded.discard(adj.number)
    adjusted = tuple(e.number for e in line.entries if e.number in funded)
    adjusted_total = sum(
        (e.requested_fiscal for e in line.entries if e.number in funded), Decimal("0.00")
    )
    budget = line.budget
    if adjusted_total > budget.total_fiscal:
        raise _invalid(
            f"调整后拟资助合计 {format_yuan(adjusted_total)}，超过总预算 "
            f"{format_yuan(budget.total_fiscal)}，请同时调出其他项目或撤回调整。",
            f"After the adjustments the list totals {format_yuan(adjusted_total)}, above the "
            f"budget of {format_yuan(budget.total_fiscal)}; exclude another or withdraw one.",
            field="adjustments",
            code="adjustment_over_budget",
        )
    if len(adjusted) > budget.max_projects:
        raise _invalid(
            f"调整后拟资助 {len(adjusted)} 项，超过资助项目数 {budget.max_projects} 项。",
            f"After the adjustments {len(adjusted)} projects are listed, more than the "
            f"{budget.max_projects} the call funds.",
            field="adjustments",
            code="adjustment_over_count",
        )
    reasons = [
        Reason(
            f"原拟资助名单 {len(line.funded)} 项，调整 {len(cleaned)} 项后为 {len(adjusted)} 项，"
            f"合计 {format_yuan(adjusted_total)}。",
            f"The original list had {len(line.funded)}; after {len(cleaned)} adjustments it has "
            f"{len(adjusted)}, totalling {format_yuan(adjusted_total)}.",
        )
    ]
    for adj in cleaned:
        entry = by_number[adj.number]
        verb_zh = "调入" if adj.action == "include" else "调出"
        verb_en = "included" if adj.action == "include" else "excluded"
        reasons.append(
            Reason(
                f"{verb_zh}申请 {adj.number}（原排名第 {entry.rank} 位），操作人 {adj.actor}，"
                f"理由：{adj.reason}",
                f"Application {adj.number} (rank {entry.rank}) {verb_en} by {adj.actor}; "
                f"reason: {adj.reason}",
            )
        )
    return AdjustedList(
        original=line.funded,
        adjusted=adjusted,
        adjustments=tuple(cleaned),
        adjusted_total=adjusted_total,
        decision=decide(
            "adjusted" if cleaned else "unchanged",
            params,
            reasons=reasons,
            cite=["adjustment_reason_min_chars"],
            facts={
                "original": list(line.funded),
                "adjusted": list(adjusted),
                "adjusted_total": adjusted_total,
                "adjustments": [
                    {
                        "number": a.number,
                        "action": a.action,
                        "reason": a.reason,
                        "actor": a.actor,
                    }
                    for a in cleaned
                ],
            },
        ),
    )


# --- public notice ---------------------------------------------------------------------


class WorkingDayCalendar(Protocol):
    """What the rules need of :class:`rainforest.core.workdays.WorkCalendar`."""

    def add_workdays(self, start: datetime, n: int) -> WorkdayAnswer[datetime]: ...

    def end_of_workday_after(self, start: datetime, n: int) -> WorkdayAnswer[datetime]: ...


@dataclass(frozen=True)
class NoticeWindow:
    """A public notice (社会公示): open from ``opens_at`` to ``closes_at``, both included."""

    opens_at: datetime
    closes_at: datetime
    workdays: int
    provisional: bool
    decision: Decision


def notice_window(
    opens_at: datetime,
    calendar: WorkingDayCalendar,
    *,
    params: ParameterSet,
    notice_workdays: int | None = None,
) -> NoticeWindow:
    """The notice closes at the end (23:59:59.999999) of the n-th working day after it opens.

    The day it opens is not counted (民法典 第二百零一条: a period counted in days starts
    the next day). ``notice_workdays`` comes from the call; without it the parameter applies.
    """
    _require_aware(opens_at, "opens_at")
    days = params.integer("notice_workdays") if notice_workdays is None else notice_workdays
    if isinstance(days, bool) or days < 1:
        raise _invalid(
            "公示期至少为 1 个工作日。",
            "The notice period must be at least one working day.",
            field="notice_workdays",
            code="notice_period_invalid",
        )
    counting = params.value("notice_period_counting")
    if counting != "next_day":
        raise ValueError(f"notice_period_counting must be 'next_day', got {counting!r}")
    answer = calendar.end_of_workday_after(opens_at, days)
    closes_at = answer.value
    note_zh = "（所涉年份节假日安排未知，仅按周末计算，日期为暂定）" if answer.provisional else ""
    note_en = (
        " (the holidays of a year involved are not known yet; counted on weekends only, "
        "provisional)"
        if answer.provisional
        else ""
    )
    return NoticeWindow(
        opens_at=opens_at,
        closes_at=closes_at,
        workdays=days,
        provisional=answer.provisional,
        decision=decide(
            "notice_period",
            params,
            reasons=[
                Reason(
                    f"公示期 {days} 个工作日，自 {_local_text(opens_at)} 起，发布当日不计入，"
                    f"至 {_local_text(closes_at)} 止（含当日）{note_zh}。",
                    f"The notice runs {days} working days from {_local_text(opens_at)}; the "
                    f"day it opens is not counted; it closes at the end of "
                    f"{_local_text(closes_at)} (inclusive){note_en}.",
                )
            ],
            cite=["notice_workdays", "notice_period_counting"],
            facts={
                "opens_at": opens_at,
                "closes_at": closes_at,
                "workdays": days,
                "from_call": notice_workdays is not None,
                "provisional": answer.provisional,
            },
        ),
    )


@dataclass(frozen=True)
class PendingObjection:
    """An objection whose outcome is not settled yet."""

    number: str
    application_number: str


def _notice_check(
    now: datetime,
    closes_at: datetime,
    open_objections: Sequence[PendingObjection],
    params: ParameterSet | None,
    *,
    what_zh: str,
    what_en: str,
) -> Decision:
    _require_aware(now, "now")
    _require_aware(closes_at, "closes_at")
    ps = params or ranking_parameters(now.astimezone(DEFAULT_TZ).date())
    reasons: list[Reason] = []
    refusals: list[str] = []
    if now <= closes_at:
        refusals.append("notice_open")
        reasons.append(
            Reason(
                f"公示期至 {_local_text(closes_at)} 止（含当日），现在是 {_local_text(now)}，"
                f"公示期未满，不能{what_zh}。",
                f"The notice runs until {_local_text(closes_at)} inclusive and it is now "
                f"{_local_text(now)}: the notice has not ended, so it cannot {what_en}.",
            )
        )
    pending = sorted(open_objections, key=lambda o: o.number)
    if pending:
        refusals.append("objections_unsettled")
        named_zh = "；".join(f"异议 {o.number}（涉及申请 {o.application_number}）" for o in pending)
        named_en = "; ".join(
            f"objection {o.number} (application {o.application_number})" for o in pending
        )
        reasons.append(
            Reason(
                f"尚有 {len(pending)} 件异议未办结：{named_zh}。异议办结前不能{what_zh}。",
                f"{len(pending)} objection(s) not yet settled: {named_en}. It cannot {what_en} "
                "until they are settled.",
            )
        )
    if not refusals:
        reasons.append(
            Reason(
                f"公示期已于 {_local_text(closes_at)} 届满，且无未办结的异议，可以{what_zh}。",
                f"The notice ended at {_local_text(closes_at)} and no objection is open: it may "
                f"{what_en}.",
            )
        )
    return decide(
        "refused" if refusals else "allowed",
        ps,
        reasons=reasons,
        cite=["notice_workdays", "objection_grounds_min_chars"],
        facts={
            "now": now,
            "closes_at": closes_at,
            "refusals": refusals,
            "open_objections": [o.number for o in pending],
        },
    )


def can_close_notice(
    now: datetime,
    closes_at: datetime,
    open_objections: Sequence[PendingObjection],
    *,
    params: ParameterSet | None = None,
) -> Decision:
    """``allowed`` only after ``closes_at`` (the last instant still belongs to the notice)
    and with no unsettled objection; otherwise ``refused`` with every reason named
    (``facts["refusals"]``: ``notice_open``, ``objections_unsettled``).
    """
    return _notice_check(
        now,
        closes_at,
        open_objections,
        params,
        what_zh="结束公示并进入立项",
        what_en="close the notice and proceed to approval",
    )


def can_approve_after_notice(
    now: datetime,
    closes_at: datetime,
    open_objections: Sequence[PendingObjection],
    *,
    params: ParameterSet | None = None,
) -> Decision:
    """The same test as :func:`can_close_notice`, worded for approval (立项)."""
    return _notice_check(
        now,
        closes_at,
        open_objections,
        params,
        what_zh="立项",
        what_en="be approved",
    )


@dataclass(frozen=True)
class ObjectionInput:
    """An objection as lodged (实名异议): who, how to reach them, why, about which application."""

    objector_name: str
    contact: str
    grounds: str
    application_number: str
    lodged_at: datetime


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9][0-9\- ]{5,18}[0-9]")


def objection_problems(
    objection: ObjectionInput,
    *,
    window: NoticeWindow,
    listed_numbers: Collection[str],
    params: ParameterSet,
) -> tuple[ValidationError, ...]:
    """Every problem with an objection, one error per field (empty when it is acceptable).

    Lodging is within the notice when ``opens_at <= lodged_at <= closes_at`` (both ends
    included).
    """
    problems: list[ValidationError] = []
    name = (objection.objector_name or "").strip()
    if not name:
        problems.append(
            _invalid(
                "请填写异议人姓名或单位名称：异议须实名提出。",
                "Enter your name or your organisation's name: objections are not anonymous.",
                field="objector_name",
                code="objection_name_required",
            )
        )
    contact = (objection.contact or "").strip()
    if not contact:
        problems.append(
            _invalid(
                "请填写联系电话或电子邮箱，以便告知异议处理结果。",
                "Enter a phone number or an email address so we can tell you the outcome.",
                field="contact",
                code="objection_contact_required",
            )
        )
    elif not (_EMAIL.fullmatch(contact) or _PHONE.fullmatch(contact)):
        problems.append(
            _invalid(
                "联系方式应为电话号码（如 13800138000、0755-88888888）或电子邮箱（如 name@example.cn）。",
                "Enter the contact as a phone number (such as 13800138000 or 0755-88888888) or "
                "an email address (such as name@example.cn).",
                field="contact",
                code="objection_contact_invalid",
            )
        )
    minimum = params.integer("objection_grounds_min_chars")
    grounds = (objection.grounds or "").strip()
    if len(grounds) < minimum:
        problems.append(
            _invalid(
                f"请写明异议的事实和理由，至少 {minimum} 个字（现为 {len(grounds)} 个字）。",
                f"Describe the facts and grounds of the objection in at least {minimum} "
                f"characters (now {len(grounds)}).",
                field="grounds",
                code="objection_grounds_too_short",
            )
        )
    number = (objection.application_number or "").strip()
    if not number:
        problems.append(
            _invalid(
                "请选择异议涉及的公示项目。",
                "Choose the listed project the objection concerns.",
                field="application_number",
                code="objection_application_required",
            )
        )
    elif number not in listed_numbers:
        problems.append(
            _invalid(
                f"申请 {number} 不在本次公示名单中，请选择公示名单中的项目。",
                f"Application {number} is not on this notice; choose a listed project.",
                field="application_number",
                code="objection_application_not_listed",
            )
        )
    _require_aware(objection.lodged_at, "lodged_at")
    if objection.lodged_at < window.opens_at:
        problems.append(
            _invalid(
                f"公示自 {_local_text(window.opens_at)} 开始，此前不能提出异议。",
                f"The notice opens at {_local_text(window.opens_at)}; objections can be lodged "
                "from then.",
                field="lodged_at",
                code="objection_before_notice",
            )
        )
    elif objection.lodged_at > window.closes_at:
        problems.append(
            _invalid(
                f"公示期已于 {_local_text(window.closes_at)} 结束，不再受理异议。",
                f"The notice ended at {_local_text(window.closes_at)}; objections are no longer "
                "accepted.",
                field="lodged_at",
                code="objection_after_notice",
            )
        )
    return tuple(problems)


def validate_objection(
    objection: ObjectionInput,
    *,
    window: NoticeWindow,
    listed_numbers: Collection[str],
    params: ParameterSet,
) -> ObjectionInput:
    """The objection with its text trimmed, or the first problem raised."""
    problems = objection_problems(
        objection, window=window, listed_numbers=listed_numbers, params=params
    )
    if problems:
        raise problems[0]
    return ObjectionInput(
        objector_name=objection.objector_name.strip(),
        contact=objection.contact.strip(),
        grounds=objection.grounds.strip(),
        application_number=objection.application_number.strip(),
        lodged_at=objection.lodged_at,
    )


# --- national matching funds -----------------------------------------------------------


@dataclass(frozen=True)
class NationalProject:
    """A national project an organisation won and registers for matching funds (配套资助)."""

    programme: str
    number: str
    national_funding: Decimal
    period_start: date
    period_end: date
    landed_in_shenzhen: bool
    proof_attached: bool


@dataclass(frozen=True)
class MatchingResult:
    """``amount`` is zero when not eligible; ``capped`` when the cap decided the amount."""

    eligible: bool
    amount: Decimal
    capped: bool
    decision: Decision
    problems: tuple[str, ...] = field(default=())


def decide_matching(project: NationalProject, *, on: date, params: ParameterSet) -> MatchingResult:
    """Matching = national funding × ratio, at most the cap (「以内」 includes the cap).

    Not eligible when the project period has ended before ``on``, the project has not
    landed in Shenzhen, or the proof of the national award is missing; every such
    problem is a reason. Fractions of a fen are rounded down.
    """
    national = _check_amount(project.national_funding, field="national_funding", positive=True)
    if project.period_end < project.period_start:
        raise _invalid(
            "项目执行期的结束日期早于开始日期，请核对。",
            "The project period ends before it starts; please check the dates.",
            field="period_end",
            code="period_invalid",
        )
    ratio = params.decimal("matching_ratio")
    cap = params.decimal("matching_cap")
    problems: list[str] = []
    reasons: list[Reason] = []
    if on > project.period_end:
        problems.append("period_ended")
        reasons.append(
            Reason(
                f"国家项目 {project.number} 执行期已于 {project.period_end.isoformat()} 结束，"
                "不予配套。",
                f"National project {project.number}'s period ended on "
                f"{project.period_end.isoformat()}; it cannot be matched.",
            )
        )
    if bool(params.value("landing_required")) and not project.landed_in_shenzhen:
        problems.append("not_landed")
        reasons.append(
            Reason(
                f"国家项目 {project.number} 未在深圳落地实施，不予配套。",
                f"National project {project.number} has not landed in Shenzhen; it cannot be "
                "matched.",
            )
        )
    if bool(params.value("proof_required")) and not project.proof_attached:
        problems.append("proof_missing")
        reasons.append(
            Reason(
                "未提交国家立项证明材料（立项通知或任务书），请补交后再申请。",
                "The proof of the national award (notice of approval or task contract) is "
                "missing; attach it and apply again.",
            )
        )
    facts: dict[str, object] = {
        "programme": project.programme,
        "number": project.number,
        "national_funding": national,
        "ratio": ratio,
        "cap": cap,
        "on": on,
    }
    cite = ["matching_ratio", "matching_cap", "landing_required", "proof_required"]
    if problems:
        facts.update({"matching_amount": Decimal("0.00"), "problems": problems})
        return MatchingResult(
            eligible=False,
            amount=Decimal("0.00"),
            capped=False,
            problems=tuple(problems),
            decision=decide("ineligible", params, reasons=reasons, cite=cite, facts=facts),
        )
    raw = quantize_fen(national * ratio, "down")
    capped = raw > cap
    amount = cap if capped else raw
    if capped:
        reason = Reason(
            f"国家资助 {format_yuan(national)} × 配套比例 {ratio} = {format_yuan(raw)}，"
            f"超过每项上限 {format_yuan(cap)}，按上限配套 {format_yuan(amount)}。",
            f"National funding {format_yuan(national)} × ratio {ratio} = {format_yuan(raw)}, "
            f"above the cap of {format_yuan(cap)} per project: matched at the cap, "
            f"{format_yuan(amount)}.",
        )
    else:
        reason = Reason(
            f"国家资助 {format_yuan(national)} × 配套比例 {ratio} = {format_yuan(raw)}，"
            f"在每项上限 {format_yuan(cap)} 以内（含），配套 {format_yuan(amount)}。",
            f"National funding {format_yuan(national)} × ratio {ratio} = {format_yuan(raw)}, "
            f"within the cap of {format_yuan(cap)} per project (inclusive): matched "
            f"{format_yuan(amount)}.",
        )
    facts.update({"matching_amount": amount, "capped": capped})
    return MatchingResult(
        eligible=True,
        amount=amount,
        capped=capped,
        decision=decide("eligible", params, reasons=[reason], cite=cite, facts=facts),
    )
