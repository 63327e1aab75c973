"""Change requests (项目变更) during execution: how each is routed. Pure.

A team change, a budget-line change or a schedule change is approved by staff, needs an
expert opinion first, or (包干制, lump-sum funding) is only recorded, by the thresholds of
the execution parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from rainforest.core.money import format_yuan, quantize_fen
from rainforest.core.policy import (
    Decision,
    ParameterSet,
    Reason,
    decide,
)
from rainforest.programs.domain_decision import (
    check_amount,
    invalid,
)

__all__ = [
    "BudgetLineChange",
    "ChangeKind",
    "ChangeRequest",
    "route_change_request",
]


# --- change requests -------------------------------------------------------------------

ChangeKind = Literal["team", "budget_line", "schedule"]


@dataclass(frozen=True)
class BudgetLineChange:
    """A budget line (预算科目) of fiscal funds: its current and proposed amount."""

    line: str
    current: Decimal
    proposed: Decimal


@dataclass(frozen=True)
class ChangeRequest:
    """A change request (变更申请): team, budget lines or schedule (extension in months)."""

    kind: ChangeKind
    lump_sum: bool = False
    lines: tuple[BudgetLineChange, ...] = ()
    extension_months: int = 0
    previous_extensions: int = 0


def _change_percent(line: BudgetLineChange) -> Decimal | None:
    """Change as a percentage of the current amount; ``None`` for a new line (from zero)."""
    if line.current == 0:
        return None
    return abs(line.proposed - line.current) * 100 / line.current


def route_change_request(request: ChangeRequest, *, params: ParameterSet) -> Decision:
    """Who must decide a change request.

    Outcomes: ``officer_approval`` (programme officer), ``expert_opinion`` (officer after
    expert opinion), ``not_required`` (包干制 budget changes) or ``refused``.
    Budget lines: each change within ``budget_change_officer_max_percent`` of the line's
    current amount (「以内」 includes it) needs only the officer; a larger change, or a new
    line, needs expert opinion; the fiscal total may not change. Schedule: at most
    ``schedule_extension_max_times`` extensions of at most ``schedule_extension_max_months``.
    """
    kind = request.kind
    if kind == "team":
        return decide(
            "officer_approval",
            params,
            reasons=[
                Reason(
                    "项目团队成员变更由项目处审批。",
                    "A change of the project team is approved by the programme officer.",
                )
            ],
            cite=["team_change_approver"],
            facts={"kind": kind},
        )
    if kind == "budget_line":
        return _route_budget(request, params)
    if kind == "schedule":
        return _route_schedule(request, params)
    raise invalid(
        "变更类型只能是团队（team）、预算科目（budget_line）或进度（schedule）。",
        "The change must be of the team, a budget line or the schedule.",
        field="kind",
        code="change_kind_invalid",
    )


def _route_budget(request: ChangeRequest, params: ParameterSet) -> Decision:
    limit = params.decimal("budget_change_officer_max_percent")
    cite = ["budget_change_officer_max_percent"]
    if request.lump_sum and not bool(params.value("lump_sum_budget_approval_required")):
        return decide(
            "not_required",
            params,
            reasons=[
                Reason(
                    "包干制项目不设预算科目，经费由项目负责人自主使用，预算调整无需审批。",
                    "A lump-sum (包干制) project has no budget lines; the principal "
                    "investigator manages the funds, so budget changes need no approval.",
                )
            ],
            cite=["lump_sum_budget_approval_required"],
            facts={"kind": "budget_line", "lump_sum": True},
        )
    if not request.lines:
        raise invalid(
            "请填写要调整的预算科目。",
            "List the budget lines to change.",
            field="lines",
            code="change_lines_missing",
        )
    names = [line.line for line in request.lines]
    if len(set(names)) != len(names):
        raise invalid(
            "同一预算科目填写了两次。",
            "A budget line is listed twice.",
            field="lines",
            code="change_line_duplicate",
        )
    for i, line in enumerate(request.lines):
        check_amount(line.current, field=f"lines[{i}].current")
        check_amount(line.proposed, field=f"lines[{i}].proposed")
    before = sum((line.current for line in request.lines), Decimal("0.00"))
    after = sum((line.proposed for line in request.lines), Decimal("0.00"))
    if before != after:
        return decide(
            "refused",
            params,
            reasons=[
                Reason(
                    f"调整前后财政资金合计不一致（{format_yuan(before)} → {format_yuan(after)}）；"
                    "预算科目调整只能在科目之间调剂，不能改变财政资金总额。",
                    f"The fiscal total changes ({format_yuan(before)} → {format_yuan(after)}); "
                    "a budget-line change may only move funds between lines.",
                )
            ],
            cite=cite,
            facts={"kind": "budget_line", "before": before, "after": after},
        )
    reasons: list[Reason] = []
    needs_experts = False
    changes: list[dict[str, object]] = []
    for line in request.lines:
        pct = _change_percent(line)
        if line.proposed == line.current:
            continue
        if pct is None:
            needs_experts = True
            reasons.append(
                Reason(
                    f"新增预算科目「{line.line}」（{format_yuan(line.proposed)}），须专家论证。",
                    f"New budget line '{line.line}' ({format_yuan(line.proposed)}) needs "
                    "expert opinion.",
                )
            )
        else:
            shown = f"{quantize_fen(pct)}%"
            within = pct <= limit
            needs_experts = needs_experts or not within
            reasons.append(
                Reason(
                    f"预算科目「{line.line}」由 {format_yuan(line.current)} 调整为 "
                    f"{format_yuan(line.proposed)}，变动 {shown}，"
                    + (f"在 {limit}% 以内（含）。" if within else f"超过 {limit}%。"),
                    f"Budget line '{line.line}' goes from {format_yuan(line.current)} to "
                    f"{format_yuan(line.proposed)}, a change of {shown}, "
                    + (f"within {limit}% (inclusive)." if within else f"above {limit}%."),
                )
            )
        changes.append(
            {
                "line": line.line,
                "current": line.current,
                "proposed": line.proposed,
                "percent": None if pct is None else quantize_fen(pct),
            }
        )
    if not changes:
        raise invalid(
            "所填预算科目金额均未变化，无需提出变更。",
            "No budget line changes; there is nothing to request.",
            field="lines",
            code="change_nothing",
        )
    if needs_experts:
        reasons.append(
            Reason(
                "有科目调整超过限额或新增科目，须经专家论证后由项目处审批。",
                "A change is above the limit or adds a line: expert opinion is needed before "
                "the programme officer decides.",
            )
        )
    else:
        reasons.append(
            Reason(
                "各科目调整均在限额以内，由项目处审批。",
                "Every change is within the limit: the programme officer decides.",
            )
        )
    return decide(
        "expert_opinion" if needs_experts else "officer_approval",
        params,
        reasons=reasons,
        cite=cite,
        facts={"kind": "budget_line", "limit_percent": limit, "changes": changes},
    )


def _route_schedule(request: ChangeRequest, params: ParameterSet) -> Decision:
    months = request.extension_months
    if isinstance(months, bool) or months < 1:
        raise invalid(
            "延期月数至少为 1 个月。",
            "The extension must be at least one month.",
            field="extension_months",
            code="extension_invalid",
        )
    max_times = params.integer("schedule_extension_max_times")
    max_months = params.integer("schedule_extension_max_months")
    reasons: list[Reason] = []
    refusals: list[str] = []
    if request.previous_extensions >= max_times:
        refusals.append("too_many")
        reasons.append(
            Reason(
                f"本项目已延期 {request.previous_extensions} 次，延期以 {max_times} 次为限。",
                f"The project has been extended {request.previous_extensions} time(s); at most "
                f"{max_times} extension(s) are allowed.",
            )
        )
    if months > max_months:
        refusals.append("too_long")
        reasons.append(
            Reason(
                f"申请延期 {months} 个月，超过 {max_months} 个月的上限。",
                f"The extension of {months} months is above the limit of {max_months}.",
            )
        )
    if not refusals:
        reasons.append(
            Reason(
                f"申请延期 {months} 个月，在 {max_months} 个月以内（含），且未曾延期满 "
                f"{max_times} 次，由项目处审批。",
                f"An extension of {months} months, within {max_months} (inclusive), and fewer "
                f"than {max_times} earlier extension(s): the programme officer decides.",
            )
        )
    return decide(
        "refused" if refusals else "officer_approval",
        params,
        reasons=reasons,
        cite=["schedule_extension_max_times", "schedule_extension_max_months"],
        facts={
            "kind": "schedule",
            "extension_months": months,
            "previous_extensions": request.previous_extensions,
            "refusals": refusals,
        },
    )
