"""The scorecard: bands, the explanation summing to the score, AUC/KS, fitting."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rainforest.portrait import domain

CARD = domain.default_scorecard(date(2026, 6, 30))


@pytest.mark.parametrize(
    ("feature", "value", "points"),
    [
        ("months_active", 11, -10),
        ("months_active", 12, 0),
        ("months_active", 35, 0),
        ("months_active", 36, 10),
        ("months_active", 59, 10),
        ("months_active", 60, 20),
        ("tax_growth_bp", 2999, 12),
        ("tax_growth_bp", 3000, 18),
        ("tax_growth_bp", -2001, -20),
        ("tax_growth_bp", -2000, -8),
        ("tax_growth_bp", None, 0),
        ("tax_12m_fen", 0, -15),
        ("tax_12m_fen", 1, -5),
        ("tax_12m_fen", 9_999_999, -5),
        ("tax_12m_fen", 10_000_000, 5),
        ("court_open_defendant", 0, 0),
        ("court_open_defendant", 1, -15),
        ("court_open_defendant", 2, -30),
        ("utility_paid_months_12m", 8, -15),
        ("utility_paid_months_12m", 9, 0),
        ("utility_paid_months_12m", 11, 0),
        ("utility_paid_months_12m", 12, 8),
    ],
)
def test_band_points_on_both_sides_of_each_boundary(
    feature: str, value: int | None, points: int
) -> None:
    assert CARD.band_of(feature, value)[0] == points


def test_contribution_sentence_for_tax_growth() -> None:
    s = domain.score({"tax_growth_bp": 3500}, CARD)

    growth = next(c for c in s.contributions if c.feature == "tax_growth_bp")
    assert growth.sentence() == "+18：近12个月纳税额较上年同期变化+35%"
    assert growth.sentence("en") == "+18: tax paid changed +35% on the 12 months before"


@pytest.mark.parametrize(
    ("total", "grade"),
    [(600, "A"), (599, "B"), (560, "B"), (559, "C"), (520, "C"), (480, "D"), (479, "E")],
)
def test_grade_boundaries(total: int, grade: str) -> None:
    assert CARD.grade(total) == grade


FEATURE_VALUES = st.fixed_dictionaries(
    {spec.code: st.one_of(st.none(), st.integers(-(10**6), 10**9)) for spec in domain.FEATURES}
)


@given(FEATURE_VALUES)
def test_explanation_sums_to_the_score(features: dict[str, int | None]) -> None:
    s = domain.score(features, CARD)

    assert s.base + sum(c.points for c in s.contributions) == s.total
    assert [c.feature for c in s.contributions] == [f.code for f in domain.FEATURES]


def test_derive_takes_the_highest_tier_and_adds_other_ip() -> None:
    features = domain.derive(
        {
            "tier_hnte": 1,
            "tier_little_giant": 1,
            "patents_utility": 2,
            "patents_design": 1,
            "trademarks": 3,
        }
    )

    assert (features["tier_rank"], features["ip_other"]) == (3, 6)


@pytest.mark.parametrize(
    ("scores", "bad", "auc", "ks"),
    [
        ([1, 2, 3, 4], [True, True, False, False], 1.0, 1.0),
        ([1, 2, 3, 4], [False, False, True, True], 0.0, 1.0),
        ([1, 1, 1, 1], [True, False, True, False], 0.5, 0.0),
        ([1, 2, 3, 4], [True, False, True, False], 0.75, 0.5),
    ],
)
def test_auc_and_ks_on_known_cases(
    scores: list[int], bad: list[bool], auc: float, ks: float
) -> None:
    assert (domain.auc(scores, bad), domain.ks(scores, bad)) == (auc, ks)


def test_auc_needs_both_outcomes() -> None:
    with pytest.raises(ValueError, match="both"):
        domain.auc([1, 2], [False, False])


def test_fit_learns_bands_that_separate_on_held_out_data() -> None:
    rng = random.Random(3)
    rows = []
    for _ in range(3000):
        quality = rng.gauss(0, 1)
        features = {spec.code: None for spec in domain.FEATURES}
        features["court_open_defendant"] = 0 if quality > -0.5 else rng.randint(0, 3)
        features["tax_growth_bp"] = int(quality * 2000 + rng.gauss(0, 800))
        rows.append((features, rng.random() < 1 / (1 + 2.718 ** (2 + 1.5 * quality))))

    report = domain.fit_scorecard(rows, start=CARD, seed=1, version="fit-test")

    assert report.auc_test > 0.7
    assert report.ks_test > 0.3
    assert (report.n_train, report.n_test) == (2100, 900)
    assert report.scorecard.version == "fit-test"
    values = domain.scorecard_values(report.scorecard)
    assert (
        domain.scorecard_from_parameters(
            domain.ParameterSet(
                name="portrait.scorecard",
                version="fit-test",
                effective_from=date(2026, 1, 1),
                effective_to=None,
                values=values,
                citations={k: domain.DEFAULT for k in values},
            )
        )
        == report.scorecard
    )


def test_default_parameters_cite_every_value() -> None:
    params = domain.PARAMETERS.in_force("portrait.scorecard", date(2026, 6, 30))

    assert {params.citation(k).document for k in params.values} == {
        "Rainforest default scorecard [default]",
        domain.SEED_LETTER,
    }
