"""Procurement for SMEs over the API: three public calculators, and an agency's projects.

The calculators (set-aside, price deduction, enterprise size) are public and stateless:
anyone may call them without signing in. Amounts come as strings or integers of yuan
(parse_yuan says why a float is refused); fractions (rates, shares) as decimal strings,
integers or JSON numbers, read through their shortest decimal form (0.15 stays 0.15).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import StrictBool, WithJsonSchema

from rainforest.api.auth import AUTH
from rainforest.core.errors import ValidationError
from rainforest.core.money import format_yuan_plain, parse_yuan
from rainforest.core.policy import Decision
from rainforest.procurement import domain
from rainforest.procurement.models import Lot, Project
from rainforest.procurement.ocds import release_package
from rainforest.procurement.selectors import (
    access_project,
    project_lots,
    visible_projects,
    yearly_report,
)

router = Router(tags=["procurement: SMEs"])

AmountIn = Annotated[
    Any, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}, mode="validation")
]
FractionIn = Annotated[
    Any,
    WithJsonSchema(
        {"anyOf": [{"type": "string"}, {"type": "number"}], "description": "0 到 1，如 0.15"},
        mode="validation",
    ),
]
Category = Literal["goods", "services", "works"]
Exception_ = Literal[
    "non_enterprise_required",
    "irreplaceable_supplier",
    "insufficient_supply",
    "framework_agreement",
    "provincial_other",
]
Scale = Literal["micro", "small", "medium", "large"]
Industry = Literal[
    "agriculture",
    "industry",
    "construction",
    "wholesale",
    "retail",
    "transport",
    "warehousing",
    "postal",
    "accommodation",
    "catering",
    "information_transmission",
    "software_it",
    "real_estate_development",
    "property_management",
    "leasing_business_services",
    "other",
]
OnIn = Annotated[Any, WithJsonSchema({"type": "string", "format": "date"}, mode="validation")]


def _language(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", "zh-hans") or "zh-hans"


def _on(value: Any) -> date:
    if value is None:
        return timezone.localdate()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError(
        "日期应写为 YYYY-MM-DD，例如 2026-03-01",
        "The date must be written YYYY-MM-DD, such as 2026-03-01",
        field="on",
        code="date_invalid",
    )


def parse_fraction(value: Any, *, field: str) -> Decimal:
    """A share or rate from a string, an integer or a JSON number; 0..1 is checked later."""
    number: Decimal | None = None
    if isinstance(value, bool) or value is None:
        number = None
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace("％", "%")
        try:
            number = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
        except InvalidOperation:
            number = None
    if number is None or not number.is_finite():
        raise ValidationError(
            f"「{value}」不是比例，请填写 0 到 1 之间的小数，例如 0.15",
            f"{value!r} is not a fraction; send a number from 0 to 1, such as 0.15",
            field=field,
            code="fraction_invalid",
        )
    return domain.check_fraction(number, field=field)


def _explained(request: HttpRequest, d: Decision) -> dict[str, Any]:
    return {
        "reasons": d.reasons_in(_language(request)),
        "citations": [c.text() for c in d.citations],
        "parameters_version": f"{d.parameters_name} {d.parameters_version}",
    }


def _stored(request: HttpRequest, d: dict[str, Any]) -> dict[str, Any]:
    return _explained(request, Decision.from_dict(d)) if d else {}


class SetAsideIn(Schema):
    category: Category
    budget: AmountIn = Field(..., description='元：如 "2,000,000"、"200万" 或 2000000')
    suitable_for_sme: StrictBool
    exception: Exception_ | None = None
    on: OnIn = Field(None, description="适用参数的日期 YYYY-MM-DD，默认今天")


class Explained(Schema):
    reasons: list[str]
    citations: list[str]
    parameters_version: str


class SetAsideOut(Explained):
    outcome: Literal["sme_only", "reserved_share", "not_reserved"]
    sme_reserved_min: str
    small_micro_reserved_min: str


class PriceDeductionIn(Schema):
    category: Category
    bidder_scale: Scale
    bid_price: AmountIn
    rate: FractionIn = Field(..., description="采购文件确定的扣除比例，如 0.15")
    small_micro_share: FractionIn = Field(None, description="联合体或分包中小微企业的合同份额")
    lot_reserved: StrictBool = False
    on: OnIn = None


class PriceDeductionOut(Explained):
    eligible: bool
    rate_range: list[str] | None
    applied_rate: str
    evaluation_price: str
    contract_price: str


class EnterpriseSizeIn(Schema):
    industry: Industry
    employees: int | None = Field(None, ge=0, le=10**8, strict=True)
    revenue: AmountIn = None
    assets: AmountIn = None
    on: OnIn = None


class EnterpriseSizeOut(Explained):
    size: Scale
    is_sme: bool
    ocds_scale: str
    measures_used: list[str]


def _amount(value: Any, field: str) -> Decimal:
    if value is None:
        raise ValidationError("必须填写", "is required", field=field, code="required")
    return parse_yuan(value, field=field)


@router.post(
    "/set-aside", response=SetAsideOut, auth=None, summary="中小企业预留份额 / SME set-aside"
)
def set_aside(request: HttpRequest, payload: SetAsideIn) -> dict[str, Any]:
    params = domain.parameters_on(domain.SET_ASIDE, _on(payload.on))
    result = domain.decide_set_aside(
        category=payload.category,
        budget=_amount(payload.budget, "budget"),
        suitable_for_sme=payload.suitable_for_sme,
        exception=payload.exception,
        params=params,
    )
    return {
        "outcome": result.outcome,
        "sme_reserved_min": format_yuan_plain(result.sme_reserved_min),
        "small_micro_reserved_min": format_yuan_plain(result.small_micro_reserved_min),
        **_explained(request, result.decision),
    }


@router.post(
    "/price-deduction",
    response=PriceDeductionOut,
    auth=None,
    summary="价格扣除 / price deduction in evaluation",
)
def price_deduction(request: HttpRequest, payload: PriceDeductionIn) -> dict[str, Any]:
    params = domain.parameters_on(domain.PRICE_DEDUCTION, _on(payload.on))
    result = domain.decide_price_deduction(
        category=payload.category,
        bidder_scale=payload.bidder_scale,
        bid_price=_amount(payload.bid_price, "bid_price"),
        rate=parse_fraction(payload.rate, field="rate"),
        small_micro_share=None
        if payload.small_micro_share is None
        else parse_fraction(payload.small_micro_share, field="small_micro_share"),
        lot_reserved=payload.lot_reserved,
        params=params,
    )
    return {
        "eligible": result.eligible,
        "rate_range": [domain.fraction_text(r) for r in result.rate_range]
        if result.rate_range
        else None,
        "applied_rate": domain.fraction_text(result.applied_rate),
        "evaluation_price": format_yuan_plain(result.evaluation_price),
        "contract_price": format_yuan_plain(result.contract_price),
        **_explained(request, result.decision),
    }


@router.post(
    "/enterprise-size",
    response=EnterpriseSizeOut,
    auth=None,
    summary="企业划型 / enterprise size (工信部联企业〔2011〕300号)",
)
def enterprise_size(request: HttpRequest, payload: EnterpriseSizeIn) -> dict[str, Any]:
    params = domain.parameters_on(domain.ENTERPRISE_SIZE, _on(payload.on))
    result = domain.classify_enterprise(
        industry=payload.industry,
        employees=payload.employees,
        revenue=None if payload.revenue is None else parse_yuan(payload.revenue, field="revenue"),
        assets=None if payload.assets is None else parse_yuan(payload.assets, field="assets"),
        params=params,
    )
    return {
        "size": result.size,
        "is_sme": result.size in domain.SME_SCALES,
        "ocds_scale": domain.OCDS_SCALE[result.size],
        "measures_used": list(result.measures),
        **_explained(request, result.decision),
    }


# --- an agency's projects (procurement officers of that agency only) ----------------------


class ProjectFilters(Schema):
    limit: int = Field(50, ge=1, le=200)


class ProjectOut(Schema):
    id: int
    reference: str
    title: str
    agency: str
    category: str
    budget: str
    suitable_for_sme: bool
    exception: str | None
    outcome: str
    sme_reserved_min: str
    small_micro_reserved_min: str
    decided_on: date
    decision: Explained


class AwardOut(Schema):
    contract_number: str
    supplier_name: str
    amount: str
    reserved: bool
    mark: str


class BidOut(Schema):
    id: int
    supplier_name: str
    supplier_uscc: str
    price: str
    declared_scale: str
    has_mismatch: bool
    admissible: bool | None
    evaluation_price: str | None
    rank: int | None


class LotOut(Schema):
    number: int
    title: str
    budget: str
    reserved: bool
    reverted: bool
    reversion: Explained | None
    bids: list[BidOut]
    award: AwardOut | None


class ProjectDetailOut(ProjectOut):
    lots: list[LotOut]


class ReportOut(Schema):
    agency: str
    year: int
    projects: int
    budget: str
    sme_reserved_min: str
    small_micro_reserved_min: str
    reserved_budget: str
    reverted_budget: str
    reserved_share: str | None
    awarded: str
    awarded_to_sme: str
    awarded_to_small_micro: str
    sme_share: str | None
    small_micro_share: str | None
    reserved_contracts: int


def _project(request: HttpRequest, p: Project) -> dict[str, Any]:
    return {
        "id": p.pk,
        "reference": p.reference,
        "title": p.title,
        "agency": p.agency.name,
        "category": p.category,
        "budget": format_yuan_plain(p.budget),
        "suitable_for_sme": p.suitable_for_sme,
        "exception": p.exception or None,
        "outcome": p.outcome,
        "sme_reserved_min": format_yuan_plain(p.sme_reserved_min),
        "small_micro_reserved_min": format_yuan_plain(p.small_micro_reserved_min),
        "decided_on": p.decided_on,
        "decision": _stored(request, p.decision),
    }


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else format_yuan_plain(value)


def _lot(request: HttpRequest, lot: Lot) -> dict[str, Any]:
    award = getattr(lot, "award", None)
    return {
        "number": lot.number,
        "title": lot.title,
        "budget": format_yuan_plain(lot.budget),
        "reserved": lot.reserved,
        "reverted": lot.reverted,
        "reversion": _stored(request, lot.reversion) or None,
        "bids": [
            {
                "id": b.pk,
                "supplier_name": b.supplier_name,
                "supplier_uscc": b.supplier_uscc,
                "price": format_yuan_plain(b.price),
                "declared_scale": b.declared_scale,
                "has_mismatch": b.has_mismatch,
                "admissible": b.admissible,
                "evaluation_price": _plain(b.evaluation_price),
                "rank": b.rank,
            }
            for b in lot.bids.all()
        ],
        "award": None
        if award is None
        else {
            "contract_number": award.contract_number,
            "supplier_name": award.bid.supplier_name,
            "amount": format_yuan_plain(award.amount),
            "reserved": award.reserved,
            "mark": award.mark,
        },
    }


@router.get("/projects", response=list[ProjectOut], auth=AUTH, summary="采购项目 / projects")
def list_projects(request: HttpRequest, filters: Query[ProjectFilters]) -> list[dict[str, Any]]:
    return [_project(request, p) for p in visible_projects(request.user)[: filters.limit]]


@router.get(
    "/projects/{project_id}", response=ProjectDetailOut, auth=AUTH, summary="一个采购项目 / one"
)
def get_project(request: HttpRequest, project_id: int) -> dict[str, Any]:
    project = access_project(request.user, project_id)
    return {
        **_project(request, project),
        "lots": [_lot(request, lot) for lot in project_lots(project)],
    }


@router.get(
    "/projects/{project_id}/ocds",
    auth=AUTH,
    summary="OCDS 1.1 发布包 / OCDS release package",
)
def project_ocds(request: HttpRequest, project_id: int) -> dict[str, Any]:
    project = access_project(request.user, project_id)
    return release_package(
        project,
        project_lots(project),
        now=timezone.now(),
        uri=request.build_absolute_uri(),
    )


@router.get(
    "/reports/{year}", response=list[ReportOut], auth=AUTH, summary="年度报告 / yearly report"
)
def report(request: HttpRequest, year: int) -> list[dict[str, Any]]:
    if not 2000 <= year <= 2100:
        raise ValidationError(
            "年度应在 2000 至 2100 之间", "The year must be from 2000 to 2100", field="year"
        )
    rows = yearly_report(request.user, year)
    money = (
        "budget",
        "sme_reserved_min",
        "small_micro_reserved_min",
        "reserved_budget",
        "reverted_budget",
        "awarded",
        "awarded_to_sme",
        "awarded_to_small_micro",
    )
    shares = ("reserved_share", "sme_share", "small_micro_share")
    return [
        {
            **r,
            **{k: format_yuan_plain(r[k]) for k in money},
            **{k: None if r[k] is None else format(r[k], "f") for k in shares},
        }
        for r in rows
    ]
