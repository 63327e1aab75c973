"""Pages: the public set-aside calculator, and an agency officer's projects, bids,
evaluation, award, OCDS export and yearly report."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rainforest.accounts.models import Organisation
from rainforest.core.errors import DomainError
from rainforest.core.policy import Decision
from rainforest.language import english
from rainforest.procurement import domain, services
from rainforest.procurement.forms import BidForm, ItemFormSet, ProjectForm, SetAsideForm
from rainforest.procurement.ocds import release_package
from rainforest.procurement.permissions import procurement_agency_ids
from rainforest.procurement.selectors import (
    access_bid,
    access_lot,
    access_project,
    project_lots,
    visible_projects,
    yearly_report,
)


def _lang() -> str:
    return "en" if english() else "zh"


def _explain(stored: dict[str, Any] | Decision | None) -> dict[str, Any] | None:
    """Reasons and citations of a decision, in the page's language."""
    if not stored:
        return None
    d = stored if isinstance(stored, Decision) else Decision.from_dict(stored)
    return {
        "outcome": d.outcome,
        "reasons": d.reasons_in(_lang()),
        "citations": [c.text() for c in d.citations],
        "parameters_version": f"{d.parameters_name} {d.parameters_version}",
    }


def _agencies(request: HttpRequest) -> list[Organisation]:
    ids = procurement_agency_ids(request.user)
    if not ids:
        raise Http404
    return list(Organisation.objects.filter(pk__in=ids))


@require_GET
def set_aside_calculator(request: HttpRequest) -> HttpResponse:
    """Public: the form answers on the same page, with the reasons and the provisions."""
    asked = "budget" in request.GET
    form = SetAsideForm(request.GET if asked else None)
    result: dict[str, Any] | None = None
    if asked and form.is_valid():
        d = form.cleaned_data
        try:
            decided = domain.decide_set_aside(
                category=d["category"],
                budget=d["budget"],
                suitable_for_sme=d["suitable_for_sme"] == "yes",
                exception=d["exception"] or None,
                params=domain.parameters_on(domain.SET_ASIDE, timezone.localdate()),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message(_lang()))
        else:
            result = {
                "outcome": decided.outcome,
                "outcome_name": domain.OUTCOME_NAMES[decided.outcome][0 if _lang() == "zh" else 1],
                "sme_reserved_min": decided.sme_reserved_min,
                "small_micro_reserved_min": decided.small_micro_reserved_min,
                "budget": d["budget"],
                **(_explain(decided.decision) or {}),
            }
    return render(
        request, "procurement/set_aside_calculator.html", {"form": form, "result": result}
    )


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    _agencies(request)
    projects = list(visible_projects(request.user)[:200])
    return render(
        request,
        "procurement/project_list.html",
        {"projects": projects, "year": timezone.localdate().year},
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: HttpRequest) -> HttpResponse:
    agency = _agencies(request)[0]
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            project = services.project_create(
                actor=request.user,
                agency=agency,
                reference=d["reference"],
                title=d["title"],
                category=d["category"],
                budget=d["budget"],
                suitable_for_sme=d["suitable_for_sme"] == "yes",
                exception=d["exception"] or None,
                lots=[services.LotIn(t, b, r) for t, b, r in d["lots"]],
                small_micro_rate=d["small_micro_rate"],
                consortium_rate=d["consortium_rate"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message(_lang()))
        else:
            return redirect("procurement:project_detail", project_id=project.pk)
    return render(request, "procurement/project_form.html", {"form": form, "agency": agency})


@login_required
@require_GET
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    lots = project_lots(project)
    for lot in lots:
        lot.explained_reversion = _explain(lot.reversion)
    return render(
        request,
        "procurement/project_detail.html",
        {
            "project": project,
            "lots": lots,
            "decision": _explain(project.decision),
            "outcome_name": domain.OUTCOME_NAMES[project.outcome][0 if _lang() == "zh" else 1],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def bid_new(request: HttpRequest, project_id: int, lot_id: int) -> HttpResponse:
    lot = access_lot(request.user, project_id, lot_id)
    form = BidForm(request.POST or None)
    items = ItemFormSet(request.POST or None, prefix="items")
    errors: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid() and items.is_valid():
        d = form.cleaned_data
        lines = [
            services.ItemIn(
                item_name=i["item_name"],
                manufacturer=i["manufacturer"],
                industry=i["industry"],
                employees=i.get("employees"),
                revenue=i.get("revenue"),
                assets=i.get("assets"),
                declared_size=i["declared_size"],
            )
            for i in items.cleaned_data
            if i
        ]
        try:
            services.bid_record(
                actor=request.user,
                lot=lot,
                supplier_name=d["supplier_name"],
                supplier_uscc=d["supplier_uscc"],
                price=d["price"],
                small_micro_share=d["small_micro_share"],
                items=lines,
            )
        except DomainError as exc:
            errors.append((exc.field or "", exc.message(_lang())))
        else:
            return redirect("procurement:project_detail", project_id=lot.project_id)
    if request.method == "POST":
        errors += [("", str(e)) for e in items.non_form_errors()]
        for index, item_errors in enumerate(items.errors):
            for name, messages in item_errors.items():
                label = (
                    items.forms[index].fields[name].label
                    if name in items.forms[index].fields
                    else ""
                )
                errors += [
                    (f"items-{index}-{name}", f"第 {index + 1} 项 {label}：{m}") for m in messages
                ]
    return render(
        request,
        "procurement/bid_form.html",
        {"form": form, "items": items, "lot": lot, "project": lot.project, "errors": errors},
        status=422 if errors else 200,
    )


@login_required
@require_POST
def lot_evaluate(request: HttpRequest, project_id: int, lot_id: int) -> HttpResponse:
    lot = access_lot(request.user, project_id, lot_id)
    try:
        services.lot_evaluate(actor=request.user, lot=lot)
    except DomainError as exc:
        messages.error(request, exc.message(_lang()))
    return redirect("procurement:project_detail", project_id=lot.project_id)


@login_required
@require_POST
def lot_award(request: HttpRequest, project_id: int, lot_id: int) -> HttpResponse:
    lot = access_lot(request.user, project_id, lot_id)
    bid = access_bid(lot, request.POST.get("bid"))
    try:
        services.lot_award(actor=request.user, lot=lot, bid=bid)
    except DomainError as exc:
        messages.error(request, exc.message(_lang()))
    return redirect("procurement:project_detail", project_id=lot.project_id)


@login_required
@require_GET
def project_ocds(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project(request.user, project_id)
    package = release_package(
        project, project_lots(project), now=timezone.now(), uri=request.build_absolute_uri()
    )
    response = HttpResponse(
        json.dumps(package, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="ocds-{project.reference}.json"'
    return response


@login_required
@require_GET
def report(request: HttpRequest, year: int) -> HttpResponse:
    _agencies(request)
    return render(
        request,
        "procurement/report.html",
        {"rows": yearly_report(request.user, year), "year": year},
    )
