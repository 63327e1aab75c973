"""Running projects (全过程): the undertaker reports milestones, asks for changes and for
acceptance; staff release tranches, review reports, record the mid-term check, decide
acceptance and terminate. Every POST goes through a service; a problem comes back on the
page with what was typed, an error summary and the message at the field.
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

from rainforest.core.errors import DomainError
from rainforest.core.money import parse_yuan
from rainforest.programs import selectors_execution as sel
from rainforest.programs.models import BudgetCategory, ChangeKind, Project
from rainforest.programs.permissions_execution import can_act_for_org, can_manage_execution
from rainforest.programs.services import execution as ex
from rainforest.programs.services import execution_changes as ch
from rainforest.programs.services import execution_closure as cl
from rainforest.programs.services import modes_portfolio as mp
from rainforest.programs.views.common import anchor, error_list, message, reasons

OPINION_CHOICES = (
    ("pass", "通过"),
    ("conditional_pass", "有条件通过"),
    ("fail", "不通过"),
)
EXPERT_ROWS = 5


def _detail(
    request: HttpRequest,
    project: Project,
    *,
    errors: list[tuple[str, str]] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    plan = getattr(project, "plan", None)
    gates = {int(i["index"]): i["gate"] for i in plan.schedule} if plan else {}
    tranches = [{"row": t, "gate": gates.get(t.order, "")} for t in project.tranches.all()]
    return render(
        request,
        "programs/execution/project_detail.html",
        {
            "project": project,
            "case": project.application.case,
            "plan": plan,
            "tranches": tranches,
            "reports": list(project.reports.all()),
            "changes": list(project.changes.all()),
            "acceptances": list(project.acceptances.all()),
            "portfolio": project.portfolios.select_related("manager").first(),
            "stage_gates": [
                {"gate": g, "reasons": reasons(g.decision)}
                for g in project.stage_gates.select_related("case").order_by("requested_at")
            ],
            "staff": can_manage_execution(request.user),
            "undertaker": can_act_for_org(request.user, project.lead_org_id),
            "opinion_choices": OPINION_CHOICES,
            "expert_rows": range(EXPERT_ROWS),
            "errors": errors or [],
            "typed": typed or {},
        },
        status=status,
    )


def _problem(
    request: HttpRequest, project_id: int, exc: DomainError, typed: dict[str, str] | None = None
) -> HttpResponse:
    project = sel.access_project(request.user, project_id)
    return _detail(
        request,
        project,
        errors=error_list(exc),
        typed=typed or {},
        status=exc.http_status if exc.http_status in (403, 409, 422) else 422,
    )


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "programs/execution/project_list.html",
        {
            "projects": list(sel.visible_projects(request.user)[:200]),
            "staff": can_manage_execution(request.user),
        },
    )


@login_required
@require_GET
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    return _detail(request, sel.access_project(request.user, project_id))


def _staff_only(request: HttpRequest) -> None:
    if not can_manage_execution(request.user):
        raise Http404


@login_required
@require_POST
def project_begin(request: HttpRequest, project_id: int) -> HttpResponse:
    _staff_only(request)
    project = sel.access_project(request.user, project_id)
    try:
        ex.execution_begin(actor=request.user, project=project)
    except DomainError as exc:
        return _problem(request, project_id, exc)
    messages.success(request, _("拨付计划已建立"))
    return redirect("programs:project_detail", project_id=project_id)


@login_required
@require_POST
def tranche_release(request: HttpRequest, project_id: int, order: int) -> HttpResponse:
    _staff_only(request)
    project = sel.access_project(request.user, project_id)
    try:
        ex.tranche_release(actor=request.user, project=project, order=order)
    except DomainError as exc:
        return _problem(request, project_id, exc)
    messages.success(request, _("第 %(n)d 期资金已拨付") % {"n": order})
    return redirect("programs:project_detail", project_id=project_id)


@login_required
@require_http_methods(["GET", "POST"])
def report_submit(request: HttpRequest, project_id: int, report_id: int) -> HttpResponse:
    project = sel.access_project(request.user, project_id)
    if not can_act_for_org(request.user, project.lead_org_id):
        raise Http404
    report = sel.access_report(request.user, project, report_id)
    errors: list[tuple[str, str]] = []
    typed = request.POST.get("report", report.report) if request.method == "POST" else report.report
    if request.method == "POST":
        try:
            ex.report_submit(actor=request.user, report=report, body=typed)
        except DomainError as exc:
            errors = error_list(exc)
        else:
            messages.success(request, _("节点报告已提交"))
            return redirect("programs:project_detail", project_id=project_id)
    return render(
        request,
        "programs/execution/report_form.html",
        {"project": project, "report": report, "typed": typed, "errors": errors},
        status=422 if errors else 200,
    )


@login_required
@require_POST
def report_review(request: HttpRequest, project_id: int, report_id: int) -> HttpResponse:
    _staff_only(request)
    project = sel.access_project(request.user, project_id)
    report = sel.access_report(request.user, project, report_id)
    accept = request.POST.get("decision") == "accept"
    reason = request.POST.get("reason", "")
    try:
        ex.report_review(actor=request.user, report=report, accept=accept, reason=reason)
    except DomainError as exc:
        if exc.field == "reason":
            exc = exc.with_field(f"reason-{report.pk}")
        return _problem(request, project_id, exc, {f"reason-{report.pk}": reason})
    messages.success(request, _("节点报告审核结论已记录"))
    return redirect("programs:project_detail", project_id=project_id)


def _opinions(request: HttpRequest) -> list[cl.OpinionIn]:
    rows = []
    for i in range(EXPERT_ROWS):
        name = request.POST.get(f"expert-{i}", "").strip()
        opinion = request.POST.get(f"opinion-{i}", "").strip()
        if name or (opinion and i == 0):
            rows.append(cl.OpinionIn(name, opinion, request.POST.get(f"comment-{i}", "")))
    return rows


def _typed_opinions(request: HttpRequest) -> dict[str, str]:
    return {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}


@login_required
@require_POST
def midterm(request: HttpRequest, project_id: int) -> HttpResponse:
    _staff_only(request)
    project = sel.access_project(request.user, project_id)
    try:
        cl.midterm_record(actor=request.user, project=project, opinions=_opinions(request))
    except DomainError as exc:
        return _problem(request, project_id, exc, _typed_opinions(request))
    messages.success(request, _("中期检查结论已记录"))
    return redirect("programs:project_detail", project_id=project_id)


@login_required
@require_POST
def acceptance_request(request: HttpRequest, project_id: int) -> HttpResponse:
    project = sel.access_project(request.user, project_id)
    try:
        cl.acceptance_request(actor=request.user, project=project)
    except DomainError as exc:
        return _problem(request, project_id, exc)
    messages.success(request, _("已申请结题验收"))
    return redirect("programs:project_detail", project_id=project_id)


def _spending(request: HttpRequest, required: bool) -> Decimal | None:
    raw = request.POST.get("accepted_spending", "").strip()
    if not raw and not required:
        return None
    amount = parse_yuan(raw, field="accepted_spending")
    if amount < 0:
        from rainforest.core.errors import ValidationError

        raise ValidationError(
            "金额不能为负数",
            "The amount cannot be negative",
            field="accepted_spending",
            code="amount_invalid",
        )
    return amount


@login_required
@require_POST
def acceptance_decide(request: HttpRequest, project_id: int) -> HttpResponse:
    _staff_only(request)
    project = sel.access_project(request.user, project_id)
    try:
        cl.acceptance_decide(
            actor=request.user,
            project=project,
            opinions=_opinions(request),
            accepted_spending=_spending(request, required=False),
        )
    except DomainError as exc:
        return _problem(request, project_id, exc, _typed_opinions(request))
    messages.success(request, _("验收结论已记录"))
    return redirect("programs:project_detail", project_id=project_id)


@login_required
@require_POST
def terminate(request: HttpRequest, project_id: int) -> HttpResponse:
    _staff_only(request)
    project = sel.access_project(request.user, project_id)
    try:
        result = cl.project_terminate(
            actor=request.user,
            project=project,
            reason=request.POST.get("reason", ""),
            accepted_spending=_spending(request, required=True) or Decimal("0"),
        )
    except DomainError as exc:
        if exc.field == "reason":
            exc = exc.with_field("terminate-reason")
        return _problem(request, project_id, exc, _typed_opinions(request))
    messages.success(
        request, _("项目已终止，应追回 %(amount)s 元") % {"amount": f"{result.amount:.2f}"}
    )
    return redirect("programs:project_detail", project_id=project_id)


# --- change requests ------------------------------------------------------------------

LINE_ROWS = 4


@login_required
@require_http_methods(["GET", "POST"])
def change_new(request: HttpRequest, project_id: int) -> HttpResponse:
    project = sel.access_project(request.user, project_id)
    if not can_act_for_org(request.user, project.lead_org_id):
        raise Http404
    errors: list[tuple[str, str]] = []
    typed: dict[str, Any] = {k: v for k, v in request.POST.items()}
    if request.method == "POST":
        try:
            kind = typed.get("kind", "")
            lines = []
            for i in range(LINE_ROWS):
                category = typed.get(f"lines-{i}-category", "").strip()
                proposed = typed.get(f"lines-{i}-proposed", "").strip()
                if category or proposed:
                    lines.append(
                        ch.LineIn(category, parse_yuan(proposed, field=f"lines.{i}.proposed"))
                    )
            months_raw = typed.get("extension_months", "").strip() or "0"
            if not months_raw.isdigit():
                from rainforest.core.errors import ValidationError

                raise ValidationError(
                    "延期月数应为整数",
                    "The extension must be a whole number of months",
                    field="extension_months",
                    code="invalid",
                )
            change = ch.change_request(
                actor=request.user,
                project=project,
                kind=kind,
                description=typed.get("description", ""),
                lines=lines,
                extension_months=int(months_raw),
            )
        except DomainError as exc:
            errors = error_list(exc)
        else:
            messages.success(
                request, _("变更申请已提交，编号 %(number)s") % {"number": change.case.number}
            )
            return redirect("programs:project_detail", project_id=project_id)
    return render(
        request,
        "programs/execution/change_form.html",
        {
            "project": project,
            "typed": typed,
            "errors": errors,
            "kinds": ChangeKind.choices,
            "categories": BudgetCategory.choices,
            "line_rows": range(LINE_ROWS),
            "lump_sum": project.organisation_mode == "lump_sum",
            "anchor": anchor,
            "message": message,
        },
        status=422 if errors else 200,
    )


@login_required
@require_POST
def change_decide(request: HttpRequest, change_id: int) -> HttpResponse:
    _staff_only(request)
    change = sel.access_change(request.user, change_id)
    action = request.POST.get("action", "")
    try:
        if action == "opinion":
            ch.change_opinion(
                actor=request.user, change=change, opinion=request.POST.get("opinion", "")
            )
        else:
            ch.change_decide(
                actor=request.user,
                change=change,
                approve=action == "approve",
                reason=request.POST.get("reason", ""),
            )
    except DomainError as exc:
        return _problem(request, change.project_id, exc.with_field(f"change-{change.pk}"))
    messages.success(request, _("变更申请已办理"))
    return redirect("programs:project_detail", project_id=change.project_id)


@login_required
@require_POST
def stage_gate_request(request: HttpRequest, project_id: int) -> HttpResponse:
    """项目经理人制: the undertaker asks the portfolio's manager for the mid-term gate."""
    project = sel.access_project(request.user, project_id)
    if not can_act_for_org(request.user, project.lead_org_id):
        raise Http404
    report = request.POST.get("gate_report", "")
    try:
        mp.stage_gate_request(actor=request.user, project=project, report=report)
    except DomainError as exc:
        exc = exc.with_field("gate_report") if exc.field in (None, "report") else exc
        return _problem(request, project_id, exc, {"gate_report": report})
    messages.success(request, _("已提交阶段决策申请，等待项目经理人决定"))
    return redirect("programs:project_detail", project_id=project_id)
