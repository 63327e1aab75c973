"""Expert review over the API: settings and draws for staff, assignments and score sheets
for experts, the ranking. The pool and profiles are in ``api_pool``, meeting review in
``api_meeting``; all three share this router.

Applicants have no endpoint here: every object answers 404 to them.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import StrictBool, StrictInt, StrictStr

from rainforest.api.auth import AUTH
from rainforest.language import english
from rainforest.review import adapters, services
from rainforest.review import domain as rules
from rainforest.review.api_common import Count, score_number, staff
from rainforest.review.api_meeting import router as meeting_router
from rainforest.review.api_pool import router as pool_router
from rainforest.review.domain_scoring import TIE_RULE_EN, TIE_RULE_ZH
from rainforest.review.domain_settings import ReviewSettings
from rainforest.review.models import Assignment, CallSettings, Draw, DrawStatus
from rainforest.review.permissions import can_manage_review
from rainforest.review.selectors import access_assignment, access_draw, visible_assignments

router = Router(tags=["review: expert review"], auth=AUTH)
router.add_router("", pool_router)
router.add_router("", meeting_router)


# --- a call's review settings ---------------------------------------------------------------


class SettingsIn(Schema):
    k: Count = Field(..., description="每个申请的专家人数（1–50）")
    load: Count = Field(..., description="每位专家评审数上限 L（1–500）")
    q: StrictStr = Field(..., max_length=20, description='概率上限，如 "0.5" 或 "1/2"')
    method: Literal["trimmed_mean", "mean", "median"] = Field(..., description="汇总方法")
    normalise: StrictBool = Field(False, description="按专家标准化评分")
    blind: StrictBool = Field(False, description="盲审：专家看不到申请单位和团队")


class SettingsOut(Schema):
    call: str
    k: int
    load: int
    q: str
    method: str
    normalise: bool
    blind: bool
    min_pool: int = Field(..., description="每项申请至少需要的可选专家人数（k ÷ q）")
    saved: bool = Field(..., description="false：尚未设置，显示的是默认值")
    locked: bool = Field(..., description="true：已抽取专家，不能再修改")


def _settings_out(call_ref: str, s: ReviewSettings) -> SettingsOut:
    return SettingsOut(
        call=call_ref,
        k=s.k,
        load=s.load,
        q=s.q_text,
        method=s.method,
        normalise=s.normalise,
        blind=s.blind,
        min_pool=s.min_pool,
        saved=CallSettings.objects.filter(call_ref=call_ref).exists(),
        locked=services.settings_locked(call_ref),
    )


def _call_ref(call_id: int) -> str:
    scoring = rules.parameters_on(rules.SCORING, timezone.localdate())
    if adapters.call_info(str(call_id), scoring) is None:
        raise Http404
    return str(call_id)


@router.get("/calls/{call_id}/settings", response=SettingsOut)
def settings_detail(request: HttpRequest, call_id: int) -> Any:
    """The call's review settings (the defaults while staff have set none)."""
    staff(request)
    ref = _call_ref(call_id)
    return _settings_out(ref, services.settings_for(ref))


@router.put("/calls/{call_id}/settings", response=SettingsOut)
def settings_save(request: HttpRequest, call_id: int, payload: SettingsIn) -> Any:
    """Set k, L, q, the method and blind review before the draw; 409 once drawn."""
    staff(request)
    ref = _call_ref(call_id)
    services.call_settings_save(
        actor=request.user,  # type: ignore[arg-type]
        call_ref=ref,
        k=payload.k,
        load=payload.load,
        q=payload.q,
        method=payload.method,
        normalise=payload.normalise,
        blind=payload.blind,
    )
    return _settings_out(ref, services.settings_for(ref))


# --- draws ---------------------------------------------------------------------------------


class DrawIn(Schema):
    """k, L and q left out come from the call's review settings."""

    call: Count = Field(..., ge=1, le=2**31, description="申请指南编号（programs 的 Call id）")
    k: Count | None = Field(None, ge=1, le=50, description="每个申请的专家人数")
    load: Count | None = Field(None, ge=1, le=500, description="每位专家评审数上限 L")
    q: StrictStr | None = Field(None, max_length=20, description='概率上限，如 "0.5" 或 "1/2"')


class DrawOut(Schema):
    id: int
    call: str
    status: str
    k: int
    load: int
    q: str
    commitment: str
    seed_sha256: str
    seed: str | None
    fractional_fit: str
    sampled_fit: str | None
    fraction_of_optimum: str | None
    assignments: int


def _draw_out(record: Draw) -> DrawOut:
    drawn = record.status == DrawStatus.DRAWN
    return DrawOut(
        id=record.pk,
        call=record.call_ref,
        status=record.status,
        k=record.k,
        load=record.load,
        q=record.q,
        commitment=record.commitment,
        seed_sha256=record.seed_sha256,
        seed=record.seed if drawn else None,
        fractional_fit=record.fractional_fit,
        sampled_fit=record.sampled_fit if drawn else None,
        fraction_of_optimum=record.fraction_of_optimum if drawn else None,
        assignments=record.assignments.count(),
    )


@router.post("/draws", response={201: DrawOut})
def draw_create(request: HttpRequest, payload: DrawIn) -> Any:
    """Publish the commitment of a draw (the seed stays secret until it is performed)."""
    staff(request)
    record = services.draw_commit(
        actor=request.user,  # type: ignore[arg-type]
        call_ref=str(payload.call),
        k=payload.k,
        load=payload.load,
        q=payload.q,
    )
    return Status(201, _draw_out(record))


@router.get("/draws/{draw_id}", response=DrawOut)
def draw_detail(request: HttpRequest, draw_id: int) -> Any:
    return _draw_out(access_draw(request.user, draw_id))


@router.post("/draws/{draw_id}/perform", response=DrawOut)
def draw_perform(request: HttpRequest, draw_id: int) -> Any:
    """Draw with the committed seed and reveal it."""
    record = access_draw(request.user, draw_id)
    return _draw_out(
        services.draw_perform(actor=request.user, draw_record=record)  # type: ignore[arg-type]
    )


class AssignmentOut(Schema):
    id: int
    draw: int
    item: str
    expert: int
    status: str
    origin: str
    due_at: str | None
    declared: bool


def _assignment_out(a: Assignment) -> AssignmentOut:
    return AssignmentOut(
        id=a.pk,
        draw=a.draw_id,
        item=a.item_ref,
        expert=a.expert_id,
        status=a.status,
        origin=a.origin,
        due_at=a.due_at.isoformat() if a.due_at else None,
        declared=a.declared_at is not None,
    )


@router.get("/assignments", response=list[AssignmentOut])
def assignment_list(request: HttpRequest) -> Any:
    """An expert's own assignments; staff see every assignment (latest 200)."""
    rows = visible_assignments(request.user).order_by("-id")[:200]
    return [_assignment_out(a) for a in rows]


class DeclarationIn(Schema):
    no_conflict: Literal[True] = Field(..., description="确认与评审对象无利害关系")


@router.post("/assignments/{assignment_id}/declaration", response=AssignmentOut)
def assignment_declare(request: HttpRequest, assignment_id: int, payload: DeclarationIn) -> Any:
    a = access_assignment(request.user, assignment_id)
    return _assignment_out(
        services.assignment_declare(actor=request.user, assignment=a)  # type: ignore[arg-type]
    )


class WithdrawalIn(Schema):
    reason: Literal["recused", "declined"]
    note: StrictStr = Field(..., max_length=500)


@router.post("/assignments/{assignment_id}/withdrawal", response=AssignmentOut)
def assignment_withdraw(request: HttpRequest, assignment_id: int, payload: WithdrawalIn) -> Any:
    """Recuse or decline; the answer is the alternate drawn in the expert's place."""
    a = access_assignment(request.user, assignment_id)
    new = services.assignment_withdraw(
        actor=request.user,  # type: ignore[arg-type]
        assignment=a,
        reason=payload.reason,
        note=payload.note,
    )
    out = _assignment_out(new)
    # the withdrawing expert is told an alternate was drawn, not who
    if not can_manage_review(request.user):
        out.expert = 0
    return out


ScoreIn = StrictStr | StrictInt | None


class SheetIn(Schema):
    scores: dict[StrictStr, ScoreIn] = Field(
        ..., description='指标 → 分数（0–100），null 为"不适用"'
    )
    comments: dict[StrictStr, StrictStr]
    recommendation: Literal["fund", "fund_if_revised", "not_fund"]
    overall_comment: StrictStr = Field(..., max_length=5000)


class SheetOut(Schema):
    assignment: int
    submitted_at: str


@router.post("/assignments/{assignment_id}/sheet", response={201: SheetOut})
def sheet_submit(request: HttpRequest, assignment_id: int, payload: SheetIn) -> Any:
    a = access_assignment(request.user, assignment_id)
    sheet = services.sheet_submit(
        actor=request.user,  # type: ignore[arg-type]
        assignment=a,
        scores={
            k: None if v is None else score_number(f"scores.{k}", v)
            for k, v in payload.scores.items()
        },
        comments=payload.comments,
        recommendation=payload.recommendation,
        overall_comment=payload.overall_comment,
    )
    return Status(201, SheetOut(assignment=a.pk, submitted_at=sheet.submitted_at.isoformat()))


class RankedOut(Schema):
    rank: int
    item: str
    score: str
    counted: int
    outliers: list[str]
    high_disagreement: bool
    tied_with: list[str]


class RankingOut(Schema):
    call: str
    complete: bool
    ranking: list[RankedOut]
    rule: str


@router.get("/calls/{call_id}/ranking", response=RankingOut)
def call_ranking(request: HttpRequest, call_id: int) -> Any:
    staff(request)
    results = services.call_results(str(call_id))

    return RankingOut(
        call=str(call_id),
        complete=not results.missing,
        rule=TIE_RULE_EN if english() else TIE_RULE_ZH,
        ranking=[
            RankedOut(
                rank=r.rank,
                item=r.item,
                score=f"{r.score:.2f}",
                counted=results.scores[r.item].counted,
                outliers=list(results.scores[r.item].outliers),
                high_disagreement=results.scores[r.item].high_disagreement,
                tied_with=list(r.tied_with),
            )
            for r in results.ranked
        ],
    )
