"""Credit portraits over the API (科技初创通): read with consent, manage consent, decide."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import WithJsonSchema

from rainforest.api.auth import AUTH
from rainforest.core.errors import NotFoundError
from rainforest.core.money import format_yuan_plain, parse_yuan
from rainforest.portrait import services
from rainforest.portrait.models import Consent, Portrait
from rainforest.portrait.permissions import enterprises_of
from rainforest.portrait.selectors import (
    access_consent,
    bank_readable,
    consents_of,
    dashboard,
    reads_of,
)

router = Router(tags=["portrait: 科技初创通"], auth=AUTH)

AmountIn = Annotated[
    Any, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}, mode="validation")
]


def _en(request: HttpRequest) -> bool:
    return (getattr(request, "LANGUAGE_CODE", "zh-hans") or "zh-hans").startswith("en")


class ContributionOut(Schema):
    feature: str
    value: int | None
    points: int
    text: str


class PortraitOut(Schema):
    uscc: str
    name: str
    month: date
    score: int
    grade: str
    base: int
    scorecard: str
    contributions: list[ContributionOut]
    features: dict[str, int | None]
    trends: dict[str, list[Any]]
    freshness: dict[str, str]


class PortraitListItem(Schema):
    uscc: str
    name: str
    consent_id: int
    purpose: str
    valid_until: date
    score: int | None
    grade: str | None


class ConsentIn(Schema):
    bank_uscc: str = Field(..., max_length=40)
    purpose: Literal["credit", "loan_review", "pledge"]
    valid_from: date
    valid_until: date


class ConsentOut(Schema):
    id: int
    bank: str
    bank_uscc: str
    purpose: str
    valid_from: date
    valid_until: date
    granted_at: datetime
    revoked_at: datetime | None
    live: bool


class ReadOut(Schema):
    at: datetime
    reader: str
    bank: str | None
    channel: str


class DecisionIn(Schema):
    enterprise_uscc: str = Field(..., max_length=40)
    outcome: Literal["approved", "declined"]
    amount: AmountIn = Field(..., description='元：数字或数字字符串，如 "5,000,000" 或 "500万"')
    note: str = Field("", max_length=500)


class DecisionOut(Schema):
    id: int
    enterprise_uscc: str
    bank: str
    outcome: str
    amount: str
    score: int
    decided_at: datetime


class BankTotalOut(Schema):
    bank: str
    enterprises: int
    loans: int
    amount: str


class DashboardOut(Schema):
    enterprises: int
    loans: int
    amount: str
    decisions: int
    declined: int
    portraits: int
    by_bank: list[BankTotalOut]


def portrait_out(p: Portrait, *, en: bool) -> dict[str, Any]:
    report = p.run.report if p.run_id else {}
    base = p.score - sum(c["points"] for c in p.contributions)
    return {
        "uscc": p.uscc,
        "name": p.name,
        "month": p.month,
        "score": p.score,
        "grade": p.grade,
        "base": base,
        "scorecard": p.run.scorecard_version,
        "contributions": [
            {
                "feature": c["feature"],
                "value": c["value"],
                "points": c["points"],
                "text": f"{c['points']:+d}: {c['text_en']}"
                if en
                else f"{c['points']:+d}：{c['text_zh']}",
            }
            for c in p.contributions
        ],
        "features": p.features,
        "trends": p.trends,
        "freshness": {k: v["month"] for k, v in report.get("freshness", {}).items()},
    }


def _consent_out(c: Consent, today: date) -> dict[str, Any]:
    return {
        "id": c.pk,
        "bank": c.bank.name,
        "bank_uscc": c.bank.uscc,
        "purpose": c.purpose,
        "valid_from": c.valid_from,
        "valid_until": c.valid_until,
        "granted_at": c.granted_at,
        "revoked_at": c.revoked_at,
        "live": c.revoked_at is None and c.valid_from <= today <= c.valid_until,
    }


def _enterprise(request: HttpRequest) -> Any:
    mine = enterprises_of(request.user)
    if not mine:
        raise NotFoundError(
            "您不代表任何企业", "You do not act for an enterprise", code="not_found"
        )
    return mine[0]


@router.get(
    "/portraits", response=list[PortraitListItem], summary="可查看的画像 / portraits I may read"
)
def list_portraits(request: HttpRequest) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {
            "uscc": c.enterprise.uscc,
            "name": c.enterprise.name,
            "consent_id": c.pk,
            "purpose": c.purpose,
            "valid_until": c.valid_until,
            "score": p.score if p else None,
            "grade": p.grade if p else None,
        }
        for c, p in bank_readable(request.user, today=today)
    ]


@router.get("/portraits/{uscc}", response=PortraitOut, summary="一家企业的画像 / one portrait")
def get_portrait(request: HttpRequest, uscc: str) -> dict[str, Any]:
    access = services.portrait_open(actor=request.user, uscc=uscc, channel="api")
    return portrait_out(access.portrait, en=_en(request))


@router.get("/consents", response=list[ConsentOut], summary="本企业的授权 / my authorisations")
def list_consents(request: HttpRequest) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [_consent_out(c, today) for c in consents_of(_enterprise(request))[:200]]


@router.post("/consents", response={201: ConsentOut}, summary="授权银行查看画像 / authorise a bank")
def grant_consent(request: HttpRequest, payload: ConsentIn) -> Status[dict[str, Any]]:
    consent = services.consent_grant(
        actor=request.user,
        enterprise=_enterprise(request),
        bank_uscc=payload.bank_uscc,
        purpose=payload.purpose,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
    )
    return Status(201, _consent_out(consent, timezone.localdate()))


@router.post(
    "/consents/{consent_id}/revoke", response=ConsentOut, summary="撤销授权 / revoke at once"
)
def revoke_consent(request: HttpRequest, consent_id: int) -> dict[str, Any]:
    consent = services.consent_revoke(
        actor=request.user, consent=access_consent(request.user, consent_id)
    )
    return _consent_out(consent, timezone.localdate())


@router.get("/reads", response=list[ReadOut], summary="画像查看记录 / who read my portrait")
def list_reads(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "at": r.at,
            "reader": str(r.reader),
            "bank": r.bank.name if r.bank else None,
            "channel": r.channel,
        }
        for r in reads_of(_enterprise(request))[:500]
    ]


@router.post("/decisions", response={201: DecisionOut}, summary="记录授信决定 / record a decision")
def record_decision(request: HttpRequest, payload: DecisionIn) -> Status[dict[str, Any]]:
    amount = parse_yuan(payload.amount, field="amount")
    decision = services.credit_decision_record(
        actor=request.user,
        enterprise_uscc=payload.enterprise_uscc,
        outcome=payload.outcome,
        amount=amount,
        note=payload.note,
    )
    return Status(
        201,
        {
            "id": decision.pk,
            "enterprise_uscc": decision.enterprise.uscc,
            "bank": decision.bank.name,
            "outcome": decision.outcome,
            "amount": format_yuan_plain(decision.amount),
            "score": decision.score,
            "decided_at": decision.decided_at,
        },
    )


@router.get("/dashboard", response=DashboardOut, summary="服务企业与授信金额 / enterprises served")
def get_dashboard(request: HttpRequest) -> dict[str, Any]:
    d = dashboard(request.user)
    return {
        **d,
        "amount": format_yuan_plain(d["amount"]),
        "by_bank": [{**b, "amount": format_yuan_plain(b["amount"])} for b in d["by_bank"]],
    }
