"""Execution of a funded project to closure (全过程管理). Pure: no Django.

After the task contract (任务书): payment tranches released against accepted gates and
milestone reminders against the working-day calendar are here, with the execution
parameters the other execution rules share. 揭榜挂帅 gates are in ``domain_challenge``,
change requests (团队、预算科目、进度) in ``domain_changes``, final acceptance (验收) and
termination with recovery of funds (终止及资金追回) in ``domain_closure``. Every rule
returns a :class:`~rainforest.core.policy.Decision` built from a versioned parameter set;
our own starting values say 「平台默认值」.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from rainforest.core.money import format_yuan, quantize_fen
from rainforest.core.policy import (
    Citation,
    Decision,
    ParameterRegistry,
    ParameterSet,
    Reason,
    decide,
)
from rainforest.programs.domain_decision import (
    MANAGEMENT_MEASURES,
    PROCEDURES,
    SEED_LETTER,
    check_amount,
    default_citation,
    invalid,
    local_text,
    require_aware,
)
from rainforest.programs.domain_notice import WorkingDayCalendar

__all__ = [
    "CONTRACT_SIGNED",
    "EXECUTION",
    "FINAL_ACCEPTED",
    "GATE_NAMES",
    "MIDTERM_ACCEPTED",
    "PARAMETERS",
    "MilestoneDue",
    "MilestoneReminder",
    "PaymentSchedule",
    "ReminderStatus",
    "ReportState",
    "Tranche",
    "TrancheSpec",
    "can_release_tranche",
    "classify_milestone",
    "classify_milestones",
    "execution_parameters",
    "gate_en",
    "gate_zh",
    "payment_schedule",
    "percent_text",
    "plan_from_parameters",
    "split_tranches",
]

EXECUTION = "programs.execution"

CONTRACT_SIGNED = "contract_signed"
MIDTERM_ACCEPTED = "midterm_accepted"
FINAL_ACCEPTED = "final_accepted"

GATE_NAMES: dict[str, tuple[str, str]] = {
    CONTRACT_SIGNED: ("任务书签订后", "on signing the task contract"),
    MIDTERM_ACCEPTED: ("中期检查通过后", "after the mid-term check is accepted"),
    FINAL_ACCEPTED: ("验收通过后", "after final acceptance"),
}

PARAMETERS = ParameterRegistry(
    [
        ParameterSet(
            name=EXECUTION,
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                "tranche_plan": (
                    {"gate": CONTRACT_SIGNED, "share": Decimal("0.40")},
                    {"gate": MIDTERM_ACCEPTED, "share": Decimal("0.40")},
                    {"gate": FINAL_ACCEPTED, "share": Decimal("0.20")},
                ),
                "lump_sum_tranche_plan": ({"gate": CONTRACT_SIGNED, "share": Decimal("1.00")},),
                "reminder_workdays": 5,
                "budget_change_officer_max_percent": Decimal("10"),
                "schedule_extension_max_times": 1,
                "schedule_extension_max_months": 12,
                "acceptance_min_experts": 3,
                "acceptance_fail_share": Decimal("0.5"),
                "acceptance_pass_share": Decimal("0.5"),
                "recovery_basis": "released_minus_accepted",
                "lump_sum_budget_approval_required": False,
                "challenge_gate_rule": "missed_gate_stops",
                "team_change_approver": "programme_officer",
            },
            citations={
                "tranche_plan": default_citation(
                    PROCEDURES, "资金拨付 签约40%、中期检查后40%、验收后20%"
                ),
                "lump_sum_tranche_plan": default_citation(
                    SEED_LETTER, "三（一） 包干制 签订任务书后一次性拨付"
                ),
                "reminder_workdays": default_citation(PROCEDURES, "节点报告到期前5个工作日提醒"),
                "budget_change_officer_max_percent": default_citation(
                    PROCEDURES, "预算科目调整10%以内由项目处审批，超过的须专家论证"
                ),
                "schedule_extension_max_times": default_citation(PROCEDURES, "项目延期以一次为限"),
                "schedule_extension_max_months": default_citation(
                    PROCEDURES, "项目延期不超过12个月"
                ),
                "acceptance_min_experts": default_citation(
                    MANAGEMENT_MEASURES, "验收专家组3人以上"
                ),
                "acceptance_fail_share": default_citation(
                    MANAGEMENT_MEASURES, "半数以上专家意见为不通过的，验收不通过"
                ),
                "acceptance_pass_share": default_citation(
                    MANAGEMENT_MEASURES, "超过半数专家意见为通过的，验收通过"
                ),
                "team_change_approver": default_citation(
                    PROCEDURES, "项目团队成员变更由项目处审批"
                ),
                "challenge_gate_rule": default_citation(
                    SEED_LETTER, "三（一）二是 揭榜挂帅制：未通过节点考核的团队停止支持"
                ),
                "lump_sum_budget_approval_required": Citation(
                    SEED_LETTER, "三（一）三是 包干制：经费包干，自主使用"
                ),
                "recovery_basis": default_citation(
                    PROCEDURES, "项目终止 追回已拨付未按规定使用的财政资金"
                ),
            },
        ),
    ]
)


def execution_parameters(day: date) -> ParameterSet:
    """The execution parameters in force on ``day``."""
    return PARAMETERS.in_force(EXECUTION, day)


def percent_text(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


def gate_zh(gate: str) -> str:
    return GATE_NAMES.get(gate, (f"节点「{gate}」通过后", ""))[0]


def gate_en(gate: str) -> str:
    return GATE_NAMES.get(gate, ("", f"after gate '{gate}' is accepted"))[1]


# --- payment tranches ------------------------------------------------------------------


@dataclass(frozen=True)
class TrancheSpec:
    """One tranche of a plan: the gate that releases it and its share of the total (0..1]."""

    gate: str
    share: Decimal


@dataclass(frozen=True)
class Tranche:
    """A scheduled payment (1-based ``index``) released when ``gate`` is accepted."""

    index: int
    gate: str
    share: Decimal
    amount: Decimal


@dataclass(frozen=True)
class PaymentSchedule:
    total: Decimal
    lump_sum: bool
    tranches: tuple[Tranche, ...]
    decision: Decision


def split_tranches(total: Decimal, plan: Sequence[TrancheSpec]) -> tuple[Tranche, ...]:
    """Amounts by share, each rounded down to the fen; the last takes the remainder.

    The amounts always add up to ``total`` exactly and none is negative (rounding down
    leaves a remainder of zero or more for the last tranche).
    """
    total = check_amount(total, field="total")
    if not plan:
        raise invalid(
            "拨付计划至少要有一期。",
            "A payment plan needs at least one tranche.",
            field="plan",
            code="tranche_plan_empty",
        )
    gates = [spec.gate for spec in plan]
    if len(set(gates)) != len(gates):
        raise invalid(
            "拨付计划中同一节点出现了两次，每个节点只能对应一期拨付。",
            "A gate appears twice in the payment plan; each gate releases one tranche.",
            field="plan",
            code="tranche_plan_duplicate_gate",
        )
    for spec in plan:
        if (
            isinstance(spec.share, bool)
            or not isinstance(spec.share, Decimal)
            or not spec.share.is_finite()
            or not 0 < spec.share <= 1
        ):
            raise invalid(
                f"节点「{spec.gate}」的拨付比例 {spec.share} 应大于 0 且不超过 100%。",
                f"The share {spec.share} for gate '{spec.gate}' must be above 0 and at most 100%.",
                field="plan",
                code="tranche_share_invalid",
            )
    shares = sum((spec.share for spec in plan), Decimal(0))
    if shares != 1:
        raise invalid(
            f"拨付比例合计为 {percent_text(shares)}，应为 100%。",
            f"The shares add up to {percent_text(shares)}; they must add up to 100%.",
            field="plan",
            code="tranche_shares_total",
        )
    amounts = [quantize_fen(total * spec.share, "down") for spec in plan[:-1]]
    amounts.append(total - sum(amounts, Decimal("0.00")))
    return tuple(
        Tranche(index=i, gate=spec.gate, share=spec.share, amount=amount)
        for i, (spec, amount) in enumerate(zip(plan, amounts, strict=True), start=1)
    )


def plan_from_parameters(params: ParameterSet, *, lump_sum: bool) -> tuple[TrancheSpec, ...]:
    """The default plan in force: ``tranche_plan``, or ``lump_sum_tranche_plan`` for 包干制."""
    raw = params.value("lump_sum_tranche_plan" if lump_sum else "tranche_plan")
    if not isinstance(raw, tuple):
        raise ValueError(f"the tranche plan of {params.label} must be a list, got {raw!r}")
    plan: list[TrancheSpec] = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise ValueError(f"a tranche of {params.label} must be a mapping, got {item!r}")
        gate, share = item.get("gate"), item.get("share")
        if not isinstance(gate, str):
            raise ValueError(f"a tranche of {params.label} has no gate: {item!r}")
        plan.append(TrancheSpec(gate=gate, share=Decimal(str(share))))
    return tuple(plan)


def payment_schedule(
    total_fiscal: Decimal,
    *,
    params: ParameterSet,
    lump_sum: bool = False,
    plan: Sequence[TrancheSpec] | None = None,
) -> PaymentSchedule:
    """The tranches of the approved fiscal budget.

    ``plan`` (from the contract or a 揭榜挂帅 challenge) overrides the parameter. 包干制
    (``lump_sum``): the budget is one total without lines and the lump-sum plan applies.
    """
    specs = tuple(plan) if plan is not None else plan_from_parameters(params, lump_sum=lump_sum)
    tranches = split_tranches(total_fiscal, specs)
    total = tranches[0].amount + sum((t.amount for t in tranches[1:]), Decimal("0.00"))
    parts_zh = "；".join(
        f"第{t.index}期 {gate_zh(t.gate)}拨付 {percent_text(t.share)}，{format_yuan(t.amount)}"
        for t in tranches
    )
    parts_en = "; ".join(
        f"tranche {t.index} {gate_en(t.gate)}: {percent_text(t.share)}, {format_yuan(t.amount)}"
        for t in tranches
    )
    reasons = [
        Reason(
            f"财政资金 {format_yuan(total)} 分 {len(tranches)} 期拨付：{parts_zh}。"
            "各期按比例计算、舍去不足一分的部分，尾差计入最后一期。",
            f"Fiscal funding of {format_yuan(total)} is paid in {len(tranches)} tranche(s): "
            f"{parts_en}. Each is its share rounded down to the fen; the last takes the "
            "remainder.",
        )
    ]
    if lump_sum:
        reasons.append(
            Reason(
                "包干制项目：预算不分科目，只按总额拨付，项目负责人自主使用经费。",
                "Lump-sum (包干制) project: the budget is one total without lines; funds are "
                "paid by total and the principal investigator manages them.",
            )
        )
    cite = [] if plan is not None else ["lump_sum_tranche_plan" if lump_sum else "tranche_plan"]
    return PaymentSchedule(
        total=total,
        lump_sum=lump_sum,
        tranches=tranches,
        decision=decide(
            "scheduled",
            params,
            reasons=reasons,
            cite=cite,
            facts={
                "total": total,
                "lump_sum": lump_sum,
                "plan_from": "contract" if plan is not None else "parameters",
                "tranches": [
                    {"index": t.index, "gate": t.gate, "share": t.share, "amount": t.amount}
                    for t in tranches
                ],
            },
        ),
    )


def can_release_tranche(
    schedule: PaymentSchedule,
    index: int,
    *,
    accepted_gates: Collection[str],
    released: Collection[int],
    params: ParameterSet,
    stopped: bool = False,
) -> Decision:
    """``release`` only when the tranche's gate is accepted, it was not paid yet, every
    earlier tranche has been paid and the project (or team) is not stopped; else
    ``refused`` with each reason.
    """
    by_index = {t.index: t for t in schedule.tranches}
    tranche = by_index.get(index)
    if tranche is None:
        raise invalid(
            f"拨付计划中没有第 {index} 期。",
            f"The schedule has no tranche {index}.",
            field="index",
            code="tranche_unknown",
        )
    reasons: list[Reason] = []
    refusals: list[str] = []
    if stopped:
        refusals.append("stopped")
        reasons.append(
            Reason(
                "项目（团队）已终止或被停止，不再拨付。",
                "The project (or team) has been stopped; nothing more is paid.",
            )
        )
    if index in released:
        refusals.append("already_released")
        reasons.append(
            Reason(
                f"第 {index} 期已经拨付，不能重复拨付。",
                f"Tranche {index} has already been paid.",
            )
        )
    earlier = [t.index for t in schedule.tranches if t.index < index and t.index not in released]
    if earlier:
        refusals.append("earlier_unpaid")
        reasons.append(
            Reason(
                f"第 {'、'.join(str(i) for i in earlier)} 期尚未拨付，须按顺序拨付。",
                f"Tranche(s) {', '.join(str(i) for i in earlier)} not paid yet; tranches are "
                "paid in order.",
            )
        )
    if tranche.gate not in accepted_gates:
        refusals.append("gate_not_accepted")
        reasons.append(
            Reason(
                f"第 {index} 期应在{gate_zh(tranche.gate)}拨付，该节点尚未通过。",
                f"Tranche {index} is paid {gate_en(tranche.gate)}, which has not happened.",
            )
        )
    if not refusals:
        reasons.append(
            Reason(
                f"第 {index} 期的拨付条件（{gate_zh(tranche.gate)}）已满足，"
                f"拨付 {format_yuan(tranche.amount)}。",
                f"The condition of tranche {index} ({gate_en(tranche.gate)}) is met: pay "
                f"{format_yuan(tranche.amount)}.",
            )
        )
    return decide(
        "refused" if refusals else "release",
        params,
        reasons=reasons,
        cite=["lump_sum_tranche_plan" if schedule.lump_sum else "tranche_plan"],
        facts={
            "index": index,
            "gate": tranche.gate,
            "amount": tranche.amount,
            "refusals": refusals,
        },
    )


# --- milestone reminders ---------------------------------------------------------------

ReportState = Literal["none", "submitted", "accepted", "rejected"]
ReminderStatus = Literal["accepted", "submitted", "overdue", "due_soon", "not_due"]


@dataclass(frozen=True)
class MilestoneDue:
    """A milestone report (节点报告) due at ``due_at`` (inclusive) and where its report is."""

    code: str
    title: str
    due_at: datetime
    report: ReportState = "none"


@dataclass(frozen=True)
class MilestoneReminder:
    code: str
    title: str
    status: ReminderStatus
    due_at: datetime
    decision: Decision


def classify_milestone(
    milestone: MilestoneDue,
    *,
    now: datetime,
    calendar: WorkingDayCalendar,
    params: ParameterSet,
) -> MilestoneReminder:
    """``accepted`` / ``submitted`` (under review) stand; otherwise (no report, or rejected)
    ``overdue`` after ``due_at``, ``due_soon`` when due by the end of the n-th working day
    from now (``reminder_workdays``), else ``not_due``.
    """
    require_aware(now, "now")
    require_aware(milestone.due_at, "due_at")
    days = params.integer("reminder_workdays")
    due = local_text(milestone.due_at)
    title = milestone.title
    status: ReminderStatus
    if milestone.report == "accepted":
        status = "accepted"
        reason = Reason(f"节点「{title}」报告已通过。", f"The report for '{title}' is accepted.")
    elif milestone.report == "submitted":
        status = "submitted"
        reason = Reason(
            f"节点「{title}」报告已提交，等待审核。",
            f"The report for '{title}' is submitted and awaits review.",
        )
    else:
        again_zh = "（上次报告未通过，须重新提交）" if milestone.report == "rejected" else ""
        again_en = (
            " (the last report was rejected; submit again)"
            if milestone.report == "rejected"
            else ""
        )
        horizon = calendar.end_of_workday_after(now, days).value
        if now > milestone.due_at:
            status = "overdue"
            reason = Reason(
                f"节点「{title}」报告应于 {due} 前提交，已逾期{again_zh}。",
                f"The report for '{title}' was due by {due} and is overdue{again_en}.",
            )
        elif milestone.due_at <= horizon:
            status = "due_soon"
            reason = Reason(
                f"节点「{title}」报告应于 {due} 前提交，已进入到期前 {days} 个工作日的提醒期"
                f"{again_zh}。",
                f"The report for '{title}' is due by {due}, within the {days}-working-day "
                f"reminder period{again_en}.",
            )
        else:
            status = "not_due"
            reason = Reason(
                f"节点「{title}」报告应于 {due} 前提交，尚未到提醒期{again_zh}。",
                f"The report for '{title}' is due by {due}; not yet in the reminder "
                f"period{again_en}.",
            )
    return MilestoneReminder(
        code=milestone.code,
        title=title,
        status=status,
        due_at=milestone.due_at,
        decision=decide(
            status,
            params,
            reasons=[reason],
            cite=["reminder_workdays"],
            facts={"code": milestone.code, "due_at": milestone.due_at, "now": now},
        ),
    )


def classify_milestones(
    milestones: Sequence[MilestoneDue],
    *,
    now: datetime,
    calendar: WorkingDayCalendar,
    params: ParameterSet,
) -> tuple[MilestoneReminder, ...]:
    """:func:`classify_milestone` for each, in due order."""
    ordered = sorted(milestones, key=lambda m: (m.due_at, m.code))
    return tuple(classify_milestone(m, now=now, calendar=calendar, params=params) for m in ordered)
