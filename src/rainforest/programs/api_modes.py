"""The organisation modes over the API: 揭榜挂帅 challenges and teams, 业主制 plans,
项目经理人制 portfolios and stage gates, national matching funds, innovation consortia.

Published challenge lists are public (no sign-in); a team sees only itself.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import BeforeValidator, StrictBool, WithJsonSchema
from pydantic_core import PydanticCustomError

from rainforest.accounts.models import Organisation, User
from rainforest.accounts.permissions import org_ids
from rainforest.accounts.roles import Role
from rainforest.api.auth import AUTH
from rainforest.core.errors import PermissionDeniedError, ValidationError
from rainforest.core.ids import normalise_uscc
from rainforest.core.money import format_yuan_plain, parse_yuan
from rainforest.programs import domain_modes as dm
from rainforest.programs import selectors_execution as sel
from rainforest.programs.models import (
    Challenge,
    ChallengeTeam,
    Consortium,
    NationalProject,
    OwnerPlan,
    OwnerSubProject,
    Project,
)
from rainforest.programs.models import (
    Field as ProgrammeField,
)
from rainforest.programs.permissions import can_run_programme
from rainforest.programs.permissions_execution import is_portfolio_manager
from rainforest.programs.presenters import decision_out
from rainforest.programs.services import modes
from rainforest.programs.services import modes_registrations as mr

router = Router(tags=["programs: organisation modes"], auth=AUTH)

AmountIn = Annotated[
    Any, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}, mode="validation")
]


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


Int = Annotated[int, BeforeValidator(_not_bool)]


def _amount(value: Any, field: str) -> Decimal:
    parsed = parse_yuan(value, field=field)
    if parsed <= 0:
        raise ValidationError(
            "金额应大于零", "The amount must be more than zero", field=field, code="amount_invalid"
        )
    return parsed


def _lang(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", "zh-hans") or "zh-hans"


def _organisation(request: HttpRequest, uscc: str | None) -> Organisation:
    """The organisation to act for: the one named, else the person's first as applicant."""
    mine = Organisation.objects.filter(
        pk__in=org_ids(request.user),
        memberships__user=request.user,
        memberships__role=Role.APPLICANT,
    ).order_by("pk")
    if uscc:
        found = mine.filter(uscc=normalise_uscc(uscc)).first()
        if found is None:
            raise ValidationError(
                "您不是该单位的申报人",
                "You are not an applicant of this organisation",
                field="organisation_uscc",
                code="not_member",
            )
        return found
    first = mine.first()
    if first is None:
        raise ValidationError(
            "请以单位申报人的身份办理",
            "Act as an applicant of an organisation",
            field="organisation_uscc",
            code="organisation_required",
        )
    return first


def _require_officer(request: HttpRequest) -> None:
    if not can_run_programme(request.user):
        raise PermissionDeniedError(
            "只有项目处工作人员可以办理此事项",
            "Only programme officers may do this",
            code="forbidden",
        )


class DecisionOut(Schema):
    outcome: str
    reasons: list[str]
    citations: list[str]
    parameters_version: str


class ListFilters(Schema):
    limit: int = Field(50, ge=1, le=200)


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
        "standing": decision_out(t.standing, _lang(request)),
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
    _require_officer(request)
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
        funding_per_team=_amount(payload.funding_per_team, "funding_per_team"),
        max_teams=payload.max_teams,
        takeup_closes_at=payload.takeup_closes_at,
        gates=gates,
    )
    return Status(201, challenge_out(sel.access_challenge(request.user, challenge.pk)))


@router.post("/challenges/{challenge_id}/publish", response=ChallengeOut, summary="发榜")
def challenge_publish(request: HttpRequest, challenge_id: int) -> dict[str, Any]:
    _require_officer(request)
    challenge = sel.access_challenge(request.user, challenge_id)
    modes.challenge_publish(actor=request.user, challenge=challenge)
    return challenge_out(sel.access_challenge(request.user, challenge_id))


@router.post(
    "/challenges/{challenge_id}/evaluate",
    response=list[TeamOut],
    summary="按节点考核结果拨付或停止支持",
)
def challenge_evaluate(request: HttpRequest, challenge_id: int) -> list[dict[str, Any]]:
    _require_officer(request)
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
        organisation=_organisation(request, payload.organisation_uscc),
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


# --- 配套资助 ----------------------------------------------------------------------------


class NationalOut(Schema):
    id: int
    case_number: str
    stage: str
    organisation: str
    programme: str
    number: str
    title: str
    national_funding: str
    matching_amount: str
    approved_amount: str | None
    decision: DecisionOut | None


class DecideIn(Schema):
    approve: StrictBool
    reason: str = Field("", max_length=2000)


def national_out(request: HttpRequest, n: NationalProject) -> dict[str, Any]:
    return {
        "id": n.pk,
        "case_number": n.case.number,
        "stage": n.case.stage,
        "organisation": n.organisation.name,
        "programme": n.programme,
        "number": n.number,
        "title": n.title,
        "national_funding": format_yuan_plain(n.national_funding),
        "matching_amount": format_yuan_plain(n.matching_amount),
        "approved_amount": format_yuan_plain(n.approved_amount)
        if n.approved_amount is not None
        else None,
        "decision": decision_out(n.decision, _lang(request)),
    }


def _bool_form(raw: str, field: str) -> bool:
    value = (raw or "").strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise ValidationError(
        "应为 true 或 false", "must be true or false", field=field, code="invalid"
    )


def _date_form(raw: str, field: str) -> date:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        raise ValidationError(
            "应为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD", field=field, code="invalid"
        ) from None


@router.post(
    "/national-projects", response={201: NationalOut}, summary="登记国家项目，申请配套资助"
)
def national_register(
    request: HttpRequest,
    programme: Form[str],
    number: Form[str],
    title: Form[str],
    national_funding: Form[str],
    period_start: Form[str],
    period_end: Form[str],
    landed_in_shenzhen: Form[str],
    organisation_uscc: Form[str] = "",
    proof: File[UploadedFile | None] = None,
) -> Status[dict[str, Any]]:
    registration = mr.national_register(
        actor=request.user,
        organisation=_organisation(request, organisation_uscc or None),
        programme=programme,
        number=number,
        title=title,
        national_funding=_amount(national_funding, "national_funding"),
        period_start=_date_form(period_start, "period_start"),
        period_end=_date_form(period_end, "period_end"),
        landed_in_shenzhen=_bool_form(landed_in_shenzhen, "landed_in_shenzhen"),
        proof=proof,
    )
    return Status(
        201, national_out(request, sel.access_national_project(request.user, registration.pk))
    )


@router.get("/national-projects", response=list[NationalOut], summary="国家项目配套登记")
def national_list(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    return [
        national_out(request, n)
        for n in sel.visible_national_projects(request.user)[: filters.limit]
    ]


@router.post(
    "/national-projects/{registration_id}/decision", response=NationalOut, summary="配套资助审批"
)
def national_decision(
    request: HttpRequest, registration_id: int, payload: DecideIn
) -> dict[str, Any]:
    registration = sel.access_national_project(request.user, registration_id)
    mr.national_decide(
        actor=request.user,
        registration=registration,
        approve=payload.approve,
        reason=payload.reason,
    )
    return national_out(request, sel.access_national_project(request.user, registration_id))


# --- 创新联合体 --------------------------------------------------------------------------


class PartnerOut(Schema):
    uscc: str
    name: str
    kind: str


class ConsortiumOut(Schema):
    id: int
    case_number: str
    stage: str
    name: str
    lead: str
    lead_uscc: str
    registered: bool
    members: list[PartnerOut]


class ShareOut(Schema):
    led: int
    total: int
    percent: str | None
    decision: DecisionOut | None


def consortium_out(c: Consortium) -> dict[str, Any]:
    return {
        "id": c.pk,
        "case_number": c.case.number,
        "stage": c.case.stage,
        "name": c.name,
        "lead": c.lead.name,
        "lead_uscc": c.lead.uscc,
        "registered": c.approved_at is not None,
        "members": [{"uscc": p.uscc, "name": p.name, "kind": p.kind} for p in c.partners.all()],
    }


def _members(raw: str) -> list[dm.PartnerIn]:
    try:
        data = json.loads(raw or "[]")
    except ValueError:
        data = None
    if not isinstance(data, list) or not all(isinstance(m, dict) for m in data):
        raise ValidationError(
            '成员单位应为 JSON 列表，如 [{"uscc": "...", "name": "...", "kind": "university"}]',
            'Members must be a JSON list like [{"uscc": "...", "name": "...", "kind": "university"}]',
            field="members",
            code="invalid",
        )
    return [
        dm.PartnerIn(str(m.get("uscc", "")), str(m.get("name", "")), str(m.get("kind", "")))
        for m in data
    ]


@router.post("/consortia", response={201: ConsortiumOut}, summary="登记创新联合体")
def consortium_register(
    request: HttpRequest,
    name: Form[str],
    members: Form[str],
    organisation_uscc: Form[str] = "",
    agreement: File[UploadedFile | None] = None,
) -> Status[dict[str, Any]]:
    consortium = mr.consortium_register(
        actor=request.user,
        lead=_organisation(request, organisation_uscc or None),
        name=name,
        members=_members(members),
        agreement=agreement,
    )
    return Status(201, consortium_out(sel.access_consortium(request.user, consortium.pk)))


@router.get("/consortia", response=list[ConsortiumOut], summary="创新联合体")
def consortium_list(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    return [consortium_out(c) for c in sel.visible_consortia(request.user)[: filters.limit]]


@router.post(
    "/consortia/{consortium_id}/decision", response=ConsortiumOut, summary="联合体登记审核"
)
def consortium_decision(
    request: HttpRequest, consortium_id: int, payload: DecideIn
) -> dict[str, Any]:
    consortium = sel.access_consortium(request.user, consortium_id)
    mr.consortium_decide(
        actor=request.user, consortium=consortium, approve=payload.approve, reason=payload.reason
    )
    return consortium_out(sel.access_consortium(request.user, consortium_id))


class ShareFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


@router.get("/consortia/share", response=ShareOut, summary="联合体牵头项目占比（看板）")
def consortium_share(request: HttpRequest, filters: Query[ShareFilters]) -> dict[str, Any]:
    _require_officer(request)
    share = mr.consortium_led_share(year=filters.year)
    return {
        "led": share.led,
        "total": share.total,
        "percent": str(share.percent) if share.percent is not None else None,
        "decision": decision_out(share.decision.to_dict(), _lang(request)),
    }


# --- 业主制 ------------------------------------------------------------------------------


class SubProjectOut(Schema):
    id: int
    title: str
    undertaker: str
    amount: str
    status: str
    reason: str
    decided_at: datetime | None
    decided_by: str | None
    decision: DecisionOut | None


class OwnerPlanOut(Schema):
    id: int
    case_number: str | None = Field(description="草稿没有办件编号")
    stage: str = Field(description="办件环节；草稿为 draft")
    owner: str
    title: str
    plan: str
    budget_total: str | None
    created_at: datetime
    submitted_at: datetime | None
    subprojects: list[SubProjectOut]


class OwnerPlanIn(Schema):
    organisation_uscc: str | None = Field(None, max_length=40)
    title: str = Field(..., max_length=200)
    plan: str = Field("", max_length=20000)
    budget_total: AmountIn = None
    submit: StrictBool = Field(True, description="false 时只保存草稿，稍后再提交")


class OwnerPlanDraftIn(Schema):
    title: str = Field(..., max_length=200)
    plan: str = Field("", max_length=20000)
    budget_total: AmountIn = None


class SubProjectIn(Schema):
    title: str = Field(..., max_length=200)
    undertaker: str = Field(..., max_length=200)
    amount: AmountIn


class AuditIn(Schema):
    passed: StrictBool
    reason: str = Field("", max_length=2000)


def _optional_amount(value: Any, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _amount(value, field)


def owner_out(p: OwnerPlan, language: str) -> dict[str, Any]:
    return {
        "id": p.pk,
        "case_number": p.case.number if p.case is not None else None,
        "stage": p.case.stage if p.case is not None else "draft",
        "owner": p.owner.name,
        "title": p.title,
        "plan": p.plan,
        "budget_total": None if p.budget_total is None else format_yuan_plain(p.budget_total),
        "created_at": p.created_at,
        "submitted_at": p.submitted_at,
        "subprojects": [
            {
                "id": s.pk,
                "title": s.title,
                "undertaker": s.undertaker,
                "amount": format_yuan_plain(s.amount),
                "status": s.status,
                "reason": s.reason,
                "decided_at": s.decided_at,
                "decided_by": s.decided_by.username if s.decided_by is not None else None,
                "decision": decision_out(s.decision, language),
            }
            for s in p.subprojects.all()
        ],
    }


def _plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return owner_out(sel.access_owner_plan(request.user, plan_id), _lang(request))


@router.get("/owner-plans", response=list[OwnerPlanOut], summary="业主制实施方案")
def owner_plan_list(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    """The owner's own plans (drafts too); programme staff see every submitted plan."""
    language = _lang(request)
    return [owner_out(p, language) for p in sel.visible_owner_plans(request.user)[: filters.limit]]


@router.get("/owner-plans/{plan_id}", response=OwnerPlanOut, summary="业主制实施方案详情")
def owner_plan_detail(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return _plan(request, plan_id)


@router.post("/owner-plans", response={201: OwnerPlanOut}, summary="业主起草或提交实施方案")
def owner_plan_submit(request: HttpRequest, payload: OwnerPlanIn) -> Status[dict[str, Any]]:
    plan = mr.owner_plan_create(
        actor=request.user,
        owner=_organisation(request, payload.organisation_uscc),
        title=payload.title,
        plan=payload.plan,
        budget_total=_optional_amount(payload.budget_total, "budget_total"),
        submit=payload.submit,
    )
    return Status(201, _plan(request, plan.pk))


@router.put("/owner-plans/{plan_id}", response=OwnerPlanOut, summary="业主修改实施方案草稿")
def owner_plan_update(
    request: HttpRequest, plan_id: int, payload: OwnerPlanDraftIn
) -> dict[str, Any]:
    plan = sel.access_owner_plan(request.user, plan_id)
    mr.owner_plan_update(
        actor=request.user,
        draft=plan,
        title=payload.title,
        plan=payload.plan,
        budget_total=_optional_amount(payload.budget_total, "budget_total"),
    )
    return _plan(request, plan_id)


@router.post(
    "/owner-plans/{plan_id}/submission", response=OwnerPlanOut, summary="业主提交实施方案草稿"
)
def owner_plan_submission(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    mr.owner_plan_submit(actor=request.user, plan=sel.access_owner_plan(request.user, plan_id))
    return _plan(request, plan_id)


@router.post("/owner-plans/{plan_id}/decision", response=OwnerPlanOut, summary="科技局审批实施方案")
def owner_plan_decision(request: HttpRequest, plan_id: int, payload: DecideIn) -> dict[str, Any]:
    plan = sel.access_owner_plan(request.user, plan_id)
    mr.owner_plan_decide(
        actor=request.user, plan=plan, approve=payload.approve, reason=payload.reason
    )
    return _plan(request, plan_id)


@router.post(
    "/owner-plans/{plan_id}/subprojects", response={201: OwnerPlanOut}, summary="业主安排子课题"
)
def subproject_add(
    request: HttpRequest, plan_id: int, payload: SubProjectIn
) -> Status[dict[str, Any]]:
    plan = sel.access_owner_plan(request.user, plan_id)
    mr.subproject_add(
        actor=request.user,
        plan=plan,
        title=payload.title,
        undertaker=payload.undertaker,
        amount=_amount(payload.amount, "amount"),
    )
    return Status(201, _plan(request, plan_id))


@router.post(
    "/owner-subprojects/{subproject_id}/decision", response=OwnerPlanOut, summary="业主评审子课题"
)
def subproject_decision(
    request: HttpRequest, subproject_id: int, payload: DecideIn
) -> dict[str, Any]:
    sub = (
        OwnerSubProject.objects.filter(
            pk=subproject_id, plan__in=sel.visible_owner_plans(request.user)
        )
        .select_related("plan", "plan__owner")
        .first()
    )
    if sub is None:
        raise Http404
    mr.subproject_decide(
        actor=request.user, subproject=sub, approve=payload.approve, reason=payload.reason
    )
    return _plan(request, sub.plan_id)


@router.post(
    "/owner-plans/{plan_id}/audit-submission", response=OwnerPlanOut, summary="业主提交审计"
)
def owner_submit_audit(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    mr.owner_submit_audit(actor=request.user, plan=sel.access_owner_plan(request.user, plan_id))
    return _plan(request, plan_id)


@router.post("/owner-plans/{plan_id}/audit", response=OwnerPlanOut, summary="科技局审计结论")
def owner_audit(request: HttpRequest, plan_id: int, payload: AuditIn) -> dict[str, Any]:
    mr.owner_audit(
        actor=request.user,
        plan=sel.access_owner_plan(request.user, plan_id),
        passed=payload.passed,
        reason=payload.reason,
    )
    return _plan(request, plan_id)


# --- 项目经理人制 ------------------------------------------------------------------------


class StageGateOut(Schema):
    id: int
    case_number: str
    stage: str
    project: str
    gate: str
    report: str
    requested_at: datetime
    passed: bool | None
    decided_at: datetime | None
    decision: DecisionOut | None


class PortfolioProjectOut(Schema):
    number: str
    title: str
    undertaker: str
    approved_amount: str
    status: str


class PortfolioOut(Schema):
    id: int
    title: str
    manager: str
    mine: bool = Field(description="调用者是否为该项目群的项目经理人（只有他可以作出阶段决策）")
    budget_total: str
    committed: str = Field(description="已纳入项目的财政资金合计（元）")
    projects: list[str]
    held: list[PortfolioProjectOut]
    gates: list[StageGateOut]


class PortfolioIn(Schema):
    title: str = Field(..., max_length=200)
    manager_username: str = Field(..., max_length=150)
    budget_total: AmountIn


class PortfolioProjectIn(Schema):
    project_id: Int = Field(..., ge=-(10**12), le=10**12)


class StageGateIn(Schema):
    report: str = Field(..., max_length=20000)


class GateDecisionIn(Schema):
    passed: StrictBool
    reason: str = Field("", max_length=2000)


def stage_gate_out(g: Any, language: str) -> dict[str, Any]:
    return {
        "id": g.pk,
        "case_number": g.case.number,
        "stage": g.case.stage,
        "project": g.project.number,
        "gate": g.gate,
        "report": g.report,
        "requested_at": g.requested_at,
        "passed": g.passed,
        "decided_at": g.decided_at,
        "decision": decision_out(g.decision, language),
    }


def portfolio_out(p: Any, user: Any, language: str) -> dict[str, Any]:
    held = list(p.projects.all())
    return {
        "id": p.pk,
        "title": p.title,
        "manager": p.manager.username,
        "mine": is_portfolio_manager(user, p),
        "budget_total": format_yuan_plain(p.budget_total),
        "committed": format_yuan_plain(sum((x.approved_amount for x in held), Decimal("0.00"))),
        "projects": [x.number for x in held],
        "held": [
            {
                "number": x.number,
                "title": x.title,
                "undertaker": x.lead_org.name,
                "approved_amount": format_yuan_plain(x.approved_amount),
                "status": x.status,
            }
            for x in held
        ],
        "gates": [stage_gate_out(g, language) for g in p.gates.all()],
    }


def _portfolio(request: HttpRequest, portfolio_id: int) -> dict[str, Any]:
    found = sel.access_portfolio(request.user, portfolio_id)
    return portfolio_out(found, request.user, _lang(request))


@router.get("/portfolios", response=list[PortfolioOut], summary="项目经理人项目群")
def portfolio_list(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    """Programme officers see every portfolio; ``mine`` marks those the caller manages."""
    _require_officer(request)
    language = _lang(request)
    return [
        portfolio_out(p, request.user, language)
        for p in sel.visible_portfolios(request.user)[: filters.limit]
    ]


@router.get("/portfolios/{portfolio_id}", response=PortfolioOut, summary="项目群详情")
def portfolio_detail(request: HttpRequest, portfolio_id: int) -> dict[str, Any]:
    return _portfolio(request, portfolio_id)


@router.post("/portfolios", response={201: PortfolioOut}, summary="设立项目群并指定项目经理人")
def portfolio_create(request: HttpRequest, payload: PortfolioIn) -> Status[dict[str, Any]]:
    _require_officer(request)
    manager = User.objects.filter(username=payload.manager_username.strip()).first()
    if manager is None:
        raise ValidationError(
            "找不到这个用户", "No such user", field="manager_username", code="unknown_user"
        )
    portfolio = mr.portfolio_create(
        actor=request.user,
        title=payload.title,
        manager=manager,
        budget_total=_amount(payload.budget_total, "budget_total"),
    )
    return Status(201, _portfolio(request, portfolio.pk))


@router.post(
    "/portfolios/{portfolio_id}/projects", response=PortfolioOut, summary="将项目纳入项目群"
)
def portfolio_add(
    request: HttpRequest, portfolio_id: int, payload: PortfolioProjectIn
) -> dict[str, Any]:
    portfolio = sel.access_portfolio(request.user, portfolio_id)
    project = Project.objects.filter(pk=payload.project_id).first()
    if project is None:
        raise ValidationError(
            "找不到这个项目", "No such project", field="project_id", code="unknown_project"
        )
    mr.portfolio_add_project(actor=request.user, portfolio=portfolio, project=project)
    return _portfolio(request, portfolio_id)


@router.post(
    "/projects/{project_id}/stage-gates", response={201: StageGateOut}, summary="申请阶段决策"
)
def stage_gate_request(
    request: HttpRequest, project_id: int, payload: StageGateIn
) -> Status[dict[str, Any]]:
    gate = mr.stage_gate_request(
        actor=request.user,
        project=sel.access_project(request.user, project_id),
        report=payload.report,
    )
    return Status(201, stage_gate_out(sel.access_stage_gate(request.user, gate.pk), _lang(request)))


@router.post(
    "/stage-gates/{gate_id}/decision", response=StageGateOut, summary="项目经理人作出阶段决策"
)
def stage_gate_decision(
    request: HttpRequest, gate_id: int, payload: GateDecisionIn
) -> dict[str, Any]:
    gate = sel.access_stage_gate(request.user, gate_id)
    mr.stage_gate_decide(
        actor=request.user, gate=gate, passed=payload.passed, reason=payload.reason
    )
    return stage_gate_out(sel.access_stage_gate(request.user, gate_id), _lang(request))
