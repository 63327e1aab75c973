"""The one place ``review`` meets ``programs``.

Review works on review items (:class:`rainforest.review.domain.ReviewItem`); this adapter
builds them from ``programs``' applications and calls, and hands results back. Nothing
else in ``review`` imports ``programs``. References are the primary keys as text:
``call_ref`` = ``str(Call.pk)``, ``item_ref`` = ``str(Application.pk)``.

What ``programs`` reads from here (see ``results_for_call``) and what ``review`` calls in
``programs`` when the ranking is handed over (``hand_off``) are the two joins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from rainforest.review.domain import ReviewItem
from rainforest.review.domain_scoring import CriterionWeight, default_criteria

EXPERT_REVIEW_STAGE = "expert_review"


@dataclass(frozen=True)
class CallInfo:
    ref: str
    number: str
    title: str
    field_codes: tuple[str, ...]
    criteria: tuple[CriterionWeight, ...]
    stage_workdays: int | None


@dataclass(frozen=True)
class ItemView:
    """What an expert sees of an item; applicant identities are empty when blind."""

    ref: str
    number: str
    title: str
    summary: str
    applicant_name: str
    team: tuple[str, ...]
    consortium: tuple[str, ...]
    submitted_at: datetime | None


def _models() -> Any:
    from rainforest.programs import models

    return models


def _call_info(call: Any, scoring: Any) -> CallInfo:
    criteria = tuple(
        CriterionWeight(str(c.pk), c.name, c.name, int(c.weight)) for c in call.criteria.all()
    )
    return CallInfo(
        ref=str(call.pk),
        number=call.number,
        title=call.title,
        field_codes=(call.field.code,),
        criteria=criteria or default_criteria(scoring),
        stage_workdays=call.stage_limit(EXPERT_REVIEW_STAGE),
    )


def call_info(call_ref: str, scoring: Any) -> CallInfo | None:
    m = _models()
    call = (
        m.Call.objects.select_related("field")
        .prefetch_related("criteria")
        .filter(pk=int(call_ref) if call_ref.isdigit() else -1)
        .first()
    )
    return _call_info(call, scoring) if call else None


def calls_in_review(scoring: Any) -> list[tuple[CallInfo, int]]:
    """Calls with applications in the expert-review stage, and how many."""
    m = _models()
    calls = (
        m.Call.objects.filter(applications__case__stage=EXPERT_REVIEW_STAGE)
        .select_related("field")
        .prefetch_related("criteria")
        .distinct()
        .order_by("-id")
    )
    out = []
    for call in calls:
        count = m.Application.objects.filter(call=call, case__stage=EXPERT_REVIEW_STAGE).count()
        out.append((_call_info(call, scoring), count))
    return out


def review_items(call_ref: str, refs: Sequence[str] | None = None) -> list[ReviewItem]:
    """The call's applications in the expert-review stage, as review items.

    With ``refs``: those applications of the call, whatever their stage (a meeting review
    hears shortlisted applications that may have moved on).
    """
    m = _models()
    apps = m.Application.objects.filter(call_id=int(call_ref))
    if refs is None:
        apps = apps.filter(case__stage=EXPERT_REVIEW_STAGE)
    else:
        apps = apps.filter(pk__in=[int(r) for r in refs if r.isdigit()])
    apps = (
        apps.select_related("applicant_org", "call__field", "direction")
        .prefetch_related("team", "consortium")
        .order_by("id")
    )
    items = []
    for app in apps:
        fields = [app.call.field.code]
        text = app.summary
        if app.direction is not None:
            text = f"{app.direction.title}\n{text}"
        items.append(
            ReviewItem(
                id=str(app.pk),
                call=str(app.call_id),
                title=app.title,
                applicant_uscc=app.applicant_org.uscc,
                member_usccs=tuple(c.uscc for c in app.consortium.all()),
                team_ids=tuple(t.id_number for t in app.team.all() if t.id_number),
                applicant_ids=(app.pi_id_number,) if app.pi_id_number else (),
                fields=tuple(fields),
                keywords=(),
                text=text,
                submitted_at=app.submitted_at.isoformat() if app.submitted_at else "",
            )
        )
    return items


def item_views(item_refs: Sequence[str], *, blind: bool) -> dict[str, ItemView]:
    m = _models()
    ids = [int(r) for r in item_refs if r.isdigit()]
    apps = (
        m.Application.objects.filter(pk__in=ids)
        .select_related("applicant_org", "case")
        .prefetch_related("team", "consortium")
    )
    out = {}
    for app in apps:
        out[str(app.pk)] = ItemView(
            ref=str(app.pk),
            number=app.case.number if app.case else f"#{app.pk}",
            title=app.title,
            summary=app.summary,
            applicant_name="" if blind else app.applicant_org.name,
            team=() if blind else tuple(f"{t.name}（{t.role}）" for t in app.team.all()),
            consortium=() if blind else tuple(c.name for c in app.consortium.all()),
            submitted_at=app.submitted_at,
        )
    return out


def applicant_org_ids(item_ref: str) -> set[int]:
    """Organisations on the applicant side of an item (they never see reviews)."""
    m = _models()
    app = m.Application.objects.filter(pk=int(item_ref) if item_ref.isdigit() else -1).first()
    return {app.applicant_org_id} if app else set()


def hand_off(
    *,
    actor: Any,
    call_ref: str,
    results: Sequence[dict[str, Any]],
    now: datetime,
) -> bool:
    """Give the ranked results to ``programs``' decision stage.

    ``results`` holds, per item, ``item_ref``, ``rank``, ``score`` (Decimal), the
    decision (``Decision.to_dict()``) and the sheets (expert user, name, scores per
    criterion ref (Decimal or None), comments). Returns False when ``programs`` does not
    yet offer ``review_results_receive``; the ranking then stays on review's own page.
    """
    try:
        from rainforest.programs import services as programs_services
    except ImportError:  # pragma: no cover - programs is always installed
        return False
    receive = getattr(programs_services, "review_results_receive", None)
    if receive is None:
        return False
    receive(actor=actor, call_id=int(call_ref), results=list(results), now=now)
    return True


def score_decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None
