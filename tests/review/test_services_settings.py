"""review/services/call_settings.py: staff set k, L, q before the draw; the draw uses them."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from rainforest.audit.models import AuditRecord
from rainforest.core.errors import ConflictError, NotFoundError
from rainforest.review import services
from rainforest.review.models import CallSettings
from tests.conftest import at
from tests.review.conftest import REVIEW_NOW, World

pytestmark = pytest.mark.django_db

GOOD: dict[str, Any] = {"k": 3, "load": 2, "q": "0.5", "method": "median", "blind": True}


def save(world: World, **change: Any) -> CallSettings:
    return services.call_settings_save(
        actor=world.officer, call_ref=str(world.call.pk), **{**GOOD, **change}, now=at(REVIEW_NOW)
    )


def test_a_call_without_settings_has_the_defaults(world: World) -> None:
    s = services.settings_for(str(world.call.pk))
    assert (s.k, s.load, s.q, s.method, s.blind) == (5, 10, Fraction(1, 2), "trimmed_mean", False)


def test_saved_settings_are_read_back(world: World) -> None:
    save(world)
    s = services.settings_for(str(world.call.pk))
    assert (s.k, s.load, s.q_text, s.method, s.blind) == (3, 2, "1/2", "median", True)
    assert AuditRecord.objects.filter(action="review.call_settings_save").count() == 1


def test_saving_again_updates_the_one_row(world: World) -> None:
    save(world)
    save(world, k=4)
    assert list(CallSettings.objects.values_list("k", flat=True)) == [4]


def test_bad_settings_name_every_field_and_save_nothing(world: World) -> None:
    with pytest.raises(services.Rejected) as exc:
        save(world, k=0, load=501, q="3/2", method="max")
    assert [f for f, _zh, _en in exc.value.problems] == ["k", "load", "q", "method"]
    assert CallSettings.objects.count() == 0


def test_unknown_call_is_not_found(world: World) -> None:
    with pytest.raises(NotFoundError):
        services.call_settings_save(actor=world.officer, call_ref="999999", **GOOD)


def test_the_draw_defaults_to_the_settings_and_records_what_it_used(world: World) -> None:
    save(world)
    record = services.draw_commit(
        actor=world.officer, call_ref=str(world.call.pk), now=at(REVIEW_NOW)
    )
    assert (record.k, record.load, record.q, record.parameters["k"]) == (3, 2, "1/2", 3)


def test_values_typed_at_draw_time_win_and_are_recorded(world: World) -> None:
    save(world)
    record = services.draw_commit(
        actor=world.officer, call_ref=str(world.call.pk), k=2, load=3, q="1", now=at(REVIEW_NOW)
    )
    assert (record.k, record.load, record.q) == (2, 3, "1/1")
    assert services.settings_for(str(world.call.pk)).k == 3


def test_settings_locked_once_drawn(world: World) -> None:
    save(world)
    services.draw_commit(actor=world.officer, call_ref=str(world.call.pk), now=at(REVIEW_NOW))
    with pytest.raises(ConflictError) as exc:
        save(world, k=4)
    assert exc.value.code == "settings_locked"
    assert list(CallSettings.objects.values_list("k", flat=True)) == [3]


def test_the_results_use_the_calls_method(world: World) -> None:
    save(world, method="mean")
    from decimal import Decimal

    from rainforest.review.models import Assignment

    record = services.draw_commit(
        actor=world.officer, call_ref=str(world.call.pk), now=at(REVIEW_NOW)
    )
    services.draw_perform(actor=world.officer, draw_record=record, now=at(REVIEW_NOW))
    codes = [str(c.pk) for c in world.call.criteria.all()]
    for n, a in enumerate(
        Assignment.objects.filter(draw=record).select_related("expert").order_by("item_ref", "id")
    ):
        services.assignment_declare(actor=a.expert.user, assignment=a)
        services.sheet_submit(
            actor=a.expert.user,
            assignment=a,
            scores={c: Decimal((60, 70, 95)[n % 3]) for c in codes},
            comments={c: "论证充分，技术路线清晰可行。" for c in codes},
            recommendation="fund",
            overall_comment="总体较好，建议资助该项目。",
        )
    results = services.call_results(str(world.call.pk))
    # mean of 60, 70 and 95, not the median 70
    assert {s.score for s in results.scores.values()} == {Decimal("75.00")}
