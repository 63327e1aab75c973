"""review/domain_settings.py: a call's k, L, q, method and blind review, checked."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from rainforest.review.domain_settings import check_settings, default_settings, min_pool
from tests.review.domain_data import DRAWP, SCORE

GOOD: dict[str, Any] = {
    "k": 5,
    "load": 10,
    "q": "1/2",
    "method": "trimmed_mean",
    "normalise": False,
    "blind": False,
}


def test_defaults_are_k5_l10_half_trimmed_mean_open() -> None:
    s = default_settings(DRAWP, SCORE)
    assert (s.k, s.load, s.q, s.method, s.normalise, s.blind) == (
        5,
        10,
        Fraction(1, 2),
        "trimmed_mean",
        False,
        False,
    )


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("k", 0, False),
        ("k", 1, True),
        ("k", 50, True),
        ("k", 51, False),
        ("k", True, False),  # a bool is not a count
        ("k", "5", False),
        ("load", 0, False),
        ("load", 1, True),
        ("load", 500, True),
        ("load", 501, False),
        ("q", "0", False),
        ("q", "1/10000", True),
        ("q", "1/10001", False),
        ("q", "1", True),
        ("q", "1.01", False),
        ("q", 0.5, False),  # floats are not exact
        ("q", "0.5", True),
        ("method", "median", True),
        ("method", "max", False),
    ],
)
def test_check_settings_boundaries(field: str, value: Any, ok: bool) -> None:
    settings, errors = check_settings(**{**GOOD, field: value})
    assert ([e.field for e in errors], settings is not None) == ([] if ok else [field], ok)


def test_check_settings_reports_every_field() -> None:
    _, errors = check_settings(k=0, load=0, q="2", method="", normalise=False, blind=True)
    assert [e.field for e in errors] == ["k", "load", "q", "method"]


def test_q_text_is_a_reduced_fraction() -> None:
    settings, _ = check_settings(**{**GOOD, "q": "0.50"})
    assert settings is not None
    assert settings.q_text == "1/2"


@pytest.mark.parametrize(("k", "q", "pool"), [(5, "1/2", 10), (3, "1/2", 6), (5, "2/3", 8)])
def test_min_pool_is_k_over_q_rounded_up(k: int, q: str, pool: int) -> None:
    assert min_pool(k, Fraction(q)) == pool
