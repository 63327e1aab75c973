"""Applications through a task list (GOV.UK pattern); formal review for staff.

Every section page saves the draft when its answers are valid; a problem comes back on
the same page with what was typed, an error summary and the message at the field.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rainforest.accounts.models import Organisation
from rainforest.accounts.roles import Role
from rainforest.cases.attachments import storage_path
from rainforest.core.errors import DomainError
from rainforest.core.money import parse_yuan
from rainforest.programs import domain, domain_formal_review, selectors, services
from rainforest.programs.forms import BasicForm, ReasonForm, ReturnForm
from rainforest.programs.models import Application, BudgetCategory
from rainforest.programs.permissions import can_edit_application, can_run_programme
from rainforest.programs.views.common import (
    anchor,
    error_list,
    filled,
    message,
    rows,
    with_row_errors,
)

MEMBER_FIELDS = ("name", "id_number", "organisation_name", "role")
PARTNER_FIELDS = ("uscc", "name", "role")
MILESTONE_FIELDS = ("title", "due_date", "deliverables")
SPARE_ROWS = 3


def _editable(request: HttpRequest, application_id: int) -> Application:
    application = selectors.access_application(request.user, application_id)
    if not can_edit_application(request.user, application):
        raise Http404
    return application


def _section(
    request: HttpRequest,
    template: str,
    application: Application,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    return render(
        request,
        f"programs/application/{template}",
        {"application": application, "call": application.call, **extra},
        status=status,
    )


def _count(request: HttpRequest, existing: int) -> int:
    try:
        posted = int(request.POST.get("rows", "0"))
    except ValueError:
        posted = 0
    return min(max(posted, existing + SPARE_ROWS, 1 + SPARE_ROWS), 60)


# --- starting, listing and the task list ----------------------------------------------


@login_required
@require_POST
def application_start(request: HttpRequest, call_id: int) -> HttpResponse:
    call = selectors.public_call(call_id)
    organisation = (
        Organisation.objects.filter(
            memberships__user=request.user, memberships__role=Role.APPLICANT
        )
        .order_by("pk")
        .first()
    )
    if organisation is None:
        raise Http404
    try:
        application = services.application_create(
            actor=request.user, call=call, organisation=organisation
        )
    except DomainError as exc:
        messages.error(request, message(exc))
        return redirect("programs:public_call_detail", call_id=call.pk)
    return redirect("programs:application_tasks", application_id=application.pk)


@login_required
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    applications = list(selectors.visible_applications(request.user)[:200])
    return render(
        request,
        "programs/application_list.html",
        {"applications": applications, "staff": can_run_programme(request.user)},
    )


def _tasks(application: Application) -> list[dict[str, Any]]:
    done = set(application.sections_done)
    return [
        {
            "code": code,
            "name": names[0],
            "done": code in done,
            "url": f"programs:application_{code}",
        }
        for code, names in domain_formal_review.SECTION_NAMES.items()
    ]


@login_required
@require_GET
def application_tasks(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.access_application(request.user, application_id)
    return _section(
        request,
        "tasks.html",
        application,
        tasks=_tasks(application),
        now=timezone.now(),
        can_edit=can_edit_application(request.user, application),
        officer=can_run_programme(request.user),
        all_done=len(application.sections_done) == len(domain_formal_review.SECTION_NAMES),
    )


# --- sections -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def application_basic(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _editable(request, application_id)
    directions = list(application.call.directions.all())
    initial = {
        "title": application.title,
        "summary": application.summary,
        "direction": str(application.direction_id or ""),
        "start_date": application.start_date,
        "end_date": application.end_date,
    }
    form = BasicForm(request.POST or None, initial=initial, directions=directions)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.application_save_basic(
                actor=request.user,
                application=application,
                title=d["title"],
                summary=d["summary"],
                start_date=d["start_date"],
                end_date=d["end_date"],
                direction_id=int(d["direction"]) if d["direction"] else None,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, message(exc))
        else:
            return redirect("programs:application_tasks", application_id=application.pk)
    return _section(request, "basic.html", application, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def application_team(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _editable(request, application_id)
    if request.method == "GET":
        existing = [{n: getattr(m, n) for n in MEMBER_FIELDS} for m in application.team.all()]
        typed = existing + [dict.fromkeys(MEMBER_FIELDS, "")] * (
            max(len(existing), 1) + SPARE_ROWS - len(existing)
        )
        return _section(request, "team.html", application, typed=typed)
    typed = rows(request, "team", MEMBER_FIELDS, _count(request, 0))
    members = [
        (i, services.MemberIn(r["name"], r["id_number"], r["organisation_name"], r["role"], i == 0))
        for i, r in enumerate(typed)
        if i == 0 or filled(r, MEMBER_FIELDS)
    ]
    try:
        services.application_save_team(
            actor=request.user, application=application, members=[m for _i, m in members]
        )
    except DomainError as exc:
        field = exc.field or "team"
        parts = field.split(".")
        if len(parts) == 3:  # team.<n>.<name>: the n-th sent member, shown as row i
            field = f"team.{members[int(parts[1])][0]}.{parts[2]}"
        errors = [(anchor(field), message(exc))]
        return _section(
            request,
            "team.html",
            application,
            typed=with_row_errors(typed, "team", errors),
            errors=errors,
            status=422,
        )
    return redirect("programs:application_tasks", application_id=application.pk)


@login_required
@require_http_methods(["GET", "POST"])
def application_consortium(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _editable(request, application_id)
    if request.method == "GET":
        existing = [
            {n: getattr(p, n) for n in PARTNER_FIELDS} for p in application.consortium.all()
        ]
        if not existing and "consortium" not in application.sections_done:
            org = application.applicant_org
            existing = [{"uscc": org.uscc, "name": org.name, "role": "lead"}]
        typed = existing + [dict.fromkeys(PARTNER_FIELDS, "")] * SPARE_ROWS
        return _section(request, "consortium.html", application, typed=typed)
    typed = rows(request, "consortium", PARTNER_FIELDS, _count(request, 0))
    sent = [(i, r) for i, r in enumerate(typed) if filled(r, ("uscc", "name"))]
    try:
        services.application_save_consortium(
            actor=request.user,
            application=application,
            partners=[services.PartnerIn(r["uscc"], r["name"], r["role"]) for _i, r in sent],
        )
    except DomainError as exc:
        field = exc.field or "consortium"
        parts = field.split(".")
        if len(parts) == 3:
            field = f"consortium.{sent[int(parts[1])][0]}.{parts[2]}"
        errors = [(anchor(field), message(exc))]
        return _section(
            request,
            "consortium.html",
            application,
            typed=with_row_errors(typed, "consortium", errors),
            errors=errors,
            status=422,
        )
    return redirect("programs:application_tasks", application_id=application.pk)


def _budget_rows(application: Application, request: HttpRequest | None) -> list[dict[str, str]]:
    lines = {b.category: b for b in application.budget.all()}
    out = []
    for code, label in BudgetCategory.choices:
        if request is not None:
            fiscal = request.POST.get(f"budget-{code}-fiscal", "").strip()
            own = request.POST.get(f"budget-{code}-self_raised", "").strip()
        else:
            line = lines.get(code)
            fiscal = str(line.fiscal_amount) if line else ""
            own = str(line.self_raised_amount) if line else ""
        out.append({"code": code, "label": str(label), "fiscal": fiscal, "self_raised": own})
    return out


@login_required
@require_http_methods(["GET", "POST"])
def application_budget(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _editable(request, application_id)
    if request.method == "GET":
        totals = {
            "fiscal_total": str(application.fiscal_total or ""),
            "self_total": str(application.self_total or ""),
        }
        return _section(
            request,
            "budget.html",
            application,
            lines=_budget_rows(application, None),
            totals=totals,
        )
    lines = _budget_rows(application, request)
    totals = {k: request.POST.get(k, "").strip() for k in ("fiscal_total", "self_total")}
    errors: list[tuple[str, str]] = []
    sent: list[tuple[str, services.BudgetIn]] = []
    for line in lines:
        if not (line["fiscal"] or line["self_raised"]):
            continue
        amounts: dict[str, Decimal] = {}
        for name in ("fiscal", "self_raised"):
            try:
                amounts[name] = parse_yuan(line[name] or "0", field=name)
            except DomainError as exc:
                errors.append((f"budget-{line['code']}-{name}", message(exc)))
        if len(amounts) == 2:
            sent.append(
                (
                    line["code"],
                    services.BudgetIn(line["code"], amounts["fiscal"], amounts["self_raised"]),
                )
            )
    parsed_totals: dict[str, Decimal] = {}
    for name, label in (("fiscal_total", _("财政资金合计")), ("self_total", _("自筹资金合计"))):
        if not totals[name]:
            errors.append((name, _("请填写%(label)s") % {"label": label}))
            continue
        try:
            parsed_totals[name] = parse_yuan(totals[name], field=name)
        except DomainError as exc:
            errors.append((name, message(exc)))
    if not errors:
        try:
            services.application_save_budget(
                actor=request.user,
                application=application,
                lines=[b for _c, b in sent],
                fiscal_total=parsed_totals["fiscal_total"],
                self_total=parsed_totals["self_total"],
            )
        except DomainError as exc:
            field = exc.field or "budget"
            parts = field.split(".")
            if len(parts) == 3:
                field = f"budget.{sent[int(parts[1])][0]}.{parts[2]}"
            errors = [(anchor(field), message(exc))]
        else:
            return redirect("programs:application_tasks", application_id=application.pk)
    by_anchor = dict(errors)
    for line in lines:
        line_errors = {
            name: by_anchor[f"budget-{line['code']}-{name}"]
            for name in ("fiscal", "self_raised")
            if f"budget-{line['code']}-{name}" in by_anchor
        }
        line["errors"] = line_errors  # type: ignore[assignment]  # template data
    return _section(
        request,
        "budget.html",
        application,
        lines=lines,
        totals=totals,
        errors=errors,
        total_errors={k: by_anchor[k] for k in ("fiscal_total", "self_total") if k in by_anchor},
        status=422,
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_milestones(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _editable(request, application_id)
    if request.method == "GET":
        existing = [
            {"title": m.title, "due_date": m.due_date.isoformat(), "deliverables": m.deliverables}
            for m in application.milestones.all()
        ]
        typed = existing + [dict.fromkeys(MILESTONE_FIELDS, "")] * SPARE_ROWS
        return _section(request, "milestones.html", application, typed=typed)
    typed = rows(request, "milestones", MILESTONE_FIELDS, _count(request, 0))
    errors: list[tuple[str, str]] = []
    sent: list[tuple[int, services.MilestoneIn]] = []
    for i, r in enumerate(typed):
        if not filled(r, MILESTONE_FIELDS):
            continue
        try:
            due = date.fromisoformat(r["due_date"])
        except ValueError:
            errors.append((f"milestones-{i}-due_date", _("请按 2027-06-30 的格式填写计划完成日期")))
            continue
        sent.append((i, services.MilestoneIn(r["title"], due, r["deliverables"])))
    if not errors:
        try:
            services.application_save_milestones(
                actor=request.user, application=application, milestones=[m for _i, m in sent]
            )
        except DomainError as exc:
            field = exc.field or "milestones"
            parts = field.split(".")
            if len(parts) == 3:
                field = f"milestones.{sent[int(parts[1])][0]}.{parts[2]}"
            errors = [(anchor(field), message(exc))]
        else:
            return redirect("programs:application_tasks", application_id=application.pk)
    return _section(
        request,
        "milestones.html",
        application,
        typed=with_row_errors(typed, "milestones", errors),
        errors=errors,
        status=422,
    )


def _kinds(application: Application) -> list[dict[str, Any]]:
    required = set(application.call.required_attachments)
    return [
        {"code": code, "name": names[0], "required": code in required}
        for code, names in domain_formal_review.ATTACHMENT_KINDS.items()
    ]


@login_required
@require_http_methods(["GET", "POST"])
def application_attachments(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _editable(request, application_id)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        remove = request.POST.get("remove")
        try:
            if remove:
                services.application_detach(
                    actor=request.user, application=application, attachment_id=int(remove)
                )
            elif "file" not in request.FILES:
                errors = [("file", _("请选择要上传的文件"))]
            else:
                services.application_attach(
                    actor=request.user,
                    application=application,
                    kind=request.POST.get("kind", ""),
                    uploaded_file=request.FILES["file"],
                )
        except (DomainError, ValueError) as exc:
            errors = error_list(exc) if isinstance(exc, DomainError) else [("main", str(exc))]
        if not errors:
            return redirect("programs:application_attachments", application_id=application.pk)
        application = selectors.access_application(request.user, application_id)
    return _section(
        request,
        "attachments.html",
        application,
        kinds=_kinds(application),
        typed_kind=request.POST.get("kind", ""),
        errors=errors,
        status=422 if errors else 200,
    )


@login_required
@require_GET
def attachment_download(
    request: HttpRequest, application_id: int, attachment_id: int
) -> FileResponse:
    application = selectors.access_application(request.user, application_id)
    attachment = next((a for a in application.attachments.all() if a.pk == attachment_id), None)
    if attachment is None:
        raise Http404
    try:
        handle = storage_path(attachment.storage_name).open("rb")
    except (OSError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- check your answers, submit, confirmation -----------------------------------------


def _preview(application: Application) -> list[domain_formal_review.Check]:
    _decision, checks = domain_formal_review.formal_review(
        services.application_facts(application),
        domain.parameters_on(domain.FORMAL_REVIEW, timezone.localdate()),
        domain.parameters_on(domain.SIMILARITY, timezone.localdate()),
    )
    return domain_formal_review.submission_refusals(checks)


@login_required
@require_http_methods(["GET", "POST"])
def application_check(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _editable(request, application_id)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            if application.status == "draft":
                services.application_submit(actor=request.user, application=application)
            else:
                services.application_resubmit(actor=request.user, application=application)
        except DomainError as exc:
            errors = error_list(exc)
        else:
            return redirect("programs:application_done", application_id=application.pk)
    return _section(
        request,
        "check.html",
        application,
        problems=_preview(application),
        kinds=dict((k, v[0]) for k, v in domain_formal_review.ATTACHMENT_KINDS.items()),
        errors=errors,
        now=timezone.now(),
        status=422 if errors else 200,
    )


@login_required
@require_GET
def application_done(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.access_application(request.user, application_id)
    if application.case is None:
        raise Http404
    return _section(request, "done.html", application)


# --- formal review (staff) ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def application_review(request: HttpRequest, application_id: int) -> HttpResponse:
    if not can_run_programme(request.user):
        raise Http404
    application = selectors.access_application(request.user, application_id)
    if application.case is None:
        raise Http404
    action = request.POST.get("action", "")
    return_form = ReturnForm(request.POST if action == "return" else None)
    reject_form = ReasonForm(request.POST if action == "reject" else None, prefix="reject")
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            if action == "pass":
                services.formal_review_pass(actor=request.user, application=application)
            elif action == "return" and return_form.is_valid():
                services.formal_review_return(
                    actor=request.user,
                    application=application,
                    reason=return_form.cleaned_data["reason"],
                    correction_due=return_form.cleaned_data["correction_due"],
                )
            elif action == "reject" and reject_form.is_valid():
                services.formal_review_reject(
                    actor=request.user,
                    application=application,
                    reason=reject_form.cleaned_data["reason"],
                )
            elif action == "rerun":
                services.formal_review_rerun(actor=request.user, application=application)
            elif action not in ("return", "reject"):
                raise Http404
            else:
                errors = []
        except DomainError as exc:
            errors = error_list(exc)
        if not errors and not return_form.errors and not reject_form.errors:
            messages.success(request, _("已办理"))
            return redirect("programs:application_review", application_id=application.pk)
        for form in (return_form, reject_form):
            for name, problems in form.errors.items():
                errors += [(form[name].id_for_label, str(p)) for p in problems]
        errors = [e for e in errors if e[0] != "main"] or errors
        application = selectors.access_application(request.user, application_id)
    case = application.case
    assert case is not None
    return _section(
        request,
        "review.html",
        application,
        case=case,
        checks=list(application.formal_checks.all()[:5]),
        return_form=return_form,
        reject_form=reject_form,
        errors=errors,
        status=422 if errors else 200,
    )
