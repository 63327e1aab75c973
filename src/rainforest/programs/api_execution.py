"""Running projects over the API: payments, milestone reports, changes, mid-term check,
acceptance, termination. The organisation modes' router (``api_modes``) hangs below it,
so ``programs.api`` mounts both with one line.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from rainforest.api.auth import AUTH
from rainforest.core.money import format_yuan_plain
from rainforest.programs import selectors_execution as sel
from rainforest.programs.api_common import (
    AmountIn,
    DecisionOut,
    Int,
    ListFilters,
    amount,
    language,
    require_officer,
)
from rainforest.programs.api_modes import router as modes_router
from rainforest.programs.models import Project
from rainforest.programs.presenters import decision_out
from rainforest.programs.services import execution as ex
from rainforest.programs.services import execution_changes as ch
from rainforest.programs.services import execution_closure as cl

router = Router(tags=["programs: execution to closure"], auth=AUTH)
router.add_router("", modes_router)


class TrancheOut(Schema):
    order: int
    gate: str
    amount: str
    released_at: datetime | None
    ledger_key: str


class ReportOut(Schema):
    id: int
    milestone: str
    due_date: str
    status: str
    report: str
    submitted_at: datetime | None
    review_reason: str


class ChangeOut(Schema):
    id: int
    case_number: str | None
    stage: str | None
    kind: str
    description: str
    route: str
    approved: bool | None
    decision: DecisionOut | None


class AcceptanceOut(Schema):
    kind: str
    passed: bool | None
    decided_at: datetime | None
    decision: DecisionOut | None


class ProjectRow(Schema):
    id: int
    number: str
    title: str
    organisation: str
    organisation_mode: str
    status: str
    stage: str | None
    approved_amount: str


class ProjectOut(ProjectRow):
    start_date: str
    end_date: str
    recovered_amount: str | None
    lump_sum: bool
    released_total: str
    tranches: list[TrancheOut]
    reports: list[ReportOut]
    changes: list[ChangeOut]
    acceptances: list[AcceptanceOut]


class ReportIn(Schema):
    report: str = Field(..., max_length=20000)


class ReviewIn(Schema):
    accept: StrictBool
    reason: str = Field("", max_length=2000)


class LineIn(Schema):
    category: str = Field(..., max_length=20)
    proposed: AmountIn


class ChangeIn(Schema):
    kind: str = Field(..., max_length=20)
    description: str = Field(..., max_length=5000)
    lines: list[LineIn] = Field(default_factory=list, max_length=20)
    extension_months: Int = Field(0, ge=-(10**6), le=10**6)


class OpinionTextIn(Schema):
    opinion: str = Field(..., max_length=5000)


class ChangeDecisionIn(Schema):
    approve: StrictBool
    reason: str = Field("", max_length=2000)


class ExpertOpinionIn(Schema):
    expert: str = Field(..., max_length=100)
    opinion: str = Field(..., max_length=20)
    comment: str = Field("", max_length=2000)


class OpinionsIn(Schema):
    opinions: list[ExpertOpinionIn] = Field(..., max_length=50)


class AcceptanceIn(OpinionsIn):
    accepted_spending: AmountIn | None = None


class TerminationIn(Schema):
    reason: str = Field(..., max_length=2000)
    accepted_spending: AmountIn


class RecoveryOut(Schema):
    recovered_amount: str
    decision: DecisionOut | None


def _row(p: Project) -> dict[str, Any]:
    case = p.application.case
    return {
        "id": p.pk,
        "number": p.number,
        "title": p.title,
        "organisation": p.lead_org.name,
        "organisation_mode": p.organisation_mode,
        "status": p.status,
        "stage": case.stage if case else None,
        "approved_amount": format_yuan_plain(p.approved_amount),
    }


def _gates(p: Project) -> dict[int, str]:
    plan = getattr(p, "plan", None)
    return {int(item["index"]): str(item["gate"]) for item in plan.schedule} if plan else {}


def project_out(request: HttpRequest, p: Project) -> dict[str, Any]:
    lang = language(request)
    gates = _gates(p)
    tranches = list(p.tranches.all())
    plan = getattr(p, "plan", None)
    return {
        **_row(p),
        "start_date": p.start_date.isoformat(),
        "end_date": p.end_date.isoformat(),
        "recovered_amount": format_yuan_plain(p.recovered_amount)
        if p.recovered_amount is not None
        else None,
        "lump_sum": bool(plan and plan.lump_sum),
        "released_total": format_yuan_plain(
            sum((t.amount for t in tranches if t.released_at), Decimal("0.00"))
        ),
        "tranches": [
            {
                "order": t.order,
                "gate": gates.get(t.order, ""),
                "amount": format_yuan_plain(t.amount),
                "released_at": t.released_at,
                "ledger_key": t.ledger_key,
            }
            for t in tranches
        ],
        "reports": [
            {
                "id": r.pk,
                "milestone": r.milestone.title,
                "due_date": r.due_date.isoformat(),
                "status": r.status,
                "report": r.report,
                "submitted_at": r.submitted_at,
                "review_reason": r.review_reason,
            }
            for r in p.reports.all()
        ],
        "changes": [
            {
                "id": c.pk,
                "case_number": c.case.number if c.case else None,
                "stage": c.case.stage if c.case else None,
                "kind": c.kind,
                "description": c.description,
                "route": str(c.data.get("route", "")),
                "approved": c.approved,
                "decision": decision_out(c.data.get("decision"), lang),
            }
            for c in p.changes.all()
        ],
        "acceptances": [
            {
                "kind": a.kind,
                "passed": a.passed,
                "decided_at": a.decided_at,
                "decision": decision_out(a.decision, lang),
            }
            for a in p.acceptances.all()
        ],
    }


def _reload(request: HttpRequest, project_id: int) -> dict[str, Any]:
    return project_out(request, sel.access_project(request.user, project_id))


@router.get("/projects", response=list[ProjectRow], summary="项目列表（执行中及已结题）")
def project_list(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    return [_row(p) for p in sel.visible_projects(request.user)[: filters.limit]]


@router.get("/projects/{project_id}", response=ProjectOut, summary="项目详情")
def project_detail(request: HttpRequest, project_id: int) -> dict[str, Any]:
    return _reload(request, project_id)


@router.post(
    "/projects/{project_id}/execution", response=ProjectOut, summary="建立拨付计划，开始执行"
)
def project_begin(request: HttpRequest, project_id: int) -> dict[str, Any]:
    require_officer(request)
    ex.execution_begin(actor=request.user, project=sel.access_project(request.user, project_id))
    return _reload(request, project_id)


@router.post(
    "/projects/{project_id}/tranches/{order}/release", response=ProjectOut, summary="拨付一期资金"
)
def tranche_release(request: HttpRequest, project_id: int, order: int) -> dict[str, Any]:
    ex.tranche_release(
        actor=request.user, project=sel.access_project(request.user, project_id), order=order
    )
    return _reload(request, project_id)


@router.post(
    "/projects/{project_id}/reports/{report_id}/submit", response=ProjectOut, summary="提交节点报告"
)
def report_submit(
    request: HttpRequest, project_id: int, report_id: int, payload: ReportIn
) -> dict[str, Any]:
    project = sel.access_project(request.user, project_id)
    ex.report_submit(
        actor=request.user,
        report=sel.access_report(request.user, project, report_id),
        body=payload.report,
    )
    return _reload(request, project_id)


@router.post(
    "/projects/{project_id}/reports/{report_id}/review", response=ProjectOut, summary="审核节点报告"
)
def report_review(
    request: HttpRequest, project_id: int, report_id: int, payload: ReviewIn
) -> dict[str, Any]:
    project = sel.access_project(request.user, project_id)
    ex.report_review(
        actor=request.user,
        report=sel.access_report(request.user, project, report_id),
        accept=payload.accept,
        reason=payload.reason,
    )
    return _reload(request, project_id)


@router.post("/projects/{project_id}/changes", response={201: ProjectOut}, summary="申请项目变更")
def change_request(
    request: HttpRequest, project_id: int, payload: ChangeIn
) -> Status[dict[str, Any]]:
    lines = [
        ch.LineIn(line.category, amount(line.proposed, f"lines.{i}.proposed"))
        for i, line in enumerate(payload.lines)
    ]
    ch.change_request(
        actor=request.user,
        project=sel.access_project(request.user, project_id),
        kind=payload.kind,
        description=payload.description,
        lines=lines,
        extension_months=payload.extension_months,
    )
    return Status(201, _reload(request, project_id))


@router.post("/changes/{change_id}/opinion", response=ProjectOut, summary="录入变更的专家论证意见")
def change_opinion(request: HttpRequest, change_id: int, payload: OpinionTextIn) -> dict[str, Any]:
    change = sel.access_change(request.user, change_id)
    ch.change_opinion(actor=request.user, change=change, opinion=payload.opinion)
    return _reload(request, change.project_id)


@router.post("/changes/{change_id}/decision", response=ProjectOut, summary="批准或驳回变更")
def change_decision(
    request: HttpRequest, change_id: int, payload: ChangeDecisionIn
) -> dict[str, Any]:
    change = sel.access_change(request.user, change_id)
    ch.change_decide(
        actor=request.user, change=change, approve=payload.approve, reason=payload.reason
    )
    return _reload(request, change.project_id)


def _opinions(payload: OpinionsIn) -> list[cl.OpinionIn]:
    return [cl.OpinionIn(o.expert, o.opinion, o.comment) for o in payload.opinions]


@router.post("/projects/{project_id}/midterm", response=ProjectOut, summary="录入中期检查结论")
def midterm(request: HttpRequest, project_id: int, payload: OpinionsIn) -> dict[str, Any]:
    cl.midterm_record(
        actor=request.user,
        project=sel.access_project(request.user, project_id),
        opinions=_opinions(payload),
    )
    return _reload(request, project_id)


@router.post(
    "/projects/{project_id}/acceptance/request", response=ProjectOut, summary="申请结题验收"
)
def acceptance_request(request: HttpRequest, project_id: int) -> dict[str, Any]:
    cl.acceptance_request(actor=request.user, project=sel.access_project(request.user, project_id))
    return _reload(request, project_id)


@router.post(
    "/projects/{project_id}/acceptance/decision",
    response=ProjectOut,
    summary="录入验收专家意见及结论",
)
def acceptance_decision(
    request: HttpRequest, project_id: int, payload: AcceptanceIn
) -> dict[str, Any]:
    spent = (
        amount(payload.accepted_spending, "accepted_spending")
        if payload.accepted_spending is not None
        else None
    )
    cl.acceptance_decide(
        actor=request.user,
        project=sel.access_project(request.user, project_id),
        opinions=_opinions(payload),
        accepted_spending=spent,
    )
    return _reload(request, project_id)


@router.post(
    "/projects/{project_id}/termination", response=RecoveryOut, summary="终止项目并追回资金"
)
def termination(request: HttpRequest, project_id: int, payload: TerminationIn) -> dict[str, Any]:
    project = sel.access_project(request.user, project_id)
    spent = amount(payload.accepted_spending, "accepted_spending")
    result = cl.project_terminate(
        actor=request.user, project=project, reason=payload.reason, accepted_spending=spent
    )
    return {
        "recovered_amount": format_yuan_plain(result.amount),
        "decision": decision_out(result.decision.to_dict(), language(request)),
    }
