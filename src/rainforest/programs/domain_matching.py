"""National matching funds (配套资助) for R&D programmes. Pure.

A national project landing in Shenzhen gets matching funds by the rule in force: 1:1 up
to a cap, with the proof of the national project attached ([default] values cited).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

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
    "MatchingResult",
    "NationalProject",
    "decide_matching",
]


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
    national = check_amount(project.national_funding, field="national_funding", positive=True)
    if project.period_end < project.period_start:
        raise invalid(
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
