"""An expert's assignment: the declaration, withdrawal and replacement, the score sheet,
reminders and overdue replacement."""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import numpy as np
from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.cases.services import notify
from rainforest.core.errors import ConflictError, NotFoundError, ValidationError
from rainforest.review import adapters
from rainforest.review import domain as rules
from rainforest.review import domain_scoring as scoring_rules
from rainforest.review.domain_assignment import rng_from_seed
from rainforest.review.domain_commitment import problem_from_dict
from rainforest.review.domain_replacement import replacement_draw
from rainforest.review.models import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    Assignment,
    AssignmentStatus,
    Draw,
    Expert,
    ExpertStatus,
    Recommendation,
    Replacement,
    ScoreSheet,
)
from rainforest.review.services._common import Rejected, due_after, now_or, today_of

DECLARATION_ZH = (
    "本人确认：与该评审对象的申请单位、联合申报单位及项目团队成员不存在亲属、师生、"
    "同单位、近三年合作等利害关系，未参与同批次申报；如有隐瞒，愿承担相应责任。"
)


def _own(actor: User, assignment: Assignment) -> None:
    if assignment.expert.user_id != actor.pk:
        raise NotFoundError("没有找到该评审任务。", "No such review assignment.")


def assignment_declare(
    *, actor: User, assignment: Assignment, now: datetime | None = None
) -> Assignment:
    """The expert confirms there is no conflict (the declaration is recorded)."""
    now = now_or(now)
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update().select_related("expert").get(pk=assignment.pk)
        )
        _own(actor, assignment)
        if assignment.status != AssignmentStatus.ASSIGNED:
            raise ConflictError("该评审任务已确认或已结束。", "Already confirmed or closed.")
        assignment.status = AssignmentStatus.DECLARED
        assignment.declared_at = now
        assignment.declaration = DECLARATION_ZH
        assignment.save(update_fields=["status", "declared_at", "declaration"])
        audit_append(
            actor=actor,
            action="review.assignment_declare",
            subject_type="review_assignment",
            subject_id=assignment.pk,
            data={"declaration_sha256": hashlib.sha256(DECLARATION_ZH.encode()).hexdigest()},
        )
    return assignment


def assignment_withdraw(
    *,
    actor: User,
    assignment: Assignment,
    reason: str,
    note: str = "",
    now: datetime | None = None,
) -> Assignment:
    """Recuse, decline or (staff) mark overdue; an alternate is drawn within the cap q.

    Returns the replacement assignment.
    """
    now = now_or(now)
    if reason not in ("recused", "declined", "overdue"):
        raise ValidationError("请选择原因。", "Choose a reason.", field="reason", code="required")
    if reason in ("recused", "declined") and not note.strip():
        raise ValidationError(
            "请说明回避或谢绝的原因。",
            "Say why you recuse or decline.",
            field="note",
            code="required",
        )
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update()
            .select_related("expert", "draw")
            .get(pk=assignment.pk)
        )
        if reason != "overdue":
            _own(actor, assignment)
        if assignment.status not in OPEN_STATUSES:
            raise ConflictError("该评审任务已结束。", "This assignment is closed.")
        record = Draw.objects.select_for_update().get(pk=assignment.draw_id)
        problem = problem_from_dict(record.inputs)
        b = problem.q.denominator
        flow = record.fractional_flow or []
        item = assignment.item_ref
        i = problem.items.index(item)
        on_item = list(
            Assignment.objects.filter(draw=record, item_ref=item).select_related("expert")
        )
        staying = [a for a in on_item if a.status in ACTIVE_STATUSES and a.pk != assignment.pk]
        ever = {str(a.expert_id) for a in on_item}
        loads: dict[str, int] = defaultdict(int)
        for a in Assignment.objects.filter(draw=record, status__in=ACTIVE_STATUSES):
            loads[str(a.expert_id)] += 1
        orgs = {a.expert.employer_uscc for a in staying}
        by_id = {
            str(e.pk): e for e in Expert.objects.filter(pk__in=[int(x) for x in problem.experts])
        }
        start = int(np.searchsorted(problem.pair_item, i))
        stop = int(np.searchsorted(problem.pair_item, i, side="right"))
        candidates: dict[str, int] = {}
        spent: dict[str, Fraction] = {}
        for p in range(start, stop):
            e = problem.experts[int(problem.pair_expert[p])]
            spent[e] = Fraction(int(flow[p]), b) if flow else Fraction(0)
            expert = by_id.get(e)
            if (
                e in ever
                or expert is None
                or expert.status != ExpertStatus.ACTIVE
                or expert.quality_flags
                or loads[e] >= record.load
                or (problem.one_per_group and expert.employer_uscc in orgs)
            ):
                continue
            candidates[e] = int(problem.pair_fit[p])
        for earlier in Replacement.objects.filter(draw=record, withdrawn__item_ref=item):
            for e, p in earlier.offered.items():
                spent[e] = spent.get(e, Fraction(0)) + Fraction(p)
        seed = secrets.token_hex(32)
        picked = replacement_draw(
            item=item,
            declined=str(assignment.expert_id),
            candidates=candidates,
            spent=spent,
            q=problem.q,
            rng=rng_from_seed(seed),
        )
        assignment.status = {
            "recused": AssignmentStatus.RECUSED,
            "declined": AssignmentStatus.DECLINED,
            "overdue": AssignmentStatus.OVERDUE,
        }[reason]
        assignment.withdrawn_reason = note.strip()[:500]
        new = Assignment.objects.create(
            draw=record,
            item_ref=item,
            expert=by_id[picked.chosen],
            origin="replacement",
            probability=str(picked.offered[picked.chosen]),
            due_at=due_after(
                now, rules.parameters_on(rules.SCORING, today_of(now)).integer("review_workdays")
            ),
        )
        assignment.replaced_by = new
        assignment.save(update_fields=["status", "withdrawn_reason", "replaced_by"])
        Replacement.objects.create(
            draw=record,
            withdrawn=assignment,
            chosen=new,
            offered={e: str(p) for e, p in picked.offered.items()},
            seed=seed,
            reason=reason,
            created_at=now,
        )
        audit_append(
            actor=actor,
            action="review.assignment_withdraw",
            subject_type="review_assignment",
            subject_id=assignment.pk,
            data={"reason": reason, "replacement": new.pk, "seed": seed},
        )
        if new.expert.user is not None:
            notify(
                user=new.expert.user,
                case=None,
                kind="review.assigned",
                title="您被抽取为替补评审专家",
                body="请登录平台确认无利害关系后评审。",
                title_en="You were drawn as a replacement reviewer",
                body_en="Please sign in, declare that you have no conflict of interest, "
                "then review.",
            )
    return new


def sheet_submit(
    *,
    actor: User,
    assignment: Assignment,
    scores: Mapping[str, Decimal | None],
    comments: Mapping[str, str],
    recommendation: str,
    overall_comment: str,
    now: datetime | None = None,
) -> ScoreSheet:
    """Scores per criterion (None = n/a), a comment per scored criterion, a recommendation."""
    now = now_or(now)
    day = today_of(now)
    scoring = rules.parameters_on(rules.SCORING, day)
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update()
            .select_related("expert", "draw")
            .get(pk=assignment.pk)
        )
        _own(actor, assignment)
        if assignment.status == AssignmentStatus.ASSIGNED:
            raise ConflictError(
                "请先确认与该评审对象无利害关系，再评分。",
                "Confirm you have no conflict before scoring.",
                code="declaration_missing",
            )
        if assignment.status != AssignmentStatus.DECLARED:
            raise ConflictError("该评审任务已结束。", "This assignment is closed.")
        info = adapters.call_info(assignment.draw.call_ref, scoring)
        criteria = info.criteria if info else scoring_rules.default_criteria(scoring)
        sheet = scoring_rules.Sheet(
            expert=str(assignment.expert_id),
            item=assignment.item_ref,
            scores=dict(scores),
            recommendation=recommendation,
        )
        problems = scoring_rules.check_sheet(
            sheet, criteria, score_max=scoring.integer("score_max")
        )
        min_chars = scoring.integer("comment_min_chars")
        for c in criteria:
            if scores.get(c.code) is not None and len(comments.get(c.code, "").strip()) < min_chars:
                problems.append(
                    (
                        f"comment_{c.code}",
                        f"请填写「{c.name_zh}」的评审意见（不少于 {min_chars} 字）。",
                        f"Write a comment on {c.name_en} (at least {min_chars} characters).",
                    )
                )
        if len(overall_comment.strip()) < min_chars:
            problems.append(
                (
                    "overall_comment",
                    f"请填写总体评审意见（不少于 {min_chars} 字）。",
                    f"Write an overall comment (at least {min_chars} characters).",
                )
            )
        if problems:
            raise SheetRejected(problems)
        record = ScoreSheet.objects.create(
            assignment=assignment,
            scores={
                c.code: (None if scores.get(c.code) is None else str(scores[c.code]))
                for c in criteria
            },
            comments={c.code: comments.get(c.code, "").strip() for c in criteria},
            recommendation=Recommendation(recommendation),
            overall_comment=overall_comment.strip(),
            submitted_at=now,
        )
        assignment.status = AssignmentStatus.SUBMITTED
        assignment.save(update_fields=["status"])
        audit_append(
            actor=actor,
            action="review.sheet_submit",
            subject_type="review_assignment",
            subject_id=assignment.pk,
        )
    return record


class SheetRejected(Rejected):
    """A score sheet with problems, one per field."""

    def __init__(self, problems: Sequence[tuple[str, str, str]]) -> None:
        super().__init__(problems, code="sheet_invalid")


def assignments_remind(*, now: datetime | None = None) -> int:
    """Remind experts whose open assignment is due within the reminder window; once each."""
    now = now_or(now)
    scoring = rules.parameters_on(rules.SCORING, today_of(now))
    limit = due_after(now, scoring.integer("reminder_workdays_before"))
    count = 0
    with transaction.atomic():
        due = Assignment.objects.select_related("expert__user").filter(
            status__in=OPEN_STATUSES, reminded_at__isnull=True, due_at__lte=limit, due_at__gte=now
        )
        for a in due:
            if a.expert.user is not None:
                notify(
                    user=a.expert.user,
                    case=None,
                    kind="review.reminder",
                    title="评审即将到期",
                    body=f"您的评审任务将于 {timezone.localtime(a.due_at):%Y-%m-%d %H:%M} 到期。",
                    title_en="Your review is due soon",
                    body_en=f"Your review is due by {timezone.localtime(a.due_at):%Y-%m-%d %H:%M}.",
                )
            a.reminded_at = now
            a.save(update_fields=["reminded_at"])
            count += 1
    return count


def assignments_replace_overdue(
    *, actor: User, now: datetime | None = None
) -> tuple[int, list[tuple[int, str]]]:
    """Replace every expert whose open assignment is past its due time.

    Returns how many were replaced and, for those that could not be (no alternate within
    the cap q), the assignment id and the reason; those stay open for staff to act on.
    """
    now = now_or(now)
    overdue = list(Assignment.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now))
    replaced = 0
    failed: list[tuple[int, str]] = []
    for a in overdue:
        try:
            assignment_withdraw(actor=actor, assignment=a, reason="overdue", now=now)
        except ValidationError as exc:
            failed.append((a.pk, exc.message_zh))
        else:
            replaced += 1
    return replaced, failed
