"""Time-limit reminders (临期提醒) and overdue marking (超期标记), run by ``rainforest sla tick``.

Each case is claimed in its own transaction by a conditional UPDATE ("set the mark where
it is still unset and the case is still in that state"), so two workers ticking at the
same moment never remind twice: the second one's UPDATE matches no row and it moves on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rainforest.audit.services import audit_append
from rainforest.cases import registry
from rainforest.cases.actors import stage_actors
from rainforest.cases.models import Case
from rainforest.cases.selectors import Sla, sla_q
from rainforest.cases.services import notify
from rainforest.core.workflow import Stage

# Called after each case with (cases done, cases to do).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SlaTickReport:
    """How many cases got a reminder (临期) and how many were marked overdue (超期)."""

    due_soon_sent: int
    overdue_marked: int


@dataclass(frozen=True)
class _Mark:
    kind: str  # the notification kind
    field: str  # the Case field that records the mark
    action: str  # the audit action
    state: Sla


_DUE_SOON = _Mark("due_soon", "due_soon_notified_at", "case.due_soon_notified", Sla.DUE_SOON)
_OVERDUE = _Mark("overdue", "overdue_marked_at", "case.overdue_marked", Sla.OVERDUE)


def _message(case: Case, mark: _Mark, stage: Stage) -> tuple[str, str, str, str]:
    """(title, body) in Chinese, then in English."""
    due = timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M") if case.due_at else ""
    zh, en = stage.name_zh, stage.name_en
    if mark is _OVERDUE:
        return (
            f"{case.number} 已超期：{zh}",
            f"办件「{case.title}」在「{zh}」环节的办理时限 {due} 已过，请尽快办理。",
            f"{case.number} is overdue: {en}",
            f"Case “{case.title}” passed its time limit for the stage “{en}” ({due}). "
            "Please act on it now.",
        )
    return (
        f"{case.number} 临期提醒：{zh}",
        f"办件「{case.title}」在「{zh}」环节的办理时限为 {due}，请及时办理。",
        f"{case.number} is due soon: {en}",
        f"Case “{case.title}” is due by {due} in the stage “{en}”.",
    )


def _mark_one(case_id: int, mark: _Mark, state_q: Q, now: datetime) -> bool:
    """Claim, notify and audit one case; False when another worker or a change got there first."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            return False
        claimed = Case.objects.filter(
            state_q, pk=case_id, **{f"{mark.field}__isnull": True}
        ).update(**{mark.field: now})
        if claimed != 1:
            return False
        setattr(case, mark.field, now)
        defn = registry.get(case.process_code, case.process_version)
        title, body, title_en, body_en = _message(case, mark, defn.stage(case.stage))
        recipients = list(stage_actors(case, defn))
        for user in recipients:
            notify(
                user=user,
                case=case,
                kind=mark.kind,
                title=title,
                body=body,
                title_en=title_en,
                body_en=body_en,
            )
        audit_append(
            actor=None,
            action=mark.action,
            subject_type="case",
            subject_id=case.number,
            data={
                "stage": case.stage,
                "due_at": case.due_at,
                "at": now,
                "recipients": [u.pk for u in recipients],
            },
        )
    return True


# Other deadlines a module keeps (e.g. milestone reports) are checked in the same tick:
# each hook is called as hook(now=...) after the cases, and returns a printable report.
_tick_hooks: list[Callable[..., object]] = []


def register_tick_hook(hook: Callable[..., object]) -> None:
    if hook not in _tick_hooks:
        _tick_hooks.append(hook)


def tick_hooks() -> list[Callable[..., object]]:
    return list(_tick_hooks)


def sla_tick(*, now: datetime | None = None, progress: Progress | None = None) -> SlaTickReport:
    """Remind the people who act next on cases due soon and mark overdue cases, once each."""
    now = now or timezone.now()
    # Overdue first: a case that ran past its limit is the more urgent message.
    work: list[tuple[int, _Mark, Q]] = []
    for mark in (_OVERDUE, _DUE_SOON):
        state_q = sla_q(mark.state, now)
        ids = (
            Case.objects.filter(state_q, **{f"{mark.field}__isnull": True})
            .order_by("due_at", "id")
            .values_list("id", flat=True)
        )
        work.extend((case_id, mark, state_q) for case_id in ids)
    done = {_OVERDUE.kind: 0, _DUE_SOON.kind: 0}
    for i, (case_id, mark, state_q) in enumerate(work, start=1):
        if _mark_one(case_id, mark, state_q, now):
            done[mark.kind] += 1
        if progress is not None:
            progress(i, len(work))
    return SlaTickReport(due_soon_sent=done[_DUE_SOON.kind], overdue_marked=done[_OVERDUE.kind])
