"""An expert's own profile (专家信息维护): title, fields, keywords, declared relations and
the windows they are not available. Only the expert themself writes here; for anybody
else, another expert or staff, the profile does not exist (404)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import transaction

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.core.errors import NotFoundError, ValidationError
from rainforest.core.ids import validate_resident_id, validate_uscc
from rainforest.review import domain as rules
from rainforest.review.models import Availability, DeclaredRelation, Expert, RelationKind
from rainforest.review.services._common import (
    now_or,
    problems_of,
    raise_problems,
    require_own,
    today_of,
)
from rainforest.review.services.pool import ExpertIn, check_expert, clean_codes, clean_words

AVAILABILITY_MAX_DAYS = 366


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
    require_own(actor, expert)
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
    raise_problems(problems_of(errors))
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
    require_own(actor, expert)
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


def relation_remove(
    *, actor: User, expert: Expert, relation_id: object, now: datetime | None = None
) -> None:
    """Withdraw a declared relation (entered by mistake, or no longer true); audited."""
    _remove_own(
        actor,
        expert,
        DeclaredRelation,
        relation_id,
        ("该利害关系申报", "relation"),
        "review.relation_remove",
        lambda r: {
            "kind": r.kind,
            "person_id_number": r.person_id_number,
            "uscc": r.uscc,
            "last_year": r.last_year,
        },
    )


def _remove_own(
    actor: User,
    expert: Expert,
    model: type,
    row_id: object,
    names: tuple[str, str],
    action: str,
    describe: Callable[[Any], dict[str, Any]],
) -> None:
    """Delete one of the expert's own rows, keeping what it said in the audit record."""
    require_own(actor, expert)
    with transaction.atomic():
        row = _own_row(model, expert, row_id, *names)
        data = describe(row)
        row.delete()
        audit_append(
            actor=actor, action=action, subject_type="expert", subject_id=expert.pk, data=data
        )


def _own_row(model: type, expert: Expert, row_id: object, zh: str, en: str) -> Any:
    """A row of the expert's own, or "not found" (another expert's row is not told apart)."""
    try:
        return model.objects.select_for_update().get(pk=int(str(row_id)), expert=expert)
    except (model.DoesNotExist, ValueError, TypeError):
        raise NotFoundError(f"没有找到{zh}。", f"No such {en}.") from None


def availability_add(
    *,
    actor: User,
    expert: Expert,
    starts_on: date | None,
    ends_on: date | None,
    note: str = "",
    now: datetime | None = None,
) -> Availability:
    """A period the expert is not available (出差、休假); a draw in it passes them over."""
    now = now_or(now)
    require_own(actor, expert)
    today = today_of(now)
    problems = []
    if starts_on is None:
        problems.append(("starts_on", "请填写开始日期。", "Enter the first day."))
    if ends_on is None:
        problems.append(("ends_on", "请填写结束日期。", "Enter the last day."))
    if starts_on is not None and ends_on is not None:
        if ends_on < starts_on:
            problems.append(
                (
                    "ends_on",
                    "结束日期不能早于开始日期。",
                    "The last day cannot be before the first day.",
                )
            )
        elif ends_on < today:
            problems.append(
                (
                    "ends_on",
                    "结束日期已经过去，无需登记。",
                    "The last day has passed; there is nothing to record.",
                )
            )
        elif (ends_on - starts_on).days + 1 > AVAILABILITY_MAX_DAYS:
            problems.append(
                (
                    "ends_on",
                    f"一次登记不超过 {AVAILABILITY_MAX_DAYS} 天；更长的情况请联系科技局暂停入库。",
                    f"One period may be at most {AVAILABILITY_MAX_DAYS} days; for longer, ask "
                    "the bureau to suspend you from the pool.",
                )
            )
    if len(note) > 200:
        problems.append(
            ("note", "说明不超过 200 字。", "The note may have at most 200 characters.")
        )
    raise_problems(problems, code="availability_invalid")
    with transaction.atomic():
        window = Availability.objects.create(
            expert=expert, starts_on=starts_on, ends_on=ends_on, note=note.strip()
        )
        audit_append(
            actor=actor,
            action="review.availability_add",
            subject_type="expert",
            subject_id=expert.pk,
            data={"starts_on": str(starts_on), "ends_on": str(ends_on)},
        )
    return window


def availability_remove(
    *, actor: User, expert: Expert, window_id: object, now: datetime | None = None
) -> None:
    _remove_own(
        actor,
        expert,
        Availability,
        window_id,
        ("该时段", "period"),
        "review.availability_remove",
        lambda w: {"starts_on": str(w.starts_on), "ends_on": str(w.ends_on)},
    )
