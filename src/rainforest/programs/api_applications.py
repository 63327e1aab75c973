"""Applications over the API (stages 4-5): a draft filled section by section, submission
and resubmission, and formal review."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import StrictBool

from rainforest.accounts.roles import Role
from rainforest.api.auth import AUTH
from rainforest.core.errors import ValidationError
from rainforest.core.money import format_yuan_plain
from rainforest.programs import selectors, services
from rainforest.programs.api_common import (
    AmountIn,
    DecisionOut,
    Int,
    ListFilters,
    amount,
    language,
    own_org,
)
from rainforest.programs.models import Application
from rainforest.programs.presenters import decision_out, mask_id

router = Router(tags=["programs: R&D programmes"], auth=AUTH)


class ApplicationNewIn(Schema):
    call_id: Int = Field(..., ge=-(10**12), le=10**12)
    organisation_uscc: str | None = Field(None, max_length=40)


class BasicIn(Schema):
    title: str = Field(..., max_length=400)
    summary: str = Field(..., max_length=10000)
    start_date: date
    end_date: date
    direction_id: Int | None = Field(None, ge=-(10**12), le=10**12)


class MemberIn(Schema):
    name: str = Field(..., max_length=200)
    id_number: str = Field(..., max_length=40)
    organisation_name: str = Field(..., max_length=400)
    role: str = Field(..., max_length=400)
    is_pi: StrictBool = False


class TeamIn(Schema):
    members: list[MemberIn] = Field(..., max_length=100)


class PartnerIn(Schema):
    uscc: str = Field(..., max_length=40)
    name: str = Field(..., max_length=400)
    role: str = Field(..., max_length=10)


class ConsortiumIn(Schema):
    partners: list[PartnerIn] = Field(..., max_length=100)


class BudgetLineIn(Schema):
    category: str = Field(..., max_length=20)
    fiscal: AmountIn
    self_raised: AmountIn


class BudgetIn(Schema):
    lines: list[BudgetLineIn] = Field(..., max_length=20)
    fiscal_total: AmountIn
    self_total: AmountIn


class MilestoneIn(Schema):
    title: str = Field(..., max_length=400)
    due_date: date
    deliverables: str = Field(..., max_length=10000)


class MilestonesIn(Schema):
    milestones: list[MilestoneIn] = Field(..., max_length=100)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class PassIn(Schema):
    reason: str = Field("", max_length=2000)


class ReturnIn(Schema):
    reason: str = Field(..., max_length=2000)
    correction_due: date | None = None


class MemberOut(Schema):
    name: str
    id_number_masked: str
    organisation_name: str
    role: str
    is_pi: bool


class PartnerOut(Schema):
    uscc: str
    name: str
    role: str


class BudgetLineOut(Schema):
    category: str
    fiscal: str
    self_raised: str


class MilestoneOut(Schema):
    title: str
    due_date: date
    deliverables: str


class AttachmentOut(Schema):
    id: int
    kind: str
    name: str
    content_type: str
    size: int


class ApplicationOut(Schema):
    id: int
    call_id: int
    call_number: str
    organisation: str
    organisation_uscc: str
    status: str
    case_id: int | None
    case_number: str | None
    stage: str | None
    due_at: datetime | None
    correction_due_at: datetime | None
    server_time: datetime
    title: str
    summary: str
    direction_id: int | None
    start_date: date | None
    end_date: date | None
    sections_done: list[str]
    team: list[MemberOut]
    consortium: list[PartnerOut]
    budget: list[BudgetLineOut]
    fiscal_total: str | None
    self_total: str | None
    milestones: list[MilestoneOut]
    attachments: list[AttachmentOut]
    submitted_at: datetime | None
    checklist: DecisionOut | None


class ApplicationRow(Schema):
    id: int
    call_number: str
    organisation: str
    title: str
    status: str
    case_number: str | None
    stage: str | None
    submitted_at: datetime | None


def _application_out(request: HttpRequest, a: Application) -> dict[str, Any]:
    case = a.case
    return {
        "id": a.pk,
        "call_id": a.call_id,
        "call_number": a.call.number,
        "organisation": a.applicant_org.name,
        "organisation_uscc": a.applicant_org.uscc,
        "status": a.status,
        "case_id": case.pk if case else None,
        "case_number": case.number if case else None,
        "stage": case.stage if case else None,
        "due_at": case.due_at if case and not case.paused_at else None,
        "correction_due_at": a.correction_due_at,
        "server_time": timezone.now(),
        "title": a.title,
        "summary": a.summary,
        "direction_id": a.direction_id,
        "start_date": a.start_date,
        "end_date": a.end_date,
        "sections_done": list(a.sections_done),
        "team": [
            {
                "name": m.name,
                "id_number_masked": mask_id(m.id_number),
                "organisation_name": m.organisation_name,
                "role": m.role,
                "is_pi": m.is_pi,
            }
            for m in a.team.all()
        ],
        "consortium": [
            {"uscc": c.uscc, "name": c.name, "role": c.role} for c in a.consortium.all()
        ],
        "budget": [
            {
                "category": b.category,
                "fiscal": format_yuan_plain(b.fiscal_amount),
                "self_raised": format_yuan_plain(b.self_raised_amount),
            }
            for b in a.budget.all()
        ],
        "fiscal_total": format_yuan_plain(a.fiscal_total) if a.fiscal_total is not None else None,
        "self_total": format_yuan_plain(a.self_total) if a.self_total is not None else None,
        "milestones": [
            {"title": m.title, "due_date": m.due_date, "deliverables": m.deliverables}
            for m in a.milestones.all()
        ],
        "attachments": [
            {
                "id": f.pk,
                "kind": f.kind,
                "name": f.original_name,
                "content_type": f.content_type,
                "size": f.size,
            }
            for f in a.attachments.all()
        ],
        "submitted_at": a.submitted_at,
        "checklist": decision_out(case.decision if case else None, language(request)),
    }


def _reload(request: HttpRequest, application_id: int) -> dict[str, Any]:
    return _application_out(request, selectors.access_application(request.user, application_id))


def _reload(request: HttpRequest, application_id: int) -> dict[str, Any]:
    return _application_out(request, selectors.access_application(request.user, application_id))


# --- applications ---------------------------------------------------------------------


@router.post("/applications", response={201: ApplicationOut}, summary="新建申请草稿 / new draft")
def create_application(request: HttpRequest, payload: ApplicationNewIn) -> Status[dict[str, Any]]:
    try:
        call = selectors.public_call(payload.call_id)
    except Http404:  # a body field names it: say which field
        raise ValidationError(
            "指南不存在或未发布",
            "There is no such published call",
            field="call_id",
            code="unknown_call",
        ) from None
    application = services.application_create(
        actor=request.user,
        call=call,
        organisation=own_org(request, payload.organisation_uscc, role=Role.APPLICANT),
    )
    return Status(201, _reload(request, application.pk))


@router.get("/applications", response=list[ApplicationRow], summary="申请列表 / applications")
def list_applications(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    return [
        {
            "id": a.pk,
            "call_number": a.call.number,
            "organisation": a.applicant_org.name,
            "title": a.title,
            "status": a.status,
            "case_number": a.case.number if a.case else None,
            "stage": a.case.stage if a.case else None,
            "submitted_at": a.submitted_at,
        }
        for a in selectors.visible_applications(request.user)[: filters.limit]
    ]


@router.get("/applications/{application_id}", response=ApplicationOut, summary="一份申请 / one")
def get_application(request: HttpRequest, application_id: int) -> dict[str, Any]:
    return _reload(request, application_id)


@router.put("/applications/{application_id}/basic", response=ApplicationOut, summary="基本信息")
def save_basic(request: HttpRequest, application_id: int, payload: BasicIn) -> dict[str, Any]:
    services.application_save_basic(
        actor=request.user,
        application=selectors.access_application(request.user, application_id),
        title=payload.title,
        summary=payload.summary,
        start_date=payload.start_date,
        end_date=payload.end_date,
        direction_id=payload.direction_id,
    )
    return _reload(request, application_id)


@router.put("/applications/{application_id}/team", response=ApplicationOut, summary="项目团队")
def save_team(request: HttpRequest, application_id: int, payload: TeamIn) -> dict[str, Any]:
    services.application_save_team(
        actor=request.user,
        application=selectors.access_application(request.user, application_id),
        members=[
            services.MemberIn(m.name, m.id_number, m.organisation_name, m.role, m.is_pi)
            for m in payload.members
        ],
    )
    return _reload(request, application_id)


@router.put(
    "/applications/{application_id}/consortium", response=ApplicationOut, summary="联合申报单位"
)
def save_consortium(
    request: HttpRequest, application_id: int, payload: ConsortiumIn
) -> dict[str, Any]:
    services.application_save_consortium(
        actor=request.user,
        application=selectors.access_application(request.user, application_id),
        partners=[services.PartnerIn(p.uscc, p.name, p.role) for p in payload.partners],
    )
    return _reload(request, application_id)


@router.put("/applications/{application_id}/budget", response=ApplicationOut, summary="经费预算")
def save_budget(request: HttpRequest, application_id: int, payload: BudgetIn) -> dict[str, Any]:
    lines = [
        services.BudgetIn(
            line.category,
            amount(line.fiscal, f"lines.{i}.fiscal"),
            amount(line.self_raised, f"lines.{i}.self_raised"),
        )
        for i, line in enumerate(payload.lines)
    ]
    services.application_save_budget(
        actor=request.user,
        application=selectors.access_application(request.user, application_id),
        lines=lines,
        fiscal_total=amount(payload.fiscal_total, "fiscal_total"),
        self_total=amount(payload.self_total, "self_total"),
    )
    return _reload(request, application_id)


@router.put(
    "/applications/{application_id}/milestones", response=ApplicationOut, summary="里程碑与交付物"
)
def save_milestones(
    request: HttpRequest, application_id: int, payload: MilestonesIn
) -> dict[str, Any]:
    services.application_save_milestones(
        actor=request.user,
        application=selectors.access_application(request.user, application_id),
        milestones=[
            services.MilestoneIn(m.title, m.due_date, m.deliverables) for m in payload.milestones
        ],
    )
    return _reload(request, application_id)


@router.post(
    "/applications/{application_id}/attachments",
    response={201: ApplicationOut},
    summary="上传附件 / attach a file",
)
def attach(
    request: HttpRequest,
    application_id: int,
    kind: Form[str],
    file: File[UploadedFile | None] = None,
) -> Status[dict[str, Any]]:
    if file is None:
        # Checked here rather than by ninja, which would name the field "file.file".
        raise ValidationError(
            "请选择要上传的文件", "Choose a file to upload", field="file", code="required"
        )
    services.application_attach(
        actor=request.user,
        application=selectors.access_application(request.user, application_id),
        kind=kind,
        uploaded_file=file,
    )
    return Status(201, _reload(request, application_id))


@router.post("/applications/{application_id}/submit", response=ApplicationOut, summary="提交申请")
def submit(request: HttpRequest, application_id: int) -> dict[str, Any]:
    services.application_submit(
        actor=request.user, application=selectors.access_application(request.user, application_id)
    )
    return _reload(request, application_id)


@router.post(
    "/applications/{application_id}/resubmit", response=ApplicationOut, summary="补正后重新提交"
)
def resubmit(request: HttpRequest, application_id: int) -> dict[str, Any]:
    services.application_resubmit(
        actor=request.user, application=selectors.access_application(request.user, application_id)
    )
    return _reload(request, application_id)


@router.post(
    "/applications/{application_id}/formal-review/pass",
    response=ApplicationOut,
    summary="形式审查通过 / pass",
)
def review_pass(request: HttpRequest, application_id: int, payload: PassIn) -> dict[str, Any]:
    services.formal_review_pass(
        actor=request.user,
        application=selectors.access_application(request.user, application_id),
        reason=payload.reason,
    )
    return _reload(request, application_id)


@router.post(
    "/applications/{application_id}/formal-review/return",
    response=ApplicationOut,
    summary="退回补正 / return for correction",
)
def review_return(request: HttpRequest, application_id: int, payload: ReturnIn) -> dict[str, Any]:
    services.formal_review_return(
        actor=request.user,
        application=selectors.access_application(request.user, application_id),
        reason=payload.reason,
        correction_due=payload.correction_due,
    )
    return _reload(request, application_id)


@router.post(
    "/applications/{application_id}/formal-review/reject",
    response=ApplicationOut,
    summary="形式审查不通过 / reject",
)
def review_reject(request: HttpRequest, application_id: int, payload: ReasonIn) -> dict[str, Any]:
    services.formal_review_reject(
        actor=request.user,
        application=selectors.access_application(request.user, application_id),
        reason=payload.reason,
    )
    return _reload(request, application_id)
