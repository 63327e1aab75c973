"""Voucher pages: enterprise (apply, my vouchers), provider (register, redeem, receivables),
staff (queues, settlement, oversight, year-end report) and the public figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rainforest.accounts.models import Organisation
from rainforest.core.errors import DomainError
from rainforest.vouchers import domain, selectors, services
from rainforest.vouchers.charts import burn_down_svg
from rainforest.vouchers.export import settlement_xlsx
from rainforest.vouchers.forms import (
    ApplicationForm,
    DisputeForm,
    PaidForm,
    ProviderForm,
    RedeemForm,
    SettlementForm,
)
from rainforest.vouchers.models import (
    ApplicationStatus,
    Provider,
    ProviderStatus,
    RedemptionStatus,
    SettlementStatus,
    VoucherApplication,
)
from rainforest.vouchers.permissions import enterprise_ids, is_voucher_staff, provider_org_ids

DRAFT_KEY = "voucher_application_draft"

# Which form field a service error belongs to, when the service names another.
_FORM_FIELDS = {"enterprise": None, "year": None, "period_start": "period_start"}


def _msg(exc: DomainError) -> str:
    return exc.message(get_language() or "zh-hans")


def _attach(form: Any, exc: DomainError) -> None:
    """Show a service's refusal on the form: against its field when the form has it."""
    field = _FORM_FIELDS.get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, _msg(exc))


def _enterprise(request: HttpRequest) -> Organisation:
    ids = enterprise_ids(request.user)
    if not ids:
        raise Http404
    return Organisation.objects.filter(pk__in=sorted(ids)).order_by("pk").first()  # type: ignore[return-value]  # ids is not empty


def _provider(request: HttpRequest) -> Provider | None:
    ids = provider_org_ids(request.user)
    if not ids:
        raise Http404
    return (
        Provider.objects.select_related("organisation", "case")
        .filter(organisation_id__in=sorted(ids))
        .first()
    )


def _staff(request: HttpRequest) -> None:
    if not is_voucher_staff(request.user):
        raise Http404


# --- home ---------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "vouchers/home.html",
        {
            "is_enterprise": bool(enterprise_ids(request.user)),
            "is_provider": bool(provider_org_ids(request.user)),
            "is_staff": is_voucher_staff(request.user),
        },
    )


# --- enterprise ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    providers = selectors.approved_providers()
    initial = request.session.get(DRAFT_KEY, {}).get("typed")
    form = ApplicationForm(request.POST or None, initial=initial, providers=providers)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        request.session[DRAFT_KEY] = {
            "typed": {k: request.POST.get(k, "") for k in form.fields},
            "clean": {
                "voucher_type": d["voucher_type"],
                "provider_id": d["provider"],
                "amount": str(d["amount"]),
                "planned_use": d["planned_use"],
                "contract_reference": d["contract_reference"],
                "legal_representative": d["legal_representative"],
                "shareholders": d["shareholders"],
                "enterprise_id": enterprise.pk,
            },
        }
        return redirect("vouchers:apply_check")
    return render(
        request,
        "vouchers/apply_form.html",
        {"form": form, "enterprise": enterprise, "year": timezone.localdate().year},
    )


def _draft_args(request: HttpRequest, clean: dict[str, Any]) -> dict[str, Any]:
    enterprise = _enterprise(request)
    if enterprise.pk != clean["enterprise_id"]:
        raise Http404
    return {
        "actor": request.user,
        "enterprise": enterprise,
        "provider": selectors.choosable_provider(clean["provider_id"]),
        "voucher_type": clean["voucher_type"],
        "year": timezone.localdate().year,
        "amount": Decimal(clean["amount"]),
        "planned_use": clean["planned_use"],
        "contract_reference": clean["contract_reference"],
        "legal_representative": clean["legal_representative"],
        "shareholders": [tuple(h) for h in clean["shareholders"]],
    }


@login_required
@require_http_methods(["GET", "POST"])
def apply_check(request: HttpRequest) -> HttpResponse:
    """Check your answers, with the eligibility decision as the rules see it now."""
    draft = request.session.get(DRAFT_KEY)
    if not draft:
        return redirect("vouchers:apply")
    try:
        args = _draft_args(request, draft["clean"])
    except Http404:
        del request.session[DRAFT_KEY]
        return redirect("vouchers:apply")
    errors: list[tuple[str, str]] = []
    decision = None
    try:
        _clean, decision = services.application_check(**args)
    except DomainError as exc:
        errors.append(("main", _msg(exc)))
    if request.method == "POST" and not errors:
        try:
            application = services.application_submit(**args)
        except DomainError as exc:
            errors.append(("main", _msg(exc)))
        else:
            del request.session[DRAFT_KEY]
            return redirect("vouchers:apply_done", application_id=application.pk)
    return render(
        request,
        "vouchers/apply_check.html",
        {
            "args": args,
            "type_name": domain.TYPE_NAMES[args["voucher_type"]][0],
            "decision": decision,
            "errors": errors,
        },
        status=409 if errors and request.method == "POST" else 200,
    )


@login_required
@require_GET
def apply_done(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.access_application(request.user, application_id)
    return render(request, "vouchers/apply_done.html", {"application": application})


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """An enterprise's vouchers with balances, invoices to confirm, and applications."""
    enterprise = _enterprise(request)
    vouchers = list(selectors.visible_vouchers(request.user).filter(enterprise=enterprise))
    pending = list(
        selectors.visible_redemptions(request.user).filter(
            voucher__enterprise=enterprise, status=RedemptionStatus.PENDING
        )
    )
    applications = list(
        selectors.visible_applications(request.user).filter(enterprise=enterprise)[:50]
    )
    return render(
        request,
        "vouchers/mine.html",
        {
            "enterprise": enterprise,
            "vouchers": vouchers,
            "pending": pending,
            "applications": applications,
            "dispute_form": DisputeForm(),
        },
    )


@login_required
@require_POST
def redemption_confirm(request: HttpRequest, redemption_id: int) -> HttpResponse:
    redemption = selectors.access_redemption(request.user, redemption_id)
    try:
        services.redemption_confirm(redemption=redemption, actor=request.user)
    except DomainError as exc:
        messages.error(request, _msg(exc))
    else:
        messages.success(
            request, _("已确认发票 %(number)s") % {"number": redemption.invoice_number}
        )
    return redirect("vouchers:mine")


@login_required
@require_http_methods(["GET", "POST"])
def redemption_dispute(request: HttpRequest, redemption_id: int) -> HttpResponse:
    redemption = selectors.access_redemption(request.user, redemption_id)
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.redemption_dispute(
                redemption=redemption, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request, _("已拒绝确认发票 %(number)s") % {"number": redemption.invoice_number}
            )
            return redirect("vouchers:mine")
    return render(request, "vouchers/dispute.html", {"form": form, "redemption": redemption})


# --- provider -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def provider_register(request: HttpRequest) -> HttpResponse:
    existing = _provider(request)
    if existing is not None:
        return redirect("vouchers:provider_home")
    org = Organisation.objects.filter(pk__in=sorted(provider_org_ids(request.user))).first()
    form = ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            provider = services.provider_register(
                actor=request.user,
                organisation=org,  # type: ignore[arg-type]  # _provider() checked there is one
                voucher_types=d["voucher_types"],
                legal_representative=d["legal_representative"],
                shareholders=d["shareholders"],
                services=d["services"],
                price_list=d["price_list"],
                bank_name=d["bank_name"],
                bank_account=d["bank_account"],
            )
        except DomainError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request,
                _("登记已提交，办件编号 %(number)s") % {"number": provider.case.number},
            )
            return redirect("vouchers:provider_home")
    return render(request, "vouchers/provider_register.html", {"form": form, "organisation": org})


@login_required
@require_GET
def provider_home(request: HttpRequest) -> HttpResponse:
    """A provider's receivables: awaiting confirmation, confirmed (owed) and paid."""
    provider = _provider(request)
    if provider is None:
        return redirect("vouchers:provider_register")
    redemptions = list(selectors.visible_redemptions(request.user).filter(provider=provider)[:200])
    return render(
        request,
        "vouchers/provider_home.html",
        {
            "provider": provider,
            "receivables": selectors.provider_receivables(provider),
            "redemptions": redemptions,
            "settlements": list(selectors.visible_settlements(request.user)[:50]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def redeem(request: HttpRequest) -> HttpResponse:
    provider = _provider(request)
    if provider is None or provider.status != ProviderStatus.APPROVED:
        raise Http404
    today = timezone.localdate().isoformat()
    form = RedeemForm(
        request.POST or None,
        initial={"invoice_date": today, "period_start": today, "period_end": today},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            voucher = selectors.voucher_for_provider(request.user, d["voucher_number"])
        except Http404:
            form.add_error("voucher_number", _("未找到以您为服务商的该券号，请核对券号。"))
        else:
            try:
                redemption = services.redemption_submit(
                    actor=request.user,
                    voucher=voucher,
                    invoice_number=d["invoice_number"],
                    invoice_amount=d["invoice_amount"],
                    invoice_date=d["invoice_date"],
                    period_start=d["period_start"],
                    period_end=d["period_end"],
                    usage_evidence=d["usage_evidence"],
                )
            except DomainError as exc:
                _attach(form, exc)
            else:
                return redirect("vouchers:redemption_done", redemption_id=redemption.pk)
    return render(request, "vouchers/redeem.html", {"form": form, "provider": provider})


@login_required
@require_GET
def redemption_done(request: HttpRequest, redemption_id: int) -> HttpResponse:
    return render(
        request,
        "vouchers/redemption_done.html",
        {"redemption": selectors.access_redemption(request.user, redemption_id)},
    )


# --- staff --------------------------------------------------------------------------------


@login_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    _staff(request)
    return render(
        request,
        "vouchers/staff_home.html",
        {
            "providers": list(
                selectors.visible_providers(request.user).filter(status=ProviderStatus.PENDING)
            ),
            "registered": list(
                selectors.visible_providers(request.user).filter(status=ProviderStatus.APPROVED)
            ),
            "applications": list(selectors.pending_applications()[:200]),
            "budgets": selectors.budget_figures(),
            "expired_due": selectors.visible_vouchers(request.user)
            .filter(status__in=["active", "used_up"], expires_on__lt=timezone.localdate())
            .count(),
        },
    )


@login_required
@require_POST
def staff_provider_suspend(request: HttpRequest, provider_id: int) -> HttpResponse:
    """Staff suspend a registered provider, with the reason, from the staff page."""
    _staff(request)
    provider = selectors.visible_providers(request.user).filter(pk=provider_id).first()
    if provider is None:
        raise Http404
    try:
        services.provider_suspend(
            provider=provider, actor=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message(get_language() or "zh-hans"))
    else:
        messages.success(
            request, _("已暂停服务商：%(name)s") % {"name": provider.organisation.name}
        )
    return redirect("vouchers:staff_home")


@login_required
@require_POST
def staff_expire_due(request: HttpRequest) -> HttpResponse:
    _staff(request)
    done = services.vouchers_expire_due(actor=request.user)
    messages.success(request, _("已处理到期券 %(n)s 张") % {"n": len(done)})
    return redirect("vouchers:staff_home")


@login_required
@require_http_methods(["GET", "POST"])
def staff_settlements(request: HttpRequest) -> HttpResponse:
    _staff(request)
    providers = list(
        Provider.objects.select_related("organisation")
        .exclude(status=ProviderStatus.PENDING)
        .exclude(status=ProviderStatus.REJECTED)
    )
    form = SettlementForm(request.POST or None, providers=providers)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        provider = next((p for p in providers if p.pk == d["provider"]), None)
        if provider is None:
            form.add_error("provider", _("请选择服务商"))
        else:
            try:
                settlement = services.settlement_create(
                    provider=provider,
                    period_start=d["period_start"],
                    period_end=d["period_end"],
                    actor=request.user,
                )
            except DomainError as exc:
                _attach(form, exc)
            else:
                messages.success(
                    request, _("已生成结算单 %(number)s") % {"number": settlement.number}
                )
                return redirect("vouchers:staff_settlements")
    return render(
        request,
        "vouchers/staff_settlements.html",
        {
            "form": form,
            "settlements": list(selectors.visible_settlements(request.user)[:200]),
            "open_status": SettlementStatus.OPEN,
            "receivables": [(p, selectors.provider_receivables(p)) for p in providers],
        },
    )


@login_required
@require_POST
def staff_settlement_paid(request: HttpRequest, settlement_id: int) -> HttpResponse:
    _staff(request)
    settlement = selectors.access_settlement(request.user, settlement_id)
    form = PaidForm(request.POST)
    if form.is_valid():
        try:
            services.settlement_mark_paid(
                settlement=settlement, reference=form.cleaned_data["reference"], actor=request.user
            )
        except DomainError as exc:
            messages.error(request, _msg(exc))
        else:
            messages.success(request, _("已登记付款：%(number)s") % {"number": settlement.number})
    else:
        messages.error(request, _("请填写付款凭证号"))
    return redirect("vouchers:staff_settlements")


@login_required
@require_GET
def settlement_download(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = selectors.access_settlement(request.user, settlement_id)
    response = HttpResponse(
        settlement_xlsx(settlement),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{settlement.number}.xlsx"'
    return response


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year


@login_required
@require_GET
def oversight(request: HttpRequest) -> HttpResponse:
    """Burn-down per kind (chart and numbers), top enterprises and providers, flags."""
    _staff(request)
    year = _year(request)
    figures = selectors.budget_figures(year)
    charts = []
    for f in figures:
        points = selectors.burn_down(f.voucher_type, year)
        title = f"{year}年{f.name_zh}预算使用情况"
        charts.append(
            {
                "figures": f,
                "points": points,
                # burn_down_svg escapes every text it draws.
                "svg": mark_safe(burn_down_svg(title, f.budget, points)),  # noqa: S308 -- escaped in charts.py
            }
        )
    return render(
        request,
        "vouchers/oversight.html",
        {
            "year": year,
            "years": selectors.years_with_budgets(),
            "charts": charts,
            "top_enterprises": selectors.top_enterprises(year),
            "top_providers": selectors.top_providers(year),
            "flags": selectors.oversight_flags(year),
        },
    )


@login_required
@require_GET
def year_report(request: HttpRequest, year: int) -> HttpResponse:
    """The year-end report (年度报告): where each budget's money went."""
    _staff(request)
    figures = selectors.budget_figures(year)
    if not figures:
        raise Http404
    return render(
        request,
        "vouchers/year_report.html",
        {
            "year": year,
            "figures": figures,
            "public": selectors.public_figures(year),
            "top_enterprises": selectors.top_enterprises(year, limit=20),
            "top_providers": selectors.top_providers(year, limit=20),
            "flags": selectors.oversight_flags(year),
            "applications": {
                s: VoucherApplication.objects.filter(year=year, status=s).count()
                for s in ApplicationStatus.values
            },
        },
    )


# --- public -------------------------------------------------------------------------------


@require_GET
def public_figures(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    return render(
        request,
        "vouchers/public_figures.html",
        {
            "year": year,
            "years": selectors.years_with_budgets(),
            "figures": selectors.public_figures(year),
            "providers": selectors.approved_providers(),
            "seed": domain.SEED_LETTER,
        },
    )
