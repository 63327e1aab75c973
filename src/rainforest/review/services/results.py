"""A call's results: aggregation, the ranking and its hand-off to ``programs``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.core.errors import ConflictError
from rainforest.review import adapters
from rainforest.review import domain as rules
from rainforest.review import domain_scoring as scoring_rules
from rainforest.review.models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentStatus,
)
from rainforest.review.services._common import now_or, today_of
from rainforest.review.services.call_settings import settings_for


@dataclass(frozen=True)
class CallResults:
    scores: dict[str, scoring_rules.ItemScore]
    ranked: list[scoring_rules.Ranked]
    missing: dict[str, int]  # item → open assignments still to score


def call_results(call_ref: str, *, day: Any = None, normalise: bool | None = None) -> CallResults:
    day = day or today_of(timezone.now())
    scoring = rules.parameters_on(rules.SCORING, day)
    info = adapters.call_info(call_ref, scoring)
    criteria = info.criteria if info else scoring_rules.default_criteria(scoring)
    sheets = []
    missing: dict[str, int] = defaultdict(int)
    submitted: dict[str, str] = {}
    for a in Assignment.objects.filter(draw__call_ref=call_ref).select_related("sheet"):
        if a.status in OPEN_STATUSES:
            missing[a.item_ref] += 1
        if a.status == AssignmentStatus.SUBMITTED:
            s = a.sheet
            sheets.append(
                scoring_rules.Sheet(
                    expert=str(a.expert_id),
                    item=a.item_ref,
                    scores={k: adapters.score_decimal(v) for k, v in s.scores.items()},
                    recommendation=s.recommendation,
                )
            )
    for item in adapters.review_items(call_ref):
        submitted[item.id] = item.submitted_at
    preset = settings_for(call_ref, day=day)
    scores = scoring_rules.score_items(
        sheets,
        criteria,
        params=scoring,
        method=preset.method,
        normalise=preset.normalise if normalise is None else normalise,
    )
    return CallResults(
        scores=scores, ranked=scoring_rules.rank(scores, submitted), missing=dict(missing)
    )


def ranking_hand_off(*, actor: User, call_ref: str, now: datetime | None = None) -> bool:
    now = now_or(now)
    results = call_results(call_ref, day=today_of(now))
    if results.missing:
        raise ConflictError(
            "尚有专家未提交评分，不能提交排序结果。",
            "Some experts have not scored yet; the ranking cannot be handed over.",
            code="scores_incomplete",
        )
    payload = []
    sheets_by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in Assignment.objects.filter(
        draw__call_ref=call_ref, status=AssignmentStatus.SUBMITTED
    ).select_related("sheet", "expert__user"):
        sheets_by_item[a.item_ref].append(
            {
                "expert_user": a.expert.user,
                "expert_name": a.expert.name,
                "scores": {k: adapters.score_decimal(v) for k, v in a.sheet.scores.items()},
                "comments": a.sheet.comments,
                "recommendation": a.sheet.recommendation,
            }
        )
    for r in results.ranked:
        payload.append(
            {
                "item_ref": r.item,
                "rank": r.rank,
                "score": r.score,
                "decision": results.scores[r.item].decision.to_dict(),
                "sheets": sheets_by_item[r.item],
            }
        )
    with transaction.atomic():
        handed = adapters.hand_off(actor=actor, call_ref=call_ref, results=payload, now=now)
        audit_append(
            actor=actor,
            action="review.ranking_hand_off",
            subject_type="call",
            subject_id=call_ref,
            data={"items": len(payload), "received_by_programs": handed},
        )
    return handed
