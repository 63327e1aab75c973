"""Vouchers over the API: providers, applications, vouchers, redemptions, settlements.

Amounts in requests are strings or integers of yuan (floats refused, see parse_yuan);
amounts in responses are decimal strings with two decimals.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import WithJsonSchema

from rainforest.accounts.models import Organisation
from rainforest.api.auth import AUTH
from rainforest.core.errors import ValidationError
from rainforest.core.ids import is_valid_uscc, normalise_uscc
from rainforest.core.money import format_yuan_plain, parse_yuan
from rainforest.vouchers import selectors, services
from rainforest.vouchers.export import settlement_xlsx
from rainforest.vouchers.models import Provider, Redemption, Settlement, Voucher, VoucherApplication
from rainforest.vouchers.permissions import enterprise_ids, is_voucher_staff, provider_org_ids

router = Router(tags=["vouchers: 训力券 / 模型券 / 语料券"], auth=AUTH)

AmountIn = Annotated[
    Any, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}, mode="validation")
]
VoucherTypeIn = Literal["compute", "model", "corpus"]


def _money(value: Any) -> str:
    return format_yuan_plain(value)


def _en(request: HttpRequest) -> bool:
    return (getattr(request, "LANGUAGE_CODE", "") or "").startswith("en")


def _forbidden_unless_staff(request: HttpRequest) -> None:
    if not is_voucher_staff(request.user):
        raise Http404


def _org_for(
    request: HttpRequest, uscc: str | None, ids: frozenset[int], field: str
) -> Organisation:
    """The organisation the person acts for: named by its code, or the only one they have."""
    orgs = Organisation.objects.filter(pk__in=sorted(ids))
    if uscc:
        code = normalise_uscc(uscc)
        found = orgs.filter(uscc=code).first() if is_valid_uscc(code) else None
        if found is None:
            raise ValidationError(
                "您不能代表该统一社会信用代码对应的机构办理。",
                "You do not act for the organisation with this credit code.",
                field=field,
                code="not_your_organisation",
            )
        return found
    found_list = list(orgs[:2])
    if len(found_list) != 1:
        raise ValidationError(
            "请填写您所代表机构的统一社会信用代码。"
            if found_list
            else "您不代表任何可办理此事项的机构。",
            "Give the credit code of the organisation you act for."
            if found_list
            else "You do not act for any organisation that may do this.",
            field=field,
            code="organisation_required",
        )
    return found_list[0]


# --- schemas ------------------------------------------------------------------------------


class HolderIn(Schema):
    name: str = Field(..., max_length=200)
    percent: str = Field(..., max_length=10, description="持股百分比，如 25.5")


class ProviderIn(Schema):
    organisation_uscc: str | None = Field(None, max_length=40)
    voucher_types: list[VoucherTypeIn] = Field(..., max_length=3)
    legal_representative: str = Field(..., max_length=200)
    shareholders: list[HolderIn] = Field(..., max_length=100)
    services: str = Field(..., max_length=8000)
    price_list: str = Field(..., max_length=8000)
    bank_name: str = Field(..., max_length=400)
    bank_account: str = Field(..., max_length=64)


class ProviderOut(Schema):
    id: int
    name: str
    uscc: str
    case_id: int
    case_number: str
    status: str
    voucher_types: list[str]
    services: str
    price_list: str


class PublicProviderOut(Schema):
    id: int
    name: str
    uscc: str
    voucher_types: list[str]
    services: str
    price_list: str


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class ApplicationIn(Schema):
    enterprise_uscc: str | None = Field(None, max_length=40)
    provider_id: int = Field(..., ge=1, le=2**31 - 1)
    voucher_type: VoucherTypeIn
    year: int = Field(..., ge=2000, le=2100)
    amount: AmountIn = Field(..., description='元：如 "500000" 或 "50万"')
    planned_use: str = Field(..., max_length=8000)
    contract_reference: str = Field(..., max_length=400)
    legal_representative: str = Field(..., max_length=200)
    shareholders: list[HolderIn] = Field(..., max_length=100)


class DecisionOut(Schema):
    outcome: str
    reasons: list[str]
    citations: list[str]
    parameters_version: str


class ApplicationOut(Schema):
    id: int
    case_id: int
    case_number: str
    stage: str
    due_at: datetime | None
    enterprise: str
    enterprise_uscc: str
    provider_id: int
    provider: str
    voucher_type: str
    year: int
    amount: str
    status: str
    eligibility: DecisionOut
    voucher_number: str | None


class VoucherOut(Schema):
    id: int
    number: str
    voucher_type: str
    year: int
    enterprise: str
    enterprise_uscc: str
    provider: str
    provider_uscc: str
    face_value: str
    balance: str  # remaining value, including amounts held for invoices awaiting confirmation
    available: str  # what a new invoice can still draw on
    held: str
    issued_at: datetime
    expires_on: date
    status: str
    returned_to_budget: str


class RedemptionIn(Schema):
    voucher_number: str = Field(..., max_length=40)
    invoice_number: str = Field(..., max_length=60)
    invoice_amount: AmountIn = Field(..., description="发票金额（元，含税）")
    invoice_date: date
    period_start: date
    period_end: date
    usage_evidence: str = Field(..., max_length=8000)


class FlagOut(Schema):
    code: str
    text: str


class RedemptionOut(Schema):
    id: int
    voucher_number: str
    enterprise: str
    provider: str
    invoice_number: str
    invoice_amount: str
    invoice_date: date
    subsidy: str
    amount: str
    status: str
    flags: list[FlagOut]
    settlement_number: str | None


class SettlementIn(Schema):
    provider_id: int = Field(..., ge=1, le=2**31 - 1)
    period_start: date
    period_end: date


class PaidIn(Schema):
    reference: str = Field(..., max_length=200)


class SettlementOut(Schema):
    id: int
    number: str
    provider: str
    provider_uscc: str
    period_start: date
    period_end: date
    total: str
    lines: int
    status: str
    paid_reference: str
    paid_at: datetime | None
    xlsx_url: str


class BudgetIn(Schema):
    voucher_type: VoucherTypeIn
    year: int = Field(..., ge=2000, le=2100)
    amount: AmountIn = Field(None, description="默认为参数规定的年度预算")


class BudgetOut(Schema):
    voucher_type: str
    name: str
    year: int
    budget: str
    remaining: str
    issued: str
    outstanding: str
    redeemed: str
    pending: str
    returned: str
    vouchers: int
    enterprises: int


class FiguresOut(Schema):
    budgets: list[BudgetOut]
    enterprises: int


class YearFilter(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


class ListFilters(Schema):
    limit: int = Field(50, ge=1, le=200)


# --- rendering ----------------------------------------------------------------------------


def _provider(p: Provider) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.organisation.name,
        "uscc": p.organisation.uscc,
        "case_id": p.case_id,
        "case_number": p.case.number,
        "status": p.status,
        "voucher_types": p.voucher_types,
        "services": p.services,
        "price_list": p.price_list,
    }


def _decision(request: HttpRequest, d: dict[str, Any]) -> dict[str, Any]:
    en = _en(request)
    return {
        "outcome": d.get("outcome", ""),
        "reasons": [r["en"] if en else r["zh"] for r in d.get("reasons", [])],
        "citations": [f"{c['document']} {c['article']}".strip() for c in d.get("citations", [])],
        "parameters_version": f"{d.get('parameters_name', '')} {d.get('parameters_version', '')}".strip(),
    }


def _application(request: HttpRequest, a: VoucherApplication) -> dict[str, Any]:
    voucher = getattr(a, "voucher", None) if a.status == "issued" else None
    return {
        "id": a.pk,
        "case_id": a.case_id,
        "case_number": a.case.number,
        "stage": a.case.stage,
        "due_at": a.case.due_at,
        "enterprise": a.enterprise.name,
        "enterprise_uscc": a.enterprise.uscc,
        "provider_id": a.provider_id,
        "provider": a.provider.organisation.name,
        "voucher_type": a.voucher_type,
        "year": a.year,
        "amount": _money(a.amount),
        "status": a.status,
        "eligibility": _decision(request, a.eligibility),
        "voucher_number": voucher.number if voucher else None,
    }


def _voucher(v: Voucher) -> dict[str, Any]:
    return {
        "id": v.pk,
        "number": v.number,
        "voucher_type": v.voucher_type,
        "year": v.year,
        "enterprise": v.enterprise.name,
        "enterprise_uscc": v.enterprise.uscc,
        "provider": v.provider.organisation.name,
        "provider_uscc": v.provider.organisation.uscc,
        "face_value": _money(v.face_value),
        "balance": _money(v.account.balance),
        "available": _money(v.account.available),
        "held": _money(v.account.held),
        "issued_at": v.issued_at,
        "expires_on": v.expires_on,
        "status": v.status,
        "returned_to_budget": _money(v.returned_amount),
    }


def _redemption(request: HttpRequest, r: Redemption) -> dict[str, Any]:
    en = _en(request)
    return {
        "id": r.pk,
        "voucher_number": r.voucher.number,
        "enterprise": r.voucher.enterprise.name,
        "provider": r.provider.organisation.name,
        "invoice_number": r.invoice_number,
        "invoice_amount": _money(r.invoice_amount),
        "invoice_date": r.invoice_date,
        "subsidy": _money(r.subsidy),
        "amount": _money(r.amount),
        "status": r.status,
        "flags": [{"code": f["code"], "text": f["en"] if en else f["zh"]} for f in r.flags],
        "settlement_number": r.settlement.number if r.settlement_id else None,
    }


def _settlement(s: Settlement) -> dict[str, Any]:
    return {
        "id": s.pk,
        "number": s.number,
        "provider": s.provider.organisation.name,
        "provider_uscc": s.provider.organisation.uscc,
        "period_start": s.period_start,
        "period_end": s.period_end,
        "total": _money(s.total),
        "lines": getattr(s, "lines", 0),
        "status": s.status,
        "paid_reference": s.paid_reference,
        "paid_at": s.paid_at,
        "xlsx_url": f"/api/v1/vouchers/settlements/{s.pk}/list.xlsx",
    }


def _budget(b: selectors.BudgetFigures) -> dict[str, Any]:
    return {
        "voucher_type": b.voucher_type,
        "name": b.name_zh,
        "year": b.year,
        "budget": _money(b.budget),
        "remaining": _money(b.remaining),
        "issued": _money(b.issued),
        "outstanding": _money(b.outstanding),
        "redeemed": _money(b.redeemed),
        "pending": _money(b.pending),
        "returned": _money(b.returned),
        "vouchers": b.vouchers,
        "enterprises": b.enterprises,
    }


def _holders(items: list[HolderIn]) -> list[tuple[str, str]]:
    return [(h.name, h.percent) for h in items]


# --- budgets ------------------------------------------------------------------------------


@router.post("/budgets", response={201: BudgetOut}, summary="下达年度预算 / open a budget")
def open_budget(request: HttpRequest, payload: BudgetIn) -> Status[dict[str, Any]]:
    _forbidden_unless_staff(request)
    amount = None if payload.amount is None else parse_yuan(payload.amount, field="amount")
    budget = services.budget_open(
        voucher_type=payload.voucher_type, year=payload.year, amount=amount, actor=request.user
    )
    figures = next(
        f for f in selectors.budget_figures(budget.year) if f.voucher_type == budget.voucher_type
    )
    return Status(201, _budget(figures))


# --- providers ----------------------------------------------------------------------------


@router.post("/providers", response={201: ProviderOut}, summary="服务商登记 / register")
def register_provider(request: HttpRequest, payload: ProviderIn) -> Status[dict[str, Any]]:
    org = _org_for(
        request, payload.organisation_uscc, provider_org_ids(request.user), "organisation_uscc"
    )
    provider = services.provider_register(
        actor=request.user,
        organisation=org,
        voucher_types=list(payload.voucher_types),
        legal_representative=payload.legal_representative,
        shareholders=_holders(payload.shareholders),
        services=payload.services,
        price_list=payload.price_list,
        bank_name=payload.bank_name,
        bank_account=payload.bank_account,
    )
    return Status(201, _provider(selectors.access_provider(request.user, provider.pk)))


@router.get("/providers", response=list[ProviderOut], summary="服务商登记列表 / list")
def list_providers(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    return [_provider(p) for p in selectors.visible_providers(request.user)[: filters.limit]]


@router.post("/providers/{provider_id}/approve", response=ProviderOut, summary="准予登记 / approve")
def approve_provider(request: HttpRequest, provider_id: int) -> dict[str, Any]:
    provider = selectors.access_provider(request.user, provider_id)
    services.provider_act(case=provider.case, action="approve", actor=request.user)
    return _provider(selectors.access_provider(request.user, provider_id))


@router.post("/providers/{provider_id}/reject", response=ProviderOut, summary="不予登记 / reject")
def reject_provider(request: HttpRequest, provider_id: int, payload: ReasonIn) -> dict[str, Any]:
    provider = selectors.access_provider(request.user, provider_id)
    services.provider_act(
        case=provider.case, action="reject", actor=request.user, reason=payload.reason
    )
    return _provider(selectors.access_provider(request.user, provider_id))


@router.post(
    "/providers/{provider_id}/suspend", response=ProviderOut, summary="暂停服务商 / suspend"
)
def suspend_provider(request: HttpRequest, provider_id: int, payload: ReasonIn) -> dict[str, Any]:
    provider = selectors.access_provider(request.user, provider_id)
    services.provider_suspend(provider=provider, actor=request.user, reason=payload.reason)
    return _provider(selectors.access_provider(request.user, provider_id))


# --- applications -------------------------------------------------------------------------


@router.post("/applications", response={201: ApplicationOut}, summary="申领 / apply")
def submit_application(request: HttpRequest, payload: ApplicationIn) -> Status[dict[str, Any]]:
    org = _org_for(
        request, payload.enterprise_uscc, enterprise_ids(request.user), "enterprise_uscc"
    )
    try:
        provider = selectors.choosable_provider(payload.provider_id)
    except Http404:
        raise ValidationError(
            "所选服务商不是已登记的服务商。",
            "The provider chosen is not a registered provider.",
            field="provider_id",
            code="provider_not_approved",
        ) from None
    application = services.application_submit(
        actor=request.user,
        enterprise=org,
        provider=provider,
        voucher_type=payload.voucher_type,
        year=payload.year,
        amount=parse_yuan(payload.amount, field="amount"),
        planned_use=payload.planned_use,
        contract_reference=payload.contract_reference,
        legal_representative=payload.legal_representative,
        shareholders=_holders(payload.shareholders),
    )
    return Status(
        201, _application(request, selectors.access_application(request.user, application.pk))
    )


@router.get("/applications", response=list[ApplicationOut], summary="申领列表 / list")
def list_applications(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    return [
        _application(request, a)
        for a in selectors.visible_applications(request.user)[: filters.limit]
    ]


@router.get("/applications/{application_id}", response=ApplicationOut, summary="一件申领 / one")
def get_application(request: HttpRequest, application_id: int) -> dict[str, Any]:
    return _application(request, selectors.access_application(request.user, application_id))


@router.post(
    "/applications/{application_id}/approve",
    response=ApplicationOut,
    summary="批准并发券 / approve and issue",
)
def approve_application(request: HttpRequest, application_id: int) -> dict[str, Any]:
    application = selectors.access_application(request.user, application_id)
    services.application_act(case=application.case, action="approve", actor=request.user)
    return _application(request, selectors.access_application(request.user, application_id))


@router.post(
    "/applications/{application_id}/reject", response=ApplicationOut, summary="不予发券 / reject"
)
def reject_application(
    request: HttpRequest, application_id: int, payload: ReasonIn
) -> dict[str, Any]:
    application = selectors.access_application(request.user, application_id)
    services.application_act(
        case=application.case, action="reject", actor=request.user, reason=payload.reason
    )
    return _application(request, selectors.access_application(request.user, application_id))


# --- vouchers -----------------------------------------------------------------------------


@router.get("/vouchers", response=list[VoucherOut], summary="券及余额 / vouchers and balances")
def list_vouchers(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    return [_voucher(v) for v in selectors.visible_vouchers(request.user)[: filters.limit]]


@router.get("/vouchers/{voucher_id}", response=VoucherOut, summary="一张券 / one")
def get_voucher(request: HttpRequest, voucher_id: int) -> dict[str, Any]:
    return _voucher(selectors.access_voucher(request.user, voucher_id))


@router.post("/vouchers/{voucher_id}/expire", response=VoucherOut, summary="到期退回预算 / expire")
def expire_voucher(request: HttpRequest, voucher_id: int) -> dict[str, Any]:
    voucher = selectors.access_voucher(request.user, voucher_id)
    _forbidden_unless_staff(request)
    services.voucher_expire(voucher=voucher, actor=request.user)
    return _voucher(selectors.access_voucher(request.user, voucher_id))


# --- redemptions --------------------------------------------------------------------------


@router.post("/redemptions", response={201: RedemptionOut}, summary="提交发票核销 / redeem")
def submit_redemption(request: HttpRequest, payload: RedemptionIn) -> Status[dict[str, Any]]:
    try:
        voucher = selectors.voucher_for_provider(request.user, payload.voucher_number)
    except Http404:
        raise ValidationError(
            "未找到以您为服务商的该券号，请核对券号。",
            "No voucher with this number names you as its provider; check the number.",
            field="voucher_number",
            code="voucher_not_found",
        ) from None
    redemption = services.redemption_submit(
        actor=request.user,
        voucher=voucher,
        invoice_number=payload.invoice_number,
        invoice_amount=parse_yuan(payload.invoice_amount, field="invoice_amount"),
        invoice_date=payload.invoice_date,
        period_start=payload.period_start,
        period_end=payload.period_end,
        usage_evidence=payload.usage_evidence,
    )
    return Status(
        201, _redemption(request, selectors.access_redemption(request.user, redemption.pk))
    )


@router.get("/redemptions", response=list[RedemptionOut], summary="核销列表 / list")
def list_redemptions(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    return [
        _redemption(request, r)
        for r in selectors.visible_redemptions(request.user)[: filters.limit]
    ]


@router.post(
    "/redemptions/{redemption_id}/confirm", response=RedemptionOut, summary="企业确认 / confirm"
)
def confirm_redemption(request: HttpRequest, redemption_id: int) -> dict[str, Any]:
    redemption = selectors.access_redemption(request.user, redemption_id)
    services.redemption_confirm(redemption=redemption, actor=request.user)
    return _redemption(request, selectors.access_redemption(request.user, redemption_id))


@router.post(
    "/redemptions/{redemption_id}/dispute",
    response=RedemptionOut,
    summary="企业不予确认 / dispute",
)
def dispute_redemption(
    request: HttpRequest, redemption_id: int, payload: ReasonIn
) -> dict[str, Any]:
    redemption = selectors.access_redemption(request.user, redemption_id)
    services.redemption_dispute(redemption=redemption, actor=request.user, reason=payload.reason)
    return _redemption(request, selectors.access_redemption(request.user, redemption_id))


# --- settlements --------------------------------------------------------------------------


@router.post("/settlements", response={201: SettlementOut}, summary="生成结算单 / settle")
def create_settlement(request: HttpRequest, payload: SettlementIn) -> Status[dict[str, Any]]:
    _forbidden_unless_staff(request)
    provider = Provider.objects.filter(pk=payload.provider_id).first()
    if provider is None:
        raise ValidationError(
            "没有这个服务商。",
            "There is no such provider.",
            field="provider_id",
            code="provider_not_found",
        )
    settlement = services.settlement_create(
        provider=provider,
        period_start=payload.period_start,
        period_end=payload.period_end,
        actor=request.user,
    )
    return Status(201, _settlement(selectors.access_settlement(request.user, settlement.pk)))


@router.get("/settlements", response=list[SettlementOut], summary="结算单列表 / list")
def list_settlements(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    return [_settlement(s) for s in selectors.visible_settlements(request.user)[: filters.limit]]


@router.post(
    "/settlements/{settlement_id}/paid", response=SettlementOut, summary="登记付款 / mark paid"
)
def mark_settlement_paid(
    request: HttpRequest, settlement_id: int, payload: PaidIn
) -> dict[str, Any]:
    settlement = selectors.access_settlement(request.user, settlement_id)
    services.settlement_mark_paid(
        settlement=settlement, reference=payload.reference, actor=request.user
    )
    return _settlement(selectors.access_settlement(request.user, settlement_id))


@router.get("/settlements/{settlement_id}/list.xlsx", summary="结算清单 xlsx / settlement list")
def settlement_list_xlsx(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = selectors.access_settlement(request.user, settlement_id)
    response = HttpResponse(
        settlement_xlsx(settlement),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{settlement.number}.xlsx"'
    return response


# --- public -------------------------------------------------------------------------------


@router.get("/public/figures", response=FiguresOut, auth=None, summary="公开数据 / public figures")
def public_figures(request: HttpRequest, filters: Query[YearFilter]) -> dict[str, Any]:
    figures = selectors.public_figures(filters.year)
    return {"budgets": [_budget(b) for b in figures.budgets], "enterprises": figures.enterprises}


@router.get(
    "/public/providers",
    response=list[PublicProviderOut],
    auth=None,
    summary="已登记服务商 / registered providers",
)
def public_providers(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": p.pk,
            "name": p.organisation.name,
            "uscc": p.organisation.uscc,
            "voucher_types": p.voucher_types,
            "services": p.services,
            "price_list": p.price_list,
        }
        for p in selectors.approved_providers()
    ]
