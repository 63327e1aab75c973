"""What every review service shares: the clock (passed in or now) and the calendar."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from django.utils import timezone

from rainforest.cases.calendar import get_calendar
from rainforest.core.errors import NotFoundError, ValidationError
from rainforest.review import domain as rules
from rainforest.review.models import DeclaredRelation, Expert, StaffConflict

Problem = tuple[str, str, str]  # (field, zh, en), as the pure rules report them


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def today_of(now: datetime) -> date:
    return timezone.localtime(now).date()


def due_after(now: datetime, workdays: int) -> datetime:
    """The end of the working day ``workdays`` working days after ``now``."""
    return get_calendar().end_of_workday_after(now, workdays).value


class Rejected(ValidationError):
    """Input with one or more problems, each naming its field; nothing was written.

    The first problem is the error's own message and field; pages list them all, and the
    API's envelope names every field.
    """

    def __init__(self, problems: Sequence[Problem], *, code: str = "invalid") -> None:
        self.problems = tuple(problems)
        first = self.problems[0]
        super().__init__(first[1], first[2], field=first[0], code=code)

    def fields(self, language: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for field, zh, en in self.problems:
            out.setdefault(field, en if language.startswith("en") else zh)
        return out


def raise_problems(problems: Sequence[Problem], *, code: str = "invalid") -> None:
    if problems:
        raise Rejected(problems, code=code)


def problems_of(errors: Sequence[ValidationError]) -> list[Problem]:
    return [(e.field or "", e.message_zh, e.message_en) for e in errors]


def require_own(actor: object, expert: Expert) -> None:
    """Only the expert themself maintains their profile; anybody else is told "not found"."""
    if expert.user_id is None or expert.user_id != getattr(actor, "pk", None):
        raise NotFoundError("没有找到该专家信息。", "No such expert profile.")


def expert_profiles(experts: Sequence[Expert]) -> list[rules.ExpertProfile]:
    relations: dict[int, list[rules.Relation]] = defaultdict(list)
    for r in DeclaredRelation.objects.filter(expert__in=experts):
        relations[r.expert_id].append(
            rules.Relation(
                kind=r.kind,
                person_id=r.person_id_number,
                uscc=r.uscc,
                last_year=r.last_year,
            )
        )
    return [
        rules.ExpertProfile(
            id=str(e.pk),
            name=e.name,
            person_id=e.id_number,
            employer_uscc=e.employer_uscc,
            fields=tuple(e.fields),
            keywords=tuple(e.keywords),
            relations=tuple(relations[e.pk]),
        )
        for e in experts
    ]


def staff_conflicts(call_ref: str) -> list[rules.StaffConflict]:
    return [
        rules.StaffConflict(expert=str(c.expert_id), item=c.item_ref, call=c.call_ref, note=c.note)
        for c in StaffConflict.objects.filter(call_ref=call_ref)
    ]
