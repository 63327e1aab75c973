"""review/domain_meeting.py: the panel's checks, the session schedule and the panel score."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from rainforest.review.domain import MEETING, Relation, StaffConflict, parameters_on
from rainforest.review.domain_meeting import check_panel, check_panel_score, session_schedule
from rainforest.review.domain_scoring import rank_scores
from tests.review.domain_data import AVOID, BOB, DAY, ORG_A, expert, item, pid, uscc

MEET = parameters_on(MEETING, DAY)
START = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


def members(n: int = 5) -> list:
    """n experts, each from an organisation of their own and nobody's relative."""
    return [expert(f"E{j}", person=pid(40 + j), employer=uscc(40 + j)) for j in range(1, n + 1)]


def check(items: list, panel: list, *, chair: str = "E1", **change: object) -> list[str]:
    args: dict = {
        "items": items,
        "call_items": items,
        "members": panel,
        "chair": chair,
        "conflicts": [],
        "minutes_per_item": 20,
        "avoidance": AVOID,
        "meeting": MEET,
        "on": DAY,
    } | change
    return [field for field, _zh, _en in check_panel(**args)]


def test_session_schedule_gives_each_item_its_slot_in_order() -> None:
    slots = session_schedule(START, ["7", "3", "5"], 20)
    assert [
        (s.order, s.item, s.starts_at.strftime("%H:%M"), s.ends_at.strftime("%H:%M")) for s in slots
    ] == [
        (1, "7", "09:00", "09:20"),
        (2, "3", "09:20", "09:40"),
        (3, "5", "09:40", "10:00"),
    ]


def test_a_good_panel_has_no_problems() -> None:
    assert check([item("A1"), item("A2")], members()) == []


@pytest.mark.parametrize(("size", "ok"), [(4, False), (5, True)])
def test_panel_needs_five_members_including_the_chair(size: int, ok: bool) -> None:
    assert check([item()], members(size)) == ([] if ok else ["members"])


def test_chair_must_sit_on_the_panel() -> None:
    assert check([item()], members(), chair="E9") == ["chair"]


def test_no_items_is_a_problem() -> None:
    assert check([], members()) == ["items"]


@pytest.mark.parametrize(("minutes", "ok"), [(4, False), (5, True), (240, True), (241, False)])
def test_slot_length_boundaries(minutes: int, ok: bool) -> None:
    assert check([item()], members(), minutes_per_item=minutes) == (
        [] if ok else ["minutes_per_item"]
    )


def test_two_members_of_one_organisation_refused() -> None:
    panel = members()
    panel[1] = expert("E2", person=pid(42), employer=uscc(41))  # E1's employer
    assert check([item()], panel) == ["members"]


def test_member_employed_by_the_applicant_is_excluded_with_the_reason() -> None:
    panel = members()
    panel[2] = expert("E3", person=pid(43), employer=ORG_A)
    problems = check_panel(
        items=[item("A1")],
        call_items=[item("A1")],
        members=panel,
        chair="E1",
        conflicts=[],
        minutes_per_item=20,
        avoidance=AVOID,
        meeting=MEET,
        on=DAY,
    )
    assert [(f, en) for f, _zh, en in problems] == [
        ("members", f"Expert E3 excluded from item A1: same employer, USCC {ORG_A} (the applicant)")
    ]


def test_team_member_of_an_application_not_heard_is_still_excluded() -> None:
    # E3 is on the team of A9 in the same call; A9 is not shortlisted, A1 is
    panel = members()
    panel[2] = expert("E3", person=BOB, employer=uscc(43))
    heard, other = item("A1"), item("A9", team=(BOB,))
    assert check([heard], panel, call_items=[heard, other]) == ["members"]
    assert check([heard], panel, call_items=[heard]) == []  # the rule needs the whole call


def test_declared_relation_and_staff_conflict_exclude() -> None:
    panel = members()
    panel[3] = expert(
        "E4",
        person=pid(44),
        employer=uscc(44),
        relations=(Relation("relative", person_id=item().team_ids[0]),),
    )
    conflicts = [StaffConflict(expert="E5", item="A1", note="曾任该单位顾问")]
    assert check([item("A1")], panel, conflicts=conflicts) == ["members", "members"]


@pytest.mark.parametrize(
    ("score", "ok"),
    [
        ("-0.01", False),
        ("0", True),
        ("100", True),
        ("100.01", False),
        ("85.5", True),
        ("85.55", True),
        ("85.555", False),  # at most two decimals
        ("NaN", False),
    ],
)
def test_panel_score_boundaries(score: str, ok: bool) -> None:
    problems = check_panel_score(Decimal(score), "专家组一致同意推荐。", params=MEET)
    assert [f for f, _zh, _en in problems] == ([] if ok else ["score"])


@pytest.mark.parametrize(
    ("comment", "ok"),
    [("太短了", False), ("专家组一致同意推荐", False), ("专家组一致同意推荐。", True)],
)
def test_panel_score_needs_an_opinion_of_ten_characters(comment: str, ok: bool) -> None:
    problems = check_panel_score(Decimal(80), comment, params=MEET)
    assert [f for f, _zh, _en in problems] == ([] if ok else ["comment"])


def test_rank_scores_ties_by_submission_then_number_in_numeric_order() -> None:
    scores = {"10": Decimal(80), "9": Decimal(80), "3": Decimal(90), "4": Decimal(80)}
    submitted = {"10": "2026-08-01", "9": "2026-08-01", "4": "2026-08-02"}
    ranked = rank_scores(scores, submitted)
    assert [(r.rank, r.item) for r in ranked] == [(1, "3"), (2, "9"), (3, "10"), (4, "4")]
    assert ranked[1].tied_with == ("10", "4")
