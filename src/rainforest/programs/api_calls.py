"""Guidelines and proposals over the API (stages 1-3): public calls, drafting and
publishing a call, proposal windows, proposals and their review."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from rainforest.api.auth import AUTH
from rainforest.core.errors import ValidationError
from rainforest.core.money import format_yuan_plain
from rainforest.programs import domain, selectors, services
from rainforest.programs.api_common import (
    AmountIn,
    DecisionOut,
    Int,
    ListFilters,
    amount,
    language,
    own_org,
    programme_field,
)
from rainforest.programs.models import Call, Proposal
from rainforest.programs.permissions import can_see_similarity
from rainforest.programs.presenters import decision_out

router = Router(tags=["programs: R&D programmes"], auth=AUTH)


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
        "decision": decision_out(p.decision, language(request)),
        "similar": similar,
    }


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
            field=programme_field(payload.field_code),
            summary=payload.summary,
            funding_per_project=amount(payload.funding_per_project, "funding_per_project"),
            funding_total=amount(payload.funding_total, "funding_total"),
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
        field=programme_field(payload.field_code),
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
        organisation=own_org(request, payload.organisation_uscc, role=None),
        window=window,
        title=payload.title,
        problem=payload.problem,
        target_indicators=payload.target_indicators,
        why_now=payload.why_now,
        suggested_budget=amount(payload.suggested_budget, "suggested_budget", positive=True),
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
