"""review/domain_scoring.py: sheets, aggregation, flags and the ranking."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rainforest.review.domain_scoring import (
    CriterionWeight,
    Sheet,
    aggregate,
    check_sheet,
    default_criteria,
    normalise_totals,
    rank,
    score_items,
    sheet_total,
)
from tests.review.domain_data import (
    SCORE,
)

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
