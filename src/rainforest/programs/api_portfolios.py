"""项目经理人制 over the API: portfolios (programme officers), the projects they hold, stage
gates asked for by the undertaker and decided by the portfolio's named manager only.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from rainforest.accounts.models import User
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
    language,
    require_officer,
)
from rainforest.programs.models import (
    Project,
)
from rainforest.programs.permissions_execution import is_portfolio_manager
from rainforest.programs.presenters import decision_out
from rainforest.programs.services import modes_portfolio as mp

router = Router(tags=["programs: organisation modes"], auth=AUTH)


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
    return portfolio_out(found, request.user, language(request))


@router.get("/portfolios", response=list[PortfolioOut], summary="项目经理人项目群")
def portfolio_list(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    """Programme officers see every portfolio; ``mine`` marks those the caller manages."""
    require_officer(request)
    lang = language(request)
    return [
        portfolio_out(p, request.user, lang)
        for p in sel.visible_portfolios(request.user)[: filters.limit]
    ]


@router.get("/portfolios/{portfolio_id}", response=PortfolioOut, summary="项目群详情")
def portfolio_detail(request: HttpRequest, portfolio_id: int) -> dict[str, Any]:
    return _portfolio(request, portfolio_id)


@router.post("/portfolios", response={201: PortfolioOut}, summary="设立项目群并指定项目经理人")
def portfolio_create(request: HttpRequest, payload: PortfolioIn) -> Status[dict[str, Any]]:
    require_officer(request)
    manager = User.objects.filter(username=payload.manager_username.strip()).first()
    if manager is None:
        raise ValidationError(
            "找不到这个用户", "No such user", field="manager_username", code="unknown_user"
        )
    portfolio = mp.portfolio_create(
        actor=request.user,
        title=payload.title,
        manager=manager,
        budget_total=amount(payload.budget_total, "budget_total"),
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
    mp.portfolio_add_project(actor=request.user, portfolio=portfolio, project=project)
    return _portfolio(request, portfolio_id)


@router.post(
    "/projects/{project_id}/stage-gates", response={201: StageGateOut}, summary="申请阶段决策"
)
def stage_gate_request(
    request: HttpRequest, project_id: int, payload: StageGateIn
) -> Status[dict[str, Any]]:
    gate = mp.stage_gate_request(
        actor=request.user,
        project=sel.access_project(request.user, project_id),
        report=payload.report,
    )
    return Status(
        201, stage_gate_out(sel.access_stage_gate(request.user, gate.pk), language(request))
    )


@router.post(
    "/stage-gates/{gate_id}/decision", response=StageGateOut, summary="项目经理人作出阶段决策"
)
def stage_gate_decision(
    request: HttpRequest, gate_id: int, payload: GateDecisionIn
) -> dict[str, Any]:
    gate = sel.access_stage_gate(request.user, gate_id)
    mp.stage_gate_decide(
        actor=request.user, gate=gate, passed=payload.passed, reason=payload.reason
    )
    return stage_gate_out(sel.access_stage_gate(request.user, gate_id), language(request))
