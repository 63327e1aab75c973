"""R&D programmes over the API: public guidelines, proposals, applications, formal review."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import BeforeValidator, StrictBool, WithJsonSchema
from pydantic_core import PydanticCustomError

from rainforest.accounts.models import Organisation
from rainforest.accounts.permissions import org_ids
from rainforest.accounts.roles import Role
from rainforest.api.auth import AUTH
from rainforest.core.errors import ValidationError
from rainforest.core.ids import normalise_uscc
from rainforest.core.money import format_yuan_plain, parse_yuan
from rainforest.programs import domain, selectors, services
from rainforest.programs.models import Application, Call, Proposal
from rainforest.programs.models import Field as ProgrammeField
from rainforest.programs.permissions import can_see_similarity
from rainforest.programs.presenters import decision_out, mask_id

router = Router(tags=["programs: R&D programmes"], auth=AUTH)

# A string or an integer of yuan, parsed by parse_yuan so a float is refused with a reason.
AmountIn = Annotated[
    Any, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}, mode="validation")
]


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


Int = Annotated[int, BeforeValidator(_not_bool)]


def _amount(value: Any, field: str, *, positive: bool = False) -> Decimal:
    amount = parse_yuan(value, field=field)
    if amount < 0 or (positive and amount == 0):
        raise ValidationError(
            "金额应大于零" if positive else "金额不能为负数",
            "The amount must be more than zero" if positive else "The amount cannot be negative",
            field=field,
            code="amount_invalid",
        )
    return amount


def _language(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", "zh-hans") or "zh-hans"


# --- schemas --------------------------------------------------------------------------


class DirectionOut(Schema):
    id: int
    title: str
    content: str
    target_indicators: str


class CriterionOut(Schema):
    id: int
    name: str
    weight: int


class CallOut(Schema):
    id: int
    number: str
    title: str
    status: str
    field_code: str
    field_name: str
    summary: str
    funding_per_project: str
    funding_total: str
    projects_planned: int
    require_city_registration: bool
    min_self_funding_percent: str
    max_concurrent_per_pi: int
    required_attachments: list[str]
    organisation_mode: str
    opens_at: datetime
    closes_at: datetime
    notice_period_workdays: int
    stage_limits: dict[str, int]
    directions: list[DirectionOut]
    criteria: list[CriterionOut]


class DirectionIn(Schema):
    title: str = Field(..., max_length=400)
    target_indicators: str = Field(..., max_length=10000)
    content: str = Field("", max_length=10000)


class CriterionIn(Schema):
    name: str = Field(..., max_length=200)
    weight: Int = Field(..., ge=-(10**6), le=10**6)


class CallIn(Schema):
    title: str = Field(..., max_length=400)
    field_code: str = Field(..., max_length=20)
    summary: str = Field("", max_length=40000)
    funding_per_project: AmountIn = Field(..., description='元，如 "500万"')
    funding_total: AmountIn = Field(..., description='元，如 "2000万"')
    projects_planned: Int = Field(..., ge=-(10**9), le=10**9)
    require_city_registration: StrictBool = True
    min_self_funding_percent: str = Field("0", max_length=10, description="如 50 或 33.33")
    max_concurrent_per_pi: Int = Field(2, ge=-(10**9), le=10**9)
    required_attachments: list[str] = Field(default_factory=list, max_length=20)
    organisation_mode: str = Field("standard", max_length=20)
    opens_at: datetime
    closes_at: datetime
    notice_period_workdays: Int | None = Field(None, ge=-(10**9), le=10**9)
    stage_limits: dict[str, Int] = Field(default_factory=dict)
    directions: list[DirectionIn] = Field(..., max_length=50)
    criteria: list[CriterionIn] = Field(..., max_length=50)
    source_proposal_ids: list[Int] = Field(default_factory=list, max_length=500)


class WindowIn(Schema):
    field_code: str = Field(..., max_length=20)
    title: str = Field(..., max_length=400)
    description: str = Field("", max_length=10000)
    opens_at: datetime
    closes_at: datetime
    review_limit_workdays: Int | None = Field(None, ge=-(10**9), le=10**9)


class WindowOut(Schema):
    id: int
    field_code: str
    title: str
    description: str
    opens_at: datetime
    closes_at: datetime
    review_limit_workdays: int


class ProposalIn(Schema):
    window_id: Int = Field(..., ge=-(10**12), le=10**12)
    organisation_uscc: str | None = Field(None, max_length=40)
    title: str = Field(..., max_length=400)
    problem: str = Field(..., max_length=10000)
    target_indicators: str = Field(..., max_length=10000)
    why_now: str = Field(..., max_length=10000)
    suggested_budget: AmountIn = Field(..., description='元，如 "500万"')


class SimilarOut(Schema):
    proposal_id: int
    case_number: str
    title: str
    score: str


class DecisionOut(Schema):
    outcome: str
    reasons: list[str]
    citations: list[str]
    parameters_version: str


class ProposalOut(Schema):
    id: int
    case_id: int
    case_number: str
    stage: str
    window_id: int
    field_code: str
    organisation: str
    title: str
    problem: str
    target_indicators: str
    why_now: str
    suggested_budget: str
    submitted_at: datetime
    group: str
    decision: DecisionOut | None
    # Only staff get the near-duplicate flags; for anyone else the list is always empty.
    similar: list[SimilarOut]


class ProposalDecisionIn(Schema):
    accept: StrictBool
    reason: str = Field(..., max_length=2000)
    group: str | None = Field(None, max_length=200)


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


class ListFilters(Schema):
    limit: int = Field(50, ge=1, le=200)


# --- converting -----------------------------------------------------------------------


def _call_out(call: Call) -> dict[str, Any]:
    return {
        "id": call.pk,
        "number": call.number,
        "title": call.title,
        "status": call.status,
        "field_code": call.field.code,
        "field_name": call.field.name_zh,
        "summary": call.summary,
        "funding_per_project": format_yuan_plain(call.funding_per_project),
        "funding_total": format_yuan_plain(call.funding_total),
        "projects_planned": call.projects_planned,
        "require_city_registration": call.require_city_registration,
        "min_self_funding_percent": str(call.min_self_funding_percent),
        "max_concurrent_per_pi": call.max_concurrent_per_pi,
        "required_attachments": list(call.required_attachments),
        "organisation_mode": call.organisation_mode,
        "opens_at": call.opens_at,
        "closes_at": call.closes_at,
        "notice_period_workdays": call.notice_period_workdays,
        "stage_limits": dict(call.stage_limits),
        "directions": [
            {
                "id": d.pk,
                "title": d.title,
                "content": d.content,
                "target_indicators": d.target_indicators,
            }
            for d in call.directions.all()
        ],
        "criteria": [{"id": c.pk, "name": c.name, "weight": c.weight} for c in call.criteria.all()],
    }


def _proposal_out(request: HttpRequest, p: Proposal) -> dict[str, Any]:
    similar = (
        [
            {
                "proposal_id": s.similar_to_id,
                "case_number": s.similar_to.case.number,
                "title": s.similar_to.title,
                "score": str(s.score),
            }
            for s in p.similar.all()
        ]
        if can_see_similarity(request.user)
        else []
    )
    return {
        "id": p.pk,
        "case_id": p.case_id,
        "case_number": p.case.number,
        "stage": p.case.stage,
        "window_id": p.window_id,
        "field_code": p.field.code,
        "organisation": p.proposer_org.name,
        "title": p.title,
        "problem": p.problem,
        "target_indicators": p.target_indicators,
        "why_now": p.why_now,
        "suggested_budget": format_yuan_plain(p.suggested_budget),
        "submitted_at": p.submitted_at,
        "group": p.group,
        "decision": decision_out(p.decision, _language(request)),
        "similar": similar,
    }


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
        "checklist": decision_out(case.decision if case else None, _language(request)),
    }


def _reload(request: HttpRequest, application_id: int) -> dict[str, Any]:
    return _application_out(request, selectors.access_application(request.user, application_id))


def _field(code: str) -> ProgrammeField:
    found = selectors.active_fields().filter(code=code.strip().upper()).first()
    if found is None:
        raise ValidationError(
            f"领域代码“{code}”不存在",
            f"There is no field with code {code!r}",
            field="field_code",
            code="unknown_field",
        )
    return found


def _own_org(request: HttpRequest, uscc: str | None, *, role: str | None) -> Organisation:
    """The organisation the person acts for: named by USCC, or the only one they have."""
    ids = org_ids(request.user)
    qs = Organisation.objects.filter(pk__in=ids)
    if role is not None:
        qs = qs.filter(memberships__user=request.user, memberships__role=role).distinct()
    if uscc:
        found = qs.filter(uscc=normalise_uscc(uscc)).first()
        if found is None:
            raise ValidationError(
                "您不能以该单位的名义办理",
                "You cannot act for this organisation",
                field="organisation_uscc",
                code="not_member",
            )
        return found
    orgs = list(qs[:2])
    if len(orgs) != 1:
        raise ValidationError(
            "请填写代表的单位的统一社会信用代码" if orgs else "您没有可以代表申报的单位",
            "Give the organisation's unified social credit code"
            if orgs
            else "You have no organisation to act for",
            field="organisation_uscc",
            code="organisation_required",
        )
    return orgs[0]


# --- public guidelines ----------------------------------------------------------------


@router.get("/calls", auth=None, response=list[CallOut], summary="已发布的申请指南 / public calls")
def list_calls(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    return [_call_out(c) for c in selectors.public_calls()[: filters.limit]]


@router.get("/calls/{call_id}", auth=None, response=CallOut, summary="一份申请指南 / one call")
def get_call(request: HttpRequest, call_id: int) -> dict[str, Any]:
    return _call_out(selectors.public_call(call_id))


@router.post("/calls", response={201: CallOut}, summary="起草申请指南 / draft a call")
def create_call(request: HttpRequest, payload: CallIn) -> Status[dict[str, Any]]:
    proposals = list(
        selectors.accepted_proposals().filter(pk__in=payload.source_proposal_ids)
        if payload.source_proposal_ids
        else []
    )
    if len(proposals) != len(set(payload.source_proposal_ids)):
        raise ValidationError(
            "只能依据已采纳的项目建议编制指南",
            "A guideline can only draw on accepted proposals",
            field="source_proposal_ids",
            code="proposal_not_accepted",
        )
    call = services.call_create(
        actor=request.user,
        data=services.CallIn(
            title=payload.title,
            field=_field(payload.field_code),
            summary=payload.summary,
            funding_per_project=_amount(payload.funding_per_project, "funding_per_project"),
            funding_total=_amount(payload.funding_total, "funding_total"),
            projects_planned=payload.projects_planned,
            opens_at=payload.opens_at,
            closes_at=payload.closes_at,
            directions=[
                services.DirectionIn(d.title, d.target_indicators, d.content)
                for d in payload.directions
            ],
            criteria=[services.CriterionIn(c.name, c.weight) for c in payload.criteria],
            require_city_registration=payload.require_city_registration,
            min_self_funding_percent=domain.parse_percent(
                payload.min_self_funding_percent, field="min_self_funding_percent"
            ),
            max_concurrent_per_pi=payload.max_concurrent_per_pi,
            required_attachments=payload.required_attachments,
            organisation_mode=payload.organisation_mode,
            notice_period_workdays=payload.notice_period_workdays,
            stage_limits=dict(payload.stage_limits),
            source_proposals=proposals,
        ),
    )
    return Status(201, _call_out(selectors.access_call(request.user, call.pk)))


@router.post("/calls/{call_id}/publish", response=CallOut, summary="发布申请指南 / publish")
def publish_call(request: HttpRequest, call_id: int) -> dict[str, Any]:
    call = services.call_publish(
        actor=request.user, call=selectors.access_call(request.user, call_id)
    )
    return _call_out(selectors.access_call(request.user, call.pk))


# --- proposal windows and proposals ---------------------------------------------------


def _window_out(w: Any) -> dict[str, Any]:
    return {
        "id": w.pk,
        "field_code": w.field.code,
        "title": w.title,
        "description": w.description,
        "opens_at": w.opens_at,
        "closes_at": w.closes_at,
        "review_limit_workdays": w.review_limit_workdays,
    }


@router.post("/windows", response={201: WindowOut}, summary="开启项目建议征集 / open a window")
def open_window(request: HttpRequest, payload: WindowIn) -> Status[dict[str, Any]]:
    window = services.window_open(
        actor=request.user,
        field=_field(payload.field_code),
        title=payload.title,
        description=payload.description,
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
        review_limit_workdays=payload.review_limit_workdays,
    )
    return Status(201, _window_out(window))


@router.get("/windows", response=list[WindowOut], summary="项目建议征集 / windows")
def list_windows(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    return [_window_out(w) for w in selectors.windows()[: filters.limit]]


@router.post("/proposals", response={201: ProposalOut}, summary="提交项目建议 / propose")
def submit_proposal(request: HttpRequest, payload: ProposalIn) -> Status[dict[str, Any]]:
    try:
        window = selectors.access_window(payload.window_id)
    except Http404:  # a body field names it: say which field
        raise ValidationError(
            "征集不存在", "There is no such window", field="window_id", code="unknown_window"
        ) from None
    proposal = services.proposal_submit(
        actor=request.user,
        organisation=_own_org(request, payload.organisation_uscc, role=None),
        window=window,
        title=payload.title,
        problem=payload.problem,
        target_indicators=payload.target_indicators,
        why_now=payload.why_now,
        suggested_budget=_amount(payload.suggested_budget, "suggested_budget", positive=True),
    )
    return Status(201, _proposal_out(request, selectors.access_proposal(request.user, proposal.pk)))


@router.get("/proposals", response=list[ProposalOut], summary="项目建议列表 / proposals")
def list_proposals(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    return [
        _proposal_out(request, p)
        for p in selectors.visible_proposals(request.user)[: filters.limit]
    ]


@router.get("/proposals/{proposal_id}", response=ProposalOut, summary="一项建议 / one proposal")
def get_proposal(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    return _proposal_out(request, selectors.access_proposal(request.user, proposal_id))


@router.post(
    "/proposals/{proposal_id}/decision", response=ProposalOut, summary="建议评审结论 / decide"
)
def decide_proposal(
    request: HttpRequest, proposal_id: int, payload: ProposalDecisionIn
) -> dict[str, Any]:
    proposal = selectors.access_proposal(request.user, proposal_id)
    services.proposal_decide(
        actor=request.user,
        proposal=proposal,
        accept=payload.accept,
        reason=payload.reason,
        group=payload.group,
    )
    return _proposal_out(request, selectors.access_proposal(request.user, proposal_id))


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
        organisation=_own_org(request, payload.organisation_uscc, role=Role.APPLICANT),
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
            _amount(line.fiscal, f"lines.{i}.fiscal"),
            _amount(line.self_raised, f"lines.{i}.self_raised"),
        )
        for i, line in enumerate(payload.lines)
    ]
    services.application_save_budget(
        actor=request.user,
        application=selectors.access_application(request.user, application_id),
        lines=lines,
        fiscal_total=_amount(payload.fiscal_total, "fiscal_total"),
        self_total=_amount(payload.self_total, "self_total"),
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


from rainforest.programs.api_decision import decision_router  # noqa: E402 -- mounted last

router.add_router("", decision_router)
from rainforest.programs.api_execution import router as execution_router  # noqa: E402 -- mounted last

router.add_router("", execution_router)
