"""review/domain_assignment.py, domain_commitment.py and domain_replacement.py: the
fractional optimum, dependent rounding, verification and the replacement draw."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rainforest.core.errors import ValidationError
from rainforest.review.domain_assignment import (
    FIT_SCALE,
    DrawProblem,
    Infeasible,
    check_assignment,
    diagnose,
    draw,
    parse_q,
    rng_from_seed,
    sample,
    solve_fractional,
)
from rainforest.review.domain_commitment import (
    commitment,
    problem_from_dict,
    problem_to_dict,
    seed_digest,
    verify,
)
from rainforest.review.domain_replacement import replacement_draw

PARAMS = {"avoidance": "review.avoidance 2025.1", "draw": "review.draw 2025.1"}
SEED = "a3" * 32


def problem(
    pairs: list[tuple[int, int, int]],
    *,
    n: int,
    m: int,
    k: int | list[int],
    load: int | list[int],
    q: Fraction,
    group: list[int] | None = None,
) -> DrawProblem:
    pairs = sorted(pairs)
    return DrawProblem(
        items=tuple(f"A{i}" for i in range(n)),
        experts=tuple(f"E{j}" for j in range(m)),
        pair_item=np.array([p[0] for p in pairs], dtype=np.int64),
        pair_expert=np.array([p[1] for p in pairs], dtype=np.int64),
        pair_fit=np.array([p[2] for p in pairs], dtype=np.int64),
        k=np.array(k if isinstance(k, list) else [k] * n, dtype=np.int64),
        load=np.array(load if isinstance(load, list) else [load] * m, dtype=np.int64),
        q=q,
        group=np.array(group if group is not None else [-1] * m, dtype=np.int64),
    )


def full(n: int, m: int, fit: int = FIT_SCALE) -> list[tuple[int, int, int]]:
    return [(i, j, fit) for i in range(n) for j in range(m)]


# --- q ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [("0.5", Fraction(1, 2)), ("1/3", Fraction(1, 3)), ("1", Fraction(1)), (1, Fraction(1))],
)
def test_parse_q_accepts_exact_values(raw: str | int, value: Fraction) -> None:
    assert parse_q(raw) == value


@pytest.mark.parametrize("raw", ["0", "-0.5", "1.0001", "abc", "1/0", 0.5, True])
def test_parse_q_refuses(raw: object) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_q(raw)  # type: ignore[arg-type]
    assert exc.value.field == "q"


# --- the fractional optimum --------------------------------------------------------------


def test_q_one_is_the_optimum() -> None:
    # 2 items, 3 experts, k=1, L=1: best is A0-E0 (0.9) + A1-E1 (0.8)
    p = problem(
        [(0, 0, 900_000), (0, 1, 850_000), (1, 0, 700_000), (1, 1, 800_000), (1, 2, 100_000)],
        n=2,
        m=3,
        k=1,
        load=1,
        q=Fraction(1),
    )
    frac = solve_fractional(p)
    assert frac.total_fit == Fraction(17, 10)
    result = draw(p, SEED)
    assert sorted(result.assignment(p)) == [("A0", "E0"), ("A1", "E1")]


def test_q_caps_every_pair() -> None:
    p = problem(full(3, 6), n=3, m=6, k=2, load=2, q=Fraction(1, 2))
    frac = solve_fractional(p)
    assert frac.x().max() <= 0.5
    assert frac.total_fit == 6


def test_equal_fit_with_q_k_over_pool_is_the_lottery() -> None:
    # one item, pool of 4, k = 2: q = 2/4 forces every expert to x = 1/2 (uniform lottery)
    p = problem(full(1, 4), n=1, m=4, k=2, load=1, q=Fraction(2, 4))
    assert solve_fractional(p).x().tolist() == [0.5, 0.5, 0.5, 0.5]


# --- infeasibility -----------------------------------------------------------------------


def test_infeasible_pool_too_small_names_the_item() -> None:
    # A1 has 2 eligible experts; at q = 1/2 they give at most 1 review, k = 2
    p = problem(
        [(0, 0, 1), (0, 1, 1), (0, 2, 1), (0, 3, 1), (1, 0, 1), (1, 1, 1)],
        n=2,
        m=4,
        k=2,
        load=2,
        q=Fraction(1, 2),
    )
    with pytest.raises(Infeasible) as exc:
        solve_fractional(p)
    assert [(s.kind, s.items, s.needed, s.available) for s in exc.value.shortfalls] == [
        ("pool", ("A1",), Fraction(2), Fraction(1))
    ]
    assert "A1" in exc.value.message_zh


def test_infeasible_caps_too_tight_names_the_competing_items() -> None:
    # A0 and A1 can only use E0 and E1 (L = 1 each): 2 places for 4 reviews; A2 is fine
    pairs = [(0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 1), (2, 2, 1), (2, 3, 1)]
    p = problem(pairs, n=3, m=4, k=2, load=1, q=Fraction(1))
    shortfalls = diagnose(p)
    assert [(s.kind, s.items, s.experts, s.needed, s.available) for s in shortfalls] == [
        ("capacity", ("A0", "A1"), ("E0", "E1"), Fraction(4), Fraction(2))
    ]
    with pytest.raises(Infeasible):
        solve_fractional(p)


def test_infeasible_one_per_organisation() -> None:
    # both experts from one organisation, k = 2: the panel rule leaves one place
    p = problem(full(1, 2), n=1, m=2, k=2, load=1, q=Fraction(1), group=[7, 7])
    assert [s.kind for s in diagnose(p)] == ["pool"]


# --- properties of sampling --------------------------------------------------------------


@st.composite
def problems(draw_: st.DrawFn) -> DrawProblem:
    n = draw_(st.integers(1, 6))
    m = draw_(st.integers(2, 9))
    density = draw_(st.floats(0.3, 1.0))
    pairs = []
    for i in range(n):
        for j in range(m):
            if draw_(st.floats(0, 1)) <= density:
                pairs.append((i, j, draw_(st.integers(0, FIT_SCALE))))
    k = draw_(st.integers(1, 3))
    load = draw_(st.lists(st.integers(0, 4), min_size=m, max_size=m))
    q = draw_(st.sampled_from([Fraction(1, 3), Fraction(1, 2), Fraction(2, 3), Fraction(1)]))
    group = draw_(st.lists(st.integers(-1, 3), min_size=m, max_size=m))
    return problem(pairs, n=n, m=m, k=k, load=load, q=q, group=group)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(0, 2**64))
def test_every_sample_meets_k_caps_and_panel_rule(p: DrawProblem, seed: int) -> None:
    shortfalls = diagnose(p)
    if shortfalls:
        with pytest.raises(Infeasible):
            solve_fractional(p)
        return
    frac = solve_fractional(p)
    assert frac.flow.max(initial=0) <= p.q.numerator  # x ≤ q
    chosen = sample(p, frac, rng_from_seed(f"{seed:x}"))
    assert check_assignment(p, chosen) == []
    # only pairs with x > 0 can be drawn
    assert not np.any(chosen & (frac.flow == 0))


@settings(max_examples=100, deadline=None)
@given(problems(), st.integers(0, 2**64))
def test_same_seed_same_assignment(p: DrawProblem, seed: int) -> None:
    if diagnose(p):
        return
    a = draw(p, f"{seed:x}")
    b = draw(p, f"{seed:x}")
    assert np.array_equal(a.chosen, b.chosen)


def test_empirical_frequency_matches_x_and_never_exceeds_q() -> None:
    # fits that make the optimum fractional in many places; q = 2/5
    rng = np.random.default_rng(7)
    pairs = [(i, j, int(rng.integers(0, FIT_SCALE))) for i in range(5) for j in range(8)]
    p = problem(pairs, n=5, m=8, k=2, load=2, q=Fraction(2, 5), group=[0, 0, 1, 1, 2, 3, 4, 5])
    frac = solve_fractional(p)
    x = frac.x()
    runs = 4000
    counts = np.zeros(p.n_pairs)
    for seed in range(runs):
        chosen = sample(p, frac, rng_from_seed(f"{seed:x}"))
        assert check_assignment(p, chosen) == []
        counts += chosen
    freq = counts / runs
    sigma = np.sqrt(np.maximum(x * (1 - x), 1e-12) / runs)
    # 4.5 standard errors: a false alarm about once in 150,000 pairs
    assert np.all(np.abs(freq - x) <= 4.5 * sigma + 1e-9)
    assert freq.max() <= float(p.q) + 4.5 * math.sqrt(0.4 * 0.6 / runs)
    assert len(np.unique(counts)) > 2  # really fractional, not a fixed answer


def test_sampled_fit_is_close_to_fractional() -> None:
    rng = np.random.default_rng(3)
    pairs = [(i, j, int(rng.integers(0, FIT_SCALE))) for i in range(40) for j in range(30)]
    p = problem(pairs, n=40, m=30, k=3, load=5, q=Fraction(1, 2))
    result = draw(p, SEED)
    assert float(result.fraction_of_optimum) == pytest.approx(1.0, abs=0.05)


# --- commitment and verification ---------------------------------------------------------


def small() -> DrawProblem:
    rng = np.random.default_rng(11)
    pairs = [(i, j, int(rng.integers(0, FIT_SCALE))) for i in range(4) for j in range(6)]
    return problem(pairs, n=4, m=6, k=2, load=2, q=Fraction(1, 2))


def test_verify_accepts_the_honest_draw() -> None:
    p = small()
    published = commitment(p, PARAMS, seed_digest(SEED))
    result = draw(p, SEED)
    outcome = verify(
        p,
        PARAMS,
        SEED,
        published,
        result.assignment(p),
        recorded_flow=result.fractional.flow.tolist(),
    )
    assert outcome.ok, outcome.failures()


def test_verify_fails_on_a_tampered_input() -> None:
    p = small()
    published = commitment(p, PARAMS, seed_digest(SEED))
    recorded = draw(p, SEED).assignment(p)
    data = problem_to_dict(p)
    data["pair_fit"][0] += 1
    outcome = verify(problem_from_dict(data), PARAMS, SEED, published, recorded)
    assert outcome.ok is False
    assert outcome.checks[0][:2] == ("commitment", False)


def test_verify_fails_on_another_seed() -> None:
    p = small()
    published = commitment(p, PARAMS, seed_digest(SEED))
    recorded = draw(p, SEED).assignment(p)
    assert verify(p, PARAMS, "b4" * 32, published, recorded).ok is False


def test_verify_fails_on_a_tampered_assignment() -> None:
    p = small()
    published = commitment(p, PARAMS, seed_digest(SEED))
    recorded = draw(p, SEED).assignment(p)
    swapped = [
        (recorded[0][0], next(e for e in p.experts if (recorded[0][0], e) not in recorded)),
        *recorded[1:],
    ]
    outcome = verify(p, PARAMS, SEED, published, swapped)
    assert [c[0] for c in outcome.checks if not c[1]] == ["assignment"]


def test_verify_fails_on_changed_parameters() -> None:
    p = small()
    published = commitment(p, PARAMS, seed_digest(SEED))
    recorded = draw(p, SEED).assignment(p)
    assert verify(p, {**PARAMS, "draw": "other"}, SEED, published, recorded).ok is False


def test_problem_round_trips_through_dict() -> None:
    p = small()
    assert problem_to_dict(problem_from_dict(problem_to_dict(p))) == problem_to_dict(p)


def test_rng_refuses_a_non_hex_seed() -> None:
    with pytest.raises(ValueError, match="hexadecimal"):
        rng_from_seed("not hex")


# --- replacement --------------------------------------------------------------------------


def test_replacement_respects_the_cap() -> None:
    q = Fraction(1, 2)
    candidates = {"E1": 900_000, "E2": 800_000, "E3": 500_000, "E4": 100_000}
    spent = {"E1": Fraction(1, 2), "E2": Fraction(1, 4), "E3": Fraction(0), "E4": Fraction(0)}
    seen: dict[str, int] = {}
    for seed in range(2000):
        r = replacement_draw(
            item="A0",
            declined="E9",
            candidates=candidates,
            spent=spent,
            q=q,
            rng=rng_from_seed(f"{seed:x}"),
        )
        for e, p in r.offered.items():
            assert spent[e] + p <= q
        assert sum(r.offered.values()) == 1
        seen[r.chosen] = seen.get(r.chosen, 0) + 1
    # E1 has no room; best fit first: E2 its 1/4, E3 its 1/2, E4 the last 1/4
    assert sorted(seen) == ["E2", "E3", "E4"]
    assert seen["E2"] / 2000 == pytest.approx(0.25, abs=0.04)
    assert seen["E3"] / 2000 == pytest.approx(0.5, abs=0.04)


def test_replacement_infeasible_when_room_below_one() -> None:
    with pytest.raises(ValidationError) as exc:
        replacement_draw(
            item="A0",
            declined="E9",
            candidates={"E1": 1, "E2": 1},
            spent={"E1": Fraction(1, 4), "E2": Fraction(1, 4)},
            q=Fraction(1, 2),
            rng=rng_from_seed("1"),
        )
    assert exc.value.code == "replacement_infeasible"
