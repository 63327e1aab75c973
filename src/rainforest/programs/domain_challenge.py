"""揭榜挂帅 (open challenges) for R&D programmes: the teams' standings at the gates. Pure.

A team passes a gate with an accepted report by its deadline; it is stopped at the first
gate it misses; a team that passes every gate is done. Each gate's share of the funding
is paid once, when it is passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from rainforest.core.policy import (
    Decision,
    ParameterSet,
    Reason,
    decide,
)
from rainforest.programs.domain_decision import (
    invalid,
    local_text,
    require_aware,
)
from rainforest.programs.domain_execution import (
    Tranche,
    TrancheSpec,
    split_tranches,
)

__all__ = [
    "ChallengeGate",
    "GateReport",
    "TeamStanding",
    "challenge_standings",
]


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
    require_aware(now, "now")
    rule = params.value("challenge_gate_rule")
    if rule != "missed_gate_stops":
        raise ValueError(f"challenge_gate_rule must be 'missed_gate_stops', got {rule!r}")
    if not gates:
        raise invalid(
            "榜单至少要设置一个考核节点。",
            "A challenge needs at least one gate.",
            field="gates",
            code="challenge_gates_missing",
        )
    for g in gates:
        require_aware(g.deadline, f"deadline of gate {g.code}")
    teams = list(team_ids)
    if len(set(teams)) != len(teams):
        raise invalid(
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
            raise invalid(
                f"节点报告（团队 {r.team_id}，节点 {r.gate_code}）不属于本榜单。",
                f"A report (team {r.team_id}, gate {r.gate_code}) does not belong to this "
                "challenge.",
                field="reports",
                code="challenge_report_unknown",
            )
        require_aware(r.submitted_at, "submitted_at")
    standings: list[TeamStanding] = []
    for team in teams:
        funding = (
            funding_per_team.get(team)
            if isinstance(funding_per_team, Mapping)
            else funding_per_team
        )
        if funding is None:
            raise invalid(
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
            deadline = local_text(gate.deadline)
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
