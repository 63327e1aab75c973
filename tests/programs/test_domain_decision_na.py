"""programs/domain_decision.py: "n/a" (不适用, a None score) is never counted as zero.

An expert's weighted total is over the criteria they scored (renormalised by those
criteria's weights); a criterion's mean is over the counted experts who scored it; a
criterion nobody counted scored is left out and the remaining weights renormalised;
trimming stays on the experts' weighted totals. Without n/a nothing changes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rainforest.core.errors import ValidationError
from rainforest.core.money import quantize_fen
from rainforest.programs.domain_decision import (
    Criterion,
    ExpertSheet,
    ScoredApplication,
    aggregate_scores,
    ranking_parameters,
)

P = ranking_parameters(date(2026, 9, 30))
NO_TRIM = replace(P, version="test-no-trim", values={**P.values, "trim_extremes": False})
T0 = datetime(2026, 9, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CRITERIA = (
    Criterion("innovation", "创新性", "Innovation", Decimal(40)),
    Criterion("feasibility", "可行性", "Feasibility", Decimal(35)),
    Criterion("team", "团队", "Team", Decimal(25)),
)
CODES = tuple(c.code for c in CRITERIA)
WEIGHTS = {c.code: c.weight for c in CRITERIA}

Score = Decimal | None


def app(*rows: tuple[Score, ...]) -> ScoredApplication:
    sheets = tuple(
        ExpertSheet(f"e{i}", dict(zip(CODES, row, strict=True))) for i, row in enumerate(rows)
    )
    return ScoredApplication("A1", T0, Decimal("1000000.00"), sheets)


def d(*values: str | None) -> tuple[Score, ...]:
    return tuple(None if v is None else Decimal(v) for v in values)


def as_zero(application: ScoredApplication) -> ScoredApplication:
    """The same sheets with every n/a counted as zero: what must never happen."""
    return replace(
        application,
        sheets=tuple(
            replace(s, scores={k: Decimal(0) if v is None else v for k, v in s.scores.items()})
            for s in application.sheets
        ),
    )


# -- tables -----------------------------------------------------------------------------


def test_na_is_left_out_of_the_experts_total_and_the_criterions_mean() -> None:
    application = app(d("90", None, "64"), d("80", "80", "80"), d("80", "80", "80"))
    result = aggregate_scores(application, CRITERIA, params=P)
    # e0's total: (90 × 40 + 64 × 25) ÷ 65 = 80; 可行性's mean over the two who scored it
    assert result.expert_totals["e0"] == Decimal("80.00")
    assert result.criterion_means == {
        "innovation": Decimal("83.33"),
        "feasibility": Decimal("80.00"),
        "team": Decimal("74.67"),
    }
    # (83.33… × 40 + 80 × 35 + 74.66… × 25) ÷ 100 = 80.00; as zero it would be 70.67
    assert (result.score, result.not_applicable, result.criteria_left_out) == (
        Decimal("80.00"),
        1,
        (),
    )
    assert aggregate_scores(as_zero(application), CRITERIA, params=P).score == Decimal("70.67")
    zh, en = result.decision.reasons[-1].zh, result.decision.reasons[-1].en
    assert zh.startswith("共有 1 项评分为「不适用」（n/a），未计入，不按零分计算")
    assert en.startswith("Scores marked n/a: 1; they were left out, not counted as zero")
    assert result.decision.facts["not_applicable"] == 1


def test_criterion_no_counted_expert_scored_is_left_out_and_weights_renormalised() -> None:
    application = app(d("90", "70", None), d("80", "60", None), d("70", "80", None))
    result = aggregate_scores(application, CRITERIA, params=P)
    # 团队 (25) left out: (80 × 40 + 70 × 35) ÷ 75 = 75.33; as zero: 56.50
    assert (result.score, result.criteria_left_out, result.not_applicable) == (
        Decimal("75.33"),
        ("team",),
        3,
    )
    assert "team" not in result.criterion_means
    assert result.decision.reasons[0].zh.endswith("÷ 75 = 75.33 分（四舍五入保留两位小数）。")
    assert result.decision.reasons[-1].zh == (
        "计入的专家对指标「团队」均评为「不适用」，该指标不计入综合得分，"
        "其余指标的权重（合计 75）按比例折算。"
    )
    assert "'Team'" in result.decision.reasons[-1].en
    assert result.decision.facts["criteria_left_out"] == ("team",)
    assert aggregate_scores(as_zero(application), CRITERIA, params=P).score == Decimal("56.50")


def test_criterion_scored_only_by_a_trimmed_expert_is_left_out() -> None:
    rows = [d("100", "100", "100"), *[d(v, v, None) for v in ("60", "70", "80")], d("0", "0", "0")]
    result = aggregate_scores(app(*rows), CRITERIA, params=P)
    # the two who scored 团队 are the highest and lowest totals and are trimmed
    assert (result.experts_trimmed, result.criteria_left_out) == (("e4", "e0"), ("team",))
    assert result.score == Decimal("70.00")


def test_trimming_ranks_experts_by_their_renormalised_totals() -> None:
    # e0 scored 95 on what they answered: a weighted total of 95, the highest, not 57
    rows = [d("95", "95", None), *[d(v, v, v) for v in ("60", "70", "80", "90")]]
    result = aggregate_scores(app(*rows), CRITERIA, params=P)
    assert result.experts_trimmed == ("e1", "e0")
    assert result.expert_totals["e0"] == Decimal("95.00")


@pytest.mark.parametrize(
    "rows", [[d(None, None, None)], [d("80", "80", "80"), d(None, None, None)]]
)
def test_sheet_with_every_criterion_na_is_refused_naming_the_expert(
    rows: list[tuple[Score, ...]],
) -> None:
    with pytest.raises(ValidationError) as exc:
        aggregate_scores(app(*rows), CRITERIA, params=P)
    expert = f"e{len(rows) - 1}"
    assert exc.value.code == "scores_all_not_applicable"
    assert f"专家 {expert} 对申请 A1 的评分表所有指标均为「不适用」" in exc.value.message("zh-hans")
    assert f"Expert {expert}'s sheet for application A1 marks every criterion n/a" in (
        exc.value.message("en")
    )


def test_na_still_requires_every_criterion_as_a_key() -> None:
    sheet = ExpertSheet("e0", {"innovation": Decimal(80), "feasibility": None})
    with pytest.raises(ValidationError) as exc:
        aggregate_scores(ScoredApplication("A1", T0, Decimal(1), (sheet,)), CRITERIA, params=P)
    assert exc.value.code == "scores_criteria_mismatch"


# -- properties -------------------------------------------------------------------------

points = st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n) / 100)
plain_row = st.tuples(points, points, points)
na_row = st.tuples(*(st.none() | points for _ in CODES)).filter(
    lambda row: any(v is not None for v in row)
)


def reference(application: ScoredApplication, *, trim: bool) -> tuple[Decimal, dict[str, Decimal]]:
    """Today's rule without n/a, written out plainly: Σ(mean × weight) ÷ 100 after trimming
    the highest and the lowest weighted total from five experts up."""
    totals = {
        s.expert_id: sum((Decimal(s.scores[c]) * WEIGHTS[c] for c in CODES), Decimal(0)) / 100
        for s in application.sheets
    }
    ordered = sorted(application.sheets, key=lambda s: (totals[s.expert_id], s.expert_id))
    counted = ordered[1:-1] if trim and len(ordered) >= 5 else ordered
    means = {
        c: sum((Decimal(s.scores[c]) for s in counted), Decimal(0)) / len(counted) for c in CODES
    }
    score = sum((means[c] * WEIGHTS[c] for c in CODES), Decimal(0)) / 100
    return quantize_fen(score), {k: quantize_fen(v) for k, v in totals.items()}


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(plain_row, min_size=1, max_size=7), trim=st.booleans())
def test_without_na_the_result_is_todays(rows: list[tuple[Score, ...]], trim: bool) -> None:
    params = P if trim else NO_TRIM
    result = aggregate_scores(app(*rows), CRITERIA, params=params)
    score, totals = reference(app(*rows), trim=trim)
    assert (result.score, dict(result.expert_totals)) == (score, totals)
    assert (result.not_applicable, result.criteria_left_out) == (0, ())
    assert set(result.criterion_means) == set(CODES)
    assert "not_applicable" not in result.decision.facts
    assert len(result.decision.reasons) == (2 if trim else 1)
    assert "n/a" not in " ".join(r.en for r in result.decision.reasons)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(na_row, min_size=1, max_size=7))
def test_na_never_lowers_a_score_the_way_a_zero_would(rows: list[tuple[Score, ...]]) -> None:
    application = app(*rows)
    # every expert's weighted total: the mean over what they scored, never dragged down
    with_na = aggregate_scores(application, CRITERIA, params=P)
    with_zero = aggregate_scores(as_zero(application), CRITERIA, params=P)
    for expert, total in with_na.expert_totals.items():
        assert total >= with_zero.expert_totals[expert]
    # the call's score, on the same experts (no trimming, which can swap who counts)
    assert (
        aggregate_scores(application, CRITERIA, params=NO_TRIM).score
        >= aggregate_scores(as_zero(application), CRITERIA, params=NO_TRIM).score
    )
    assert with_na.not_applicable == sum(row.count(None) for row in rows)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(plain_row, min_size=1, max_size=4), lost=st.sampled_from(CODES))
def test_a_criterion_all_na_is_the_same_as_a_call_without_it(
    rows: list[tuple[Score, ...]], lost: str
) -> None:
    """Marking one criterion n/a on every sheet scores as if the call had only the other
    criteria, their weights scaled back up to 100."""
    kept = [c for c in CRITERIA if c.code != lost]
    with_na = aggregate_scores(
        app(
            *(
                tuple(None if c == lost else v for c, v in zip(CODES, row, strict=True))
                for row in rows
            )
        ),
        CRITERIA,
        params=P,
    )
    expected = sum(
        (
            sum((row[CODES.index(c.code)] for row in rows), Decimal(0)) / len(rows) * c.weight
            for c in kept
        ),
        Decimal(0),
    ) / sum((c.weight for c in kept), Decimal(0))
    assert (with_na.score, with_na.criteria_left_out) == (quantize_fen(expected), (lost,))
