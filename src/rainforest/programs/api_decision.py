"""Stages 6-9 over the API: scores, ranking, adjustments, the public notice, objections,
approval, the task contract and its signatures. Mounted under /api/v1/programs/.

Staff endpoints answer 404 to anyone but programme officers (scores and rankings are
never shown to applicants); the notice and the objection form are public.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import BeforeValidator, StrictBool, WithJsonSchema
from pydantic_core import PydanticCustomError

from rainforest.api.auth import AUTH
from rainforest.core.errors import ConflictError, ValidationError
from rainforest.core.money import format_yuan_plain
from rainforest.programs import selectors_decision as sel
from rainforest.programs.models import Application, Objection, Project, PublicNotice
from rainforest.programs.permissions import can_run_programme
from rainforest.programs.presenters import decision_out
from rainforest.programs.services import contract as contract_services
from rainforest.programs.services import decision as decision_services
from rainforest.programs.services import notice as notice_services
from rainforest.programs.services import ranking as ranking_services

decision_router = Router(tags=["programs: decision, notice, contract"], auth=AUTH)


def _officer(request: HttpRequest) -> None:
    """Staff-only endpoints answer 404 to anyone else, like the staff loaders."""
    if not can_run_programme(request.user):
        raise Http404


# --- schemas --------------------------------------------------------------------------
# Int, ListFilters and DecisionOut repeat programs/api.py's: importing them from there
# would make the two routers import each other.


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


Int = Annotated[int, BeforeValidator(_not_bool)]


class ListFilters(Schema):
    limit: int = Field(50, ge=1, le=200)


class DecisionOut(Schema):
    outcome: str
    reasons: list[str]
    citations: list[str]
    parameters_version: str


class ExpertNameIn(Schema):
    name: str = Field(..., max_length=200)


class ExpertsIn(Schema):
    experts: list[ExpertNameIn] = Field(..., max_length=50)


# A score as a string or an integer; a float is refused by the service with a reason.
ScoreIn = Annotated[
    Any, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}, mode="validation")
]


class ScoresIn(Schema):
    expert_name: str = Field(..., max_length=200)
    # criterion id -> score, e.g. {"12": "85.5", "13": 90}; floats are refused
    scores: dict[str, ScoreIn]
    comment: str = Field("", max_length=10000)


class ScoreOut(Schema):
    criterion_id: int
    criterion: str
    score: str


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


class TrancheOut(Schema):
    order: int
    amount: str


class ProjectOut(Schema):
    id: int
    number: str
    title: str
    case_number: str
    lead: str
    approved_amount: str
    approved_at: datetime
    status: str
    tranches: list[TrancheOut]


class SignatureOut(Schema):
    side: str
    person: str
    organisation: str
    signed_at: datetime
    pdf_sha256: str


class ContractOut(Schema):
    number: str
    project_id: int
    generated_at: datetime
    pdf_sha256: str
    signed_at: datetime | None
    signatures: list[SignatureOut]
    pdf_base64: str


class SignIn(Schema):
    side: str = Field(..., max_length=20, description="bureau（甲方）或 undertaker（乙方）")


# --- shaping --------------------------------------------------------------------------


def _scores_out(a: Application) -> dict[str, Any]:
    sheets: dict[str, dict[str, Any]] = {}
    for s in a.expert_scores.all():
        sheet = sheets.setdefault(
            s.expert_name, {"expert_name": s.expert_name, "comment": s.comment, "scores": []}
        )
        sheet["scores"].append(
            {"criterion_id": s.criterion_id, "criterion": s.criterion.name, "score": f"{s.score}"}
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


def _language(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", "zh-hans") or "zh-hans"


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


def _project_out(p: Project) -> dict[str, Any]:
    return {
        "id": p.pk,
        "number": p.number,
        "title": p.title,
        "case_number": p.application.case.number if p.application.case else "",
        "lead": p.lead_org.name,
        "approved_amount": format_yuan_plain(p.approved_amount),
        "approved_at": p.approved_at,
        "status": p.status,
        "tranches": [
            {"order": t.order, "amount": format_yuan_plain(t.amount)} for t in p.tranches.all()
        ],
    }


def _contract_out(project: Project) -> dict[str, Any]:
    contract = getattr(project, "contract", None)
    if contract is None:
        raise Http404
    return {
        "number": contract.number,
        "project_id": project.pk,
        "generated_at": contract.generated_at,
        "pdf_sha256": contract.pdf_sha256,
        "signed_at": contract.signed_at,
        "signatures": [
            {
                "side": s.side,
                "person": str(s.person),
                "organisation": s.organisation.name,
                "signed_at": s.signed_at,
                "pdf_sha256": s.pdf_sha256,
            }
            for s in contract.signatures.all()
        ],
        "pdf_base64": base64.b64encode(bytes(contract.pdf or b"")).decode(),
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


# --- 6. expert review -----------------------------------------------------------------


@decision_router.post(
    "/applications/{application_id}/experts", response=ScoresOut, summary="指派评审专家"
)
def assign_experts(request: HttpRequest, application_id: int, payload: ExpertsIn) -> Any:
    application = sel.staff_application(request.user, application_id)
    decision_services.expert_assign(
        actor=request.user,
        application=application,
        experts=[decision_services.ExpertIn(e.name) for e in payload.experts],
    )
    return _scores_out(sel.staff_application(request.user, application_id))


@decision_router.post(
    "/applications/{application_id}/scores", response=ScoresOut, summary="录入专家评分"
)
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


@decision_router.get(
    "/applications/{application_id}/scores", response=ScoresOut, summary="专家评分（工作人员）"
)
def get_scores(request: HttpRequest, application_id: int) -> Any:
    return _scores_out(sel.staff_application(request.user, application_id))


@decision_router.post(
    "/applications/{application_id}/finish-review", response=StageOut, summary="结束专家评审"
)
def finish_review(request: HttpRequest, application_id: int) -> Any:
    application = sel.staff_application(request.user, application_id)
    decision_services.expert_review_finish(actor=request.user, application=application)
    return _stage_out(application)


# --- 7. ranking -----------------------------------------------------------------------


@decision_router.post(
    "/calls/{call_id}/ranking", response={201: RankingOut}, summary="排序及资助线"
)
def draw_ranking(request: HttpRequest, call_id: int, payload: RankingIn) -> Any:
    call = sel.staff_call(request.user, call_id)
    ranking = ranking_services.ranking_draw(actor=request.user, call=call, mode=payload.mode)
    return Status(201, _ranking_out(ranking, _language(request)))


@decision_router.get(
    "/calls/{call_id}/ranking", response=RankingOut, summary="当前排序（工作人员）"
)
def get_ranking(request: HttpRequest, call_id: int) -> Any:
    call = sel.staff_call(request.user, call_id)
    ranking = sel.current_ranking(call)
    if ranking is None:
        raise Http404
    return _ranking_out(ranking, _language(request))


@decision_router.post(
    "/calls/{call_id}/ranking/adjustments", response=RankingOut, summary="调整拟立项名单"
)
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
    return _ranking_out(ranking, _language(request))


# --- 8. public notice -----------------------------------------------------------------


@decision_router.post("/calls/{call_id}/notice", response={201: NoticeOut}, summary="发布公示")
def publish_notice(request: HttpRequest, call_id: int, payload: NoticeIn) -> Any:
    call = sel.staff_call(request.user, call_id)
    posted = notice_services.notice_publish(
        actor=request.user, call=call, title=payload.title, body=payload.body
    )
    return Status(201, _notice_out(sel.public_notice(posted.pk)))


@decision_router.post("/notices/{notice_id}/close", response=NoticeOut, summary="结束公示")
def close_notice(request: HttpRequest, notice_id: int) -> Any:
    _officer(request)
    posted = sel.public_notice(notice_id)
    notice_services.notice_close(actor=request.user, notice=posted)
    return _notice_out(sel.public_notice(notice_id))


@decision_router.get(
    "/notices/{notice_id}/objections", response=list[ObjectionOut], summary="异议（工作人员）"
)
def list_objections(request: HttpRequest, notice_id: int, filters: Query[ListFilters]) -> Any:
    _officer(request)
    posted = sel.public_notice(notice_id)
    return [_objection_out(o) for o in sel.notice_objections(posted)[: filters.limit]]


@decision_router.post(
    "/objections/{objection_id}/settle", response=ObjectionOut, summary="异议处理结果"
)
def settle_objection(request: HttpRequest, objection_id: int, payload: SettleIn) -> Any:
    objection = sel.staff_objection(request.user, objection_id)
    notice_services.objection_settle(
        actor=request.user, objection=objection, upheld=payload.upheld, reason=payload.reason
    )
    return _objection_out(sel.staff_objection(request.user, objection_id))


@decision_router.get(
    "/public/notices", auth=None, response=list[NoticeRow], summary="拟立项公示 / notices"
)
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


@decision_router.get(
    "/public/notices/{notice_id}", auth=None, response=NoticeOut, summary="一份公示 / one notice"
)
def public_notice(request: HttpRequest, notice_id: int) -> Any:
    return _notice_out(sel.public_notice(notice_id))


@decision_router.post(
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


# --- 9. approval and the task contract ------------------------------------------------


@decision_router.post(
    "/applications/{application_id}/approve", response={201: ProjectOut}, summary="立项"
)
def approve(request: HttpRequest, application_id: int) -> Any:
    application = sel.staff_application(request.user, application_id)
    project = contract_services.project_approve(actor=request.user, application=application)
    return Status(201, _project_out(sel.access_project(request.user, project.pk)))


@decision_router.post(
    "/projects/{project_id}/contract", response={201: ContractOut}, summary="生成任务书"
)
def generate_contract(request: HttpRequest, project_id: int) -> Any:
    project = sel.access_project(request.user, project_id)
    contract_services.contract_generate(actor=request.user, project=project)
    return Status(201, _contract_out(sel.access_project(request.user, project_id)))


@decision_router.get("/projects/{project_id}/contract", response=ContractOut, summary="任务书")
def get_contract(request: HttpRequest, project_id: int) -> Any:
    return _contract_out(sel.access_project(request.user, project_id))


@decision_router.post(
    "/projects/{project_id}/contract/sign", response=ContractOut, summary="签署任务书"
)
def sign_contract(request: HttpRequest, project_id: int, payload: SignIn) -> Any:
    project = sel.access_project(request.user, project_id)
    contract = getattr(project, "contract", None)
    if contract is None:
        raise ConflictError(
            "任务书尚未生成", "The contract is not generated yet", code="no_contract"
        )
    contract_services.contract_sign(actor=request.user, contract=contract, side=payload.side)
    return _contract_out(sel.access_project(request.user, project_id))
