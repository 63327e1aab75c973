"""业主制 over the API: the owner drafts and submits its plan and runs its sub-projects; the
bureau approves the plan and audits. Staff never see a draft; another organisation gets
404 for every plan not its own.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from rainforest.api.auth import AUTH
from rainforest.core.money import format_yuan_plain
from rainforest.programs import selectors_execution as sel
from rainforest.programs.api_common import (
    AmountIn,
    DecideIn,
    DecisionOut,
    ListFilters,
    amount,
    applicant_org,
    language,
)
from rainforest.programs.models import (
    OwnerPlan,
    OwnerSubProject,
)
from rainforest.programs.presenters import decision_out
from rainforest.programs.services import modes_owner as mo

router = Router(tags=["programs: organisation modes"], auth=AUTH)


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
    return amount(value, field)


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
    return owner_out(sel.access_owner_plan(request.user, plan_id), language(request))


@router.get("/owner-plans", response=list[OwnerPlanOut], summary="业主制实施方案")
def owner_plan_list(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    """The owner's own plans (drafts too); programme staff see every submitted plan."""
    lang = language(request)
    return [owner_out(p, lang) for p in sel.visible_owner_plans(request.user)[: filters.limit]]


@router.get("/owner-plans/{plan_id}", response=OwnerPlanOut, summary="业主制实施方案详情")
def owner_plan_detail(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return _plan(request, plan_id)


@router.post("/owner-plans", response={201: OwnerPlanOut}, summary="业主起草或提交实施方案")
def owner_plan_submit(request: HttpRequest, payload: OwnerPlanIn) -> Status[dict[str, Any]]:
    plan = mo.owner_plan_create(
        actor=request.user,
        owner=applicant_org(request, payload.organisation_uscc),
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
    mo.owner_plan_update(
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
    mo.owner_plan_submit(actor=request.user, plan=sel.access_owner_plan(request.user, plan_id))
    return _plan(request, plan_id)


@router.post("/owner-plans/{plan_id}/decision", response=OwnerPlanOut, summary="科技局审批实施方案")
def owner_plan_decision(request: HttpRequest, plan_id: int, payload: DecideIn) -> dict[str, Any]:
    plan = sel.access_owner_plan(request.user, plan_id)
    mo.owner_plan_decide(
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
    mo.subproject_add(
        actor=request.user,
        plan=plan,
        title=payload.title,
        undertaker=payload.undertaker,
        amount=amount(payload.amount, "amount"),
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
    mo.subproject_decide(
        actor=request.user, subproject=sub, approve=payload.approve, reason=payload.reason
    )
    return _plan(request, sub.plan_id)


@router.post(
    "/owner-plans/{plan_id}/audit-submission", response=OwnerPlanOut, summary="业主提交审计"
)
def owner_submit_audit(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    mo.owner_submit_audit(actor=request.user, plan=sel.access_owner_plan(request.user, plan_id))
    return _plan(request, plan_id)


@router.post("/owner-plans/{plan_id}/audit", response=OwnerPlanOut, summary="科技局审计结论")
def owner_audit(request: HttpRequest, plan_id: int, payload: AuditIn) -> dict[str, Any]:
    mo.owner_audit(
        actor=request.user,
        plan=sel.access_owner_plan(request.user, plan_id),
        passed=payload.passed,
        reason=payload.reason,
    )
    return _plan(request, plan_id)
