"""揭榜挂帅 over the API: challenge lists (public once published), teams taking them up,
selection after the defence, gate reports and their review, the standings.

A team sees only itself, never another team's reports.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from rainforest.api.auth import AUTH
from rainforest.core.errors import ValidationError
from rainforest.core.money import format_yuan_plain
from rainforest.programs import selectors_execution as sel
from rainforest.programs.api_common import (
    AmountIn,
    DecisionOut,
    Int,
    ListFilters,
    amount,
    applicant_org,
    language,
    require_officer,
)
from rainforest.programs.models import (
    Challenge,
    ChallengeTeam,
)
from rainforest.programs.models import Field as ProgrammeField
from rainforest.programs.presenters import decision_out
from rainforest.programs.services import modes

router = Router(tags=["programs: organisation modes"], auth=AUTH)


# --- 揭榜挂帅 ----------------------------------------------------------------------------


class GateOut(Schema):
    id: int
    code: str
    title: str
    deadline: datetime
    share: str


class ChallengeOut(Schema):
    id: int
    number: str
    title: str
    goal: str
    status: str
    funding_per_team: str
    max_teams: int
    takeup_closes_at: datetime
    gates: list[GateOut]


class GateIn(Schema):
    title: str = Field(..., max_length=200)
    deadline: datetime
    share: str = Field(..., max_length=10, description="如 0.3")


class ChallengeIn(Schema):
    title: str = Field(..., max_length=200)
    goal: str = Field(..., max_length=10000)
    field_code: str | None = Field(None, max_length=20)
    funding_per_team: AmountIn
    max_teams: Int = Field(..., ge=-(10**6), le=10**6)
    takeup_closes_at: datetime
    gates: list[GateIn] = Field(..., max_length=20)


class TakeUpIn(Schema):
    organisation_uscc: str | None = Field(None, max_length=40)
    leader_name: str = Field(..., max_length=100)
    plan: str = Field(..., max_length=20000)


class GateReportOut(Schema):
    id: int
    gate_code: str
    status: str
    submitted_at: datetime
    review_reason: str


class TeamTrancheOut(Schema):
    gate_code: str
    amount: str
    released_at: datetime


class TeamOut(Schema):
    id: int
    challenge_id: int
    case_number: str
    organisation: str
    leader_name: str
    status: str
    stopped_at_gate: str | None
    reports: list[GateReportOut]
    tranches: list[TeamTrancheOut]
    standing: DecisionOut | None


class SelectionIn(Schema):
    selected: StrictBool
    reason: str = Field("", max_length=2000)


class GateReportIn(Schema):
    report: str = Field(..., max_length=20000)


class GateReviewIn(Schema):
    accept: StrictBool
    reason: str = Field("", max_length=2000)


def challenge_out(c: Challenge) -> dict[str, Any]:
    return {
        "id": c.pk,
        "number": c.number,
        "title": c.title,
        "goal": c.goal,
        "status": c.status,
        "funding_per_team": format_yuan_plain(c.funding_per_team),
        "max_teams": c.max_teams,
        "takeup_closes_at": c.takeup_closes_at,
        "gates": [
            {
                "id": g.pk,
                "code": g.code,
                "title": g.title,
                "deadline": g.deadline,
                "share": str(g.share),
            }
            for g in c.gates.all()
        ],
    }


def team_out(request: HttpRequest, t: ChallengeTeam) -> dict[str, Any]:
    return {
        "id": t.pk,
        "challenge_id": t.challenge_id,
        "case_number": t.case.number,
        "organisation": t.organisation.name,
        "leader_name": t.leader_name,
        "status": t.status,
        "stopped_at_gate": t.stopped_at_gate.code if t.stopped_at_gate else None,
        "reports": [
            {
                "id": r.pk,
                "gate_code": r.gate.code,
                "status": r.status,
                "submitted_at": r.submitted_at,
                "review_reason": r.review_reason,
            }
            for r in t.reports.all()
        ],
        "tranches": [
            {
                "gate_code": p.gate.code,
                "amount": format_yuan_plain(p.amount),
                "released_at": p.released_at,
            }
            for p in t.tranches.all()
        ],
        "standing": decision_out(t.standing, language(request)),
    }


@router.get("/challenges", response=list[ChallengeOut], auth=None, summary="揭榜挂帅榜单（公开）")
def challenge_list(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    return [challenge_out(c) for c in sel.visible_challenges(request.user)[: filters.limit]]


@router.get(
    "/challenges/{challenge_id}", response=ChallengeOut, auth=None, summary="榜单详情（公开）"
)
def challenge_detail(request: HttpRequest, challenge_id: int) -> dict[str, Any]:
    return challenge_out(sel.access_challenge(request.user, challenge_id))


@router.post("/challenges", response={201: ChallengeOut}, summary="编制榜单（草稿）")
def challenge_create(request: HttpRequest, payload: ChallengeIn) -> Status[dict[str, Any]]:
    require_officer(request)
    field = None
    if payload.field_code:
        field = ProgrammeField.objects.filter(code=payload.field_code.strip()).first()
        if field is None:
            raise ValidationError(
                "找不到这个领域", "Unknown field", field="field_code", code="unknown_field"
            )
    gates = []
    for i, g in enumerate(payload.gates):
        try:
            share = Decimal(g.share.strip())
        except ArithmeticError:
            raise ValidationError(
                "拨付比例应为 0 到 1 之间的小数，如 0.3",
                "The share must be a decimal between 0 and 1, e.g. 0.3",
                field=f"gates.{i}.share",
                code="share_invalid",
            ) from None
        gates.append(modes.GateIn(g.title, g.deadline, share))
    challenge = modes.challenge_create(
        actor=request.user,
        title=payload.title,
        goal=payload.goal,
        field=field,
        funding_per_team=amount(payload.funding_per_team, "funding_per_team"),
        max_teams=payload.max_teams,
        takeup_closes_at=payload.takeup_closes_at,
        gates=gates,
    )
    return Status(201, challenge_out(sel.access_challenge(request.user, challenge.pk)))


@router.post("/challenges/{challenge_id}/publish", response=ChallengeOut, summary="发榜")
def challenge_publish(request: HttpRequest, challenge_id: int) -> dict[str, Any]:
    require_officer(request)
    challenge = sel.access_challenge(request.user, challenge_id)
    modes.challenge_publish(actor=request.user, challenge=challenge)
    return challenge_out(sel.access_challenge(request.user, challenge_id))


@router.post(
    "/challenges/{challenge_id}/evaluate",
    response=list[TeamOut],
    summary="按节点考核结果拨付或停止支持",
)
def challenge_evaluate(request: HttpRequest, challenge_id: int) -> list[dict[str, Any]]:
    require_officer(request)
    challenge = sel.access_challenge(request.user, challenge_id)
    modes.challenge_evaluate(actor=request.user, challenge=challenge)
    teams = sel.visible_teams(request.user).filter(challenge=challenge)
    return [team_out(request, t) for t in teams]


@router.post("/challenges/{challenge_id}/teams", response={201: TeamOut}, summary="揭榜")
def challenge_take_up(
    request: HttpRequest, challenge_id: int, payload: TakeUpIn
) -> Status[dict[str, Any]]:
    challenge = sel.access_challenge(request.user, challenge_id)
    team = modes.challenge_take_up(
        actor=request.user,
        challenge=challenge,
        organisation=applicant_org(request, payload.organisation_uscc),
        leader_name=payload.leader_name,
        plan=payload.plan,
    )
    return Status(201, team_out(request, sel.access_team(request.user, team.pk)))


@router.get(
    "/challenge-teams/{team_id}", response=TeamOut, summary="揭榜团队（本团队或工作人员可见）"
)
def team_detail(request: HttpRequest, team_id: int) -> dict[str, Any]:
    return team_out(request, sel.access_team(request.user, team_id))


@router.post("/challenge-teams/{team_id}/selection", response=TeamOut, summary="答辩遴选结论")
def team_selection(request: HttpRequest, team_id: int, payload: SelectionIn) -> dict[str, Any]:
    modes.team_select(
        actor=request.user,
        team=sel.access_team(request.user, team_id),
        selected=payload.selected,
        reason=payload.reason,
    )
    return team_out(request, sel.access_team(request.user, team_id))


@router.post(
    "/challenge-teams/{team_id}/gates/{gate_id}/report",
    response={201: TeamOut},
    summary="提交节点报告",
)
def gate_report(
    request: HttpRequest, team_id: int, gate_id: int, payload: GateReportIn
) -> Status[dict[str, Any]]:
    team = sel.access_team(request.user, team_id)
    gate = team.challenge.gates.filter(pk=gate_id).first()
    if gate is None:
        raise ValidationError(
            "该节点不属于本榜单。",
            "The gate is not of this challenge.",
            field="gate_id",
            code="gate_unknown",
        )
    modes.gate_report_submit(actor=request.user, team=team, gate=gate, body=payload.report)
    return Status(201, team_out(request, sel.access_team(request.user, team_id)))


@router.post("/gate-reports/{report_id}/review", response=TeamOut, summary="节点考核结论")
def gate_review(request: HttpRequest, report_id: int, payload: GateReviewIn) -> dict[str, Any]:
    report = sel.access_gate_report(request.user, report_id)
    modes.gate_report_review(
        actor=request.user, report=report, accept=payload.accept, reason=payload.reason
    )
    return team_out(request, sel.access_team(request.user, report.team_id))
