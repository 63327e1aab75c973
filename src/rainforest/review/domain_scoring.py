"""Score sheets, aggregation, consensus flags and the ranking with its tie rule; pure.

"n/a" (不适用) is ``None`` in a sheet and is never counted as zero: it leaves the criterion
out of both sums of the weighted total.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from rainforest.core.errors import ValidationError
from rainforest.core.policy import Decision, ParameterSet, Reason, decide

_CENT = Decimal("0.01")
METHODS = ("trimmed_mean", "mean", "median")
RECOMMENDATIONS = {
    "fund": ("建议资助", "Fund"),
    "fund_if_revised": ("修改后资助", "Fund if revised"),
    "not_fund": ("不建议资助", "Do not fund"),
}


@dataclass(frozen=True)
class CriterionWeight:
    code: str
    name_zh: str
    name_en: str
    weight: int


def default_criteria(params: ParameterSet) -> tuple[CriterionWeight, ...]:
    value = params.value("criteria")
    assert isinstance(value, tuple)
    out = []
    for row in value:
        assert isinstance(row, tuple)
        code, zh, en, weight = row
        out.append(CriterionWeight(str(code), str(zh), str(en), int(str(weight))))
    return tuple(out)


@dataclass(frozen=True)
class Sheet:
    """One expert's scores for one item; ``None`` is "n/a" (不适用), never zero."""

    expert: str
    item: str
    scores: Mapping[str, Decimal | None]
    recommendation: str = ""


def sheet_total(sheet: Sheet, criteria: Sequence[CriterionWeight]) -> Decimal | None:
    """Σ weight × score ÷ Σ weight over the criteria answered; None when none is answered.

    "n/a" leaves the criterion out of both sums, so it neither adds nor counts as zero.
    """
    num = Decimal(0)
    den = 0
    for c in criteria:
        score = sheet.scores.get(c.code)
        if score is None:
            continue
        num += Decimal(score) * c.weight
        den += c.weight
    if not den:
        return None
    with localcontext() as ctx:
        ctx.prec = 40
        return num / den


def check_sheet(
    sheet: Sheet, criteria: Sequence[CriterionWeight], *, score_max: int
) -> list[tuple[str, str, str]]:
    """(field, zh, en) for each problem with a sheet; empty when it is complete."""
    problems: list[tuple[str, str, str]] = []
    for c in criteria:
        if c.code not in sheet.scores:
            problems.append(
                (
                    c.code,
                    f"请为「{c.name_zh}」打分，或选择“不适用”。",
                    f"Score {c.name_en} or mark it n/a.",
                )
            )
            continue
        score = sheet.scores[c.code]
        if score is not None and not (0 <= score <= score_max):
            problems.append(
                (
                    c.code,
                    f"「{c.name_zh}」的分数应在 0 到 {score_max} 之间。",
                    f"The score for {c.name_en} must be between 0 and {score_max}.",
                )
            )
    if all(sheet.scores.get(c.code) is None for c in criteria) and not problems:
        problems.append(
            (
                "scores",
                "至少为一项指标打分；全部“不适用”的评分表无法计入。",
                "Score at least one criterion; a sheet with every criterion n/a cannot count.",
            )
        )
    if sheet.recommendation not in RECOMMENDATIONS:
        problems.append(
            (
                "recommendation",
                "请选择总体意见（建议资助、修改后资助或不建议资助）。",
                "Choose an overall recommendation (fund, fund if revised, do not fund).",
            )
        )
    return problems


def _mean(values: Sequence[Decimal]) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        return sum(values, Decimal(0)) / len(values)


def _median(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def _sd(values: Sequence[Decimal]) -> Decimal:
    if len(values) < 2:
        return Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 40
        mean = _mean(values)
        return (sum(((v - mean) ** 2 for v in values), Decimal(0)) / len(values)).sqrt()


def aggregate(values: Sequence[Decimal], *, method: str, trim_min: int) -> tuple[Decimal, int]:
    """The aggregate of the totals and how many were counted.

    trimmed_mean: drop one highest and one lowest when there are at least ``trim_min``
    (「以上」 includes it); mean; median.
    """
    if not values:
        raise ValueError("no scores to aggregate")
    if method == "trimmed_mean":
        ordered = sorted(values)
        if len(ordered) >= trim_min:
            ordered = ordered[1:-1]
        return _mean(ordered), len(ordered)
    if method == "mean":
        return _mean(values), len(values)
    if method == "median":
        return _median(values), len(values)
    raise ValueError(f"unknown aggregation method {method!r}; use one of {METHODS}")


def normalise_totals(
    totals: Mapping[tuple[str, str], Decimal], *, min_sheets: int
) -> dict[tuple[str, str], Decimal]:
    """Per-expert normalisation: each expert's totals moved to the pool's mean and spread.

    t' = μ + (t − μₑ) · σ / σₑ for experts with at least ``min_sheets`` sheets and some
    spread; the others are left as they are (too few sheets to know their habit).
    """
    values = list(totals.values())
    if len(values) < 2:
        return dict(totals)
    mu, sigma = _mean(values), _sd(values)
    by_expert: dict[str, list[Decimal]] = defaultdict(list)
    for (_item, expert), value in totals.items():
        by_expert[expert].append(value)
    out: dict[tuple[str, str], Decimal] = {}
    with localcontext() as ctx:
        ctx.prec = 40
        for (item, expert), value in totals.items():
            own = by_expert[expert]
            own_sd = _sd(own)
            if len(own) >= min_sheets and own_sd > 0 and sigma > 0:
                out[(item, expert)] = mu + (value - _mean(own)) * sigma / own_sd
            else:
                out[(item, expert)] = value
    return out


@dataclass(frozen=True)
class ItemScore:
    item: str
    score: Decimal
    totals: Mapping[str, Decimal]  # per expert, as counted (normalised if asked)
    counted: int
    dropped: tuple[str, ...]
    outliers: tuple[str, ...]
    high_disagreement: bool
    recommendations: Mapping[str, int]
    decision: Decision


def score_items(
    sheets: Sequence[Sheet],
    criteria: Sequence[CriterionWeight],
    *,
    params: ParameterSet,
    method: str | None = None,
    normalise: bool | None = None,
) -> dict[str, ItemScore]:
    """Aggregate each item's sheets by the method (the call's, or the default)."""
    method = method or str(params.value("method"))
    if method not in METHODS:
        raise ValidationError(
            f"未知的汇总方法「{method}」，可选：去掉最高最低分后平均、平均、中位数。",
            f"Unknown aggregation method {method!r}; use trimmed_mean, mean or median.",
            field="method",
            code="method_invalid",
        )
    do_normalise = bool(params.value("normalise")) if normalise is None else normalise
    trim_min = params.integer("trim_min_scores")
    totals: dict[tuple[str, str], Decimal] = {}
    recs: dict[str, Counter[str]] = defaultdict(Counter)
    for sheet in sheets:
        total = sheet_total(sheet, criteria)
        if total is not None:
            totals[(sheet.item, sheet.expert)] = total
        if sheet.recommendation:
            recs[sheet.item][sheet.recommendation] += 1
    if do_normalise:
        totals = normalise_totals(totals, min_sheets=params.integer("normalise_min_sheets"))
    per_item: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for (item, expert), value in totals.items():
        per_item[item][expert] = value
    outlier_points = params.decimal("outlier_points")
    disagreement = params.decimal("disagreement_sd")
    out: dict[str, ItemScore] = {}
    for item, by_expert in sorted(per_item.items()):
        values = list(by_expert.values())
        score, counted = aggregate(values, method=method, trim_min=trim_min)
        score = score.quantize(_CENT, rounding=ROUND_HALF_UP)
        dropped: tuple[str, ...] = ()
        if method == "trimmed_mean" and len(values) >= trim_min:
            ordered = sorted(by_expert, key=lambda e: (by_expert[e], e))
            dropped = (ordered[0], ordered[-1])
        outliers = []
        for expert, value in sorted(by_expert.items()):
            others = [v for e, v in by_expert.items() if e != expert]
            if others and abs(value - _median(others)) > outlier_points:
                outliers.append(expert)
        spread = _sd(values)
        high = spread > disagreement
        reasons = [
            Reason(
                f"评审对象 {item}：{len(values)} 份有效评分，按{_method_zh(method)}"
                f"计入 {counted} 份，得分 {score}。",
                f"Item {item}: {len(values)} scored sheets, {counted} counted by "
                f"{method.replace('_', ' ')}, score {score}.",
            )
        ]
        if outliers:
            reasons.append(
                Reason(
                    f"专家 {'、'.join(outliers)} 的评分偏离其他专家中位数超过 {outlier_points} 分。",
                    f"Experts {', '.join(outliers)} are more than {outlier_points} points from "
                    "the others' median.",
                )
            )
        if high:
            reasons.append(
                Reason(
                    f"专家评分分歧较大（标准差 {spread.quantize(_CENT)} 分，超过 {disagreement} 分）。",
                    f"High disagreement (standard deviation {spread.quantize(_CENT)}, above "
                    f"{disagreement}).",
                )
            )
        out[item] = ItemScore(
            item=item,
            score=score,
            totals={e: v.quantize(_CENT, rounding=ROUND_HALF_UP) for e, v in by_expert.items()},
            counted=counted,
            dropped=dropped,
            outliers=tuple(outliers),
            high_disagreement=high,
            recommendations=dict(recs[item]),
            decision=decide(
                "scored",
                params,
                reasons=reasons,
                cite=["method", "trim_min_scores", "outlier_points", "disagreement_sd"],
                facts={
                    "item": item,
                    "score": score,
                    "method": method,
                    "normalised": do_normalise,
                    "counted": counted,
                    "dropped": list(dropped),
                },
            ),
        )
    return out


def _method_zh(method: str) -> str:
    return {"trimmed_mean": "去掉最高分和最低分后平均", "mean": "平均", "median": "中位数"}[method]


TIE_RULE_ZH = "排序规则：得分高者在前；得分相同的，提交时间早者在前；仍相同的，按编号升序。"
TIE_RULE_EN = (
    "Ranking rule: higher score first; on equal scores the earlier submission first; "
    "then by number, ascending."
)


@dataclass(frozen=True)
class Ranked:
    rank: int
    item: str
    score: Decimal
    tied_with: tuple[str, ...] = field(default=())


def _id_key(item: str) -> tuple[int, int, str]:
    """Numbers in numeric order (9 before 10), other ids after them in text order."""
    return (0, int(item), "") if item.isdigit() else (1, 0, item)


def rank_scores(scores: Mapping[str, Decimal], submitted: Mapping[str, str]) -> list[Ranked]:
    """Rank by score, then earlier submission, then number (the same rule as ``programs``)."""
    ordered = sorted(scores, key=lambda i: (-scores[i], submitted.get(i, ""), _id_key(i)))
    by_score: dict[Decimal, list[str]] = defaultdict(list)
    for item in ordered:
        by_score[scores[item]].append(item)
    return [
        Ranked(
            rank=n,
            item=item,
            score=scores[item],
            tied_with=tuple(i for i in by_score[scores[item]] if i != item),
        )
        for n, item in enumerate(ordered, start=1)
    ]


def rank(scores: Mapping[str, ItemScore], submitted: Mapping[str, str]) -> list[Ranked]:
    """The items' aggregate scores ranked by :func:`rank_scores`."""
    return rank_scores({item: s.score for item, s in scores.items()}, submitted)


def needs_reminder(days_left: int, *, params: ParameterSet) -> bool:
    """A reminder is due when at most ``reminder_workdays_before`` working days are left."""
    return 0 <= days_left <= params.integer("reminder_workdays_before")
