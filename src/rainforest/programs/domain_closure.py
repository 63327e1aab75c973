"""Final acceptance (验收) and termination with recovery of funds for R&D programmes. Pure.

The experts' opinions give the acceptance outcome by the execution parameters; a
terminated project returns the fiscal funds paid beyond the spending accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
    check_amount,
    invalid,
)
from rainforest.programs.domain_execution import (
    percent_text,
)

__all__ = [
    "AcceptanceOpinion",
    "ExpertOpinion",
    "RecoveryResult",
    "decide_acceptance",
    "decide_recovery",
]


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
        raise invalid(
            "同一专家提交了两份验收意见。",
            "An expert gave two acceptance opinions.",
            field="opinions",
            code="acceptance_duplicate_expert",
        )
    for o in opinions:
        if o.opinion not in _OPINIONS:
            raise invalid(
                f"专家 {o.expert_id} 的意见「{o.opinion}」无效，应为通过、结题（有条件通过）或不通过。",
                f"Expert {o.expert_id}'s opinion '{o.opinion}' must be pass, conditional_pass "
                "or fail.",
                field="opinions",
                code="acceptance_opinion_invalid",
            )
    n = len(opinions)
    if n < minimum:
        raise invalid(
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
        f"规则：不通过意见达 {percent_text(fail_share)}（含）以上的，不通过；否则通过意见超过 "
        f"{percent_text(pass_share)} 的，通过；其余为有条件通过。"
    )
    rule_en = (
        f"Rule: fail when fail opinions are at least {percent_text(fail_share)}; otherwise pass "
        f"when pass opinions are more than {percent_text(pass_share)}; otherwise conditional pass."
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
    released = check_amount(released, field="released")
    accepted_spending = check_amount(accepted_spending, field="accepted_spending")
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
