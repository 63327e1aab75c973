"""review/domain.py: avoidance rules, the field pool and fit, aggregation and ranking."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rainforest.core.ids import make_resident_id, make_uscc
from rainforest.review.domain import (
    AVOIDANCE,
    DRAW,
    SCORING,
    CriterionWeight,
    ExpertProfile,
    Relation,
    ReviewItem,
    Sheet,
    StaffConflict,
    aggregate,
    build_problem,
    check_sheet,
    cosine,
    default_criteria,
    field_pool,
    field_score,
    find_exclusions,
    fit_score,
    lottery_q,
    ngrams,
    normalise_totals,
    parameters_on,
    rank,
    score_items,
    sheet_total,
)
from rainforest.review.domain_assignment import check_assignment, diagnose, draw

DAY = date(2026, 9, 30)
AVOID = parameters_on(AVOIDANCE, DAY)
DRAWP = parameters_on(DRAW, DAY)
SCORE = parameters_on(SCORING, DAY)


def uscc(n: int) -> str:
    return make_uscc(f"91440300{n:09d}")


def pid(n: int) -> str:
    return make_resident_id(f"440301198001{(n % 28) + 1:02d}{n:03d}")


ORG_A, ORG_B, ORG_C, ORG_X = uscc(1), uscc(2), uscc(3), uscc(9)
ALICE, BOB, CAROL, XAVIER = pid(1), pid(2), pid(3), pid(9)


def item(
    id: str = "A1",
    *,
    call: str = "C1",
    applicant: str = ORG_A,
    members: tuple[str, ...] = (),
    team: tuple[str, ...] = (ALICE,),
    applicants: tuple[str, ...] = (),
    fields: tuple[str, ...] = ("F06",),
) -> ReviewItem:
    return ReviewItem(
        id=id,
        call=call,
        title="人工智能芯片",
        applicant_uscc=applicant,
        member_usccs=members,
        team_ids=team,
        applicant_ids=applicants,
        fields=fields,
        keywords=("芯片", "人工智能"),
        text="面向大模型推理的低功耗芯片",
    )


def expert(
    id: str = "E1",
    *,
    person: str = XAVIER,
    employer: str = ORG_X,
    relations: tuple[Relation, ...] = (),
    fields: tuple[str, ...] = ("F06",),
) -> ExpertProfile:
    return ExpertProfile(
        id=id,
        name="专家甲",
        person_id=person,
        employer_uscc=employer,
        fields=fields,
        keywords=("芯片设计",),
        relations=relations,
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


@pytest.mark.parametrize(
    ("item_fields", "expert_fields", "score"),
    [
        (("F06",), ("F06",), 1.0),
        (("F0601",), ("F06",), 0.5),
        (("F06",), ("F0601",), 0.5),
        (("F06",), ("F07",), 0.0),
        (("F06", "F07"), ("F06",), 0.5),
        ((), ("F06",), 0.0),
    ],
)
def test_field_score(item_fields: tuple, expert_fields: tuple, score: float) -> None:
    assert field_score(item_fields, expert_fields) == score


def test_field_pool_includes_refining_codes_only() -> None:
    items = [item("A1", fields=("F0601",))]
    experts = [
        expert("E1", fields=("F06",)),
        expert("E2", fields=("F060102",)),
        expert("E3", fields=("F07",)),
        expert("E4", fields=("F0602",)),
    ]
    assert field_pool(items, experts) == {("A1", "E1"), ("A1", "E2")}


def test_ngrams_are_character_bigrams_of_chinese() -> None:
    assert ngrams("人工智能") == {"人工": 1, "工智": 1, "智能": 1}


def test_cosine_identical_is_one_and_disjoint_zero() -> None:
    a = ngrams("人工智能芯片")
    assert cosine(a, a) == pytest.approx(1.0)
    assert cosine(a, ngrams("海洋生物")) == 0.0


def test_fit_prefers_matching_keywords() -> None:
    it = item()
    close = ExpertProfile("E1", "a", XAVIER, ORG_X, ("F06",), ("人工智能芯片", "低功耗"))
    far = ExpertProfile("E2", "b", BOB, ORG_X, ("F06",), ("海洋生物", "渔业"))
    assert fit_score(it, close, params=DRAWP) > fit_score(it, far, params=DRAWP)
    assert 0 <= fit_score(it, far, params=DRAWP) <= 1_000_000


def test_lottery_q_is_k_over_pool() -> None:
    assert lottery_q(5, 20) == Fraction(1, 4)


def test_build_problem_excludes_conflicts_and_uses_remaining_load() -> None:
    items = [item("A1"), item("A2", team=(BOB,))]
    experts = [expert("E1", employer=ORG_A), expert("E2", person=CAROL)]
    plan = build_problem(
        items,
        experts,
        [],
        k=1,
        load=3,
        q=Fraction(1),
        avoidance=AVOID,
        draw_params=DRAWP,
        on=DAY,
        loads_used={"E2": 1},
    )
    pairs = list(
        zip(plan.problem.pair_item.tolist(), plan.problem.pair_expert.tolist(), strict=True)
    )
    # E1 works for ORG_A, the applicant of both items
    assert pairs == [(0, 1), (1, 1)]
    assert plan.problem.load.tolist() == [3, 2]
    assert plan.pool_size == {"A1": 1, "A2": 1}


# --- scores --------------------------------------------------------------------------------

CRITERIA = default_criteria(SCORE)


def sheet(expert_: str, item_: str, *scores: int | None, rec: str = "fund") -> Sheet:
    codes = [c.code for c in CRITERIA]
    return Sheet(
        expert=expert_,
        item=item_,
        scores={
            c: (Decimal(s) if s is not None else None) for c, s in zip(codes, scores, strict=True)
        },
        recommendation=rec,
    )


def test_default_criteria_weights_are_30_25_20_25() -> None:
    assert [(c.code, c.weight) for c in CRITERIA] == [
        ("innovation", 30),
        ("feasibility", 25),
        ("team", 20),
        ("benefit", 25),
    ]


def test_sheet_total_weighted() -> None:
    # (80·30 + 70·25 + 60·20 + 90·25) / 100 = 76
    assert sheet_total(sheet("E1", "A1", 80, 70, 60, 90), CRITERIA) == Decimal(76)


def test_sheet_total_na_is_not_zero() -> None:
    # team n/a: (80·30 + 70·25 + 90·25) / 80 = 80
    assert sheet_total(sheet("E1", "A1", 80, 70, None, 90), CRITERIA) == Decimal(80)


def test_sheet_total_all_na_is_none() -> None:
    assert sheet_total(sheet("E1", "A1", None, None, None, None), CRITERIA) is None


@pytest.mark.parametrize(("score", "ok"), [(-1, False), (0, True), (100, True), (101, False)])
def test_check_sheet_range_boundaries(score: int, ok: bool) -> None:
    problems = check_sheet(sheet("E1", "A1", score, 50, 50, 50), CRITERIA, score_max=100)
    assert (problems == []) is ok


def test_check_sheet_needs_recommendation() -> None:
    problems = check_sheet(sheet("E1", "A1", 50, 50, 50, 50, rec=""), CRITERIA, score_max=100)
    assert [p[0] for p in problems] == ["recommendation"]


@pytest.mark.parametrize(
    ("values", "method", "expected", "counted"),
    [
        ([60, 70, 80, 90], "trimmed_mean", Decimal(75), 4),  # 4 < 5: nothing dropped
        ([10, 60, 70, 80, 100], "trimmed_mean", Decimal(70), 3),  # 5: drop 10 and 100
        ([10, 60, 70, 80, 100], "mean", Decimal(64), 5),
        ([10, 60, 70, 80, 100], "median", Decimal(70), 5),
        ([10, 60, 70, 80], "median", Decimal(65), 4),
    ],
)
def test_aggregate_methods(values: list[int], method: str, expected: Decimal, counted: int) -> None:
    assert aggregate([Decimal(v) for v in values], method=method, trim_min=5) == (
        expected,
        counted,
    )


def test_score_items_flags_outlier_and_disagreement() -> None:
    sheets = [
        sheet("E1", "A1", 80, 80, 80, 80),
        sheet("E2", "A1", 82, 82, 82, 82),
        sheet("E3", "A1", 78, 78, 78, 78),
        sheet("E4", "A1", 81, 81, 81, 81),
        sheet("E5", "A1", 20, 20, 20, 20, rec="not_fund"),
    ]
    result = score_items(sheets, CRITERIA, params=SCORE)["A1"]
    assert result.score == Decimal("79.67")  # drop 20 and 82; mean of 78, 80 and 81
    assert result.dropped == ("E5", "E2")
    assert result.outliers == ("E5",)
    assert result.high_disagreement is True
    assert result.recommendations == {"fund": 4, "not_fund": 1}


def test_score_items_consensus_has_no_flags() -> None:
    sheets = [sheet(f"E{n}", "A1", 70 + n, 70, 70, 70) for n in range(3)]
    result = score_items(sheets, CRITERIA, params=SCORE)["A1"]
    assert (result.outliers, result.high_disagreement) == ((), False)


def test_normalise_moves_a_harsh_expert_to_the_pool() -> None:
    totals = {
        ("A1", "H"): Decimal(40),
        ("A2", "H"): Decimal(50),
        ("A3", "H"): Decimal(60),
        ("A1", "G"): Decimal(70),
        ("A2", "G"): Decimal(80),
        ("A3", "G"): Decimal(90),
    }
    out = normalise_totals(totals, min_sheets=3)
    assert out[("A2", "H")] == out[("A2", "G")] == Decimal(65)


def test_rank_ties_broken_by_submission_then_id() -> None:
    sheets = [
        sheet("E1", "A1", 80, 80, 80, 80),
        sheet("E1", "A2", 80, 80, 80, 80),
        sheet("E1", "A3", 90, 90, 90, 90),
        sheet("E1", "A4", 80, 80, 80, 80),
    ]
    scores = score_items(sheets, CRITERIA, params=SCORE)
    submitted = {"A1": "2026-09-02", "A2": "2026-09-01", "A4": "2026-09-01"}
    ranked = rank(scores, submitted)
    assert [(r.rank, r.item) for r in ranked] == [(1, "A3"), (2, "A2"), (3, "A4"), (4, "A1")]
    assert ranked[1].tied_with == ("A4", "A1")


def test_criterion_weight_is_plain_data() -> None:
    assert CriterionWeight("x", "甲", "x", 10).weight == 10
