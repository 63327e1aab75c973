"""项目经理人制 pages: portfolios (项目群) and their stage gates (阶段决策).

- Programme officers see every portfolio: its manager, budget, the projects it holds and
  every stage gate with its decision and reasons (the staff view); they set a portfolio
  up and put approved projects in it.
- The named project manager sees "my portfolios" first and decides each pending stage
  gate (pass or fail, with reasons). Another officer sees the gate but no form, and a
  decision sent anyway is refused (403): only the named manager decides.
- An undertaker asks for the stage gate from its project's page
  (``views.execution.stage_gate_request``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rainforest.accounts.models import User
from rainforest.accounts.roles import Role
from rainforest.core.errors import DomainError, ValidationError
from rainforest.programs import selectors_execution as sel
from rainforest.programs.models import Portfolio, Project
from rainforest.programs.permissions_execution import is_portfolio_manager
from rainforest.programs.services import modes_portfolio as mp
from rainforest.programs.views.common import (
    error_list,
    error_status,
    money,
    reasons,
    require_officer,
    stage_name,
)


def _row(p: Portfolio, user: Any) -> dict[str, Any]:
    held = list(p.projects.all())
    return {
        "portfolio": p,
        "mine": is_portfolio_manager(user, p),
        "held": len(held),
        "committed": sum((x.approved_amount for x in held), Decimal("0.00")),
        "pending": sum(1 for g in p.gates.all() if g.passed is None),
    }


@login_required
@require_GET
def portfolio_list(request: HttpRequest) -> HttpResponse:
    require_officer(request)
    rows = [_row(p, request.user) for p in sel.visible_portfolios(request.user)[:200]]
    return render(
        request,
        "programs/modes/portfolio_list.html",
        {"mine": [r for r in rows if r["mine"]], "others": [r for r in rows if not r["mine"]]},
    )


def _managers() -> list[User]:
    return list(
        User.objects.filter(is_active=True, memberships__role=Role.PROGRAMME_OFFICER)
        .distinct()
        .order_by("username")
    )


@login_required
@require_http_methods(["GET", "POST"])
def portfolio_new(request: HttpRequest) -> HttpResponse:
    require_officer(request)
    typed = {k: v for k, v in request.POST.items()}
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            manager = User.objects.filter(username=typed.get("manager", "").strip()).first()
            if manager is None:
                raise ValidationError(
                    "请选择项目经理人", "Choose the project manager", field="manager"
                )
            portfolio = mp.portfolio_create(
                actor=request.user,
                title=typed.get("title", ""),
                manager=manager,
                budget_total=money(typed.get("budget_total", ""), "budget_total"),
            )
        except DomainError as exc:
            errors = error_list(exc)
        else:
            messages.success(request, _("项目群已设立"))
            return redirect("programs:portfolio_detail", portfolio_id=portfolio.pk)
    return render(
        request,
        "programs/modes/portfolio_form.html",
        {"typed": typed, "errors": errors, "managers": _managers()},
        status=422 if errors else 200,
    )


def _detail(
    request: HttpRequest,
    portfolio_id: int,
    errors: list[tuple[str, str]] | None = None,
    *,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    portfolio = sel.access_portfolio(request.user, portfolio_id)
    row = _row(portfolio, request.user)
    gates = [
        {"gate": g, "stage": stage_name(g.case), "reasons": reasons(g.decision)}
        for g in portfolio.gates.all()
    ]
    return render(
        request,
        "programs/modes/portfolio_detail.html",
        {
            **row,
            "projects": list(portfolio.projects.all()),
            "remaining": portfolio.budget_total - row["committed"],
            "pending_gates": [g for g in gates if g["gate"].passed is None],
            "decided_gates": [g for g in gates if g["gate"].passed is not None],
            "errors": errors or [],
            "typed": typed or {},
        },
        status=status if errors else 200,
    )


@login_required
@require_GET
def portfolio_detail(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    require_officer(request)
    return _detail(request, portfolio_id)


@login_required
@require_POST
def portfolio_add_project(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    require_officer(request)
    portfolio = sel.access_portfolio(request.user, portfolio_id)
    number = "".join(request.POST.get("project_number", "").split())
    try:
        project = Project.objects.filter(number=number).first() if number else None
        if project is None:
            raise ValidationError(
                "找不到这个项目编号，请核对后重新填写",
                "No project has this number; check it and try again",
                field="project_number",
                code="unknown_project",
            )
        mp.portfolio_add_project(actor=request.user, portfolio=portfolio, project=project)
    except DomainError as exc:
        exc = exc.with_field("project_number") if exc.field == "project_id" else exc
        return _detail(
            request,
            portfolio_id,
            error_list(exc),
            typed={"project_number": number},
            status=error_status(exc),
        )
    messages.success(request, _("项目 %(n)s 已纳入项目群") % {"n": number})
    return redirect("programs:portfolio_detail", portfolio_id=portfolio_id)


@login_required
@require_POST
def stage_gate_decide(request: HttpRequest, portfolio_id: int, gate_id: int) -> HttpResponse:
    """The manager's decision on one gate of the portfolio, with the reasons given."""
    require_officer(request)
    portfolio = sel.access_portfolio(request.user, portfolio_id)
    gate = sel.access_stage_gate(request.user, gate_id)
    if gate.portfolio_id != portfolio.pk:
        raise Http404
    decision = request.POST.get("decision", "")
    if decision not in ("pass", "fail"):
        raise Http404
    reason = request.POST.get("reason", "")
    try:
        mp.stage_gate_decide(
            actor=request.user, gate=gate, passed=decision == "pass", reason=reason
        )
    except DomainError as exc:
        exc = exc.with_field(f"reason-{gate.pk}") if exc.field in (None, "reason") else exc
        return _detail(
            request,
            portfolio_id,
            error_list(exc),
            typed={f"reason-{gate.pk}": reason},
            status=error_status(exc),
        )
    messages.success(
        request,
        _("阶段决策已作出：%(n)s %(d)s")
        % {"n": gate.project.number, "d": _("通过") if decision == "pass" else _("不通过")},
    )
    return redirect("programs:portfolio_detail", portfolio_id=portfolio_id)
