"""Rules of the organisation modes (组织方式) that ``domain_execution`` does not hold. Pure.

- 揭榜挂帅: a challenge's gates and funding make a valid plan; a team may take it up only
  while the list is open and there is room.
- 业主制 / 项目经理人制: sub-projects (or a portfolio's projects) fit within the budget the
  bureau approved; nobody commits more than that.
- 创新联合体: a lead enterprise and at least one member, each code once.
- The share of consortium-led projects for the dashboard.

Every rule returns a :class:`~rainforest.core.policy.Decision` from a versioned parameter
set; our own starting values say 「平台默认值」 in their citation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from rainforest.core.errors import ValidationError
from rainforest.core.ids import validate_uscc
from rainforest.core.money import format_yuan
from rainforest.core.policy import Decision, ParameterRegistry, ParameterSet, Reason, decide
from rainforest.programs.domain_decision import PROCEDURES, SEED_LETTER, default_citation
from rainforest.programs.domain_execution import TrancheSpec, split_tranches

__all__ = [
    "MODES",
    "PARAMETERS",
    "ConsortiumShare",
    "PartnerIn",
    "check_challenge_plan",
    "check_consortium",
    "consortium_share",
    "decide_takeup",
    "decide_within_budget",
    "modes_parameters",
]

MODES = "programs.modes"

PARAMETERS = ParameterRegistry(
    [
        ParameterSet(
            name=MODES,
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                "consortium_min_members": 1,
                "consortium_lead_kinds": ("enterprise",),
                "challenge_max_gates": 10,
                "share_decimals": 1,
            },
            citations={
                "consortium_min_members": default_citation(
                    SEED_LETTER, "创新联合体 龙头企业牵头、高校院所和上下游企业参与"
                ),
                "consortium_lead_kinds": default_citation(SEED_LETTER, "创新联合体 由龙头企业牵头"),
                "challenge_max_gates": default_citation(PROCEDURES, "揭榜挂帅 考核节点不超过10个"),
                "share_decimals": default_citation(SEED_LETTER, "联合体牵头项目占比 保留一位小数"),
            },
        ),
    ]
)


def modes_parameters(day: date) -> ParameterSet:
    return PARAMETERS.in_force(MODES, day)


def _invalid(zh: str, en: str, *, field: str, code: str) -> ValidationError:
    return ValidationError(zh, en, field=field, code=code)


# --- 揭榜挂帅 ----------------------------------------------------------------------------


def check_challenge_plan(
    gates: Sequence[tuple[str, datetime, Decimal]],
    *,
    funding_per_team: Decimal,
    max_teams: int,
    takeup_closes_at: datetime,
    params: ParameterSet,
) -> None:
    """A challenge's gates (title, deadline, share) make a plan; else ValidationError.

    Shares add up to 100%, deadlines are after take-up closes and differ from each other,
    and the funding splits into the tranches without a negative one.
    """
    limit = params.integer("challenge_max_gates")
    if not gates:
        raise _invalid(
            "请至少设置一个考核节点。",
            "Set at least one gate.",
            field="gates",
            code="challenge_gates_missing",
        )
    if len(gates) > limit:
        raise _invalid(
            f"考核节点最多 {limit} 个。",
            f"At most {limit} gates.",
            field="gates",
            code="challenge_gates_too_many",
        )
    if max_teams < 1:
        raise _invalid(
            "最多支持团队数至少为 1。",
            "At least one team must be supported.",
            field="max_teams",
            code="max_teams_invalid",
        )
    if funding_per_team <= 0:
        raise _invalid(
            "每个团队的资助应大于零。",
            "The funding per team must be more than zero.",
            field="funding_per_team",
            code="amount_invalid",
        )
    deadlines = [d for _t, d, _s in gates]
    if len(set(deadlines)) != len(deadlines):
        raise _invalid(
            "两个考核节点的截止时间相同，请分开设置。",
            "Two gates have the same deadline; set them apart.",
            field="gates",
            code="challenge_gate_deadline_duplicate",
        )
    for i, (_title, deadline, _share) in enumerate(gates):
        if deadline <= takeup_closes_at:
            raise _invalid(
                "考核节点的截止时间应晚于揭榜截止时间。",
                "A gate's deadline must be after take-up closes.",
                field=f"gates.{i}.deadline",
                code="challenge_gate_before_takeup",
            )
    try:
        split_tranches(
            funding_per_team,
            [TrancheSpec(f"g{i}", share) for i, (_t, _d, share) in enumerate(gates, start=1)],
        )
    except ValidationError as exc:
        raise exc.with_field("gates") from None


def decide_takeup(
    *,
    published: bool,
    closes_at: datetime,
    now: datetime,
    teams: int,
    already_taken: bool,
    params: ParameterSet,
) -> Decision:
    """``allowed`` while the list is published and open (closing instant included) and the
    organisation has not taken it up already; ``refused`` with the reasons otherwise.

    The number of teams is not capped at take-up: several teams may take a list up and the
    defence selects at most ``max_teams``.
    """
    reasons: list[Reason] = []
    refusals: list[str] = []
    if not published:
        refusals.append("not_published")
        reasons.append(Reason("榜单尚未发布。", "The challenge is not published."))
    if now > closes_at:
        refusals.append("closed")
        reasons.append(Reason("揭榜已截止。", "Take-up has closed."))
    if already_taken:
        refusals.append("already_taken")
        reasons.append(
            Reason("本单位已揭榜，不能重复揭榜。", "Your organisation has already taken it up.")
        )
    if not refusals:
        reasons.append(
            Reason(
                f"榜单开放揭榜，已有 {teams} 个团队揭榜；答辩后择优遴选。",
                f"The challenge is open; {teams} team(s) have taken it up; a defence selects.",
            )
        )
    return decide(
        "refused" if refusals else "allowed",
        params,
        reasons=reasons,
        cite=[],
        facts={"refusals": refusals, "teams": teams},
    )


# --- 业主制 and 项目经理人制: staying within the approved budget ------------------------


def decide_within_budget(
    *,
    budget_total: Decimal,
    committed: Decimal,
    amount: Decimal,
    what_zh: str,
    what_en: str,
    params: ParameterSet,
) -> Decision:
    """``fits`` when committed + amount is within the budget (「以内」 includes it)."""
    if amount <= 0:
        raise _invalid(
            "金额应大于零。",
            "The amount must be more than zero.",
            field="amount",
            code="amount_invalid",
        )
    after = committed + amount
    fits = after <= budget_total
    reason = Reason(
        f"{what_zh}：已安排 {format_yuan(committed)}，本次 {format_yuan(amount)}，合计 "
        f"{format_yuan(after)}，"
        + (
            f"在批准的 {format_yuan(budget_total)} 以内（含）。"
            if fits
            else f"超过批准的 {format_yuan(budget_total)}。"
        ),
        f"{what_en}: {format_yuan(committed)} committed, {format_yuan(amount)} now, "
        f"{format_yuan(after)} in all, "
        + (
            f"within the approved {format_yuan(budget_total)} (inclusive)."
            if fits
            else f"above the approved {format_yuan(budget_total)}."
        ),
    )
    return decide(
        "fits" if fits else "over_budget",
        params,
        reasons=[reason],
        cite=[],
        facts={"budget_total": budget_total, "committed": committed, "amount": amount},
    )


# --- 创新联合体 --------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerIn:
    uscc: str
    name: str
    kind: str


def check_consortium(
    lead_uscc: str, lead_kind: str, members: Sequence[PartnerIn], *, params: ParameterSet
) -> tuple[PartnerIn, ...]:
    """The members, codes normalised; ValidationError naming the member at fault."""
    kinds = params.value("consortium_lead_kinds")
    if not isinstance(kinds, tuple) or lead_kind not in kinds:
        raise _invalid(
            "创新联合体须由企业牵头。",
            "An innovation consortium must be led by an enterprise.",
            field="lead",
            code="consortium_lead_kind",
        )
    minimum = params.integer("consortium_min_members")
    if len(members) < minimum:
        raise _invalid(
            f"除牵头单位外至少还要有 {minimum} 家成员单位。",
            f"At least {minimum} member(s) besides the lead are needed.",
            field="members",
            code="consortium_members_missing",
        )
    seen = {lead_uscc}
    out: list[PartnerIn] = []
    for i, m in enumerate(members):
        code = validate_uscc(m.uscc, field=f"members.{i}.uscc")
        name = m.name.strip()
        if not name:
            raise _invalid(
                "请填写成员单位名称。",
                "Enter the member's name.",
                field=f"members.{i}.name",
                code="required",
            )
        if code in seen:
            raise _invalid(
                "同一单位在联合体中出现了两次（含牵头单位）。",
                "An organisation appears twice in the consortium (the lead included).",
                field=f"members.{i}.uscc",
                code="consortium_member_duplicate",
            )
        seen.add(code)
        out.append(PartnerIn(code, name, m.kind.strip() or "other"))
    return tuple(out)


@dataclass(frozen=True)
class ConsortiumShare:
    led: int
    total: int
    percent: Decimal | None
    decision: Decision


def consortium_share(led: int, total: int, *, params: ParameterSet) -> ConsortiumShare:
    """The share of approved projects led by a consortium, in percent (None with none)."""
    if led < 0 or total < 0 or led > total:
        raise ValueError(f"led {led} of {total} is not a share")
    places = params.integer("share_decimals")
    if total == 0:
        return ConsortiumShare(
            led,
            total,
            None,
            decide(
                "no_projects",
                params,
                reasons=[Reason("尚无立项项目。", "No approved projects yet.")],
                cite=["share_decimals"],
                facts={"led": 0, "total": 0},
            ),
        )
    percent = (Decimal(led) * 100 / Decimal(total)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )
    return ConsortiumShare(
        led,
        total,
        percent,
        decide(
            "share",
            params,
            reasons=[
                Reason(
                    f"立项 {total} 项，其中创新联合体牵头 {led} 项，占 {percent}%。",
                    f"{led} of {total} approved projects were led by a consortium: {percent}%.",
                )
            ],
            cite=["share_decimals"],
            facts={"led": led, "total": total, "percent": percent},
        ),
    )
