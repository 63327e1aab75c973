"""The randomized expert draw (专家随机抽取): pure, no Django.

Jecmen, Zhang, Liu, Shah, Conitzer and Fang, "Mitigating Manipulation in Peer Review via
Randomized Reviewer Assignments", NeurIPS 2020: solve the fractional assignment that
maximises total fit subject to k experts per review item, at most L items per expert and
``x ≤ q`` per pair, then sample an integral assignment whose marginals are exactly ``x``.

How it is done here, and why it is fast:

* **Sparse.** Only eligible pairs (inside the field pool, after avoidance) exist; nothing is
  ever a dense items × experts matrix.
* **Exact fractions.** ``q = a / b`` (a ``Fraction``). Scaling every capacity by ``b`` makes
  the fractional problem an *integer* min-cost flow: item supply ``k·b``, pair arcs of
  capacity ``a``, expert-to-sink arcs of capacity ``L·b``. A min-cost flow has integral
  optimal solutions, so ``x = flow / b`` is exact and optimal; the solver is OR-Tools'
  ``SimpleMinCostFlow`` fed with numpy arrays in one call.
* **At most one expert per organisation per panel** adds a node per (item, organisation)
  that has two or more eligible experts for the item, with capacity ``b`` (one expert):
  still a network flow, still integral.
* **Dependent rounding on the flow network.** Every node but the source has either none or
  at least two edges whose flow is not a multiple of ``b`` (items have integral supply,
  flow is conserved, the sink takes an integral total), so the fractional edges always
  contain a cycle. Pushing ``+α`` or ``-β`` around it, with probabilities ``β/(α+β)`` and
  ``α/(α+β)``, keeps every node balanced, keeps every edge between the multiples of ``b``
  around it and leaves every edge's expected flow unchanged, and makes at least one edge a
  multiple of ``b``. At the end each pair is drawn with probability exactly ``x`` ≤ q, each
  item has exactly k experts, each expert at most L items (its sink edge stays at or below
  ``L·b``), each panel at most one expert per organisation. The coin is
  ``rng.integers(α+β) < β``: integer arithmetic, no float rounding in the probabilities.
* **Replayable.** The random numbers come only from a numpy ``Generator`` built from the
  seed passed in, never from the clock; the same inputs and seed give the same draw, which
  is what :func:`.domain_commitment.verify` checks against a published commitment.

Fit is given per pair as an integer in millionths (0..1,000,000) so the whole problem is
integers and hashes the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.graph.python import max_flow, min_cost_flow

from rainforest.core.errors import ValidationError

__all__ = [
    "FIT_SCALE",
    "DrawProblem",
    "DrawResult",
    "Fractional",
    "Infeasible",
    "Shortfall",
    "check_assignment",
    "diagnose",
    "draw",
    "number_text",
    "parse_q",
    "rng_from_seed",
    "sample",
    "solve_fractional",
]

FIT_SCALE = 1_000_000
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


# --- the problem -----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DrawProblem:
    """A draw's inputs, all integers: eligible pairs only, sorted by (item, expert).

    ``pair_item``/``pair_expert`` index ``items``/``experts``; ``pair_fit`` is the fit in
    millionths; ``k[i]`` experts per item; ``load[j]`` = L, items per expert at most;
    ``group[j]`` the expert's organisation index (-1 unknown) used by the panel rule.
    """

    items: tuple[str, ...]
    experts: tuple[str, ...]
    pair_item: IntArray
    pair_expert: IntArray
    pair_fit: IntArray
    k: IntArray
    load: IntArray
    q: Fraction
    group: IntArray
    one_per_group: bool = True

    def __post_init__(self) -> None:
        n, m = len(self.items), len(self.experts)
        for name in ("pair_item", "pair_expert", "pair_fit", "k", "load", "group"):
            value = np.ascontiguousarray(getattr(self, name), dtype=np.int64)
            object.__setattr__(self, name, value)
        p = len(self.pair_item)
        if len(self.pair_expert) != p or len(self.pair_fit) != p:
            raise ValueError("pair_item, pair_expert and pair_fit must have the same length")
        if len(self.k) != n or len(self.load) != m or len(self.group) != m:
            raise ValueError("k needs one entry per item; load and group one per expert")
        if p:
            if self.pair_item.min() < 0 or self.pair_item.max() >= n:
                raise ValueError("pair_item points outside items")
            if self.pair_expert.min() < 0 or self.pair_expert.max() >= m:
                raise ValueError("pair_expert points outside experts")
            if self.pair_fit.min() < 0 or self.pair_fit.max() > FIT_SCALE:
                raise ValueError(f"pair_fit must be between 0 and {FIT_SCALE}")
            key = self.pair_item * m + self.pair_expert
            if np.any(key[1:] <= key[:-1]):
                raise ValueError("pairs must be sorted by (item, expert) without repeats")
        if (n and self.k.min() < 1) or (m and self.load.min() < 0):
            raise ValueError("k must be at least 1 and load at least 0")
        if not isinstance(self.q, Fraction) or not 0 < self.q <= 1:
            raise ValueError("q must be a Fraction in (0, 1]")
        if len(set(self.items)) != n or len(set(self.experts)) != m:
            raise ValueError("item and expert ids must be unique")

    @property
    def n_pairs(self) -> int:
        return len(self.pair_item)

    @cached_property
    def network(self) -> _Network:
        return _network(self)


def parse_q(raw: object, *, field: str = "q") -> Fraction:
    """``"0.5"``, ``"1/2"``, ``1`` → a Fraction in (0, 1]; floats are refused (not exact)."""
    if isinstance(raw, bool | float):
        raise ValidationError(
            '概率上限 q 请以字符串给出（如 "0.5" 或 "1/2"），不接受浮点数。',
            'Give the probability cap q as a string such as "0.5" or "1/2", not a float.',
            field=field,
            code="q_invalid",
        )
    try:
        value = raw if isinstance(raw, Fraction) else Fraction(str(raw).strip())
    except (ValueError, ZeroDivisionError):
        value = Fraction(-1)
    if not 0 < value <= 1:
        raise ValidationError(
            f"概率上限 q 必须大于 0 且不超过 1（如 0.5），收到「{raw}」。",
            f"The probability cap q must be above 0 and at most 1 (e.g. 0.5); got {raw!r}.",
            field=field,
            code="q_invalid",
        )
    if value.denominator > 10_000:
        raise ValidationError(
            "概率上限 q 的分母不能超过 10000，请用较简单的分数或小数。",
            "The probability cap q may have a denominator of at most 10,000.",
            field=field,
            code="q_invalid",
        )
    return value


# --- the flow network ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Network:
    """Node numbering: items, experts, (item, organisation) groups, sink."""

    n_nodes: int
    sink: int
    tail: IntArray
    head: IntArray
    cap: IntArray
    cost: IntArray
    pair_arc: IntArray  # arc index of each pair
    supply: IntArray


def _network(problem: DrawProblem) -> _Network:
    n, m = len(problem.items), len(problem.experts)
    a, b = problem.q.numerator, problem.q.denominator
    pi, pe = problem.pair_item, problem.pair_expert
    p = problem.n_pairs
    # Panels take at most one expert per organisation: a group node per (item, organisation)
    # with two or more eligible experts; a lone expert of an organisation needs none.
    pair_group = np.full(p, -1, dtype=np.int64)
    n_groups = 0
    group_item = np.zeros(0, dtype=np.int64)
    if problem.one_per_group and p:
        org = problem.group[pe]
        known = org >= 0
        idx = np.nonzero(known)[0]
        if len(idx):
            keys = pi[idx] * (int(problem.group.max()) + 1) + org[idx]
            _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
            shared = counts[inverse] >= 2
            sel = idx[shared]
            if len(sel):
                shared_keys, local = np.unique(keys[shared], return_inverse=True)
                pair_group[sel] = local
                n_groups = len(shared_keys)
                group_item = shared_keys // (int(problem.group.max()) + 1)
    sink = n + m + n_groups
    in_group = pair_group >= 0
    pair_tail = np.where(in_group, n + m + pair_group, pi)
    tails = [pair_tail, n + np.arange(m, dtype=np.int64), group_item]
    heads = [n + pe, np.full(m, sink, dtype=np.int64), n + m + np.arange(n_groups, dtype=np.int64)]
    caps = [
        np.full(p, a, dtype=np.int64),
        problem.load * b,
        np.full(n_groups, b, dtype=np.int64),
    ]
    costs = [
        -problem.pair_fit,
        np.zeros(m, dtype=np.int64),
        np.zeros(n_groups, dtype=np.int64),
    ]
    supply = np.zeros(sink + 1, dtype=np.int64)
    supply[:n] = problem.k * b
    supply[sink] = -int(supply[:n].sum())
    return _Network(
        n_nodes=sink + 1,
        sink=sink,
        tail=np.concatenate(tails),
        head=np.concatenate(heads),
        cap=np.concatenate(caps),
        cost=np.concatenate(costs),
        pair_arc=np.arange(p, dtype=np.int64),
        supply=supply,
    )


# --- infeasibility ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shortfall:
    """Why some items cannot get their k experts. ``kind``: pool | capacity."""

    kind: str
    items: tuple[str, ...]
    needed: Fraction
    available: Fraction
    experts: tuple[str, ...] = ()

    def reason_zh(self) -> str:
        names = "、".join(self.items[:20]) + ("等" if len(self.items) > 20 else "")
        if self.kind == "pool":
            return (
                f"评审对象 {names}：回避后可抽取的专家不足，需要 {number_text(self.needed)} 人次，"
                f"在概率上限 q 下最多只能安排 {number_text(self.available)} 人次；请扩大专家库、"
                "放宽领域范围或提高 q。"
            )
        return (
            f"评审对象 {names} 合计需要 {number_text(self.needed)} 人次评审，而能评审它们的专家"
            f"（{len(self.experts)} 人）在每人评审数上限 L 和概率上限 q 下合计最多"
            f" {number_text(self.available)} 人次；请提高 L、提高 q 或增加专家。"
        )

    def reason_en(self) -> str:
        names = ", ".join(self.items[:20]) + (" and more" if len(self.items) > 20 else "")
        if self.kind == "pool":
            return (
                f"Items {names}: too few eligible experts after avoidance; "
                f"{number_text(self.needed)} reviews are needed and at most {number_text(self.available)} "
                "can be placed under the probability cap q. Widen the pool or raise q."
            )
        return (
            f"Items {names} need {number_text(self.needed)} reviews together, but the "
            f"{len(self.experts)} experts who can review them can give at most "
            f"{number_text(self.available)} under the load limit L and the cap q. Raise L or q, "
            "or add experts."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "items": list(self.items),
            "needed": str(self.needed),
            "available": str(self.available),
            "experts": list(self.experts),
            "reason_zh": self.reason_zh(),
            "reason_en": self.reason_en(),
        }


def number_text(value: Fraction) -> str:
    """A probability or a count as people read it: 3, or 0.33."""
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.2f}"


class Infeasible(ValidationError):
    """The draw cannot staff every item; ``shortfalls`` say which and why."""

    code = "draw_infeasible"

    def __init__(self, shortfalls: Sequence[Shortfall]) -> None:
        self.shortfalls = tuple(shortfalls)
        super().__init__(
            "无法完成抽取：" + "；".join(s.reason_zh() for s in self.shortfalls[:5]),
            "The draw cannot be made: " + " ".join(s.reason_en() for s in self.shortfalls[:5]),
            field="items",
        )


def diagnose(problem: DrawProblem) -> list[Shortfall]:
    """Every reason the problem is infeasible; empty when a draw exists.

    First each item on its own (its eligible pool under the cap and the panel rule), then
    the whole (a maximum flow; its minimum cut names the items that compete for too few
    experts).
    """
    return _pool_shortfalls(problem) or _capacity_shortfalls(problem)


def _pool_shortfalls(problem: DrawProblem) -> list[Shortfall]:
    n = len(problem.items)
    b = problem.q.denominator
    net = problem.network
    # What each item's arcs can carry at most, a group node passing on at most b.
    not_sink = net.head != net.sink
    out_cap = np.zeros(net.n_nodes, dtype=np.int64)
    np.add.at(out_cap, net.tail[not_sink], net.cap[not_sink])
    is_group_arc = net.head >= n + len(problem.experts)
    is_group_arc &= not_sink
    if is_group_arc.any():
        group_of = net.head[is_group_arc]
        np.add.at(out_cap, net.tail[is_group_arc], np.minimum(out_cap[group_of], b) - b)
    return [
        Shortfall(
            "pool",
            (problem.items[i],),
            Fraction(int(problem.k[i])),
            Fraction(int(out_cap[i]), b),
        )
        for i in np.nonzero(out_cap[:n] < problem.k * b)[0].tolist()
    ]


def _capacity_shortfalls(problem: DrawProblem) -> list[Shortfall]:
    # source → items (k·b) → ... → sink; a maximum flow below the demand means some set of
    # items competes for too few experts: the items on the source side of the minimum cut.
    n = len(problem.items)
    b = problem.q.denominator
    net = problem.network
    source = net.n_nodes
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(
        np.concatenate([np.full(n, source, dtype=np.int64), net.tail]),
        np.concatenate([np.arange(n, dtype=np.int64), net.head]),
        np.concatenate([problem.k * b, net.cap]),
    )
    status = solver.solve(source, net.sink)
    if status != solver.OPTIMAL:  # pragma: no cover - capacities are far below overflow
        raise RuntimeError(f"max flow failed with status {status}")
    demand = int((problem.k * b).sum())
    if solver.optimal_flow() >= demand:
        return []
    side = np.array(solver.get_source_side_min_cut(), dtype=np.int64)
    side_items = side[side < n]
    side_experts = side[(side >= n) & (side < n + len(problem.experts))] - n
    needed = Fraction(int(problem.k[side_items].sum()))
    available = needed - Fraction(demand - solver.optimal_flow(), b)
    return [
        Shortfall(
            "capacity",
            tuple(problem.items[i] for i in sorted(side_items.tolist())),
            needed,
            available,
            tuple(problem.experts[j] for j in sorted(side_experts.tolist())),
        )
    ]


# --- the fractional optimum ------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Fractional:
    """The optimal fractional assignment: pair ``p`` has ``x = flow[p] / denominator``."""

    flow: IntArray
    denominator: int
    total_fit: Fraction  # Σ fit·x, fit in [0, 1]

    def x(self) -> npt.NDArray[np.float64]:
        return self.flow / self.denominator


def solve_fractional(problem: DrawProblem) -> Fractional:
    """Maximise Σ fit·x subject to k per item, L per expert, x ≤ q, one per organisation.

    Raises :class:`Infeasible` with the reasons when no assignment exists.
    """
    shortfalls = _pool_shortfalls(problem)
    if shortfalls:
        raise Infeasible(shortfalls)
    net = problem.network
    solver = min_cost_flow.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(net.tail, net.head, net.cap, net.cost)
    solver.set_nodes_supplies(np.arange(net.n_nodes, dtype=np.int64), net.supply)
    status = solver.solve()
    if status != solver.OPTIMAL:
        shortfalls = _capacity_shortfalls(problem)
        if shortfalls:
            raise Infeasible(shortfalls)
        raise RuntimeError(f"min-cost flow failed with status {status}")  # pragma: no cover
    flows = np.asarray(solver.flows(arcs), dtype=np.int64)
    pair_flow = flows[net.pair_arc]
    b = problem.q.denominator
    total = Fraction(int((pair_flow * problem.pair_fit).sum()), b * FIT_SCALE)
    return Fractional(flow=pair_flow, denominator=b, total_fit=total)


# --- dependent rounding ----------------------------------------------------------------


def rng_from_seed(seed: str) -> np.random.Generator:
    """A numpy Generator (PCG64) from a hex seed; the only source of randomness in a draw."""
    try:
        value = int(seed, 16)
    except ValueError:
        raise ValueError("the seed must be a hexadecimal string") from None
    return np.random.default_rng(value)


def sample(problem: DrawProblem, fractional: Fractional, rng: np.random.Generator) -> BoolArray:
    """Round the fractional assignment: pair p is chosen with probability exactly x[p]."""
    net = problem.network
    b = fractional.denominator
    if b != problem.q.denominator:
        raise ValueError("the fractional solution does not belong to this problem")
    # The flow on every arc follows from the pair flows: groups and sink edges are sums.
    flow = np.zeros(len(net.tail), dtype=np.int64)
    flow[net.pair_arc] = fractional.flow
    n_pairs = problem.n_pairs
    m = len(problem.experts)
    expert_flow = np.zeros(m, dtype=np.int64)
    np.add.at(expert_flow, problem.pair_expert, fractional.flow)
    flow[n_pairs : n_pairs + m] = expert_flow
    if len(net.tail) > n_pairs + m:
        group_heads = net.head[n_pairs + m :]
        node_flow = np.zeros(net.n_nodes, dtype=np.int64)
        pair_tails = net.tail[:n_pairs]
        np.add.at(node_flow, pair_tails, fractional.flow)
        flow[n_pairs + m :] = node_flow[group_heads]
    _round(net, flow, b, rng)
    return np.asarray(flow[net.pair_arc] == b, dtype=np.bool_)


def _round(net: _Network, flow: IntArray, b: int, rng: np.random.Generator) -> None:
    """Cycle-cancelling dependent rounding in place (see the module docstring).

    Only the edges whose flow is not a multiple of ``b`` take part; they are renumbered
    0..r-1 and their nodes 0..s-1 so the Python loop touches nothing else.
    """
    fractional_idx = np.nonzero(flow % b)[0]
    if not len(fractional_idx):
        return
    ends = np.concatenate([net.tail[fractional_idx], net.head[fractional_idx]])
    nodes, local = np.unique(ends, return_inverse=True)
    r = len(fractional_idx)
    tail = local[:r].tolist()
    head = local[r:].tolist()
    f = flow[fractional_idx].tolist()
    n_nodes = len(nodes)
    frac = [True] * r
    degree = [0] * n_nodes
    adjacency: list[list[int]] = [[] for _ in range(n_nodes)]
    for e in range(r):
        adjacency[tail[e]].append(e)
        adjacency[head[e]].append(e)
        degree[tail[e]] += 1
        degree[head[e]] += 1
    pointer = [0] * n_nodes
    position = [-1] * n_nodes  # place of a node on the walk, -1 when not on it
    integers = rng.integers
    for start in range(n_nodes):
        if not degree[start]:
            continue
        walk_nodes = [start]
        walk_edges: list[int] = []
        position[start] = 0
        while walk_nodes:
            v = walk_nodes[-1]
            avoid = walk_edges[-1] if walk_edges else -1
            edges = adjacency[v]
            i = pointer[v]
            while i < len(edges) and not frac[edges[i]]:
                i += 1
            pointer[v] = i
            e = -1
            while i < len(edges):
                if frac[edges[i]] and edges[i] != avoid:
                    e = edges[i]
                    break
                i += 1
            if e < 0:
                # only the start can run out: every other node on the walk keeps the edge
                # it was reached by, and a node never has exactly one fractional edge
                position[v] = -1
                walk_nodes.pop()
                if walk_edges:
                    walk_edges.pop()
                continue
            u = head[e] if tail[e] == v else tail[e]
            if position[u] < 0:
                position[u] = len(walk_nodes)
                walk_nodes.append(u)
                walk_edges.append(e)
                continue
            # a cycle: walk_nodes[cut:] closed by e
            cut = position[u]
            cycle_edges = walk_edges[cut:]
            cycle_edges.append(e)
            plus_room = minus_room = b  # how far +δ / -δ can go along the cycle
            signs: list[bool] = []
            for step, edge in enumerate(cycle_edges):
                forward = tail[edge] == walk_nodes[cut + step]
                signs.append(forward)
                low = f[edge] % b
                if forward:
                    plus_room = min(plus_room, b - low)
                    minus_room = min(minus_room, low)
                else:
                    plus_room = min(plus_room, low)
                    minus_room = min(minus_room, b - low)
            alpha, beta = plus_room, minus_room
            delta = alpha if int(integers(alpha + beta)) < beta else -beta
            for edge, forward in zip(cycle_edges, signs, strict=True):
                f[edge] += delta if forward else -delta
                if f[edge] % b == 0:
                    frac[edge] = False
                    degree[tail[edge]] -= 1
                    degree[head[edge]] -= 1
            for node in walk_nodes[cut + 1 :]:
                position[node] = -1
            del walk_nodes[cut + 1 :]
            del walk_edges[cut:]
        position[start] = -1
    flow[fractional_idx] = np.asarray(f, dtype=np.int64)


# --- the whole draw --------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DrawResult:
    fractional: Fractional
    chosen: BoolArray  # per pair
    sampled_fit: Fraction

    @property
    def fraction_of_optimum(self) -> Fraction:
        if self.fractional.total_fit == 0:
            return Fraction(1)
        return self.sampled_fit / self.fractional.total_fit

    def assignment(self, problem: DrawProblem) -> list[tuple[str, str]]:
        idx = np.nonzero(self.chosen)[0]
        return [
            (problem.items[i], problem.experts[j])
            for i, j in zip(
                problem.pair_item[idx].tolist(), problem.pair_expert[idx].tolist(), strict=True
            )
        ]


def draw(problem: DrawProblem, seed: str, *, fractional: Fractional | None = None) -> DrawResult:
    """Solve (unless a fractional solution is given) and sample with the seed."""
    frac = fractional if fractional is not None else solve_fractional(problem)
    chosen = sample(problem, frac, rng_from_seed(seed))
    fit = Fraction(int(problem.pair_fit[chosen].sum()), FIT_SCALE)
    return DrawResult(fractional=frac, chosen=chosen, sampled_fit=fit)


def check_assignment(problem: DrawProblem, chosen: BoolArray) -> list[str]:
    """Every way ``chosen`` breaks the rules (empty when it meets k, L and the panel rule).

    Eligibility needs no check: only eligible pairs exist in the problem.
    """
    problems: list[str] = []
    per_item = np.bincount(problem.pair_item[chosen], minlength=len(problem.items))
    for i in np.nonzero(per_item != problem.k)[0].tolist():
        problems.append(f"item {problem.items[i]} has {per_item[i]} experts, not {problem.k[i]}")
    per_expert = np.bincount(problem.pair_expert[chosen], minlength=len(problem.experts))
    for j in np.nonzero(per_expert > problem.load)[0].tolist():
        problems.append(
            f"expert {problem.experts[j]} has {per_expert[j]} items, above {problem.load[j]}"
        )
    if problem.one_per_group:
        orgs = problem.group[problem.pair_expert[chosen]]
        items = problem.pair_item[chosen][orgs >= 0]
        keys = items * (int(problem.group.max(initial=0)) + 1) + orgs[orgs >= 0]
        uniq, counts = np.unique(keys, return_counts=True)
        for key in uniq[counts > 1].tolist():
            problems.append(
                f"item {problem.items[key // (int(problem.group.max()) + 1)]} has two experts "
                "of one organisation"
            )
    return problems
