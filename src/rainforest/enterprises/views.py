"""Pages: the public calculators, the registry for staff, an enterprise's own page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rainforest.core.errors import DomainError
from rainforest.core.money import format_yuan
from rainforest.enterprises import domain, selectors, services
from rainforest.enterprises.charts import bar_chart, pyramid_chart
from rainforest.enterprises.forms import (
    HnteForm,
    ImportForm,
    RdForm,
    RegistryFilterForm,
    initial_from,
    today_initial,
)
from rainforest.enterprises.importer import template_workbook
from rainforest.enterprises.permissions import can_manage_registry, can_view_registry

PAGE_SIZE = 50


def _language() -> str:
    return get_language() or "zh-hans"


def _name(codes: dict[str, tuple[str, str]], code: str) -> str:
    names = codes.get(code, (code, code))
    return names[1] if _language().startswith("en") else names[0]


# --- public calculators -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def hnte_check(request: HttpRequest) -> HttpResponse:
    """国家高新技术企业自评: the form, then each criterion passed or failed, and why."""
    if request.method == "POST":
        form = HnteForm(request.POST)
    else:
        form = HnteForm(initial={**today_initial(), **initial_from(request.GET.dict(), HnteForm)})
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = domain.hnte_check(form.cleaned_data["facts"])
        except DomainError as exc:
            form.add_domain_error(exc)
    language = _language()
    context: dict[str, Any] = {"form": form}
    if result is not None:
        context["result"] = result
        context["criteria"] = [
            {
                "code": c.code,
                "name": _name(domain.HNTE_CRITERIA, c.code),
                "passed": c.passed,
                "detail": c.detail.text(language),
            }
            for c in result.criteria
        ]
        context["reasons"] = result.decision.reasons_in(language)
        context["citations"] = [c.text() for c in result.decision.citations]
        context["version"] = (
            f"{result.decision.parameters_name} {result.decision.parameters_version}"
        )
    return render(request, "enterprises/hnte_check.html", context)


@require_http_methods(["GET", "POST"])
def rd_deduction(request: HttpRequest) -> HttpResponse:
    """研发费用加计扣除: the form, then the extra deduction and the amortisation base."""
    if request.method == "POST":
        form = RdForm(request.POST)
    else:
        initial = {"tax_year": str(timezone.localdate().year), "special_sector": "none"}
        form = RdForm(initial={**initial, **initial_from(request.GET.dict(), RdForm)})
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            result = domain.rd_deduction(form.cleaned_data["facts"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            context["result"] = result
            context["facts"] = form.cleaned_data["facts"]
            context["additional"] = format_yuan(result.additional_deduction)
            context["base"] = format_yuan(result.amortisation_base)
            context["reasons"] = result.decision.reasons_in(_language())
            context["citations"] = [c.text() for c in result.decision.citations]
            context["version"] = (
                f"{result.decision.parameters_name} {result.decision.parameters_version}"
            )
    return render(request, "enterprises/rd_deduction.html", context)


# --- the registry, for staff ------------------------------------------------------------


def _staff_only(request: HttpRequest) -> None:
    if not can_view_registry(request.user):
        raise Http404


@login_required
@require_GET
def registry(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = RegistryFilterForm(request.GET or None)
    filters = selectors.RegistryFilters()
    if form.is_valid():
        d = form.cleaned_data
        filters = selectors.RegistryFilters(
            q=d["q"].strip(), district=d["district"], industry=d["industry"], tier=d["tier"]
        )
    today = timezone.localdate()
    page = Paginator(selectors.registry_list(filters, today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "enterprises/registry.html",
        {
            "filter_form": form,
            "page": page,
            "today": today,
            "query": query.urlencode(),
            "can_import": can_manage_registry(request.user),
        },
    )


@login_required
@require_GET
def charts(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    today = timezone.localdate()
    tier = request.GET.get("tier", "")
    if tier not in domain.TIERS:
        tier = ""
    tiers = [(_name(domain.TIERS, code), n) for code, n in selectors.tier_counts(today)]
    districts = [
        (_name(domain.DISTRICTS, code), n)
        for code, n in selectors.counts_by("district", today, tier)
    ]
    industries = [
        (_name(domain.INDUSTRIES, code), n)
        for code, n in selectors.counts_by("industry", today, tier)
    ]
    scope = _name(domain.TIERS, tier) if tier else _("全部企业")
    return render(
        request,
        "enterprises/charts.html",
        {
            "today": today,
            "tier": tier,
            "tiers": [(code, _name(domain.TIERS, code)) for code in domain.TIERS],
            "pyramid": pyramid_chart(
                tiers, title=_("梯度金字塔：持有有效资质的企业数"), chart_id="chart-tiers"
            ),
            "by_district": bar_chart(
                districts,
                title=_("按所在区统计（%(scope)s）") % {"scope": scope},
                chart_id="chart-districts",
            ),
            "by_industry": bar_chart(
                industries,
                title=_("按行业统计（%(scope)s）") % {"scope": scope},
                chart_id="chart-industries",
            ),
            "scope": scope,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def registry_import(request: HttpRequest) -> HttpResponse:
    if not can_manage_registry(request.user):
        raise Http404
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = services.enterprise_import_file(
            actor=request.user, stream=upload, source=upload.name[:100]
        )
        context["result"] = result
        context["row_errors"] = [
            {
                "row": e.row,
                "column": e.column,
                "header": e.header,
                "value": e.value,
                "message": e.message(_language()),
            }
            for e in result.errors
        ]
        if not result.ok:
            context["errors"] = context["row_errors"]  # the title says 「错误：」
    return render(request, "enterprises/import.html", context)


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    if not can_manage_registry(request.user):
        raise Http404
    response = HttpResponse(
        template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="enterprise-registry-template.xlsx"'
    return response


# --- an enterprise's own page -----------------------------------------------------------


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The enterprises of the person's organisations; straight to it when there is one."""
    found = selectors.enterprises_of(request.user)
    if len(found) == 1:
        return redirect("enterprises:detail", enterprise_id=found[0].pk)
    return render(request, "enterprises/mine.html", {"enterprises": found})


@login_required
@require_GET
def detail(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = selectors.access_enterprise(request.user, enterprise_id)
    today = timezone.localdate()
    holdings = [
        {
            "tier": h.tier,
            "name": _name(domain.TIERS, h.tier),
            "certificate_number": h.certificate_number,
            "awarded_on": h.awarded_on,
            "valid_until": h.valid_until,
            "valid": h.valid_until is None or h.valid_until >= today,
        }
        for h in enterprise.holdings.all()
    ]
    language = _language()
    steps = [
        {
            "tier": s.tier,
            "name": _name(domain.TIERS, s.tier),
            "action": s.action,
            "reason": s.reason.text(language),
        }
        for s in domain.next_steps(
            selectors.holdings_of(enterprise),
            size=enterprise.size,
            industry=enterprise.industry,
            today=today,
        )
    ]
    return render(
        request,
        "enterprises/detail.html",
        {
            "enterprise": enterprise,
            "holdings": holdings,
            "steps": steps,
            "today": today,
            "is_staff_view": can_view_registry(request.user),
        },
    )
