"""The draw's commitment and its verification (可验证抽取), pure.

Before the draw the platform publishes ``commitment``: the sha256 of the canonical JSON of
the inputs, the parameters and the sha256 of the secret seed. After the draw the seed is
revealed; :func:`verify` recomputes the draw from the published inputs and that seed and
compares it with what was recorded (``rainforest review verify-draw``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from rainforest.review.domain_assignment import (
    FIT_SCALE,
    DrawProblem,
    Fractional,
    Infeasible,
    IntArray,
    draw,
    solve_fractional,
)


def canonical_json(value: object) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same bytes for the same value everywhere."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def problem_to_dict(problem: DrawProblem) -> dict[str, Any]:
    """The published inputs, columns of integers and the ids they index."""
    return {
        "items": list(problem.items),
        "experts": list(problem.experts),
        "pair_item": problem.pair_item.tolist(),
        "pair_expert": problem.pair_expert.tolist(),
        "pair_fit": problem.pair_fit.tolist(),
        "k": problem.k.tolist(),
        "load": problem.load.tolist(),
        "group": problem.group.tolist(),
        "q": f"{problem.q.numerator}/{problem.q.denominator}",
        "one_per_group": problem.one_per_group,
    }


def problem_from_dict(data: Mapping[str, Any]) -> DrawProblem:
    return DrawProblem(
        items=tuple(data["items"]),
        experts=tuple(data["experts"]),
        pair_item=np.asarray(data["pair_item"], dtype=np.int64),
        pair_expert=np.asarray(data["pair_expert"], dtype=np.int64),
        pair_fit=np.asarray(data["pair_fit"], dtype=np.int64),
        k=np.asarray(data["k"], dtype=np.int64),
        load=np.asarray(data["load"], dtype=np.int64),
        group=np.asarray(data["group"], dtype=np.int64),
        q=Fraction(data["q"]),
        one_per_group=bool(data["one_per_group"]),
    )


def inputs_digest(problem: DrawProblem) -> str:
    return hashlib.sha256(canonical_json(problem_to_dict(problem))).hexdigest()


def seed_digest(seed: str) -> str:
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def commitment(problem: DrawProblem, parameters: Mapping[str, Any], seed_sha256: str) -> str:
    """sha256 of the canonical JSON of (inputs, parameters, sha256(seed)), published first."""
    body = {
        "inputs": problem_to_dict(problem),
        "parameters": dict(parameters),
        "seed_sha256": seed_sha256,
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checks: tuple[tuple[str, bool, str], ...] = field(default=())

    def failures(self) -> list[str]:
        return [detail for _, passed, detail in self.checks if not passed]


def verify(
    problem: DrawProblem,
    parameters: Mapping[str, Any],
    seed: str,
    published_commitment: str,
    recorded: Sequence[tuple[str, str]],
    *,
    recorded_flow: Sequence[int] | None = None,
) -> VerifyResult:
    """Recompute the draw from the published inputs and the revealed seed and compare.

    Checks, in order: the seed matches the commitment, the inputs and parameters match the
    commitment, the fractional optimum (recomputed; if ``recorded_flow`` differs it must be
    feasible and exactly as good), and the sampled assignment equals ``recorded``.
    """
    checks: list[tuple[str, bool, str]] = []
    expected = commitment(problem, parameters, seed_digest(seed))
    checks.append(
        (
            "commitment",
            expected == published_commitment,
            "inputs, parameters and seed match the published commitment"
            if expected == published_commitment
            else f"commitment mismatch: recomputed {expected}, published {published_commitment}",
        )
    )
    try:
        recomputed = solve_fractional(problem)
    except Infeasible as exc:
        checks.append(("fractional", False, f"the inputs are infeasible: {exc.message_en}"))
        return VerifyResult(ok=False, checks=tuple(checks))
    fractional = recomputed
    if recorded_flow is not None:
        flow = np.asarray(recorded_flow, dtype=np.int64)
        if len(flow) != problem.n_pairs:
            checks.append(
                ("fractional", False, "the recorded fractional solution has the wrong length")
            )
            return VerifyResult(ok=False, checks=tuple(checks))
        if not np.array_equal(flow, recomputed.flow):
            b = problem.q.denominator
            total = Fraction(int((flow * problem.pair_fit).sum()), b * FIT_SCALE)
            feasible = _flow_feasible(problem, flow)
            same = feasible and total == recomputed.total_fit
            checks.append(
                (
                    "fractional",
                    same,
                    "the recorded fractional solution is another optimum of equal fit"
                    if same
                    else "the recorded fractional solution is not optimal for these inputs",
                )
            )
            if not same:
                return VerifyResult(ok=False, checks=tuple(checks))
            fractional = Fractional(flow=flow, denominator=b, total_fit=total)
        else:
            checks.append(("fractional", True, "fractional solution recomputed identically"))
    result = draw(problem, seed, fractional=fractional)
    again = sorted(result.assignment(problem))
    same_assignment = again == sorted((str(i), str(e)) for i, e in recorded)
    checks.append(
        (
            "assignment",
            same_assignment,
            "the recorded assignment is the one the seed gives"
            if same_assignment
            else "the recorded assignment differs from the one the seed gives",
        )
    )
    return VerifyResult(ok=all(passed for _, passed, _ in checks), checks=tuple(checks))


def _flow_feasible(problem: DrawProblem, flow: IntArray) -> bool:
    a, b = problem.q.numerator, problem.q.denominator
    if flow.min(initial=0) < 0 or flow.max(initial=0) > a:
        return False
    per_item = np.bincount(problem.pair_item, weights=flow, minlength=len(problem.items))
    per_expert = np.bincount(problem.pair_expert, weights=flow, minlength=len(problem.experts))
    if not np.array_equal(per_item.astype(np.int64), problem.k * b):
        return False
    if np.any(per_expert.astype(np.int64) > problem.load * b):
        return False
    if problem.one_per_group:
        orgs = problem.group[problem.pair_expert]
        mask = orgs >= 0
        keys = problem.pair_item[mask] * (int(problem.group.max(initial=0)) + 1) + orgs[mask]
        uniq, inverse = np.unique(keys, return_inverse=True)
        sums = np.bincount(inverse, weights=flow[mask], minlength=len(uniq))
        if np.any(sums > b):
            return False
    return True
