"""Registrations beside a call over the API: national projects for matching funds (配套资助)
and innovation consortia (创新联合体), with the consortium-led share.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from rainforest.api.auth import AUTH
from rainforest.core.errors import ValidationError
from rainforest.core.money import format_yuan_plain
from rainforest.programs import domain_modes as dm
from rainforest.programs import selectors_execution as sel
from rainforest.programs.api_common import (
    DecideIn,
    DecisionOut,
    ListFilters,
    amount,
    applicant_org,
    language,
    require_officer,
)
from rainforest.programs.models import (
    Consortium,
    NationalProject,
)
from rainforest.programs.presenters import decision_out
from rainforest.programs.services import modes_registrations as mr

router = Router(tags=["programs: organisation modes"], auth=AUTH)


# --- 配套资助 ----------------------------------------------------------------------------


class NationalOut(Schema):
    id: int
    case_number: str
    stage: str
    organisation: str
    programme: str
    number: str
    title: str
    national_funding: str
    matching_amount: str
    approved_amount: str | None
    decision: DecisionOut | None


def national_out(request: HttpRequest, n: NationalProject) -> dict[str, Any]:
    return {
        "id": n.pk,
        "case_number": n.case.number,
        "stage": n.case.stage,
        "organisation": n.organisation.name,
        "programme": n.programme,
        "number": n.number,
        "title": n.title,
        "national_funding": format_yuan_plain(n.national_funding),
        "matching_amount": format_yuan_plain(n.matching_amount),
        "approved_amount": format_yuan_plain(n.approved_amount)
        if n.approved_amount is not None
        else None,
        "decision": decision_out(n.decision, language(request)),
    }


def _bool_form(raw: str, field: str) -> bool:
    value = (raw or "").strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise ValidationError(
        "应为 true 或 false", "must be true or false", field=field, code="invalid"
    )


def _date_form(raw: str, field: str) -> date:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        raise ValidationError(
            "应为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD", field=field, code="invalid"
        ) from None


@router.post(
    "/national-projects", response={201: NationalOut}, summary="登记国家项目，申请配套资助"
)
def national_register(
    request: HttpRequest,
    programme: Form[str],
    number: Form[str],
    title: Form[str],
    national_funding: Form[str],
    period_start: Form[str],
    period_end: Form[str],
    landed_in_shenzhen: Form[str],
    organisation_uscc: Form[str] = "",
    proof: File[UploadedFile | None] = None,
) -> Status[dict[str, Any]]:
    registration = mr.national_register(
        actor=request.user,
        organisation=applicant_org(request, organisation_uscc or None),
        programme=programme,
        number=number,
        title=title,
        national_funding=amount(national_funding, "national_funding"),
        period_start=_date_form(period_start, "period_start"),
        period_end=_date_form(period_end, "period_end"),
        landed_in_shenzhen=_bool_form(landed_in_shenzhen, "landed_in_shenzhen"),
        proof=proof,
    )
    return Status(
        201, national_out(request, sel.access_national_project(request.user, registration.pk))
    )


@router.get("/national-projects", response=list[NationalOut], summary="国家项目配套登记")
def national_list(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    return [
        national_out(request, n)
        for n in sel.visible_national_projects(request.user)[: filters.limit]
    ]


@router.post(
    "/national-projects/{registration_id}/decision", response=NationalOut, summary="配套资助审批"
)
def national_decision(
    request: HttpRequest, registration_id: int, payload: DecideIn
) -> dict[str, Any]:
    registration = sel.access_national_project(request.user, registration_id)
    mr.national_decide(
        actor=request.user,
        registration=registration,
        approve=payload.approve,
        reason=payload.reason,
    )
    return national_out(request, sel.access_national_project(request.user, registration_id))


# --- 创新联合体 --------------------------------------------------------------------------


class PartnerOut(Schema):
    uscc: str
    name: str
    kind: str


class ConsortiumOut(Schema):
    id: int
    case_number: str
    stage: str
    name: str
    lead: str
    lead_uscc: str
    registered: bool
    members: list[PartnerOut]


class ShareOut(Schema):
    led: int
    total: int
    percent: str | None
    decision: DecisionOut | None


def consortium_out(c: Consortium) -> dict[str, Any]:
    return {
        "id": c.pk,
        "case_number": c.case.number,
        "stage": c.case.stage,
        "name": c.name,
        "lead": c.lead.name,
        "lead_uscc": c.lead.uscc,
        "registered": c.approved_at is not None,
        "members": [{"uscc": p.uscc, "name": p.name, "kind": p.kind} for p in c.partners.all()],
    }


def _members(raw: str) -> list[dm.PartnerIn]:
    try:
        data = json.loads(raw or "[]")
    except ValueError:
        data = None
    if not isinstance(data, list) or not all(isinstance(m, dict) for m in data):
        raise ValidationError(
            '成员单位应为 JSON 列表，如 [{"uscc": "...", "name": "...", "kind": "university"}]',
            'Members must be a JSON list like [{"uscc": "...", "name": "...", "kind": "university"}]',
            field="members",
            code="invalid",
        )
    return [
        dm.PartnerIn(str(m.get("uscc", "")), str(m.get("name", "")), str(m.get("kind", "")))
        for m in data
    ]


@router.post("/consortia", response={201: ConsortiumOut}, summary="登记创新联合体")
def consortium_register(
    request: HttpRequest,
    name: Form[str],
    members: Form[str],
    organisation_uscc: Form[str] = "",
    agreement: File[UploadedFile | None] = None,
) -> Status[dict[str, Any]]:
    consortium = mr.consortium_register(
        actor=request.user,
        lead=applicant_org(request, organisation_uscc or None),
        name=name,
        members=_members(members),
        agreement=agreement,
    )
    return Status(201, consortium_out(sel.access_consortium(request.user, consortium.pk)))


@router.get("/consortia", response=list[ConsortiumOut], summary="创新联合体")
def consortium_list(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    return [consortium_out(c) for c in sel.visible_consortia(request.user)[: filters.limit]]


@router.post(
    "/consortia/{consortium_id}/decision", response=ConsortiumOut, summary="联合体登记审核"
)
def consortium_decision(
    request: HttpRequest, consortium_id: int, payload: DecideIn
) -> dict[str, Any]:
    consortium = sel.access_consortium(request.user, consortium_id)
    mr.consortium_decide(
        actor=request.user, consortium=consortium, approve=payload.approve, reason=payload.reason
    )
    return consortium_out(sel.access_consortium(request.user, consortium_id))


class ShareFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


@router.get("/consortia/share", response=ShareOut, summary="联合体牵头项目占比（看板）")
def consortium_share(request: HttpRequest, filters: Query[ShareFilters]) -> dict[str, Any]:
    require_officer(request)
    share = mr.consortium_led_share(year=filters.year)
    return {
        "led": share.led,
        "total": share.total,
        "percent": str(share.percent) if share.percent is not None else None,
        "decision": decision_out(share.decision.to_dict(), language(request)),
    }
