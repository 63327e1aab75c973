"""review/domain_fit.py: the field pool, fit and the draw's problem."""

from __future__ import annotations

from fractions import Fraction

import pytest

from rainforest.review.domain import ExpertProfile
from rainforest.review.domain_fit import (
    build_problem,
    cosine,
    field_pool,
    field_score,
    fit_score,
    lottery_q,
    ngrams,
)
from tests.review.domain_data import (
    AVOID,
    BOB,
    CAROL,
    DAY,
    DRAWP,
    ORG_A,
    ORG_X,
    XAVIER,
    expert,
    item,
)


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
