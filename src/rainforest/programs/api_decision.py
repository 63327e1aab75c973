"""Stages 6-7 over the API: experts assigned, their scores, the ranking, the funding line and
staff adjustments. Mounted under /api/v1/programs/ (the notice and objections are in
``api_notice``, approval and the task contract in ``api_contract``).

Staff endpoints answer 404 to anyone but programme officers: scores and rankings are
never shown to applicants.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import WithJsonSchema

from rainforest.api.auth import AUTH
from rainforest.core.errors import ValidationError
from rainforest.core.money import format_yuan_plain
from rainforest.programs import selectors_decision as sel
from rainforest.programs.api_common import DecisionOut, Int, language
from rainforest.programs.models import Application
from rainforest.programs.presenters import decision_out
from rainforest.programs.services import decision as decision_services
from rainforest.programs.services import ranking as ranking_services

router = Router(tags=["programs: decision, notice, contract"], auth=AUTH)


class ExpertNameIn(Schema):
    name: str = Field(..., max_length=200)


class ExpertsIn(Schema):
    experts: list[ExpertNameIn] = Field(..., max_length=50)


# A score as a string or an integer, or "n/a" / "不适用" when the criterion does not apply
# (never counted as zero); a float is refused by the service with a reason.
ScoreIn = Annotated[
    Any,
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "integer"}],
            "description": '0–100，最多两位小数；不适用填 "n/a"',
        },
        mode="validation",
    ),
]


class ScoresIn(Schema):
    expert_name: str = Field(..., max_length=200)
    # criterion id -> score, e.g. {"12": "85.5", "13": 90, "14": "n/a"}; floats are refused
    scores: dict[str, ScoreIn]
    comment: str = Field("", max_length=10000)


class ScoreOut(Schema):
    criterion_id: int
    criterion: str
    score: str | None = Field(..., description="null：专家评为不适用（n/a），不计为零")
    not_applicable: bool


class SheetOut(Schema):
    expert_name: str
    comment: str
    scores: list[ScoreOut]


class ScoresOut(Schema):
    application_id: int
    case_number: str
    stage: str
    experts: list[str]
    missing: list[str]
    complete: bool
    sheets: list[SheetOut]


class StageOut(Schema):
    application_id: int
    case_number: str
    stage: str


class RankingIn(Schema):
    mode: str | None = Field(None, max_length=10, description="stop（默认）或 skip")


class AdjustmentIn(Schema):
    application_id: Int = Field(..., ge=-(10**12), le=10**12)
    action: str = Field(..., max_length=20, description="include 或 exclude")
    reason: str = Field(..., max_length=2000)


class AdjustmentsIn(Schema):
    adjustments: list[AdjustmentIn] = Field(..., max_length=200)


class LineOut(Schema):
    rank: int
    application_id: int
    case_number: str
    title: str
    organisation: str
    score: str
    requested: str
    amount: str
    funded: bool
    adjusted: bool
    adjustment_reason: str


class RankingOut(Schema):
    id: int
    call_id: int
    decided_at: datetime
    budget_total: str
    funded_total: str
    mode: str
    summary: DecisionOut | None
    adjustments: list[dict[str, str]]
    lines: list[LineOut]


def _scores_out(a: Application) -> dict[str, Any]:
    sheets: dict[str, dict[str, Any]] = {}
    for s in a.expert_scores.all():
        sheet = sheets.setdefault(
            s.expert_name, {"expert_name": s.expert_name, "comment": s.comment, "scores": []}
        )
        sheet["scores"].append(
            {
                "criterion_id": s.criterion_id,
                "criterion": s.criterion.name,
                "score": None if s.score is None else f"{s.score}",
                "not_applicable": s.score is None,
            }
        )
    missing = decision_services.missing_experts(a)
    experts = [e.expert_name for e in a.expert_assignments.all()]
    return {
        "application_id": a.pk,
        "case_number": a.case.number if a.case else "",
        "stage": a.case.stage if a.case else "",
        "experts": experts,
        "missing": missing,
        "complete": bool(experts) and not missing,
        "sheets": list(sheets.values()),
    }


def _stage_out(a: Application) -> dict[str, Any]:
    a.refresh_from_db()
    case = a.case
    return {
        "application_id": a.pk,
        "case_number": case.number if case else "",
        "stage": case.stage if case else "",
    }


def _ranking_out(ranking: Any, language: str) -> dict[str, Any]:
    return {
        "id": ranking.pk,
        "call_id": ranking.call_id,
        "decided_at": ranking.decided_at,
        "budget_total": format_yuan_plain(ranking.budget_total),
        "funded_total": format_yuan_plain(ranking.funded_total),
        "mode": ranking.decision.get("mode", ""),
        "summary": decision_out(ranking.decision.get("summary"), language),
        "adjustments": ranking.decision.get("adjustments", []),
        "lines": [
            {
                "rank": fl.rank,
                "application_id": fl.application_id,
                "case_number": fl.application.case.number if fl.application.case else "",
                "title": fl.application.title,
                "organisation": fl.application.applicant_org.name,
                "score": f"{fl.score:.2f}",
                "requested": format_yuan_plain(fl.application.fiscal_total or 0),
                "amount": format_yuan_plain(fl.amount),
                "funded": fl.funded,
                "adjusted": fl.adjusted,
                "adjustment_reason": fl.adjustment_reason,
            }
            for fl in sel.ranking_lines(ranking)
        ],
    }


def _criterion_ids(scores: dict[str, Any]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for key, value in scores.items():
        if not key.strip().isdigit():
            raise ValidationError(
                f"评审标准编号「{key}」应为数字",
                f"The criterion id '{key}' must be a number",
                field=f"scores.{key}",
                code="criterion_unknown",
            )
        out[int(key)] = value
    return out


@router.post("/applications/{application_id}/experts", response=ScoresOut, summary="指派评审专家")
def assign_experts(request: HttpRequest, application_id: int, payload: ExpertsIn) -> Any:
    application = sel.staff_application(request.user, application_id)
    decision_services.expert_assign(
        actor=request.user,
        application=application,
        experts=[decision_services.ExpertIn(e.name) for e in payload.experts],
    )
    return _scores_out(sel.staff_application(request.user, application_id))


@router.post("/applications/{application_id}/scores", response=ScoresOut, summary="录入专家评分")
def record_scores(request: HttpRequest, application_id: int, payload: ScoresIn) -> Any:
    application = sel.staff_application(request.user, application_id)
    decision_services.expert_scores_record(
        actor=request.user,
        application=application,
        expert_name=payload.expert_name,
        scores=_criterion_ids(payload.scores),
        comment=payload.comment,
    )
    return _scores_out(sel.staff_application(request.user, application_id))


@router.get(
    "/applications/{application_id}/scores", response=ScoresOut, summary="专家评分（工作人员）"
)
def get_scores(request: HttpRequest, application_id: int) -> Any:
    return _scores_out(sel.staff_application(request.user, application_id))


@router.post(
    "/applications/{application_id}/finish-review", response=StageOut, summary="结束专家评审"
)
def finish_review(request: HttpRequest, application_id: int) -> Any:
    application = sel.staff_application(request.user, application_id)
    decision_services.expert_review_finish(actor=request.user, application=application)
    return _stage_out(application)


@router.post("/calls/{call_id}/ranking", response={201: RankingOut}, summary="排序及资助线")
def draw_ranking(request: HttpRequest, call_id: int, payload: RankingIn) -> Any:
    call = sel.staff_call(request.user, call_id)
    ranking = ranking_services.ranking_draw(actor=request.user, call=call, mode=payload.mode)
    return Status(201, _ranking_out(ranking, language(request)))


@router.get("/calls/{call_id}/ranking", response=RankingOut, summary="当前排序（工作人员）")
def get_ranking(request: HttpRequest, call_id: int) -> Any:
    call = sel.staff_call(request.user, call_id)
    ranking = sel.current_ranking(call)
    if ranking is None:
        raise Http404
    return _ranking_out(ranking, language(request))


@router.post("/calls/{call_id}/ranking/adjustments", response=RankingOut, summary="调整拟立项名单")
def adjust_ranking(request: HttpRequest, call_id: int, payload: AdjustmentsIn) -> Any:
    call = sel.staff_call(request.user, call_id)
    ranking = ranking_services.ranking_adjust(
        actor=request.user,
        call=call,
        adjustments=[
            ranking_services.AdjustmentIn(a.application_id, a.action, a.reason)
            for a in payload.adjustments
        ],
    )
    return _ranking_out(ranking, language(request))
