"""review/services/pool.py and profile.py: rejection, quality flags, and an expert's own
profile, relations and availability; nobody edits another expert."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rainforest.audit.models import AuditRecord
from rainforest.core.errors import ConflictError, NotFoundError, ValidationError
from rainforest.review import services
from rainforest.review.models import (
    Availability,
    DeclaredRelation,
    Expert,
    ExpertStatus,
)
from tests.conftest import at
from tests.factories import UserFactory
from tests.review.conftest import REVIEW_NOW, World, org_uscc, rid

pytestmark = pytest.mark.django_db


def registration(**change: Any) -> services.ExpertIn:
    values: dict[str, Any] = {
        "name": "王五",
        "id_number": rid(900),
        "employer_uscc": org_uscc(900),
        "employer_name": "深圳大学",
        "title": "教授",
        "fields": "AI",
        "keywords": "芯片",
    }
    return services.ExpertIn(**{**values, **change})


def test_register_names_every_wrong_field(world: World) -> None:
    with pytest.raises(services.Rejected) as exc:
        services.expert_register(
            user=UserFactory(), data=registration(id_number="123", employer_uscc="x", title=" ")
        )
    assert [f for f, _zh, _en in exc.value.problems] == ["id_number", "employer_uscc", "title"]
    assert Expert.objects.filter(name="王五").count() == 0


def test_rejected_registration_tells_why_and_may_be_sent_again(world: World) -> None:
    user = UserFactory()
    expert = services.expert_register(user=user, data=registration(), now=at(REVIEW_NOW))
    services.expert_reject(actor=world.officer, expert=expert, reason="研究方向与专家库需求不符")
    expert.refresh_from_db()
    assert (expert.status, expert.status_note) == (
        ExpertStatus.REJECTED,
        "研究方向与专家库需求不符",
    )

    again = services.expert_register(user=user, data=registration(title="研究员"))

    assert (again.pk, again.status, again.title, again.status_note) == (
        expert.pk,
        ExpertStatus.PENDING,
        "研究员",
        "",
    )


def test_pending_registration_cannot_be_sent_twice(world: World) -> None:
    user = UserFactory()
    services.expert_register(user=user, data=registration())
    with pytest.raises(ConflictError):
        services.expert_register(user=user, data=registration(title="研究员"))


@pytest.mark.parametrize(("reason", "ok"), [("不符合", False), ("不符合要求", True)])
def test_reject_needs_a_reason(world: World, reason: str, ok: bool) -> None:
    expert = services.expert_register(user=UserFactory(), data=registration())
    if ok:
        services.expert_reject(actor=world.officer, expert=expert, reason=reason)
    else:
        with pytest.raises(ValidationError):
            services.expert_reject(actor=world.officer, expert=expert, reason=reason)
    expert.refresh_from_db()
    assert expert.status == (ExpertStatus.REJECTED if ok else ExpertStatus.PENDING)


def test_only_pending_experts_are_rejected(world: World) -> None:
    with pytest.raises(ConflictError):
        services.expert_reject(
            actor=world.officer, expert=world.experts[0], reason="研究方向不符合"
        )


def test_flags_set_and_cleared_with_the_reason_on_record(world: World) -> None:
    e = world.experts[0]
    services.expert_flags_set(
        actor=world.officer, expert=e, flags=["late", "late"], note="三次逾期提交评分"
    )
    e.refresh_from_db()
    assert (e.quality_flags, e.quality_note) == (["late"], "三次逾期提交评分")
    services.expert_flags_set(actor=world.officer, expert=e, flags=[], note="核实后撤销标记")
    e.refresh_from_db()
    assert e.quality_flags == []
    audit = AuditRecord.objects.filter(action="review.expert_flags_set").order_by("id")
    assert [(r.data["before"], r.data["after"]) for r in audit] == [([], ["late"]), (["late"], [])]


def test_unknown_flag_and_missing_reason_refused(world: World) -> None:
    e = world.experts[0]
    with pytest.raises(services.Rejected) as exc:
        services.expert_flags_set(actor=world.officer, expert=e, flags=["lazy"], note="")
    assert [f for f, _zh, _en in exc.value.problems] == ["flags", "note"]
    e.refresh_from_db()
    assert e.quality_flags == []


# --- the expert's own profile -----------------------------------------------------------------


def test_expert_adds_and_removes_an_unavailable_period(world: World) -> None:
    e = world.experts[0]
    window = services.availability_add(
        actor=e.user,
        expert=e,
        starts_on=date(2026, 10, 8),
        ends_on=date(2026, 10, 20),
        note="出国访问",
        now=at(REVIEW_NOW),
    )
    assert list(Availability.objects.filter(expert=e).values_list("note", flat=True)) == [
        "出国访问"
    ]
    services.availability_remove(actor=e.user, expert=e, window_id=window.pk)
    assert Availability.objects.filter(expert=e).count() == 0


def test_unavailable_expert_is_not_drawn(world: World) -> None:
    e = world.experts[0]
    services.availability_add(
        actor=e.user,
        expert=e,
        starts_on=date(2026, 10, 1),
        ends_on=date(2026, 10, 9),
        now=at(REVIEW_NOW),
    )
    record = services.draw_commit(
        actor=world.officer, call_ref=str(world.call.pk), k=3, load=2, q="1/2", now=at(REVIEW_NOW)
    )
    assert str(e.pk) not in record.inputs["experts"]
    assert str(world.experts[1].pk) in record.inputs["experts"]


@pytest.mark.parametrize(
    ("starts", "ends", "field"),
    [
        (date(2026, 10, 9), date(2026, 10, 8), "ends_on"),  # ends before it starts
        (date(2026, 9, 1), date(2026, 9, 29), "ends_on"),  # already over
        (date(2026, 10, 1), date(2027, 10, 2), "ends_on"),  # 367 days
        (None, date(2026, 10, 2), "starts_on"),
    ],
)
def test_bad_period_refused(world: World, starts: date | None, ends: date, field: str) -> None:
    e = world.experts[0]
    with pytest.raises(services.Rejected) as exc:
        services.availability_add(
            actor=e.user, expert=e, starts_on=starts, ends_on=ends, now=at(REVIEW_NOW)
        )
    assert [f for f, _zh, _en in exc.value.problems] == [field]
    assert Availability.objects.count() == 0


def test_period_of_366_days_accepted(world: World) -> None:
    e = world.experts[0]
    services.availability_add(
        actor=e.user,
        expert=e,
        starts_on=date(2026, 10, 1),
        ends_on=date(2027, 10, 1),
        now=at(REVIEW_NOW),
    )
    assert Availability.objects.count() == 1


def test_expert_withdraws_a_declared_relation(world: World) -> None:
    e = world.experts[0]
    relation = services.relation_declare(
        actor=e.user, expert=e, kind="relative", person_id_number=rid(101)
    )
    services.relation_remove(actor=e.user, expert=e, relation_id=relation.pk)
    assert DeclaredRelation.objects.count() == 0
    removed = AuditRecord.objects.get(action="review.relation_remove")
    assert removed.data["person_id_number"] == rid(101)


@pytest.mark.parametrize(
    "write",
    [
        lambda actor, e: services.expert_update(
            actor=actor, expert=e, title="院士", fields="AI", keywords="", email=""
        ),
        lambda actor, e: services.relation_declare(
            actor=actor, expert=e, kind="relative", person_id_number=rid(101)
        ),
        lambda actor, e: services.availability_add(
            actor=actor,
            expert=e,
            starts_on=date(2026, 10, 8),
            ends_on=date(2026, 10, 9),
            now=at(REVIEW_NOW),
        ),
    ],
)
def test_no_expert_edits_another(world: World, write: Any) -> None:
    me, other = world.experts[0], world.experts[1]
    before = (
        Expert.objects.get(pk=other.pk).title,
        DeclaredRelation.objects.count(),
        Availability.objects.count(),
    )
    for actor in (me.user, world.officer):
        with pytest.raises(NotFoundError):
            write(actor, other)
    assert (
        Expert.objects.get(pk=other.pk).title,
        DeclaredRelation.objects.count(),
        Availability.objects.count(),
    ) == before


def test_no_expert_removes_anothers_rows(world: World) -> None:
    me, other = world.experts[0], world.experts[1]
    relation = services.relation_declare(
        actor=other.user, expert=other, kind="relative", person_id_number=rid(101)
    )
    window = services.availability_add(
        actor=other.user,
        expert=other,
        starts_on=date(2026, 10, 8),
        ends_on=date(2026, 10, 9),
        now=at(REVIEW_NOW),
    )
    # my own expert record with the other's row ids: still not found
    with pytest.raises(NotFoundError):
        services.relation_remove(actor=me.user, expert=me, relation_id=relation.pk)
    with pytest.raises(NotFoundError):
        services.availability_remove(actor=me.user, expert=me, window_id=window.pk)
    assert (DeclaredRelation.objects.count(), Availability.objects.count()) == (1, 1)
