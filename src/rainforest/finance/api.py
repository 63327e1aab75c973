"""IP-pledge registration over the API (知识产权质押登记)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from rainforest.accounts.models import Organisation
from rainforest.accounts.roles import Role
from rainforest.api.auth import AUTH
from rainforest.cases.selectors import due_soon_limit, sla_of
from rainforest.core.errors import NotFoundError, ValidationError
from rainforest.core.ids import is_valid_uscc, normalise_uscc
from rainforest.core.money import format_yuan_plain, parse_yuan
from rainforest.finance import services
from rainforest.finance.models import PledgeRegistration
from rainforest.finance.selectors import access_pledge, monthly_totals, visible_pledges

router = Router(tags=["finance: IP pledge"], auth=AUTH)


# A string or an integer of yuan. Checked by parse_yuan in the endpoint, not by a pydantic
# union: the union reported a float as two errors under "loan_amount.str" and
# "loan_amount.int", while parse_yuan says why a float is refused, against "loan_amount".
AmountIn = Annotated[
    Any, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}, mode="validation")
]


def _not_bool(value: Any) -> Any:
    # pydantic's lax mode reads JSON true as 1: a term of "true" months is a client's mistake.
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


MonthsIn = Annotated[int, BeforeValidator(_not_bool)]


class IpItemIn(Schema):
    kind: Literal["patent", "trademark"]
    number: str = Field(..., min_length=1, max_length=40)


class PledgeIn(Schema):
    bank_uscc: str | None = Field(
        None, max_length=40, description="质权银行；经办人只属一家银行时可省略"
    )
    pledgor_uscc: str = Field(..., max_length=40)
    pledgor_name: str = Field(..., max_length=400)
    ip_items: list[IpItemIn] = Field(..., max_length=200)
    loan_amount: AmountIn = Field(
        ..., description='元：数字或数字字符串，如 "5,000,000" 或 "500万"'
    )
    term_months: MonthsIn = Field(..., ge=-(10**9), le=10**9)


class PledgeChangesIn(Schema):
    pledgor_uscc: str | None = Field(None, max_length=40)
    pledgor_name: str | None = Field(None, max_length=400)
    ip_items: list[IpItemIn] | None = Field(None, max_length=200)
    loan_amount: AmountIn = None
    term_months: MonthsIn | None = Field(None, ge=-(10**9), le=10**9)


class ListFilters(Schema):
    limit: int = Field(50, ge=1, le=200)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class DecisionOut(Schema):
    outcome: str
    reasons: list[str]
    citations: list[str]
    parameters_version: str


class PledgeOut(Schema):
    id: int
    case_id: int
    case_number: str
    stage: str
    sla: str
    due_at: datetime | None
    bank: str
    bank_uscc: str
    pledgor_uscc: str
    pledgor_name: str
    ip_items: list[IpItemIn]
    loan_amount: str
    term_months: int
    inclusive: bool
    inclusive_decision: DecisionOut
    registration_number: str | None
    registered_at: datetime | None
    certificate_url: str | None


class MonthOut(Schema):
    month: str
    count: int
    amount: str
    inclusive_count: int
    inclusive_amount: str


def _language(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", "zh-hans") or "zh-hans"


def _out(
    request: HttpRequest, p: PledgeRegistration, soon: datetime | None = None
) -> dict[str, Any]:
    """One pledge; a list passes ``soon`` once, or each open case reads the calendar (N+1)."""
    d = p.inclusive_decision
    en = _language(request).startswith("en")
    return {
        "id": p.id,
        "case_id": p.case_id,
        "case_number": p.case.number,
        "stage": p.case.stage,
        "sla": sla_of(p.case, timezone.now(), soon).value,
        "due_at": p.case.due_at,
        "bank": p.pledgee_bank.name,
        "bank_uscc": p.pledgee_bank.uscc,
        "pledgor_uscc": p.pledgor_uscc,
        "pledgor_name": p.pledgor_name,
        "ip_items": p.ip_items,
        "loan_amount": format_yuan_plain(p.loan_amount),
        "term_months": p.term_months,
        "inclusive": p.inclusive,
        "inclusive_decision": {
            "outcome": d.get("outcome", ""),
            "reasons": [r["en"] if en else r["zh"] for r in d.get("reasons", [])],
            "citations": [
                f"{c['document']} {c['article']}".strip() for c in d.get("citations", [])
            ],
            "parameters_version": f"{d.get('parameters_name', '')} {d.get('parameters_version', '')}".strip(),
        },
        "registration_number": p.registration_number,
        "registered_at": p.registered_at,
        "certificate_url": f"/api/v1/finance/pledges/{p.id}/certificate.pdf"
        if p.registration_number
        else None,
    }


def _bank_for(request: HttpRequest, bank_uscc: str | None) -> Organisation:
    banks = Organisation.objects.filter(
        memberships__user=request.user, memberships__role=Role.BANK_OFFICER
    ).distinct()
    if bank_uscc:
        code = normalise_uscc(bank_uscc)
        if not is_valid_uscc(code):
            raise ValidationError(
                "质权银行的统一社会信用代码不正确",
                "The bank's unified social credit code is not valid",
                field="bank_uscc",
                code="uscc_invalid",
            )
        bank = banks.filter(uscc=code).first()
        if bank is None:
            raise ValidationError(
                "您不是该银行的经办人",
                "You are not an officer of this bank",
                field="bank_uscc",
                code="not_bank_officer",
            )
        return bank
    found = list(banks[:2])
    if len(found) != 1:
        raise ValidationError(
            "请填写质权银行的统一社会信用代码" if found else "只有银行经办人可以提交质押登记",
            "Give the bank's unified social credit code"
            if found
            else "Only bank officers may file pledge registrations",
            field="bank_uscc",
            code="bank_required",
        )
    return found[0]


@router.post("/pledges", response={201: PledgeOut}, summary="提交质押登记 / file a registration")
def file_pledge(request: HttpRequest, payload: PledgeIn) -> Status[dict[str, Any]]:
    bank = _bank_for(request, payload.bank_uscc)
    pledge = services.pledge_file(
        actor=request.user,
        bank=bank,
        pledgor_uscc=payload.pledgor_uscc,
        pledgor_name=payload.pledgor_name,
        ip_items=[(i.kind, i.number) for i in payload.ip_items],
        loan_amount=parse_yuan(payload.loan_amount, field="loan_amount"),
        term_months=payload.term_months,
    )
    return Status(201, _out(request, pledge))


@router.get("/pledges", response=list[PledgeOut], summary="质押登记列表 / list")
def list_pledges(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    soon = due_soon_limit(timezone.now())
    return [_out(request, p, soon) for p in visible_pledges(request.user)[: filters.limit]]


@router.get("/pledges/summary", response=list[MonthOut], summary="按月汇总 / totals by month")
def pledge_summary(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            **m,
            "amount": format_yuan_plain(m["amount"]),
            "inclusive_amount": format_yuan_plain(m["inclusive_amount"]),
        }
        for m in monthly_totals(request.user)
    ]


@router.get("/pledges/{pledge_id}", response=PledgeOut, summary="一笔质押登记 / one")
def get_pledge(request: HttpRequest, pledge_id: int) -> dict[str, Any]:
    return _out(request, access_pledge(request.user, pledge_id))


@router.post("/pledges/{pledge_id}/register", response=PledgeOut, summary="准予登记 / register")
def register_pledge(request: HttpRequest, pledge_id: int) -> dict[str, Any]:
    pledge = services.pledge_register(
        pledge=access_pledge(request.user, pledge_id), actor=request.user
    )
    return _out(request, pledge)


@router.post(
    "/pledges/{pledge_id}/return", response=PledgeOut, summary="退回补正 / return for correction"
)
def return_pledge(request: HttpRequest, pledge_id: int, payload: ReasonIn) -> dict[str, Any]:
    pledge = access_pledge(request.user, pledge_id)
    services.case_transition(
        case=pledge.case, action="return", actor=request.user, reason=payload.reason
    )
    return _out(request, access_pledge(request.user, pledge_id))


@router.post("/pledges/{pledge_id}/reject", response=PledgeOut, summary="不予登记 / reject")
def reject_pledge(request: HttpRequest, pledge_id: int, payload: ReasonIn) -> dict[str, Any]:
    pledge = access_pledge(request.user, pledge_id)
    services.case_transition(
        case=pledge.case, action="reject", actor=request.user, reason=payload.reason
    )
    return _out(request, access_pledge(request.user, pledge_id))


@router.post(
    "/pledges/{pledge_id}/resubmit", response=PledgeOut, summary="补正后重新提交 / resubmit"
)
def resubmit_pledge(
    request: HttpRequest, pledge_id: int, payload: PledgeChangesIn
) -> dict[str, Any]:
    pledge = access_pledge(request.user, pledge_id)
    changes: dict[str, Any] = payload.dict(exclude_none=True)
    if "ip_items" in changes:
        changes["ip_items"] = [(i["kind"], i["number"]) for i in changes["ip_items"]]
    if "loan_amount" in changes:
        changes["loan_amount"] = parse_yuan(changes["loan_amount"], field="loan_amount")
    services.pledge_resubmit(pledge=pledge, actor=request.user, changes=changes)
    return _out(request, access_pledge(request.user, pledge_id))


@router.get("/pledges/{pledge_id}/certificate.pdf", summary="登记通知书 PDF / certificate")
def certificate(request: HttpRequest, pledge_id: int) -> HttpResponse:
    pledge = access_pledge(request.user, pledge_id)
    if not pledge.certificate_pdf:
        raise NotFoundError(
            "该登记尚无通知书", "This registration has no certificate yet", code="not_found"
        )
    response = HttpResponse(bytes(pledge.certificate_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pledge.registration_number}.pdf"'
    return response
