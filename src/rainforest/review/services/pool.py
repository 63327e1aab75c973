"""The expert pool (专家库): registration, approval, profiles, relations, conflicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.cases.services import notify
from rainforest.core.errors import ConflictError, ValidationError
from rainforest.core.ids import validate_resident_id, validate_uscc
from rainforest.review.models import (
    Expert,
    ExpertStatus,
    QualityFlag,
    StaffConflict,
)
from rainforest.review.services._common import now_or, problems_of, raise_problems


@dataclass(frozen=True)
class ExpertIn:
    name: str
    id_number: str
    employer_uscc: str
    employer_name: str
    title: str
    fields: tuple[str, ...]
    keywords: tuple[str, ...]
    email: str = ""


def clean_codes(raw: Sequence[str] | str) -> tuple[str, ...]:
    """'F06，F0601; F07' or a list → ('F06', 'F0601', 'F07'); upper-case, no blanks."""
    if isinstance(raw, str):
        for sep in "，,;；、 ":
            raw = raw.replace(sep, "\n")
        raw = raw.split("\n")
    return tuple(dict.fromkeys(c.strip().upper() for c in raw if c.strip()))


def clean_words(raw: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(raw, str):
        for sep in "，,;；、":
            raw = raw.replace(sep, "\n")
        raw = raw.split("\n")
    return tuple(dict.fromkeys(w.strip() for w in raw if w.strip()))


def check_expert(data: ExpertIn) -> tuple[ExpertIn, list[ValidationError]]:
    """The normalised input and every problem with it (field names as in the forms)."""
    errors: list[ValidationError] = []
    id_number = data.id_number
    uscc = data.employer_uscc
    try:
        id_number = validate_resident_id(data.id_number, field="id_number")
    except ValidationError as exc:
        errors.append(exc)
    try:
        uscc = validate_uscc(data.employer_uscc, field="employer_uscc")
    except ValidationError as exc:
        errors.append(exc)
    for name, value, zh, en in (
        ("name", data.name, "请填写姓名。", "Enter the name."),
        ("employer_name", data.employer_name, "请填写工作单位。", "Enter the employer."),
        ("title", data.title, "请填写职称。", "Enter the title."),
    ):
        if not value.strip():
            errors.append(ValidationError(zh, en, field=name, code="required"))
    fields = clean_codes(data.fields)
    if not fields:
        errors.append(
            ValidationError(
                "请至少填写一个学科/领域代码，如 F06。",
                "Enter at least one field code, such as F06.",
                field="fields",
                code="required",
            )
        )
    cleaned = ExpertIn(
        name=data.name.strip(),
        id_number=id_number,
        employer_uscc=uscc,
        employer_name=data.employer_name.strip(),
        title=data.title.strip(),
        fields=fields,
        keywords=clean_words(data.keywords),
        email=data.email.strip(),
    )
    return cleaned, errors


def expert_register(*, user: User, data: ExpertIn, now: datetime | None = None) -> Expert:
    """Self-registration (专家自荐): pending until staff approve it.

    A person whose registration was not approved may register again (the same record goes
    back to pending with what they entered now).
    """
    now = now_or(now)
    cleaned, errors = check_expert(data)
    raise_problems(problems_of(errors))
    with transaction.atomic():
        mine = Expert.objects.select_for_update().filter(user=user).first()
        if mine is not None and mine.status != ExpertStatus.REJECTED:
            raise ConflictError(
                "您已提交过专家入库申请。",
                "You have already registered as an expert.",
                code="already_registered",
            )
        taken = Expert.objects.filter(id_number=cleaned.id_number)
        if mine is not None:
            taken = taken.exclude(pk=mine.pk)
        if taken.exists():
            raise ConflictError(
                "该身份证号码已在专家库中，请联系科技局核对。",
                "This ID number is already in the pool; contact the bureau.",
                field="id_number",
                code="expert_exists",
            )
        expert = mine or Expert(user=user)
        expert.name = cleaned.name
        expert.id_number = cleaned.id_number
        expert.employer_uscc = cleaned.employer_uscc
        expert.employer_name = cleaned.employer_name
        expert.title = cleaned.title
        expert.fields = list(cleaned.fields)
        expert.keywords = list(cleaned.keywords)
        expert.email = cleaned.email or user.email
        expert.status = ExpertStatus.PENDING
        expert.status_note = ""
        expert.created_at = now
        expert.save()
        audit_append(
            actor=user,
            action="review.expert_register",
            subject_type="expert",
            subject_id=expert.pk,
            data={"again": mine is not None},
        )
    return expert


def expert_approve(*, actor: User, expert: Expert, now: datetime | None = None) -> Expert:
    now = now_or(now)
    with transaction.atomic():
        expert = Expert.objects.select_for_update().get(pk=expert.pk)
        if expert.status != ExpertStatus.PENDING:
            raise ConflictError("该专家不在待审核状态。", "This expert is not awaiting approval.")
        expert.status = ExpertStatus.ACTIVE
        expert.approved_at = now
        expert.approved_by = actor
        expert.save(update_fields=["status", "approved_at", "approved_by"])
        audit_append(
            actor=actor, action="review.expert_approve", subject_type="expert", subject_id=expert.pk
        )
        if expert.user is not None:
            notify(
                user=expert.user,
                case=None,
                kind="review.expert_approved",
                title="专家入库申请已通过",
                body="您已进入评审专家库。",
                title_en="Your application to the expert pool was approved",
                body_en="You are now in the pool of review experts.",
            )
    return expert


def expert_reject(
    *, actor: User, expert: Expert, reason: str, now: datetime | None = None
) -> Expert:
    """Staff do not approve a registration; the person reads why and may register again."""
    now = now_or(now)
    if len(reason.strip()) < 5:
        raise ValidationError(
            "请写明未通过的原因（不少于 5 个字），申请人会看到。",
            "Say why the registration is not approved (at least 5 characters); the person "
            "who registered will read it.",
            field="reason",
            code="required",
        )
    with transaction.atomic():
        expert = Expert.objects.select_for_update().get(pk=expert.pk)
        if expert.status != ExpertStatus.PENDING:
            raise ConflictError("该专家不在待审核状态。", "This expert is not awaiting approval.")
        expert.status = ExpertStatus.REJECTED
        expert.status_note = reason.strip()[:500]
        expert.save(update_fields=["status", "status_note"])
        audit_append(
            actor=actor,
            action="review.expert_reject",
            subject_type="expert",
            subject_id=expert.pk,
            data={"reason": expert.status_note},
        )
        if expert.user is not None:
            notify(
                user=expert.user,
                case=None,
                kind="review.expert_rejected",
                title="专家入库申请未通过",
                body=f"原因：{expert.status_note}",
                title_en="Your application to the expert pool was not approved",
                body_en=f"Reason: {expert.status_note}",
            )
    return expert


def expert_flags_set(
    *,
    actor: User,
    expert: Expert,
    flags: Sequence[str],
    note: str,
    now: datetime | None = None,
) -> Expert:
    """Staff set an expert's quality flags (with the reason); a flagged expert is not drawn."""
    now = now_or(now)
    wanted = list(dict.fromkeys(flags))
    unknown = [f for f in wanted if f not in QualityFlag.values]
    problems = []
    if unknown:
        problems.append(
            (
                "flags",
                f"未知的质量标记：{'、'.join(unknown)}。",
                f"Unknown quality flags: {', '.join(unknown)}.",
            )
        )
    if len(note.strip()) < 5:
        problems.append(
            (
                "note",
                "请说明设置或取消质量标记的原因（不少于 5 个字）。",
                "Say why the flags are set or cleared (at least 5 characters).",
            )
        )
    raise_problems(problems, code="flags_invalid")
    with transaction.atomic():
        expert = Expert.objects.select_for_update().get(pk=expert.pk)
        before = list(expert.quality_flags)
        expert.quality_flags = [f for f in QualityFlag.values if f in wanted]
        expert.quality_note = note.strip()[:500]
        expert.save(update_fields=["quality_flags", "quality_note"])
        audit_append(
            actor=actor,
            action="review.expert_flags_set",
            subject_type="expert",
            subject_id=expert.pk,
            data={"before": before, "after": expert.quality_flags, "note": expert.quality_note},
        )
    return expert


def conflict_record(
    *,
    actor: User,
    expert: Expert,
    call_ref: str,
    item_ref: str = "",
    note: str,
    now: datetime | None = None,
) -> StaffConflict:
    now = now_or(now)
    if not note.strip():
        raise ValidationError(
            "请说明利害关系的情况。", "Describe the conflict.", field="note", code="required"
        )
    with transaction.atomic():
        conflict = StaffConflict.objects.create(
            expert=expert,
            call_ref=call_ref,
            item_ref=item_ref,
            note=note.strip()[:500],
            recorded_by=actor,
            recorded_at=now,
        )
        audit_append(
            actor=actor,
            action="review.conflict_record",
            subject_type="expert",
            subject_id=expert.pk,
            data={"call": call_ref, "item": item_ref},
        )
    return conflict
