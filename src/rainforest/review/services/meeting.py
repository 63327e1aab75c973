"""Meeting review (会评) for shortlisted items: panels, their schedule and panel scores.

Staff form a panel for a call's shortlist: members (the chair among them), a session with
one slot per item. Avoidance holds as in the draw: a member may not hear an item they are
excluded from. The panel's score per item is recorded by staff (the secretary) or by the
chair, once the session has started.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.cases.services import notify
from rainforest.core.errors import ConflictError, NotFoundError
from rainforest.review import adapters
from rainforest.review import domain as rules
from rainforest.review import domain_meeting as meeting_rules
from rainforest.review.domain_scoring import Ranked, rank_scores
from rainforest.review.models import Draw, Expert, ExpertStatus, Panel, PanelScore
from rainforest.review.permissions import can_score_panel
from rainforest.review.services._common import (
    expert_profiles,
    now_or,
    raise_problems,
    staff_conflicts,
    today_of,
)


def shortlist_candidates(call_ref: str) -> list[str]:
    """Items a panel of the call may hear: those drawn for, and those now in expert review."""
    refs: dict[str, None] = {}
    for inputs in Draw.objects.filter(call_ref=call_ref).values_list("inputs", flat=True):
        refs.update(dict.fromkeys(str(i) for i in inputs.get("items", ())))
    refs.update(dict.fromkeys(i.id for i in adapters.review_items(call_ref)))
    return sorted(refs, key=lambda r: (len(r), r))


def panel_create(
    *,
    actor: User,
    call_ref: str,
    name: str,
    chair: Expert | None,
    members: Sequence[Expert],
    session_at: datetime | None,
    place: str,
    item_refs: Sequence[str],
    minutes_per_item: int | None = None,
    now: datetime | None = None,
) -> Panel:
    """Form a panel; every problem is named by its field and nothing is saved while any."""
    now = now_or(now)
    day = today_of(now)
    avoidance = rules.parameters_on(rules.AVOIDANCE, day)
    meeting = rules.parameters_on(rules.MEETING, day)
    if adapters.call_info(call_ref, rules.parameters_on(rules.SCORING, day)) is None:
        raise NotFoundError("没有找到该申请指南。", "No such call.")
    minutes = meeting.integer("minutes_per_item") if minutes_per_item is None else minutes_per_item
    everyone = list(dict.fromkeys([*([chair] if chair is not None else []), *members]))
    wanted = list(dict.fromkeys(str(r) for r in item_refs))
    candidates = shortlist_candidates(call_ref)
    problems: list[tuple[str, str, str]] = []
    for ref in wanted:
        if ref not in candidates:
            problems.append(
                (
                    "items",
                    f"申请 {ref} 不是本指南的评审对象，不能列入会评。",
                    f"Application {ref} is not reviewed in this call; it cannot be heard.",
                )
            )
    if chair is None:
        problems.append(("chair", "请选择专家组组长。", "Choose the panel's chair."))
    for m in everyone:
        if m.status != ExpertStatus.ACTIVE or m.quality_flags:
            problems.append(
                (
                    "members",
                    f"专家 {m.name} 不在库或有质量标记，不能参加会评。",
                    f"Expert {m.pk} is not active in the pool or is flagged; they cannot sit.",
                )
            )
    if session_at is None:
        problems.append(("session_at", "请填写会评时间。", "Enter the session's date and time."))
    if not place.strip():
        problems.append(("place", "请填写会评地点。", "Enter where the session is held."))
    call_items = adapters.review_items(call_ref, refs=candidates)
    by_id = {i.id: i for i in call_items}
    problems += meeting_rules.check_panel(
        items=[by_id[r] for r in wanted if r in by_id],
        call_items=call_items,
        members=expert_profiles(everyone),
        chair=str(chair.pk) if chair is not None else "",
        conflicts=staff_conflicts(call_ref),
        minutes_per_item=minutes,
        avoidance=avoidance,
        meeting=meeting,
        on=day,
    )
    raise_problems(problems, code="panel_invalid")
    with transaction.atomic():
        panel = Panel.objects.create(
            call_ref=call_ref,
            name=name.strip()[:100] or "会评组",
            chair=chair,
            session_at=session_at,
            place=place.strip()[:200],
            minutes_per_item=minutes,
            item_refs=[r for r in wanted if r in by_id],
            created_by=actor,
            created_at=now,
        )
        panel.members.set(everyone)
        audit_append(
            actor=actor,
            action="review.panel_create",
            subject_type="review_panel",
            subject_id=panel.pk,
            data={
                "call": call_ref,
                "chair": chair.pk if chair is not None else None,
                "members": [m.pk for m in everyone],
                "items": panel.item_refs,
            },
        )
        for m in everyone:
            if m.user is not None:
                notify(
                    user=m.user,
                    case=None,
                    kind="review.panel",
                    title="您被邀请参加会议评审",
                    body=f"{panel.name}：{panel.place}，共 {len(panel.item_refs)} 项申请。",
                    title_en="You are invited to a meeting review",
                    body_en=f"{panel.name}: {panel.place}, {len(panel.item_refs)} application(s).",
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
    """The panel's score for one item with its opinion; recording again replaces it."""
    now = now_or(now)
    meeting = rules.parameters_on(rules.MEETING, today_of(now))
    if not can_score_panel(actor, panel):
        raise NotFoundError("没有找到该会评组。", "No such panel.")
    if item_ref not in panel.item_refs:
        raise_problems(
            [("item", "该申请不在本会评组。", "The application is not heard by this panel.")],
            code="item_unknown",
        )
    if now < panel.session_at:
        raise ConflictError(
            "会评尚未开始，开始后才能录入会评得分。",
            "The session has not started; panel scores are recorded from its start.",
            code="session_not_started",
        )
    raise_problems(
        meeting_rules.check_panel_score(score, comment, params=meeting), code="score_invalid"
    )
    with transaction.atomic():
        record, created = PanelScore.objects.update_or_create(
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
            data={"item": item_ref, "score": str(score), "replaced": not created},
        )
    return record


@dataclass(frozen=True)
class PanelResults:
    schedule: list[meeting_rules.Slot]
    scores: dict[str, PanelScore]  # item → the panel's score, where recorded
    ranked: list[Ranked]  # items with a score, by the tie rule
    missing: list[str]  # items heard but not scored yet


def panel_results(panel: Panel) -> PanelResults:
    scores = {s.item_ref: s for s in panel.scores.all()}
    views = adapters.item_views(list(panel.item_refs), blind=False)
    submitted = {
        ref: v.submitted_at.isoformat() if v.submitted_at else "" for ref, v in views.items()
    }
    return PanelResults(
        schedule=meeting_rules.session_schedule(
            panel.session_at, list(panel.item_refs), panel.minutes_per_item
        ),
        scores=scores,
        ranked=rank_scores({ref: s.score for ref, s in scores.items()}, submitted),
        missing=[ref for ref in panel.item_refs if ref not in scores],
    )
