"""业主制 (owner-run) pages.

- The owner enterprise's applicant drafts its plan (实施方案), saves it as often as it
  likes and submits it; once the bureau approves it, the owner adds its sub-projects
  (子课题), approves or declines each within the approved budget with its reasons, and
  submits the whole for the bureau's audit.
- Programme staff see every submitted plan (never a draft), approve or reject it, and
  audit it: the plan, its sub-projects and every decision on them with its reasons.
- Any other organisation gets "not found" for every page of a plan that is not its own.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rainforest.accounts.models import OrganisationKind
from rainforest.core.errors import DomainError
from rainforest.programs import selectors_execution as sel
from rainforest.programs.models import OwnerPlan, SubProjectStatus
from rainforest.programs.permissions import can_run_programme
from rainforest.programs.permissions_execution import can_act_for_org
from rainforest.programs.services import modes_owner as mo
from rainforest.programs.views.common import (
    applicant_org,
    error_list,
    error_status,
    money,
    reasons,
    stage_name,
)


def _optional_money(raw: str, field: str) -> Decimal | None:
    """Blank while drafting; otherwise more than zero (100万 and 1,000,000 accepted)."""
    if not raw.strip():
        return None
    return money(raw, field)


def _typed_from(plan: OwnerPlan) -> dict[str, str]:
    return {
        "title": plan.title,
        "plan": plan.plan,
        "budget_total": "" if plan.budget_total is None else f"{plan.budget_total:.2f}",
    }


@login_required
@require_GET
def owner_plan_list(request: HttpRequest) -> HttpResponse:
    organisation = applicant_org(request)
    plans = list(sel.visible_owner_plans(request.user)[:200])
    return render(
        request,
        "programs/modes/owner_list.html",
        {
            "rows": [{"plan": p, "stage": stage_name(p.case)} for p in plans],
            "staff": can_run_programme(request.user),
            "can_draft": organisation is not None
            and organisation.kind == OrganisationKind.ENTERPRISE,
        },
    )


def _draft_form(request: HttpRequest, plan: OwnerPlan | None, organisation: Any) -> HttpResponse:
    typed = {k: v for k, v in request.POST.items()} if request.method == "POST" else {}
    if plan is not None and request.method != "POST":
        typed = _typed_from(plan)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            fields = {
                "title": typed.get("title", ""),
                "plan": typed.get("plan", ""),
                "budget_total": _optional_money(typed.get("budget_total", ""), "budget_total"),
            }
            saved = (
                mo.owner_plan_save(actor=request.user, owner=organisation, **fields)
                if plan is None
                else mo.owner_plan_update(actor=request.user, draft=plan, **fields)
            )
        except DomainError as exc:
            errors = error_list(exc)
        else:
            messages.success(request, _("实施方案草稿已保存"))
            return redirect("programs:owner_plan_detail", plan_id=saved.pk)
    return render(
        request,
        "programs/modes/owner_form.html",
        {"plan": plan, "organisation": organisation, "typed": typed, "errors": errors},
        status=422 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def owner_plan_new(request: HttpRequest) -> HttpResponse:
    organisation = applicant_org(request)
    if organisation is None:
        raise Http404
    return _draft_form(request, None, organisation)


@login_required
@require_http_methods(["GET", "POST"])
def owner_plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = sel.access_owner_plan(request.user, plan_id)
    if not plan.is_draft or not can_act_for_org(request.user, plan.owner_id):
        raise Http404
    return _draft_form(request, plan, plan.owner)


def _detail(request: HttpRequest, plan_id: int, exc: DomainError | None = None) -> HttpResponse:
    plan = sel.access_owner_plan(request.user, plan_id)
    subprojects = list(plan.subprojects.all())
    approved = sum(
        (s.amount for s in subprojects if s.status == SubProjectStatus.APPROVED), Decimal("0.00")
    )
    stage = plan.case.stage if plan.case is not None else "draft"
    owner = can_act_for_org(request.user, plan.owner_id)
    staff = can_run_programme(request.user)
    return render(
        request,
        "programs/modes/owner_detail.html",
        {
            "plan": plan,
            "stage": stage,
            "stage_label": stage_name(plan.case) if plan.case is not None else _("草稿"),
            "subprojects": [{"sub": s, "reasons": reasons(s.decision)} for s in subprojects],
            "approved_total": approved,
            "remaining": (plan.budget_total or Decimal("0.00")) - approved,
            "owner": owner,
            "staff": staff,
            "owner_manages": owner and stage == "owner_managing",
            "errors": error_list(exc) if exc is not None else [],
        },
        status=error_status(exc) if exc is not None else 200,
    )


@login_required
@require_GET
def owner_plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _detail(request, plan_id)


@login_required
@require_POST
def owner_plan_submit(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = sel.access_owner_plan(request.user, plan_id)
    try:
        plan = mo.owner_plan_submit(actor=request.user, plan=plan)
    except DomainError as exc:
        return _detail(request, plan_id, exc)
    assert plan.case is not None  # submitted just now
    messages.success(request, _("实施方案已提交，办件编号 %(n)s") % {"n": plan.case.number})
    return redirect("programs:owner_plan_detail", plan_id=plan_id)


@login_required
@require_POST
def owner_plan_act(request: HttpRequest, plan_id: int) -> HttpResponse:
    """One action on a submitted plan: the bureau's approval and audit, the owner's
    decisions on its sub-projects and its submission for audit."""
    plan = sel.access_owner_plan(request.user, plan_id)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        if action in ("approve_plan", "reject_plan"):
            mo.owner_plan_decide(
                actor=request.user, plan=plan, approve=action == "approve_plan", reason=reason
            )
        elif action in ("pass_audit", "return_audit"):
            mo.owner_audit(
                actor=request.user, plan=plan, passed=action == "pass_audit", reason=reason
            )
        elif action == "submit_for_audit":
            mo.owner_submit_audit(actor=request.user, plan=plan)
        elif action in ("approve_subproject", "reject_subproject"):
            sub = sel.access_subproject(request.user, plan, request.POST.get("subproject"))
            try:
                mo.subproject_decide(
                    actor=request.user,
                    subproject=sub,
                    approve=action == "approve_subproject",
                    reason=reason,
                )
            except DomainError as exc:
                # Errors of one sub-project's form point at that form's reason box.
                raise exc.with_field(f"reason-{sub.pk}") from None
        else:
            raise Http404
    except DomainError as exc:
        return _detail(request, plan_id, exc)
    messages.success(request, _("已办理"))
    return redirect("programs:owner_plan_detail", plan_id=plan_id)


@login_required
@require_http_methods(["GET", "POST"])
def subproject_new(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = sel.access_owner_plan(request.user, plan_id)
    if not can_act_for_org(request.user, plan.owner_id):
        raise Http404
    typed = {k: v for k, v in request.POST.items()}
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            mo.subproject_add(
                actor=request.user,
                plan=plan,
                title=typed.get("title", ""),
                undertaker=typed.get("undertaker", ""),
                amount=money(typed.get("amount", ""), "amount"),
            )
        except DomainError as exc:
            errors = error_list(exc)
        else:
            messages.success(request, _("子课题已添加，请评审"))
            return redirect("programs:owner_plan_detail", plan_id=plan_id)
    committed = plan.subprojects.filter(status=SubProjectStatus.APPROVED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0.00")
    return render(
        request,
        "programs/modes/subproject_form.html",
        {
            "plan": plan,
            "typed": typed,
            "errors": errors,
            "remaining": (plan.budget_total or Decimal("0.00")) - committed,
        },
        status=422 if errors else 200,
    )
