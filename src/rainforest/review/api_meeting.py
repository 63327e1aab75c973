"""Meeting review (会评) over the API: staff form a panel for a call's shortlist and record
the panel's scores; the chair records them too; members read their panel. An expert not
on a panel, and any applicant, find nothing (404, or an empty list)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictStr

from rainforest.api.auth import AUTH
from rainforest.core.errors import PermissionDeniedError, ValidationError
from rainforest.review import services
from rainforest.review.api_common import Count, ScoreValue, score_number, staff
from rainforest.review.models import Expert, Panel
from rainforest.review.permissions import can_score_panel
from rainforest.review.selectors import access_panel, visible_panels

router = Router(tags=["review: meeting review"], auth=AUTH)


class MemberOut(Schema):
    id: int
    name: str
    chair: bool


class SlotOut(Schema):
    order: int
    item: str
    starts_at: datetime
    ends_at: datetime
    score: str | None = Field(..., description="会评得分，未录入为 null")
    comment: str


class PanelRankOut(Schema):
    rank: int
    item: str
    score: str
    tied_with: list[str]


class PanelSummaryOut(Schema):
    id: int
    call: str
    name: str
    session_at: datetime
    place: str
    chair: int
    items: list[str]


class PanelOut(PanelSummaryOut):
    minutes_per_item: int
    members: list[MemberOut]
    schedule: list[SlotOut]
    ranking: list[PanelRankOut]
    missing: list[str] = Field(..., description="尚未录入会评得分的申请")


def _summary(p: Panel) -> dict[str, Any]:
    return {
        "id": p.pk,
        "call": p.call_ref,
        "name": p.name,
        "session_at": p.session_at,
        "place": p.place,
        "chair": p.chair_id,
        "items": list(p.item_refs),
    }


def _panel_out(p: Panel) -> PanelOut:
    results = services.panel_results(p)
    return PanelOut(
        **_summary(p),
        minutes_per_item=p.minutes_per_item,
        members=[
            MemberOut(id=m.pk, name=m.name, chair=m.pk == p.chair_id)
            for m in p.members.order_by("name", "id")
        ],
        schedule=[
            SlotOut(
                order=s.order,
                item=s.item,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                score=f"{results.scores[s.item].score:.2f}" if s.item in results.scores else None,
                comment=results.scores[s.item].comment if s.item in results.scores else "",
            )
            for s in results.schedule
        ],
        ranking=[
            PanelRankOut(
                rank=r.rank, item=r.item, score=f"{r.score:.2f}", tied_with=list(r.tied_with)
            )
            for r in results.ranked
        ],
        missing=results.missing,
    )


class PanelFilter(Schema):
    # a query string is text: "?call=12" is parsed as a whole number (no StrictInt here)
    call: int | None = Field(None, ge=1, le=2**31, description="申请指南编号")


@router.get("/panels", response=list[PanelSummaryOut])
def panel_list(request: HttpRequest, filters: Query[PanelFilter]) -> Any:
    """Staff: every panel (of a call); an expert: the panels they sit on; others: none."""
    rows = visible_panels(request.user)
    if filters.call is not None:
        rows = rows.filter(call_ref=str(filters.call))
    return [_summary(p) for p in rows[:200]]


class PanelIn(Schema):
    call: Count = Field(..., ge=1, le=2**31, description="申请指南编号")
    name: StrictStr = Field(..., max_length=100)
    chair: Count = Field(..., ge=1, le=2**31, description="组长（专家编号）")
    members: list[Count] = Field(
        ..., max_length=50, description="成员（专家编号，组长可不重复列出）"
    )
    session_at: datetime = Field(..., description="会评开始时间，ISO 8601")
    place: StrictStr = Field(..., max_length=200)
    minutes_per_item: Count | None = Field(
        None, ge=1, le=1440, description="每项答辩时长（分钟），默认 20"
    )
    items: list[Count] = Field(
        ..., min_length=1, max_length=200, description="入围申请（按答辩顺序）"
    )


def _experts(ids: list[int], field: str) -> list[Expert]:
    found = Expert.objects.in_bulk(ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError(
            f"专家编号 {missing[0]} 不存在。",
            f"There is no expert {missing[0]}.",
            field=field,
            code="expert_unknown",
        )
    return [found[i] for i in ids]


@router.post("/panels", response={201: PanelOut})
def panel_create(request: HttpRequest, payload: PanelIn) -> Any:
    """Form a panel; a member excluded from any item (回避) is refused with the reason."""
    staff(request)
    (chair,) = _experts([payload.chair], "chair")
    session_at = payload.session_at
    if timezone.is_naive(session_at):
        session_at = timezone.make_aware(session_at)
    panel = services.panel_create(
        actor=request.user,  # type: ignore[arg-type]
        call_ref=str(payload.call),
        name=payload.name,
        chair=chair,
        members=_experts(list(dict.fromkeys(payload.members)), "members"),
        session_at=session_at,
        place=payload.place,
        item_refs=[str(i) for i in payload.items],
        minutes_per_item=payload.minutes_per_item,
    )
    return Status(201, _panel_out(panel))


@router.get("/panels/{panel_id}", response=PanelOut)
def panel_detail(request: HttpRequest, panel_id: int) -> Any:
    return _panel_out(access_panel(request.user, panel_id))


class PanelScoreIn(Schema):
    item: Count = Field(..., ge=1, le=2**31, description="申请编号")
    score: ScoreValue = Field(..., description='会评得分 0–100，整数或 "86.5"')
    comment: StrictStr = Field(..., max_length=5000, description="专家组意见")


class PanelScoreOut(Schema):
    panel: int
    item: str
    score: str
    comment: str
    recorded_at: datetime


@router.post("/panels/{panel_id}/scores", response=PanelScoreOut)
def panel_score(request: HttpRequest, panel_id: int, payload: PanelScoreIn) -> Any:
    """Staff or the chair record the panel's score for one item; again replaces it."""
    panel = access_panel(request.user, panel_id)
    if not can_score_panel(request.user, panel):
        # a member who is not the chair sees the panel but may not record for it
        raise PermissionDeniedError(
            "只有会议秘书（工作人员）或组长可以录入会评得分。",
            "Only staff (the secretary) or the chair record the panel's scores.",
        )
    record = services.panel_score_record(
        actor=request.user,  # type: ignore[arg-type]
        panel=panel,
        item_ref=str(payload.item),
        score=score_number("score", payload.score),
        comment=payload.comment,
    )
    return PanelScoreOut(
        panel=panel.pk,
        item=record.item_ref,
        score=f"{record.score:.2f}",
        comment=record.comment,
        recorded_at=record.recorded_at,
    )
