"""Ranking, the funding line and staff adjustments for R&D programmes (择优立项). Pure.

Applications are ranked by their aggregated score (ties by the rule stated below), the
funding line is drawn within the call's budget, and staff adjust the list only with
recorded reasons. Parameters and shared checks come from ``domain_decision``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from rainforest.core.money import format_yuan
from rainforest.core.policy import (
    Decision,
    ParameterSet,
    Reason,
    decide,
)
from rainforest.programs.domain_decision import (
    AggregateScore,
    Criterion,
    ScoredApplication,
    aggregate_scores,
    check_amount,
    invalid,
    require_aware,
    score_text,
)

__all__ = [
    "AdjustedList",
    "Adjustment",
    "CallBudget",
    "FundingEntry",
    "FundingLine",
    "FundingMode",
    "RankedApplication",
    "RankingEntry",
    "apply_adjustments",
    "draw_funding_line",
    "rank_applications",
    "rank_entries",
]


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
        raise invalid(
            "排名列表中有重复的申请编号。",
            "An application number appears twice in the ranking.",
            field="applications",
            code="ranking_duplicate",
        )
    for e in entries:
        require_aware(e.submitted_at, f"submitted_at of {e.number}")
        check_amount(e.requested_fiscal, field="requested_fiscal", positive=True)
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
                            f"申请 {e.number} 综合得分 {score_text(e.score)} 分，排名第 {place} 位"
                            f"（共 {len(ordered)} 项）。{tie_zh}{_TIE_RULE_ZH}",
                            f"Application {e.number} scored {score_text(e.score)} and ranks "
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
    check_amount(budget.total_fiscal, field="total_fiscal")
    if isinstance(budget.max_projects, bool) or budget.max_projects < 0:
        raise invalid(
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
            raise invalid(
                "资助线规则只能是「按排名依次」（stop）或「跳过后递补」（skip）。",
                "The funding-line rule must be 'stop' or 'skip'.",
                field="mode",
                code="funding_mode_invalid",
            )
        chosen = mode
    order = sorted(ranked, key=lambda r: r.rank)
    if [r.rank for r in order] != list(range(1, len(order) + 1)):
        raise invalid(
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
        requested = check_amount(r.requested_fiscal, field="requested_fiscal", positive=True)
        left = total - cumulative
        head = (
            f"排名第 {r.rank} 位，综合得分 {score_text(r.score)} 分，"
            f"申请财政资金 {format_yuan(requested)}"
        )
        head_en = (
            f"Rank {r.rank}, score {score_text(r.score)}, fiscal request {format_yuan(requested)}"
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
            raise invalid(
                f"申请 {adj.number} 不在本次排名中，无法调整。",
                f"Application {adj.number} is not in this ranking and cannot be adjusted.",
                field=f"{where}.number",
                code="adjustment_unknown",
            )
        if adj.number in seen:
            raise invalid(
                f"申请 {adj.number} 被调整了两次，每个申请只能调整一次。",
                f"Application {adj.number} is adjusted twice; adjust each application once.",
                field=f"{where}.number",
                code="adjustment_duplicate",
            )
        seen.add(adj.number)
        if adj.action not in ("include", "exclude"):
            raise invalid(
                "调整方式只能是「调入」（include）或「调出」（exclude）。",
                "The adjustment must be 'include' or 'exclude'.",
                field=f"{where}.action",
                code="adjustment_action_invalid",
            )
        if adj.action == "include" and entry.funded:
            raise invalid(
                f"申请 {adj.number} 已在资助线以上，无需调入。",
                f"Application {adj.number} is already above the line; there is nothing to include.",
                field=f"{where}.number",
                code="adjustment_already_funded",
            )
        if adj.action == "exclude" and not entry.funded:
            raise invalid(
                f"申请 {adj.number} 不在资助线以上，无法调出。",
                f"Application {adj.number} is not above the line, so it cannot be excluded.",
                field=f"{where}.number",
                code="adjustment_not_funded",
            )
        reason = (adj.reason or "").strip()
        if len(reason) < minimum:
            raise invalid(
                f"调整申请 {adj.number} 须写明理由（至少 {minimum} 个字）。",
                f"Give the reason for adjusting application {adj.number} "
                f"(at least {minimum} characters).",
                field=f"{where}.reason",
                code="adjustment_reason_required",
            )
        if not (adj.actor or "").strip():
            raise invalid(
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
        raise invalid(
            f"调整后拟资助合计 {format_yuan(adjusted_total)}，超过总预算 "
            f"{format_yuan(budget.total_fiscal)}，请同时调出其他项目或撤回调整。",
            f"After the adjustments the list totals {format_yuan(adjusted_total)}, above the "
            f"budget of {format_yuan(budget.total_fiscal)}; exclude another or withdraw one.",
            field="adjustments",
            code="adjustment_over_budget",
        )
    if len(adjusted) > budget.max_projects:
        raise invalid(
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
