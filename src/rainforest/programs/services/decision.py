"""Expert review (专家评审), the minimal stage until the ``review`` module takes over.

The minimal expert-review stage keeps the process whole until the ``review`` module
takes it over. Its entry points are deliberately few, so the join is clean:

- :func:`expert_assign` — staff name the experts who score an application;
- :func:`expert_scores_record` — one expert's sheet (a score, or "n/a" / 不适用, per
  criterion of the call, with a comment), recorded by staff; the review module records
  the same rows through :func:`review_results_receive`;
- :func:`scores_complete` — every assigned expert has scored every criterion; the
  ``finish_review`` transition's guard reads it (:func:`expert_review_finish`);
- :func:`review_results_receive` — what ``review.adapters.hand_off`` calls with its
  ranked results (sheets per application); it records them and finishes the stage.

Scores and the names of experts are for staff only: nothing here writes them where an
applicant can read them (the case's decision, its timeline). The full ranking with its
scores is kept on the ranking (``services.ranking``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.cases.models import Case
from rainforest.cases.services import case_transition
from rainforest.core.errors import ConflictError, ValidationError
from rainforest.core.policy import ParameterSet
from rainforest.programs import domain_decision as dd
from rainforest.programs.domain_decision import CENT
from rainforest.programs.models import (
    Application,
    Call,
    ExpertAssignment,
    ExpertScore,
    ReviewCriterion,
)
from rainforest.programs.services.common import optional_text, require_officer, text

EXPERT_REVIEW = "expert_review"
# What a sheet says for a criterion the expert marked "n/a" (不适用); stored as a None score
NOT_APPLICABLE = "n/a"
_NOT_APPLICABLE_WORDS = frozenset({"n/a", "na", "不适用"})
RANKING = "ranking"
# Stages before ranking: while an application of the call is in one, the call cannot be ranked.
BEFORE_RANKING = ("formal_review", "correction", EXPERT_REVIEW)


# --- small helpers ---------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _params(now: datetime) -> ParameterSet:
    return dd.ranking_parameters(timezone.localdate(now))


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "case", "applicant_org")
        .get(pk=application.pk)
    )


def _case(application: Application) -> Case:
    if application.case is None:
        raise ConflictError(
            "申请尚未提交", "The application is not submitted", code="not_submitted"
        )
    return application.case


def _require_stage(application: Application, stage: str, zh: str, en: str) -> Case:
    case = _case(application)
    if case.stage != stage or case.status != "open":
        raise ConflictError(
            f"申请 {case.number} 不在「{zh}」环节，不能办理此事项。",
            f"Application {case.number} is not in the {en} stage.",
            code=f"not_in_{stage}",
        )
    return case


def criteria_of(call: Call) -> list[dd.Criterion]:
    """The call's review criteria as the rules see them (code = the criterion's id)."""
    return [
        dd.Criterion(str(c.pk), c.name, c.name, Decimal(c.weight))
        for c in sorted(call.criteria.all(), key=lambda c: (c.order, c.pk))
    ]


# --- 6. expert review (minimal) --------------------------------------------------------


@dataclass(frozen=True)
class ExpertIn:
    """An expert to assign: the name scores are recorded under, and the account if any."""

    name: str
    user: User | None = None


def expert_assign(
    *,
    actor: User,
    application: Application,
    experts: Sequence[ExpertIn],
    now: datetime | None = None,
    source: str = "platform",
) -> list[ExpertAssignment]:
    """Assign experts to an application in expert review; an expert already assigned stays."""
    require_officer(actor)
    now = _now(now)
    if not experts:
        raise ValidationError(
            "请至少填写一位评审专家", "Enter at least one expert", field="experts", code="required"
        )
    names = [
        text(e.name, field=f"experts.{i}.name", label_zh="专家姓名", label_en="name", limit=100)
        for i, e in enumerate(experts)
    ]
    with transaction.atomic():
        locked = _lock(application)
        case = _require_stage(locked, EXPERT_REVIEW, "专家评审", "expert review")
        existing = set(locked.expert_assignments.values_list("expert_name", flat=True))
        created = []
        for name, expert in zip(names, experts, strict=True):
            if name in existing:
                continue
            existing.add(name)
            created.append(
                ExpertAssignment.objects.create(
                    application=locked,
                    expert=expert.user,
                    expert_name=name,
                    assigned_by=actor,
                    assigned_at=now,
                    source=source,
                )
            )
        audit_append(
            actor=actor,
            action="programs.experts_assigned",
            subject_type="application",
            subject_id=locked.pk,
            data={"case": case.number, "experts": [a.expert_name for a in created]},
        )
    return created


def _score(value: Any, *, field: str, top: Decimal) -> Decimal | None:
    """A score as recorded: None for "n/a" (不适用), else a number 0..top to 0.01."""
    if isinstance(value, str) and value.strip().lower() in _NOT_APPLICABLE_WORDS:
        return None
    if isinstance(value, bool | float):
        raise ValidationError(
            "评分请填写数字，如 85 或 85.5，或填写「不适用」",
            "Enter the score as a number such as 85 or 85.5, or n/a",
            field=field,
            code="score_invalid",
        )
    try:
        score = Decimal(str(value).strip()) if isinstance(value, str | int | Decimal) else None
    except InvalidOperation:
        score = None
    if score is None or not score.is_finite():
        raise ValidationError(
            "评分请填写数字，如 85 或 85.5，或填写「不适用」",
            "Enter the score as a number such as 85 or 85.5, or n/a",
            field=field,
            code="score_invalid",
        )
    if not Decimal(0) <= score <= top:
        raise ValidationError(
            f"评分应在 0 至 {top} 分之间",
            f"The score must be from 0 to {top}",
            field=field,
            code="score_out_of_range",
        )
    if score != score.quantize(Decimal("0.01")):
        raise ValidationError(
            "评分最多保留两位小数",
            "The score can have at most two decimals",
            field=field,
            code="score_invalid",
        )
    return score.quantize(Decimal("0.01"))


def expert_scores_record(
    *,
    actor: User,
    application: Application,
    expert_name: str,
    scores: Mapping[int, Any],
    comment: str = "",
    now: datetime | None = None,
) -> list[ExpertScore]:
    """Record one assigned expert's sheet: a score for every criterion of the call.

    ``scores`` maps a ``ReviewCriterion`` id to a score (0 to ``score_max``, at most two
    decimals; a string, an int or a Decimal) or to "n/a" / 不适用 (:data:`NOT_APPLICABLE`),
    stored as a None score and never counted as zero; at least one criterion is scored.
    A blank score is missing, not n/a. Recording again replaces the sheet while the
    application is in expert review. The review module replaces this staff step: its
    sheets arrive through :func:`review_results_receive` and land in the same rows.
    """
    require_officer(actor)
    now = _now(now)
    name = text(expert_name, field="expert_name", label_zh="专家", label_en="expert", limit=100)
    note = optional_text(comment, field="comment", label_zh="意见", label_en="comment", limit=5000)
    top = _params(now).decimal("score_max")
    with transaction.atomic():
        locked = _lock(application)
        case = _require_stage(locked, EXPERT_REVIEW, "专家评审", "expert review")
        assignment = locked.expert_assignments.filter(expert_name=name).first()
        if assignment is None:
            raise ValidationError(
                f"专家「{name}」未被指派评审此申请，请先指派。",
                f"Expert '{name}' is not assigned to this application; assign them first.",
                field="expert_name",
                code="expert_not_assigned",
            )
        criteria = list(ReviewCriterion.objects.filter(call_id=locked.call_id))
        if not criteria:
            raise ConflictError(
                "申请指南没有设置评审标准，不能录入评分。",
                "The call has no review criteria; scores cannot be recorded.",
                code="criteria_missing",
            )
        known = {c.pk for c in criteria}
        unknown = sorted(k for k in scores if k not in known)
        if unknown:
            raise ValidationError(
                f"评审标准 {unknown[0]} 不属于本指南",
                f"Criterion {unknown[0]} is not one of the call's criteria",
                field=f"scores.{unknown[0]}",
                code="criterion_unknown",
            )
        clean: dict[int, Decimal | None] = {}
        for c in criteria:
            if c.pk not in scores or scores[c.pk] in (None, ""):
                raise ValidationError(
                    f"请填写「{c.name}」的评分",
                    f"Enter the score for '{c.name}'",
                    field=f"scores.{c.pk}",
                    code="score_missing",
                )
            clean[c.pk] = _score(scores[c.pk], field=f"scores.{c.pk}", top=top)
        if all(v is None for v in clean.values()):
            raise ValidationError(
                f"专家「{name}」的所有指标均为「不适用」，请至少对一项指标评分。",
                f"Every criterion of expert '{name}' is n/a; score at least one criterion.",
                field=f"scores.{criteria[0].pk}",
                code="scores_all_not_applicable",
            )
        ExpertScore.objects.filter(application=locked, expert_name=name).delete()
        rows = ExpertScore.objects.bulk_create(
            ExpertScore(
                application=locked,
                expert=assignment.expert,
                expert_name=name,
                criterion=c,
                score=clean[c.pk],
                comment=note,
                recorded_by=actor,
                recorded_at=now,
            )
            for c in criteria
        )
        audit_append(
            actor=actor,
            action="programs.expert_scores_recorded",
            subject_type="application",
            subject_id=locked.pk,
            data={
                "case": case.number,
                "expert": name,
                "scores": {str(k): v for k, v in clean.items()},
                "not_applicable": [str(k) for k, v in clean.items() if v is None],
            },
        )
    return rows


def missing_experts(application: Application) -> list[str]:
    """Assigned experts who have not scored every criterion yet (for staff pages)."""
    criteria = ReviewCriterion.objects.filter(call_id=application.call_id).count()
    assigned = list(
        application.expert_assignments.order_by("expert_name").values_list("expert_name", flat=True)
    )
    counts: dict[str, int] = {}
    for name in ExpertScore.objects.filter(application=application).values_list(
        "expert_name", flat=True
    ):
        counts[name] = counts.get(name, 0) + 1
    return [n for n in assigned if criteria == 0 or counts.get(n, 0) < criteria]


def scores_complete(application: Application) -> bool:
    """Every assigned expert has scored every criterion (and at least one is assigned)."""
    return application.expert_assignments.exists() and not missing_experts(application)


def scored_application(application: Application) -> dd.ScoredApplication:
    """The application's sheets as the ranking rules read them."""
    sheets: dict[str, dict[str, Decimal | None]] = {}
    for s in application.expert_scores.all():
        sheets.setdefault(s.expert_name, {})[str(s.criterion_id)] = s.score
    case = _case(application)
    return dd.ScoredApplication(
        number=case.number,
        submitted_at=application.submitted_at or case.created_at,
        requested_fiscal=application.fiscal_total or Decimal("0.00"),
        sheets=tuple(dd.ExpertSheet(name, scores) for name, scores in sorted(sheets.items())),
    )


def expert_review_finish(
    *, actor: User, application: Application, now: datetime | None = None
) -> Application:
    """End expert review once every assigned expert has scored (the guard refuses before).

    The aggregated score is kept on the audit record, not on the case: the applicant
    reads the case, and scores are for staff only.
    """
    now = _now(now)
    with transaction.atomic():
        locked = _lock(application)
        case = _case(locked)
        complete = case.stage == EXPERT_REVIEW and scores_complete(locked)
        data: dict[str, Any] = {}
        if complete:
            aggregate = dd.aggregate_scores(
                scored_application(locked), criteria_of(locked.call), params=_params(now)
            )
            data = {"aggregate": aggregate.decision.to_dict()}
        case_transition(
            case=case,
            action="finish_review",
            actor=actor,
            context={"scores_complete": complete},
            now=now,
            time_limits=locked.call.stage_limits,
        )
        audit_append(
            actor=actor,
            action="programs.expert_review_finished",
            subject_type="application",
            subject_id=locked.pk,
            data={"case": case.number, **data},
        )
    return locked


def _comment_text(value: Any) -> str:
    if isinstance(value, Mapping):
        return "\n".join(f"{k}: {v}" for k, v in value.items() if v)
    return str(value or "")


def review_results_receive(
    *,
    actor: User,
    call_id: int,
    results: Sequence[Mapping[str, Any]],
    now: datetime | None = None,
) -> dict[str, list[str]]:
    """The join with the ``review`` module (called by ``review.adapters.hand_off``).

    ``results`` holds, per application (``item_ref`` = its id), the submitted sheets:
    ``expert_user``, ``expert_name``, ``scores`` (criterion id as text -> Decimal, or
    None for "n/a" / 不适用) and ``comments``. Each sheet is recorded as the minimal stage
    would record it (an assignment from source ``review`` and ``ExpertScore`` rows); an
    application whose sheets are complete leaves expert review. Review's own rank and
    score are kept in the audit record; ranking here aggregates the recorded sheets with
    the call's rule. Returns the case numbers ``finished`` and those still ``waiting``.

    "n/a" is never counted as zero: an n/a criterion is recorded as an ``ExpertScore``
    row with a None score (what the expert said, no number made up), and the call's rule
    (``domain_decision.aggregate_scores``) leaves it out of every sum. The audit record
    says which criteria were n/a per expert. A sheet lacking a criterion, or with every
    criterion n/a, is not recorded (review refuses both) and the application waits.
    """
    require_officer(actor)
    now = _now(now)
    finished: list[str] = []
    waiting: list[str] = []
    with transaction.atomic():
        for result in results:
            ref = str(result.get("item_ref", ""))
            application = (
                Application.objects.select_related("call", "case")
                .filter(call_id=call_id, pk=int(ref) if ref.isdigit() else -1)
                .first()
            )
            if application is None or application.case is None:
                continue
            if application.case.stage != EXPERT_REVIEW:
                continue
            known = {str(pk) for pk in application.call.criteria.values_list("pk", flat=True)}
            not_applicable: dict[str, list[str]] = {}
            for sheet in result.get("sheets", ()):
                name = str(sheet.get("expert_name") or sheet.get("expert_user") or "").strip()
                if not name:
                    continue
                expert_assign(
                    actor=actor,
                    application=application,
                    experts=[ExpertIn(name[:100], sheet.get("expert_user"))],
                    now=now,
                    source="review",
                )
                raw = {str(k): v for k, v in (sheet.get("scores") or {}).items()}
                if known - set(raw):
                    continue  # a criterion is missing altogether: not a complete sheet
                na = sorted((k for k in known if raw[k] is None), key=int)
                if len(na) == len(known):
                    continue  # every criterion n/a: nothing to count
                given = {
                    int(k): NOT_APPLICABLE if raw[k] is None else Decimal(raw[k]).quantize(CENT)
                    for k in known
                }
                if na:
                    not_applicable[name[:100]] = na
                expert_scores_record(
                    actor=actor,
                    application=application,
                    expert_name=name[:100],
                    scores=given,
                    comment=_comment_text(sheet.get("comments"))[:5000],
                    now=now,
                )
            if scores_complete(application):
                expert_review_finish(actor=actor, application=application, now=now)
                finished.append(application.case.number)
            else:
                waiting.append(application.case.number)
            audit_append(
                actor=actor,
                action="programs.review_results_received",
                subject_type="application",
                subject_id=application.pk,
                data={
                    "case": application.case.number,
                    "review_rank": result.get("rank"),
                    "review_score": result.get("score"),
                    "review_decision": result.get("decision"),
                    "not_applicable": not_applicable,
                },
            )
    return {"finished": finished, "waiting": waiting}
