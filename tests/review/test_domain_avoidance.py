"""review/domain_avoidance.py: one test per avoidance rule, and property tests."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rainforest.review.domain import ExpertProfile, Relation, ReviewItem, StaffConflict
from rainforest.review.domain_assignment import check_assignment, diagnose, draw
from rainforest.review.domain_avoidance import find_exclusions
from rainforest.review.domain_fit import (
    build_problem,
)
from tests.review.domain_data import (
    ALICE,
    AVOID,
    BOB,
    CAROL,
    DAY,
    DRAWP,
    ORG_A,
    ORG_B,
    ORG_C,
    ORG_X,
    XAVIER,
    expert,
    item,
    pid,
    uscc,
)


def rules(exclusions: dict[tuple[str, str], list], key: tuple[str, str]) -> list[str]:
    return [e.rule for e in exclusions.get(key, [])]


# --- avoidance: one test per rule, each with data that is a conflict ------------------------


def test_avoid_same_employer_as_applicant() -> None:
    found = find_exclusions([item()], [expert(employer=ORG_A)], [], params=AVOID, on=DAY)
    assert rules(found, ("A1", "E1")) == ["same_employer"]
    assert found[("A1", "E1")][0].en == (
        f"Expert E1 excluded from item A1: same employer, USCC {ORG_A} (the applicant)"
    )


def test_avoid_same_employer_as_consortium_member() -> None:
    found = find_exclusions(
        [item(members=(ORG_B,))], [expert(employer=ORG_B)], [], params=AVOID, on=DAY
    )
    assert rules(found, ("A1", "E1")) == ["same_employer"]
    assert "a consortium member" in found[("A1", "E1")][0].en


def test_avoid_employer_matched_by_uscc_not_by_spacing_or_case() -> None:
    spaced = " ".join(ORG_A.lower())
    found = find_exclusions([item()], [expert(employer=spaced)], [], params=AVOID, on=DAY)
    assert rules(found, ("A1", "E1")) == ["same_employer"]


def test_avoid_team_member_anywhere_in_the_same_call() -> None:
    own = item("A1", team=(XAVIER,))
    other = item("A2", team=(BOB,))
    elsewhere = item("B1", call="C2", team=(BOB,))
    found = find_exclusions([own, other, elsewhere], [expert()], [], params=AVOID, on=DAY)
    assert rules(found, ("A1", "E1")) == ["same_call_team_member"]
    assert rules(found, ("A2", "E1")) == ["same_call_team_member"]
    assert rules(found, ("B1", "E1")) == []


def test_avoid_applicant_in_the_same_call() -> None:
    own = item("A1", team=(BOB,), applicants=(XAVIER,))
    other = item("A2", team=(CAROL,))
    found = find_exclusions([own, other], [expert()], [], params=AVOID, on=DAY)
    assert rules(found, ("A2", "E1")) == ["same_call_applicant"]


@pytest.mark.parametrize("kind", ["relative", "teacher_student", "coauthor", "collaborator"])
def test_avoid_declared_relation_with_team_member(kind: str) -> None:
    rel = Relation(kind=kind, person_id=ALICE, last_year=2025)
    found = find_exclusions([item()], [expert(relations=(rel,))], [], params=AVOID, on=DAY)
    assert rules(found, ("A1", "E1")) == ["declared_relation"]


def test_avoid_declared_relation_with_organisation() -> None:
    rel = Relation(kind="collaborator", uscc=ORG_B, last_year=2026)
    found = find_exclusions(
        [item(members=(ORG_B,))], [expert(relations=(rel,))], [], params=AVOID, on=DAY
    )
    assert rules(found, ("A1", "E1")) == ["declared_relation"]


@pytest.mark.parametrize(
    ("last_year", "excluded"),
    [(2022, False), (2023, True), (2026, True), (None, True)],
)
def test_avoid_collaboration_within_three_years_inclusive(
    last_year: int | None, excluded: bool
) -> None:
    # on 2026-09-30 the window reaches back to 2023 (三年以内 includes it)
    rel = Relation(kind="coauthor", person_id=ALICE, last_year=last_year)
    found = find_exclusions([item()], [expert(relations=(rel,))], [], params=AVOID, on=DAY)
    assert bool(rules(found, ("A1", "E1"))) is excluded


def test_avoid_relative_never_lapses() -> None:
    rel = Relation(kind="relative", person_id=ALICE, last_year=1990)
    found = find_exclusions([item()], [expert(relations=(rel,))], [], params=AVOID, on=DAY)
    assert rules(found, ("A1", "E1")) == ["declared_relation"]


def test_avoid_staff_recorded_conflict_for_item_and_for_call() -> None:
    items = [item("A1"), item("A2", team=(BOB,))]
    conflicts = [StaffConflict(expert="E1", item="A1", note="曾任顾问")]
    found = find_exclusions(items, [expert()], conflicts, params=AVOID, on=DAY)
    assert rules(found, ("A1", "E1")) == ["staff_recorded"]
    assert rules(found, ("A2", "E1")) == []
    whole = find_exclusions(
        items, [expert()], [StaffConflict(expert="E1", call="C1")], params=AVOID, on=DAY
    )
    assert sorted(k for k in whole) == [("A1", "E1"), ("A2", "E1")]


def test_avoid_identity_is_id_number_not_name() -> None:
    # same name as a team member, different ID number: no conflict
    namesake = ExpertProfile(
        id="E1", name="张三", person_id=BOB, employer_uscc=ORG_X, fields=("F06",)
    )
    found = find_exclusions([item(team=(ALICE,))], [namesake], [], params=AVOID, on=DAY)
    assert found == {}


def test_avoid_no_rule_no_exclusion() -> None:
    assert find_exclusions([item()], [expert()], [], params=AVOID, on=DAY) == {}


def test_avoid_one_expert_per_organisation_per_panel() -> None:
    items = [item("A1")]
    experts = [expert(f"E{n}", person=pid(20 + n), employer=ORG_C) for n in range(3)]
    experts += [expert(f"F{n}", person=pid(30 + n), employer=uscc(40 + n)) for n in range(3)]
    plan = build_problem(
        items,
        experts,
        [],
        k=3,
        load=1,
        q=Fraction(1),
        avoidance=AVOID,
        draw_params=DRAWP,
        on=DAY,
    )
    for seed in range(20):
        result = draw(plan.problem, f"{seed:x}")
        chosen = result.assignment(plan.problem)
        assert sum(1 for _, e in chosen if e.startswith("E")) <= 1
        assert check_assignment(plan.problem, result.chosen) == []


# --- brute force agrees with the index (property) -------------------------------------------


def brute_force(
    it: ReviewItem, ex: ExpertProfile, all_items: list[ReviewItem], conflicts: list[StaffConflict]
) -> set[str]:
    found = set()
    if ex.employer_uscc in {it.applicant_uscc, *it.member_usccs}:
        found.add("same_employer")
    same_call = [o for o in all_items if o.call == it.call]
    if any(ex.person_id in o.team_ids for o in same_call):
        found.add("same_call_team_member")
    if any(ex.person_id in o.applicant_ids for o in same_call):
        found.add("same_call_applicant")
    for rel in ex.relations:
        recent = rel.last_year is None or rel.last_year >= DAY.year - 3
        if rel.kind in ("coauthor", "collaborator") and not recent:
            continue
        if rel.person_id and rel.person_id in {*it.team_ids, *it.applicant_ids}:
            found.add("declared_relation")
        if rel.uscc and rel.uscc in {it.applicant_uscc, *it.member_usccs}:
            found.add("declared_relation")
    for c in conflicts:
        if c.expert == ex.id and (c.item == it.id or (not c.item and c.call == it.call)):
            found.add("staff_recorded")
    return found


ORGS = [uscc(n) for n in range(1, 5)]
PEOPLE = [pid(n) for n in range(1, 7)]


@st.composite
def worlds(draw_: st.DrawFn) -> tuple[list[ReviewItem], list[ExpertProfile], list[StaffConflict]]:
    n_items = draw_(st.integers(1, 5))
    items = [
        ReviewItem(
            id=f"A{i}",
            call=draw_(st.sampled_from(["C1", "C2"])),
            title="t",
            applicant_uscc=draw_(st.sampled_from(ORGS)),
            member_usccs=tuple(draw_(st.lists(st.sampled_from(ORGS), max_size=2))),
            team_ids=tuple(draw_(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=2))),
            applicant_ids=tuple(draw_(st.lists(st.sampled_from(PEOPLE), max_size=1))),
            fields=("F06",),
        )
        for i in range(n_items)
    ]
    experts = []
    for j in range(draw_(st.integers(1, 5))):
        rels = draw_(
            st.lists(
                st.builds(
                    Relation,
                    kind=st.sampled_from(
                        ["relative", "teacher_student", "coauthor", "collaborator"]
                    ),
                    person_id=st.sampled_from(["", *PEOPLE]),
                    uscc=st.sampled_from(["", *ORGS]),
                    last_year=st.one_of(st.none(), st.integers(2018, 2026)),
                ),
                max_size=2,
            )
        )
        experts.append(
            ExpertProfile(
                id=f"E{j}",
                name="x",
                person_id=draw_(st.sampled_from(PEOPLE)),
                employer_uscc=draw_(st.sampled_from(ORGS)),
                fields=("F06",),
                relations=tuple(rels),
            )
        )
    conflicts = draw_(
        st.lists(
            st.builds(
                StaffConflict,
                expert=st.sampled_from([e.id for e in experts]),
                item=st.sampled_from(["", *[i.id for i in items]]),
                call=st.sampled_from(["", "C1"]),
            ),
            max_size=2,
        )
    )
    return items, experts, conflicts


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_exclusions_match_brute_force(world: tuple) -> None:
    items, experts, conflicts = world
    found = find_exclusions(items, experts, conflicts, params=AVOID, on=DAY)
    for it in items:
        for ex in experts:
            expected = brute_force(it, ex, items, conflicts)
            assert set(rules(found, (it.id, ex.id))) == expected


@settings(max_examples=60, deadline=None)
@given(worlds(), st.integers(0, 2**32))
def test_sampled_assignment_never_breaks_avoidance(world: tuple, seed: int) -> None:
    items, experts, conflicts = world
    plan = build_problem(
        items,
        experts,
        conflicts,
        k=1,
        load=5,
        q=Fraction(1, 2),
        avoidance=AVOID,
        draw_params=DRAWP,
        on=DAY,
    )
    if diagnose(plan.problem):  # infeasible worlds are fine: nothing is drawn
        return
    result = draw(plan.problem, f"{seed:x}")
    for it, ex in result.assignment(plan.problem):
        item_ = next(i for i in items if i.id == it)
        expert_ = next(e for e in experts if e.id == ex)
        assert brute_force(item_, expert_, items, conflicts) == set()
    assert check_assignment(plan.problem, result.chosen) == []


# --- pool and fit -----------------------------------------------------------------------------
