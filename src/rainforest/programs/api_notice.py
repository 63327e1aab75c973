"""Stage 8 over the API: the public notice (社会公示) and objections (异议). Publishing,
closing and settling are for programme officers (404 to anyone else); the notice and the
objection form are public.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from rainforest.api.auth import AUTH
from rainforest.core.money import format_yuan_plain
from rainforest.programs import selectors_decision as sel
from rainforest.programs.api_common import ListFilters, officer_or_404
from rainforest.programs.models import Objection, PublicNotice
from rainforest.programs.services import notice as notice_services

router = Router(tags=["programs: decision, notice, contract"], auth=AUTH)


class NoticeIn(Schema):
    title: str = Field("", max_length=400)
    body: str = Field("", max_length=40000)


class ListedOut(Schema):
    case_number: str
    title: str
    organisation: str
    amount: str


class OutcomeOut(Schema):
    number: str
    case_number: str
    submitted_at: datetime
    outcome: str
    outcome_text: str
    outcome_published_at: datetime | None


class NoticeOut(Schema):
    id: int
    call_id: int
    call_number: str
    title: str
    body: str
    period_workdays: int
    published_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    listed: list[ListedOut]
    objections: list[OutcomeOut]


class NoticeRow(Schema):
    id: int
    call_number: str
    title: str
    published_at: datetime
    closes_at: datetime
    closed_at: datetime | None


class ObjectionIn(Schema):
    application_number: str = Field(..., max_length=40)
    name: str = Field(..., max_length=400)
    contact: str = Field(..., max_length=400)
    grounds: str = Field(..., max_length=10000)


class ObjectionLodgedOut(Schema):
    number: str
    application_number: str
    submitted_at: datetime
    due_at: datetime | None


class ObjectionOut(Schema):
    id: int
    number: str
    case_number: str
    name: str
    contact: str
    grounds: str
    submitted_at: datetime
    due_at: datetime | None
    outcome: str
    outcome_text: str


class SettleIn(Schema):
    upheld: StrictBool
    reason: str = Field(..., max_length=5000)


def _outcome_out(o: Objection) -> dict[str, Any]:
    return {
        "number": o.case.number if o.case else str(o.pk),
        "case_number": o.application.case.number if o.application and o.application.case else "",
        "submitted_at": o.submitted_at,
        "outcome": o.outcome,
        "outcome_text": o.outcome_text,
        "outcome_published_at": o.outcome_published_at,
    }


def _notice_out(n: PublicNotice) -> dict[str, Any]:
    return {
        "id": n.pk,
        "call_id": n.call_id,
        "call_number": n.call.number,
        "title": n.title,
        "body": n.body,
        "period_workdays": n.period_workdays,
        "published_at": n.published_at,
        "closes_at": n.closes_at,
        "closed_at": n.closed_at,
        "listed": [
            {
                "case_number": fl.application.case.number if fl.application.case else "",
                "title": fl.application.title,
                "organisation": fl.application.applicant_org.name,
                "amount": format_yuan_plain(fl.amount),
            }
            for fl in sel.notice_listed(n)
        ],
        "objections": [_outcome_out(o) for o in sel.notice_outcomes(n)],
    }


def _objection_out(o: Objection) -> dict[str, Any]:
    return {
        "id": o.pk,
        "number": o.case.number if o.case else "",
        "case_number": o.application.case.number if o.application and o.application.case else "",
        "name": o.name,
        "contact": o.contact,
        "grounds": o.grounds,
        "submitted_at": o.submitted_at,
        "due_at": o.case.due_at if o.case else None,
        "outcome": o.outcome,
        "outcome_text": o.outcome_text,
    }


@router.post("/calls/{call_id}/notice", response={201: NoticeOut}, summary="发布公示")
def publish_notice(request: HttpRequest, call_id: int, payload: NoticeIn) -> Any:
    call = sel.staff_call(request.user, call_id)
    posted = notice_services.notice_publish(
        actor=request.user, call=call, title=payload.title, body=payload.body
    )
    return Status(201, _notice_out(sel.public_notice(posted.pk)))


@router.post("/notices/{notice_id}/close", response=NoticeOut, summary="结束公示")
def close_notice(request: HttpRequest, notice_id: int) -> Any:
    officer_or_404(request)
    posted = sel.public_notice(notice_id)
    notice_services.notice_close(actor=request.user, notice=posted)
    return _notice_out(sel.public_notice(notice_id))


@router.get(
    "/notices/{notice_id}/objections", response=list[ObjectionOut], summary="异议（工作人员）"
)
def list_objections(request: HttpRequest, notice_id: int, filters: Query[ListFilters]) -> Any:
    officer_or_404(request)
    posted = sel.public_notice(notice_id)
    return [_objection_out(o) for o in sel.notice_objections(posted)[: filters.limit]]


@router.post("/objections/{objection_id}/settle", response=ObjectionOut, summary="异议处理结果")
def settle_objection(request: HttpRequest, objection_id: int, payload: SettleIn) -> Any:
    objection = sel.staff_objection(request.user, objection_id)
    notice_services.objection_settle(
        actor=request.user, objection=objection, upheld=payload.upheld, reason=payload.reason
    )
    return _objection_out(sel.staff_objection(request.user, objection_id))


@router.get("/public/notices", auth=None, response=list[NoticeRow], summary="拟立项公示 / notices")
def public_notices(request: HttpRequest, filters: Query[ListFilters]) -> Any:
    return [
        {
            "id": n.pk,
            "call_number": n.call.number,
            "title": n.title,
            "published_at": n.published_at,
            "closes_at": n.closes_at,
            "closed_at": n.closed_at,
        }
        for n in sel.public_notices()[: filters.limit]
    ]


@router.get(
    "/public/notices/{notice_id}", auth=None, response=NoticeOut, summary="一份公示 / one notice"
)
def public_notice(request: HttpRequest, notice_id: int) -> Any:
    return _notice_out(sel.public_notice(notice_id))


@router.post(
    "/public/notices/{notice_id}/objections",
    auth=None,
    response={201: ObjectionLodgedOut},
    summary="提出异议 / lodge an objection",
)
def lodge_objection(request: HttpRequest, notice_id: int, payload: ObjectionIn) -> Any:
    posted = sel.public_notice(notice_id)
    user = request.user if request.user.is_authenticated else None
    objection = notice_services.objection_lodge(
        notice=posted,
        application_number=payload.application_number,
        name=payload.name,
        contact=payload.contact,
        grounds=payload.grounds,
        user=user,  # type: ignore[arg-type]  # an authenticated session user is a User
    )
    return Status(
        201,
        {
            "number": objection.case.number if objection.case else "",
            "application_number": payload.application_number.strip(),
            "submitted_at": objection.submitted_at,
            "due_at": objection.case.due_at if objection.case else None,
        },
    )
