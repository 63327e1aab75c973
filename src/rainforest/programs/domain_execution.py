"""Execution of a funded project to closure (全过程管理). Pure: no Django.

After the task contract (任务书): payment tranches released against accepted gates,
揭榜挂帅 challenge gates that stop a team that misses one, milestone reminders against
the working-day calendar, change requests (团队、预算科目、进度) routed to the right
approver, final acceptance (验收) from expert opinions, and termination with recovery of
funds (终止及资金追回). Every rule returns a :class:`~rainforest.core.policy.Decision`
built from a versioned parameter set; our own starting values say 「平台默认值」.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

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
from rainforest.core.workdays import DEFAULT_TZ
from rainforest.programs.domain_decision import (
    MANAGEMENT_MEASURES,
    PROCEDURES,
    SEED_LETTER,
    default_citation,
)
from rainforest.programs.domain_notice import WorkingDayCalendar

__all__ = [
    "CONTRACT_SIGNED",
    "EXECUTION",
    "FINAL_ACCEPTED",
    "MIDTERM_ACCEPTED",
    "PARAMETERS",
    "AcceptanceOpinion",
    "BudgetLineChange",
    "ChallengeGate",
    "ChangeKind",
    "ChangeRequest",
    "ExpertOpinion",
    "GateReport",
    "MilestoneDue",
    "MilestoneReminder",
    "PaymentSchedule",
    "RecoveryResult",
    "TeamStanding",
    "Tranche",
    "TrancheSpec",
    "can_release_tranche",
    "challenge_standings",
    "classify_milestone",
    "classify_milestones",
    "decide_acceptance",
    "decide_recovery",
    "execution_parameters",
    "payment_schedule",
    "plan_from_parameters",
    "route_change_request",
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


_CENT = Decimal("0.01")


def _invalid(zh: str, en: str, *, field: str, code: str) -> ValidationError:
    return ValidationError(zh, en, field=field, code=code)


def _amount(value: Decimal, *, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        raise _invalid(
            "金额必须是精确到分的数字。",
            "The amount must be an exact number to the fen.",
            field=field,
            code="amount_invalid",
        )
    if value != value.quantize(_CENT):
        raise _invalid(
            f"金额 {value} 超过两位小数，请精确到分。",
            f"The amount {value} has more than two decimals; round it to the fen.",
            field=field,
            code="amount_invalid",
        )
    if value < 0:
        raise _invalid(
            "金额不能为负数。",
            "The amount cannot be negative.",
            field=field,
            code="amount_invalid",
        )
    return value.quantize(_CENT)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")


def _local_text(moment: datetime) -> str:
    return moment.astimezone(DEFAULT_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


def _gate_zh(gate: str) -> str:
    return GATE_NAMES.get(gate, (f"节点「{gate}」通过后", ""))[0]


def _gate_en(gate: str) -> str:
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
    total = _amount(total, field="total")
    if not plan:
        raise _invalid(
            "拨付计划至少要有一期。",
            "A payment plan needs at least one tranche.",
            field="plan",
            code="tranche_plan_empty",
        )
    gates = [spec.gate for spec in plan]
    if len(set(gates)) != len(gates):
        raise _invalid(
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
            raise _invalid(
                f"节点「{spec.gate}」的拨付比例 {spec.share} 应大于 0 且不超过 100%。",
                f"The share {spec.share} for gate '{spec.gate}' must be above 0 and at most 100%.",
                field="plan",
                code="tranche_share_invalid",
            )
    shares = sum((spec.share for spec in plan), Decimal(0))
    if shares != 1:
        raise _invalid(
            f"拨付比例合计为 {_percent(shares)}，应为 100%。",
            f"The shares add up to {_percent(shares)}; they must add up to 100%.",
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
        f"第{t.index}期 {_gate_zh(t.gate)}拨付 {_percent(t.share)}，{format_yuan(t.amount)}"
        for t in tranches
    )
    parts_en = "; ".join(
        f"tranche {t.index} {_gate_en(t.gate)}: {_percent(t.share)}, {format_yuan(t.amount)}"
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
        raise _invalid(
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
                f"第 {index} 期应在{_gate_zh(tranche.gate)}拨付，该节点尚未通过。",
                f"Tranche {index} is paid {_gate_en(tranche.gate)}, which has not happened.",
            )
        )
    if not refusals:
        reasons.append(
            Reason(
                f"第 {index} 期的拨付条件（{_gate_zh(tranche.gate)}）已满足，"
                f"拨付 {format_yuan(tranche.amount)}。",
                f"The condition of tranche {index} ({_gate_en(tranche.gate)}) is met: pay "
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


# --- 揭榜挂帅 challenges ----------------------------------------------------------------


@dataclass(frozen=True)
class ChallengeGate:
    """A milestone gate of a challenge list (榜单): deadline and share of the team's funding."""

    code: str
    title: str
    deadline: datetime
    share: Decimal


@dataclass(frozen=True)
class GateReport:
    """A team's report for a gate: submitted (under review), accepted or rejected."""

    team_id: str
    gate_code: str
    status: Literal["submitted", "accepted", "rejected"]
    submitted_at: datetime


@dataclass(frozen=True)
class TeamStanding:
    """Where a team stands: ``active``, ``completed`` (every gate passed) or ``stopped``."""

    team_id: str
    status: Literal["active", "completed", "stopped"]
    passed_gates: tuple[str, ...]
    stopped_at_gate: str | None
    releasable: tuple[Tranche, ...]
    decision: Decision


def challenge_standings(
    gates: Sequence[ChallengeGate],
    team_ids: Sequence[str],
    reports: Sequence[GateReport],
    *,
    funding_per_team: Decimal | Mapping[str, Decimal],
    now: datetime,
    params: ParameterSet,
) -> tuple[TeamStanding, ...]:
    """Each team's gates in deadline order; the first missed gate stops the team.

    A gate is passed when a report submitted by its deadline (inclusive) is accepted. It is
    missed when a report for it is rejected, or when the deadline has passed and no report
    was submitted by then. A report submitted in time and still under review keeps the
    team waiting, neither passed nor stopped: the bureau's review time is not the team's.
    ``releasable`` are the tranches (by gate share) of the gates passed so far.
    """
    _require_aware(now, "now")
    rule = params.value("challenge_gate_rule")
    if rule != "missed_gate_stops":
        raise ValueError(f"challenge_gate_rule must be 'missed_gate_stops', got {rule!r}")
    if not gates:
        raise _invalid(
            "榜单至少要设置一个考核节点。",
            "A challenge needs at least one gate.",
            field="gates",
            code="challenge_gates_missing",
        )
    for g in gates:
        _require_aware(g.deadline, f"deadline of gate {g.code}")
    teams = list(team_ids)
    if len(set(teams)) != len(teams):
        raise _invalid(
            "揭榜团队重复。",
            "A team is listed twice.",
            field="team_ids",
            code="challenge_team_duplicate",
        )
    ordered = sorted(gates, key=lambda g: (g.deadline, g.code))
    plan = [TrancheSpec(g.code, g.share) for g in ordered]
    codes = {g.code for g in ordered}
    for r in reports:
        if r.team_id not in teams or r.gate_code not in codes:
            raise _invalid(
                f"节点报告（团队 {r.team_id}，节点 {r.gate_code}）不属于本榜单。",
                f"A report (team {r.team_id}, gate {r.gate_code}) does not belong to this "
                "challenge.",
                field="reports",
                code="challenge_report_unknown",
            )
        _require_aware(r.submitted_at, "submitted_at")
    standings: list[TeamStanding] = []
    for team in teams:
        funding = (
            funding_per_team.get(team)
            if isinstance(funding_per_team, Mapping)
            else funding_per_team
        )
        if funding is None:
            raise _invalid(
                f"未设置团队 {team} 的资助金额。",
                f"No funding is set for team {team}.",
                field="funding_per_team",
                code="challenge_funding_missing",
            )
        tranches = split_tranches(funding, plan)
        passed: list[str] = []
        stopped_at: str | None = None
        reasons: list[Reason] = []
        waiting = False
        for gate in ordered:
            mine = [r for r in reports if r.team_id == team and r.gate_code == gate.code]
            in_time = [r for r in mine if r.submitted_at <= gate.deadline]
            deadline = _local_text(gate.deadline)
            if any(r.status == "rejected" for r in mine):
                stopped_at = gate.code
                reasons.append(
                    Reason(
                        f"团队 {team} 的节点「{gate.title}」报告未通过审核，按榜单规则停止支持。",
                        f"Team {team}'s report for gate '{gate.title}' was rejected; under the "
                        "challenge rules the team is stopped.",
                    )
                )
                break
            if any(r.status == "accepted" for r in in_time):
                passed.append(gate.code)
                reasons.append(
                    Reason(
                        f"团队 {team} 通过节点「{gate.title}」（截止 {deadline}）。",
                        f"Team {team} passed gate '{gate.title}' (deadline {deadline}).",
                    )
                )
                continue
            if in_time:
                waiting = True
                reasons.append(
                    Reason(
                        f"团队 {team} 已按时提交节点「{gate.title}」报告，正在审核。",
                        f"Team {team} submitted the report for gate '{gate.title}' in time; "
                        "it is under review.",
                    )
                )
                break
            if now > gate.deadline:
                stopped_at = gate.code
                late = " (a report came after the deadline)" if mine else ""
                late_zh = "（报告在截止后才提交）" if mine else ""
                reasons.append(
                    Reason(
                        f"团队 {team} 未在 {deadline}（含）前提交节点「{gate.title}」报告"
                        f"{late_zh}，未通过节点，按榜单规则停止支持。",
                        f"Team {team} did not submit the report for gate '{gate.title}' by "
                        f"{deadline} (inclusive){late}; the gate is missed and the team is "
                        "stopped under the challenge rules.",
                    )
                )
                break
            reasons.append(
                Reason(
                    f"团队 {team} 的下一个节点是「{gate.title}」，截止 {deadline}。",
                    f"Team {team}'s next gate is '{gate.title}', due {deadline}.",
                )
            )
            break
        status: Literal["active", "completed", "stopped"]
        if stopped_at is not None:
            status = "stopped"
        elif len(passed) == len(ordered):
            status = "completed"
        else:
            status = "active"
        releasable = tuple(t for t in tranches if t.gate in passed)
        standings.append(
            TeamStanding(
                team_id=team,
                status=status,
                passed_gates=tuple(passed),
                stopped_at_gate=stopped_at,
                releasable=releasable,
                decision=decide(
                    status,
                    params,
                    reasons=reasons,
                    cite=["challenge_gate_rule"],
                    facts={
                        "team_id": team,
                        "passed_gates": passed,
                        "stopped_at_gate": stopped_at,
                        "waiting_for_review": waiting,
                        "releasable_total": sum((t.amount for t in releasable), Decimal("0.00")),
                    },
                ),
            )
        )
    return tuple(standings)


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
    _require_aware(now, "now")
    _require_aware(milestone.due_at, "due_at")
    days = params.integer("reminder_workdays")
    due = _local_text(milestone.due_at)
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
    raise _invalid(
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
        raise _invalid(
            "请填写要调整的预算科目。",
            "List the budget lines to change.",
            field="lines",
            code="change_lines_missing",
        )
    names = [line.line for line in request.lines]
    if len(set(names)) != len(names):
        raise _invalid(
            "同一预算科目填写了两次。",
            "A budget line is listed twice.",
            field="lines",
            code="change_line_duplicate",
        )
    for i, line in enumerate(request.lines):
        _amount(line.current, field=f"lines[{i}].current")
        _amount(line.proposed, field=f"lines[{i}].proposed")
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
        raise _invalid(
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
        raise _invalid(
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


# --- final acceptance and termination --------------------------------------------------

AcceptanceOpinion = Literal["pass", "conditional_pass", "fail"]
_OPINIONS: tuple[str, ...] = ("pass", "conditional_pass", "fail")


@dataclass(frozen=True)
class ExpertOpinion:
    """One expert's acceptance opinion (验收意见)."""

    expert_id: str
    opinion: AcceptanceOpinion


def decide_acceptance(opinions: Sequence[ExpertOpinion], *, params: ParameterSet) -> Decision:
    """Final acceptance from the experts' opinions.

    ``fail`` when fail opinions are at least half (「半数以上」 includes half); otherwise
    ``pass`` when pass opinions are more than half (「超过半数」); otherwise
    ``conditional_pass``.
    """
    minimum = params.integer("acceptance_min_experts")
    experts = [o.expert_id for o in opinions]
    if len(set(experts)) != len(experts):
        raise _invalid(
            "同一专家提交了两份验收意见。",
            "An expert gave two acceptance opinions.",
            field="opinions",
            code="acceptance_duplicate_expert",
        )
    for o in opinions:
        if o.opinion not in _OPINIONS:
            raise _invalid(
                f"专家 {o.expert_id} 的意见「{o.opinion}」无效，应为通过、结题（有条件通过）或不通过。",
                f"Expert {o.expert_id}'s opinion '{o.opinion}' must be pass, conditional_pass "
                "or fail.",
                field="opinions",
                code="acceptance_opinion_invalid",
            )
    n = len(opinions)
    if n < minimum:
        raise _invalid(
            f"验收专家意见 {n} 份，少于 {minimum} 份，不能作出验收结论。",
            f"{n} expert opinion(s), fewer than the {minimum} needed for a conclusion.",
            field="opinions",
            code="acceptance_too_few_experts",
        )
    counts = {kind: sum(1 for o in opinions if o.opinion == kind) for kind in _OPINIONS}
    fail_share = params.decimal("acceptance_fail_share")
    pass_share = params.decimal("acceptance_pass_share")
    tally_zh = (
        f"{n} 位专家：通过 {counts['pass']}、有条件通过 {counts['conditional_pass']}、"
        f"不通过 {counts['fail']}。"
    )
    tally_en = (
        f"{n} experts: {counts['pass']} pass, {counts['conditional_pass']} conditional, "
        f"{counts['fail']} fail."
    )
    rule_zh = (
        f"规则：不通过意见达 {_percent(fail_share)}（含）以上的，不通过；否则通过意见超过 "
        f"{_percent(pass_share)} 的，通过；其余为有条件通过。"
    )
    rule_en = (
        f"Rule: fail when fail opinions are at least {_percent(fail_share)}; otherwise pass "
        f"when pass opinions are more than {_percent(pass_share)}; otherwise conditional pass."
    )
    outcome: AcceptanceOpinion
    if Decimal(counts["fail"]) >= fail_share * n:
        outcome = "fail"
    elif Decimal(counts["pass"]) > pass_share * n:
        outcome = "pass"
    else:
        outcome = "conditional_pass"
    verdict = {
        "fail": ("验收不通过。", "Final acceptance: fail."),
        "pass": ("验收通过。", "Final acceptance: pass."),
        "conditional_pass": (
            "有条件通过验收：须按专家意见整改后确认。",
            "Conditional pass: the project must address the experts' conditions.",
        ),
    }[outcome]
    return decide(
        outcome,
        params,
        reasons=[
            Reason(tally_zh, tally_en),
            Reason(rule_zh, rule_en),
            Reason(verdict[0], verdict[1]),
        ],
        cite=["acceptance_min_experts", "acceptance_fail_share", "acceptance_pass_share"],
        facts={"experts": n, "counts": counts},
    )


@dataclass(frozen=True)
class RecoveryResult:
    """Funds to recover (追回) when a project is terminated; never negative."""

    amount: Decimal
    decision: Decision


def decide_recovery(
    *,
    released: Decimal,
    accepted_spending: Decimal,
    params: ParameterSet,
    grounds: str = "",
) -> RecoveryResult:
    """Recover what was released and not accepted as spent: max(released − accepted, 0)."""
    released = _amount(released, field="released")
    accepted_spending = _amount(accepted_spending, field="accepted_spending")
    amount = max(released - accepted_spending, Decimal("0.00"))
    reasons: list[Reason] = []
    if grounds.strip():
        reasons.append(Reason(f"终止原因：{grounds.strip()}", f"Grounds: {grounds.strip()}"))
    if amount > 0:
        reasons.append(
            Reason(
                f"已拨付财政资金 {format_yuan(released)}，经审核认定的支出 "
                f"{format_yuan(accepted_spending)}，应追回 {format_yuan(amount)}。",
                f"{format_yuan(released)} was released and {format_yuan(accepted_spending)} "
                f"accepted as spent: {format_yuan(amount)} is to be recovered.",
            )
        )
    else:
        reasons.append(
            Reason(
                f"已拨付财政资金 {format_yuan(released)}，认定支出 "
                f"{format_yuan(accepted_spending)}，不少于已拨付金额，无需追回；"
                "超出部分不予补拨。",
                f"{format_yuan(released)} was released and {format_yuan(accepted_spending)} "
                "accepted as spent, no less than released: nothing to recover, and the "
                "excess is not paid.",
            )
        )
    return RecoveryResult(
        amount=amount,
        decision=decide(
            "recover" if amount > 0 else "nothing_to_recover",
            params,
            reasons=reasons,
            cite=["recovery_basis"],
            facts={
                "released": released,
                "accepted_spending": accepted_spending,
                "recover": amount,
            },
        ),
    )
