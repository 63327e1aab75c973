"""review/services/meeting.py: panels for a call's shortlist, their schedule and scores."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from rainforest.audit.models import AuditRecord
from rainforest.core.errors import ConflictError, NotFoundError
from rainforest.review import services
from rainforest.review.models import Panel, PanelScore
from tests.conftest import at
from tests.review.conftest import REVIEW_NOW, World, make_panel, rid

pytestmark = pytest.mark.django_db

SESSION = "2026-10-20 09:00"
DURING = "2026-10-20 10:00"


def form(world: World, **change: Any) -> Panel:
    """A panel whose session is on 20 October, formed before it."""
    values: dict[str, Any] = {
        "session_at": at(SESSION),
        "item_refs": [str(a.pk) for a in reversed(world.applications)],
        "now": at(REVIEW_NOW),
    }
    return make_panel(world, **{**values, **change})


def problems(exc: Any) -> list[str]:
    return [field for field, _zh, _en in exc.value.problems]


def test_panel_with_chair_members_and_schedule(world: World) -> None:
    panel = form(world)
    results = services.panel_results(panel)
    refs = [str(a.pk) for a in reversed(world.applications)]
    assert sorted(panel.members.values_list("pk", flat=True)) == [e.pk for e in world.experts[:5]]
    assert panel.chair == world.experts[0]
    assert [(s.item, s.starts_at, s.ends_at) for s in results.schedule] == [
        (refs[0], at("2026-10-20 09:00"), at("2026-10-20 09:20")),
        (refs[1], at("2026-10-20 09:20"), at("2026-10-20 09:40")),
        (refs[2], at("2026-10-20 09:40"), at("2026-10-20 10:00")),
    ]
    assert AuditRecord.objects.filter(action="review.panel_create").count() == 1


def test_panel_refuses_expert_employed_by_an_applicant_naming_why(world: World) -> None:
    insider = world.experts[3]
    insider.employer_uscc = world.applications[0].applicant_org.uscc
    insider.save()
    with pytest.raises(services.Rejected) as exc:
        form(world)
    assert problems(exc) == ["members"]
    assert (
        f"专家 {insider.name}（{insider.pk}）回避评审对象 {world.applications[0].pk}"
        in (exc.value.problems[0][1])
    )
    assert Panel.objects.count() == 0


def test_panel_refuses_declared_relative_of_a_team_member(world: World) -> None:
    e = world.experts[2]
    services.relation_declare(
        actor=e.user, expert=e, kind="relative", person_id_number=rid(102), now=at(REVIEW_NOW)
    )
    with pytest.raises(services.Rejected) as exc:
        form(world)
    assert problems(exc) == ["members"]
    assert Panel.objects.count() == 0


def test_panel_refuses_two_from_one_organisation(world: World) -> None:
    world.experts[2].employer_uscc = world.experts[1].employer_uscc
    world.experts[2].save()
    with pytest.raises(services.Rejected) as exc:
        form(world)
    assert problems(exc) == ["members"]


def test_panel_lists_every_problem_and_saves_nothing(world: World) -> None:
    with pytest.raises(services.Rejected) as exc:
        form(
            world,
            chair=None,
            members=world.experts[1:3],
            session_at=None,
            place=" ",
            item_refs=["999999"],
        )
    assert sorted(set(problems(exc))) == ["chair", "items", "members", "place", "session_at"]
    assert (
        Panel.objects.count(),
        AuditRecord.objects.filter(action="review.panel_create").count(),
    ) == (0, 0)


def test_panel_refuses_flagged_expert(world: World) -> None:
    world.experts[4].quality_flags = ["late"]
    world.experts[4].save()
    with pytest.raises(services.Rejected) as exc:
        form(world)
    assert problems(exc) == ["members"]


def test_panel_for_unknown_call_is_not_found(world: World) -> None:
    with pytest.raises(NotFoundError):
        form(world, call_ref="999999")


def test_scores_by_staff_and_chair_rank_the_shortlist(world: World) -> None:
    panel = form(world)
    a0, a1, a2 = (str(a.pk) for a in world.applications)
    chair = world.experts[0].user
    services.panel_score_record(
        actor=world.officer,
        panel=panel,
        item_ref=a0,
        score=Decimal("78"),
        comment="技术路线仍需进一步细化。",
        now=at(DURING),
    )
    services.panel_score_record(
        actor=chair,
        panel=panel,
        item_ref=a1,
        score=Decimal("91.5"),
        comment="专家组一致同意推荐。",
        now=at(DURING),
    )
    results = services.panel_results(panel)
    assert [(r.rank, r.item, r.score) for r in results.ranked] == [
        (1, a1, Decimal("91.50")),
        (2, a0, Decimal("78.00")),
    ]
    assert results.missing == [a2]


def test_recording_again_replaces_the_score(world: World) -> None:
    panel = form(world)
    a0 = str(world.applications[0].pk)
    for value in ("70", "75"):
        services.panel_score_record(
            actor=world.officer,
            panel=panel,
            item_ref=a0,
            score=Decimal(value),
            comment="专家组合议后的得分。",
            now=at(DURING),
        )
    assert list(PanelScore.objects.values_list("score", flat=True)) == [Decimal("75.00")]


def test_member_who_is_not_chair_cannot_record(world: World) -> None:
    panel = form(world)
    with pytest.raises(NotFoundError):
        services.panel_score_record(
            actor=world.experts[1].user,
            panel=panel,
            item_ref=str(world.applications[0].pk),
            score=Decimal(80),
            comment="专家组一致同意推荐。",
            now=at(DURING),
        )
    assert PanelScore.objects.count() == 0


def test_score_before_the_session_is_refused(world: World) -> None:
    panel = form(world)
    with pytest.raises(ConflictError) as exc:
        services.panel_score_record(
            actor=world.officer,
            panel=panel,
            item_ref=str(world.applications[0].pk),
            score=Decimal(80),
            comment="专家组一致同意推荐。",
            now=at("2026-10-20 08:59"),
        )
    assert exc.value.code == "session_not_started"


@pytest.mark.parametrize(
    ("item", "score", "comment", "field"),
    [
        ("999999", "80", "专家组一致同意推荐。", "item"),
        (None, "100.5", "专家组一致同意推荐。", "score"),
        (None, "80", "同意", "comment"),
    ],
)
def test_bad_panel_score_saves_nothing(
    world: World, item: str | None, score: str, comment: str, field: str
) -> None:
    panel = form(world)
    with pytest.raises(services.Rejected) as exc:
        services.panel_score_record(
            actor=world.officer,
            panel=panel,
            item_ref=item or str(world.applications[0].pk),
            score=Decimal(score),
            comment=comment,
            now=at(DURING),
        )
    assert problems(exc) == [field]
    assert PanelScore.objects.count() == 0


def test_shortlist_candidates_keep_items_after_they_leave_expert_review(world: World) -> None:
    record = services.draw_commit(
        actor=world.officer, call_ref=str(world.call.pk), k=3, load=2, q="1/2", now=at(REVIEW_NOW)
    )
    app = world.applications[0]
    from rainforest.cases.models import Case

    Case.objects.filter(pk=app.case_id).update(stage="ranking")
    assert record.inputs["items"] == services.shortlist_candidates(str(world.call.pk))
