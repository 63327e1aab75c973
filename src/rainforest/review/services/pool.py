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
from rainforest.review import domain as rules
from rainforest.review.models import (
    DeclaredRelation,
    Expert,
    ExpertStatus,
    RelationKind,
    StaffConflict,
)
from rainforest.review.services._common import now_or, today_of


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


def _raise_first(errors: list[ValidationError]) -> None:
    if errors:
        raise errors[0]


def expert_register(*, user: User, data: ExpertIn, now: datetime | None = None) -> Expert:
    """Self-registration (专家自荐): pending until staff approve it."""
    now = now_or(now)
    cleaned, errors = check_expert(data)
    _raise_first(errors)
    with transaction.atomic():
        if Expert.objects.filter(user=user).exists():
            raise ConflictError(
                "您已提交过专家入库申请。", "You have already registered as an expert."
            )
        if Expert.objects.filter(id_number=cleaned.id_number).exists():
            raise ConflictError(
                "该身份证号码已在专家库中，请联系科技局核对。",
                "This ID number is already in the pool; contact the bureau.",
                field="id_number",
                code="expert_exists",
            )
        expert = Expert.objects.create(
            user=user,
            name=cleaned.name,
            id_number=cleaned.id_number,
            employer_uscc=cleaned.employer_uscc,
            employer_name=cleaned.employer_name,
            title=cleaned.title,
            fields=list(cleaned.fields),
            keywords=list(cleaned.keywords),
            email=cleaned.email or user.email,
            status=ExpertStatus.PENDING,
            created_at=now,
        )
        audit_append(
            actor=user, action="review.expert_register", subject_type="expert", subject_id=expert.pk
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
            )
    return expert


def expert_update(
    *,
    actor: User,
    expert: Expert,
    title: str,
    fields: Sequence[str] | str,
    keywords: Sequence[str] | str,
    email: str,
) -> Expert:
    """The expert's own profile: title, fields, keywords, e-mail (identity stays fixed)."""
    data = ExpertIn(
        name=expert.name,
        id_number=expert.id_number,
        employer_uscc=expert.employer_uscc,
        employer_name=expert.employer_name,
        title=title,
        fields=clean_codes(fields),
        keywords=clean_words(keywords),
        email=email,
    )
    cleaned, errors = check_expert(data)
    _raise_first(errors)
    with transaction.atomic():
        expert.title = cleaned.title
        expert.fields = list(cleaned.fields)
        expert.keywords = list(cleaned.keywords)
        expert.email = cleaned.email
        expert.save(update_fields=["title", "fields", "keywords", "email"])
        audit_append(
            actor=actor, action="review.expert_update", subject_type="expert", subject_id=expert.pk
        )
    return expert


def relation_declare(
    *,
    actor: User,
    expert: Expert,
    kind: str,
    person_id_number: str = "",
    uscc: str = "",
    last_year: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> DeclaredRelation:
    now = now_or(now)
    if kind not in RelationKind.values:
        raise ValidationError(
            "请选择关系类型。", "Choose the kind of relation.", field="kind", code="required"
        )
    if not person_id_number.strip() and not uscc.strip():
        raise ValidationError(
            "请填写对方的身份证号码或单位统一社会信用代码。",
            "Enter the other person's ID number or the organisation's USCC.",
            field="person_id_number",
            code="required",
        )
    pid = (
        validate_resident_id(person_id_number, field="person_id_number")
        if person_id_number.strip()
        else ""
    )
    org = validate_uscc(uscc, field="uscc") if uscc.strip() else ""
    if kind in rules.TIME_LIMITED and last_year is None:
        raise ValidationError(
            "合作关系请填写最近一次合作的年份。",
            "Give the last year of the collaboration.",
            field="last_year",
            code="required",
        )
    if last_year is not None and not 1950 <= last_year <= today_of(now).year:
        raise ValidationError(
            f"年份应在 1950 至 {today_of(now).year} 之间。",
            f"The year must be between 1950 and {today_of(now).year}.",
            field="last_year",
            code="year_invalid",
        )
    with transaction.atomic():
        relation = DeclaredRelation.objects.create(
            expert=expert,
            kind=kind,
            person_id_number=pid,
            uscc=org,
            last_year=last_year,
            note=note.strip()[:200],
            declared_at=now,
        )
        audit_append(
            actor=actor,
            action="review.relation_declare",
            subject_type="expert",
            subject_id=expert.pk,
            data={"kind": kind, "relation": relation.pk},
        )
    return relation


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
