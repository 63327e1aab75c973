"""Meeting review (会评) for shortlisted items: panels, their schedule and panel scores."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.core.errors import ValidationError
from rainforest.review.models import (
    Expert,
    Panel,
    PanelScore,
)
from rainforest.review.services._common import now_or


def panel_create(
    *,
    actor: User,
    call_ref: str,
    name: str,
    chair: Expert,
    members: Sequence[Expert],
    session_at: datetime,
    place: str,
    item_refs: Sequence[str],
    now: datetime | None = None,
) -> Panel:
    now = now_or(now)
    if chair not in members:
        members = [chair, *members]
    orgs = [m.employer_uscc for m in members]
    if len(set(orgs)) != len(orgs):
        raise ValidationError(
            "同一评审组内同一单位的专家不能超过 1 人。",
            "A panel may have at most one expert per organisation.",
            field="members",
            code="panel_same_org",
        )
    with transaction.atomic():
        panel = Panel.objects.create(
            call_ref=call_ref,
            name=name.strip() or "会评组",
            chair=chair,
            session_at=session_at,
            place=place.strip(),
            item_refs=list(item_refs),
            created_by=actor,
            created_at=now,
        )
        panel.members.set(members)
        audit_append(
            actor=actor,
            action="review.panel_create",
            subject_type="review_panel",
            subject_id=panel.pk,
        )
    return panel


def panel_score_record(
    *,
    actor: User,
    panel: Panel,
    item_ref: str,
    score: Decimal,
    comment: str,
    now: datetime | None = None,
) -> PanelScore:
    now = now_or(now)
    if item_ref not in panel.item_refs:
        raise ValidationError(
            "该评审对象不在本会评组。",
            "The item is not on this panel.",
            field="item",
            code="item_unknown",
        )
    if not Decimal(0) <= score <= Decimal(100):
        raise ValidationError(
            "会评得分应在 0 到 100 之间。",
            "The panel score must be 0 to 100.",
            field="score",
            code="score_out_of_range",
        )
    with transaction.atomic():
        record, _ = PanelScore.objects.update_or_create(
            panel=panel,
            item_ref=item_ref,
            defaults={
                "score": score,
                "comment": comment.strip(),
                "recorded_by": actor,
                "recorded_at": now,
            },
        )
        audit_append(
            actor=actor,
            action="review.panel_score",
            subject_type="review_panel",
            subject_id=panel.pk,
            data={"item": item_ref, "score": str(score)},
        )
    return record
