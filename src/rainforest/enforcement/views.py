"""Pages for police legal officers: requests, recording one, a request with its checklist,
the monthly report. Everyone else gets 404 on every one of them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rainforest.cases import registry
from rainforest.cases.attachments import attachment_open, download_name
from rainforest.core.errors import DomainError
from rainforest.core.policy import Decision
from rainforest.enforcement import domain, services
from rainforest.enforcement.forms import ControlsForm, DocumentForm, RequestForm
from rainforest.enforcement.models import EnforcementRequest
from rainforest.enforcement.process import (
    OUTCOME_NAMES,
    OUTCOMES,
    PROCESS_CODE,
    ROUTE_ACTIONS,
)
from rainforest.enforcement.selectors import (
    access_request,
    monthly_report,
    require_police,
    visible_requests,
)

LEVEL_ZH = {level: names[0] for level, names in domain.LEVEL_NAMES.items()}


def _lang() -> str:
    return get_language() or "zh-hans"


def _stage_names() -> dict[str, str]:
    defn = registry.get(PROCESS_CODE)
    return {s.code: s.name_zh for s in defn.stages}


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    require_police(request.user)
    rows = list(visible_requests(request.user)[:200])
    names = _stage_names()
    for r in rows:
        r.stage_name = names.get(r.case.stage, r.case.stage)
        r.level_name = LEVEL_ZH.get(r.level, r.level)
    return render(request, "enforcement/request_list.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    require_police(request.user)
    form = RequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            created = services.request_file(
                actor=request.user,
                agency_name=d["agency_name"],
                agency_region=d["agency_region"],
                agency_letter_no=d["agency_letter_no"],
                enterprise_name=d["enterprise_name"],
                enterprise_uscc=d["enterprise_uscc"],
                persons=d["persons"],
                persons_count=d["persons_count"],
                property_value=d["property_value"],
                bank_accounts=d["bank_accounts"],
                measures_note=d["measures_note"],
                documents=[d["document"]] if d.get("document") else [],
            )
        except DomainError as exc:
            target = exc.field if exc.field in form.fields else None
            if exc.field == "file":
                target = "document"
            elif exc.field and exc.field.startswith("persons"):
                target = "persons"
            form.add_error(target, exc.message(_lang()))
        else:
            messages.success(
                request,
                _("已登记协作申请 %(number)s，审批层级：%(level)s")
                % {"number": created.case.number, "level": LEVEL_ZH[created.level]},
            )
            return redirect("enforcement:request_detail", request_id=created.pk)
    status = 422 if form.errors else 200
    return render(request, "enforcement/request_form.html", {"form": form}, status=status)


def _detail_page(
    request: HttpRequest,
    r: EnforcementRequest,
    *,
    controls_form: ControlsForm | None = None,
    document_form: DocumentForm | None = None,
    errors: list[tuple[str, str]] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    # Every showing of the request is on the record, also a page shown again after an error.
    services.record_view(actor=request.user, case=r.case, via="page")
    defn = registry.get(r.case.process_code, r.case.process_version)
    names = {s.code: s.name_zh for s in defn.stages}
    actions = []
    for t in defn.transitions_from(r.case.stage):
        if t.action in ROUTE_ACTIONS.values() and t.action != ROUTE_ACTIONS[r.level]:
            continue
        actions.append(t)
    action_names = {"open": _("登记"), **{t.action: t.name_zh for t in defn.transitions}}
    timeline = list(r.case.timeline.select_related("actor"))
    for entry in timeline:
        entry.action_name = action_names.get(entry.action, entry.action)
        entry.to_name = names.get(entry.to_stage, entry.to_stage)
    decision = Decision.from_dict(r.level_decision)
    done = r.controls_done()
    controls = [
        {
            "code": code,
            "name": domain.CONTROL_NAMES[code][0],
            "done": done[code],
            "required": not (code == "case_centre" and r.persons_count == 0),
        }
        for code in domain.CONTROL_ITEMS
    ]
    editable = r.case.stage in ("review", "department_approval", "bureau_approval", "approved")
    return render(
        request,
        "enforcement/request_detail.html",
        {
            "r": r,
            "case": r.case,
            "stage_name": names.get(r.case.stage, r.case.stage),
            "level_name": LEVEL_ZH[r.level],
            "decision": decision,
            "reasons": decision.reasons_in(_lang()),
            "triggered_by": [domain.FIELD_NAMES[f][0] for f in domain.triggered_by(decision)],
            "controls": controls,
            "missing": [domain.CONTROL_NAMES[c][0] for c in r.missing_controls()],
            "controls_form": controls_form
            or ControlsForm(
                initial={
                    "two_way_notice": r.two_way_notice,
                    "instruction_sheet_no": r.instruction_sheet_no,
                    "accompanying_officers": r.accompanying_officers,
                    "body_camera_ref": r.body_camera_ref,
                    "case_centre": r.case_centre,
                }
            ),
            "controls_editable": editable,
            "document_form": document_form or DocumentForm(),
            "actions": actions,
            "timeline": timeline,
            "documents": list(r.case.attachments.all()),
            "persons": list(r.persons.all()),
            "errors": errors or [],
            "typed": typed or {},
            "open": r.case.status == "open",
        },
        status=status,
    )


@login_required
@require_GET
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    return _detail_page(request, access_request(request.user, request_id))


@login_required
@require_POST
def request_controls(request: HttpRequest, request_id: int) -> HttpResponse:
    r = access_request(request.user, request_id)
    form = ControlsForm(request.POST)
    if form.is_valid():
        try:
            services.controls_update(request=r, actor=request.user, changes=form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message(_lang()))
        else:
            messages.success(request, _("已保存执法管控措施"))
            return redirect("enforcement:request_detail", request_id=r.pk)
    return _detail_page(
        request, access_request(request.user, request_id), controls_form=form, status=422
    )


@login_required
@require_POST
def request_document(request: HttpRequest, request_id: int) -> HttpResponse:
    r = access_request(request.user, request_id)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_add(
                request=r,
                actor=request.user,
                uploaded_file=form.cleaned_data["file"],
                purpose=form.cleaned_data["purpose"],
            )
        except DomainError as exc:
            form.add_error(
                "file" if exc.field in (None, "file") else "purpose", exc.message(_lang())
            )
        else:
            messages.success(request, _("已上传法律文书"))
            return redirect("enforcement:request_detail", request_id=r.pk)
    return _detail_page(request, r, document_form=form, status=422)


@login_required
@require_POST
def request_act(request: HttpRequest, request_id: int) -> HttpResponse:
    """One action from the request's page; problems come back on the same page."""
    r = access_request(request.user, request_id)
    action = request.POST.get("action", "")
    text = request.POST.get("text", "").strip()
    try:
        if action == "route":
            services.request_route(request=r, actor=request.user)
        elif action == "approve":
            services.request_approve(request=r, actor=request.user, reference=text)
        elif action == "refuse":
            services.request_refuse(request=r, actor=request.user, reason=text)
        elif action == "execute":
            services.request_execute(request=r, actor=request.user, note=text)
        elif action == "stop":
            services.request_stop(request=r, actor=request.user, reason=text)
        elif action == "report":
            services.request_report(request=r, actor=request.user, report=text)
        else:
            raise Http404
    except DomainError as exc:
        anchor = f"text-{action}" if exc.field in ("reason", "reference") else "main"
        if exc.field == "controls":
            anchor = "controls"
        return _detail_page(
            request,
            access_request(request.user, request_id),
            errors=[(anchor, exc.message(_lang()))],
            typed={"action": action, "text": text},
            status=exc.http_status,
        )
    messages.success(request, _("已办理：%(number)s") % {"number": r.case.number})
    return redirect("enforcement:request_detail", request_id=r.pk)


@login_required
@require_GET
def document_download(request: HttpRequest, request_id: int, attachment_id: int) -> FileResponse:
    r = access_request(request.user, request_id)
    attachment, handle = attachment_open(user=request.user, attachment_id=attachment_id)
    if attachment.case_id != r.case_id:
        handle.close()
        raise Http404
    services.record_view(actor=request.user, case=r.case, via=f"document:{attachment.pk}")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(attachment),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def report_monthly(request: HttpRequest) -> HttpResponse:
    require_police(request.user)
    year_raw = request.GET.get("year", "").strip()
    year = int(year_raw) if year_raw.isdigit() and 2000 <= int(year_raw) <= 2100 else None
    months = monthly_report(request.user, year=year)
    levels = [(lv, LEVEL_ZH[lv]) for lv in reversed(domain.LEVELS)]
    outcomes = [(o, OUTCOME_NAMES[o][0]) for o in OUTCOMES]
    table = [
        {
            "month": m["month"],
            "total": m["total"],
            "rows": [
                {
                    "level": name,
                    "cells": [m["by_level"][lv][o] for o, _n in outcomes],
                    "total": sum(m["by_level"][lv].values()),
                }
                for lv, name in levels
            ],
        }
        for m in months
    ]
    return render(
        request,
        "enforcement/report_monthly.html",
        {
            "table": table,
            "outcomes": outcomes,
            "year": year or "",
            "this_year": timezone.localdate().year,
        },
    )
