"""Benchmark: decisions per second of the six policy calculators, in-process and over HTTP.

What it measures, in one run, for each public calculator of issue 5 (procurement
set-aside, price deduction and enterprise size; enforcement approval level; enterprises
HNTE self-check and R&D super-deduction):

- **in-process**: the pure domain function (``decide_set_aside``, ``approval_level``,
  ``hnte_check``, ...) called with the parameter set in force, over a seeded pool of
  varied valid inputs; ``--iterations`` calls per repeat, the median of ``--repeats``;
- **through the API**: the real server (``rainforest serve``, waitress, DEBUG off) on a
  fresh SQLite database, answering ``POST /api/v1/...`` for the same inputs, first over
  one keep-alive connection sending one request after another, then from ``--clients``
  threads each with its own keep-alive connection; requests per second and latency.

Every input of every pool is first sent to the server and the answer's outcome fields
(outcome, amounts, rates, triggered criteria, parameters version, reasons, citations)
are compared with the in-process decision; the script stops on the first difference,
and also when a pool does not reach every outcome of its calculator.

Run:  .venv/bin/python benchmarks/rules.py [--iterations 2000] [--requests 400]

Results go to ``benchmarks/results/rules.{json,md}``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from pathlib import Path
from typing import Any

from cases_list import free_port, machine, setup_django, start_server, stop_server, wait_healthy
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SEED = 20251129
WARM_UP = 30
FEN = Decimal("0.01")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pool", type=int, default=300, help="inputs per calculator")
    parser.add_argument("--iterations", type=int, default=2000, help="in-process calls per repeat")
    parser.add_argument("--repeats", type=int, default=5, help="in-process repeats (median)")
    parser.add_argument(
        "--requests", type=int, default=300, help="API requests per client and round"
    )
    parser.add_argument("--rounds", type=int, default=3, help="API rounds (median)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent API clients")
    parser.add_argument("--threads", type=int, default=4, help="server threads")
    return parser.parse_args()


# -- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One input: the domain function's arguments, its parameter set, the request body."""

    kwargs: dict[str, Any]
    params: Any
    body: bytes


@dataclass
class Calculator:
    name: str
    path: str
    items: list[Item]
    decide: Callable[[Item], Any]
    # The fields an answer must agree on, from the in-process result and from the JSON.
    expected: Callable[[Any], dict[str, Any]]
    observed: Callable[[dict[str, Any]], dict[str, Any]]
    # Which outcome an input reaches, and the outcomes the pool must cover.
    label: Callable[[Any], str]
    outcomes: tuple[str, ...]
    coverage: Counter[str] = field(default_factory=Counter)


def _log_amount(rng: random.Random, low: float, high: float) -> Decimal:
    """An amount in yuan (to the fen), log-uniform between ``low`` and ``high``."""
    fen = round(10 ** rng.uniform(math.log10(low), math.log10(high)) * 100)
    return (Decimal(fen) / 100).quantize(FEN)


def _yuan_text(rng: random.Random, amount: Decimal) -> str | int:
    """The amount written as people send it: 1234567.89, "1,234,567.89", "123.456789万", 1234567."""
    style = rng.randrange(4)
    if style == 1:
        return f"{amount:,.2f}"
    if style == 2 and amount >= 10000:
        return f"{(amount / 10000).normalize():f}万"
    if style == 3 and amount == amount.to_integral_value():
        return int(amount)
    return f"{amount:.2f}"


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def _explained(d: Any) -> dict[str, Any]:
    return {
        "reasons": d.reasons_in("zh-hans"),
        "citations": [c.text() for c in d.citations],
        "parameters_version": f"{d.parameters_name} {d.parameters_version}",
    }


def _pick(answer: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: answer[k] for k in (*keys, "reasons", "citations", "parameters_version")}


def set_aside(n: int, today: date) -> Calculator:
    from rainforest.core.money import format_yuan_plain, parse_yuan
    from rainforest.procurement import domain

    rng = random.Random(SEED + 1)
    params = domain.parameters_on(domain.SET_ASIDE, today)
    # Both sides of each threshold, then random budgets from 10,000 to 50,000,000.
    edges = [
        ("goods", "1999999.99"),
        ("goods", "2000000.00"),
        ("services", "2000000.01"),
        ("works", "3999999.99"),
        ("works", "4000000.00"),
        ("works", "4000000.01"),
    ]
    items = []
    for i in range(n):
        if i < len(edges):
            category, budget = edges[i][0], Decimal(edges[i][1])
            suitable, exception = True, None
        else:
            category = rng.choice(domain.CATEGORIES)
            budget = _log_amount(rng, 10_000, 50_000_000)
            suitable = rng.random() < 0.85
            exception = rng.choice(domain.EXCEPTIONS) if rng.random() < 0.15 else None
        sent = _yuan_text(rng, budget)
        payload = {
            "category": category,
            "budget": sent,
            "suitable_for_sme": suitable,
            "exception": exception,
            "on": today.isoformat(),
        }
        kwargs = {
            "category": category,
            "budget": parse_yuan(sent, field="budget"),
            "suitable_for_sme": suitable,
            "exception": exception,
        }
        items.append(Item(kwargs, params, _body(payload)))

    def expected(r: Any) -> dict[str, Any]:
        return {
            "outcome": r.outcome,
            "sme_reserved_min": format_yuan_plain(r.sme_reserved_min),
            "small_micro_reserved_min": format_yuan_plain(r.small_micro_reserved_min),
            **_explained(r.decision),
        }

    return Calculator(
        name="set-aside",
        path="/api/v1/procurement/set-aside",
        items=items,
        decide=lambda it: domain.decide_set_aside(params=it.params, **it.kwargs),
        expected=expected,
        observed=lambda a: _pick(a, "outcome", "sme_reserved_min", "small_micro_reserved_min"),
        label=lambda r: r.outcome,
        outcomes=("sme_only", "reserved_share", "not_reserved"),
    )


def price_deduction(n: int, today: date) -> Calculator:
    from rainforest.core.money import format_yuan_plain, parse_yuan
    from rainforest.procurement import domain

    rng = random.Random(SEED + 2)
    params = domain.parameters_on(domain.PRICE_DEDUCTION, today)
    items = []
    for _ in range(n):
        category = rng.choice(domain.CATEGORIES)
        scale = rng.choice(domain.SCALES)
        reserved = rng.random() < 0.15
        share: Decimal | None = None
        if scale in ("medium", "large") and rng.random() < 0.8:
            # From 0% to 60% in steps of 5%, so 30% itself comes up.
            share = Decimal(rng.randrange(0, 13) * 5) / 100
        found = domain.deduction_range(
            category=category,
            bidder_scale=scale,
            small_micro_share=share,
            lot_reserved=reserved,
            params=params,
        )
        if found is None:
            rate = Decimal(rng.randrange(0, 21)) / 100  # ignored for an ineligible bid
        else:
            low, high = found[1]
            steps = int((high - low) / Decimal("0.005"))
            rate = low + Decimal("0.005") * rng.randint(0, steps)
        bid = _log_amount(rng, 50_000, 20_000_000)
        sent = _yuan_text(rng, bid)
        payload: dict[str, Any] = {
            "category": category,
            "bidder_scale": scale,
            "bid_price": sent,
            "rate": format(rate, "f"),
            "lot_reserved": reserved,
            "on": today.isoformat(),
        }
        if share is not None:
            payload["small_micro_share"] = format(share, "f")
        kwargs = {
            "category": category,
            "bidder_scale": scale,
            "bid_price": parse_yuan(sent, field="bid_price"),
            "rate": rate,
            "small_micro_share": share,
            "lot_reserved": reserved,
        }
        items.append(Item(kwargs, params, _body(payload)))

    def expected(r: Any) -> dict[str, Any]:
        return {
            "eligible": r.eligible,
            "rate_range": [domain.fraction_text(x) for x in r.rate_range] if r.rate_range else None,
            "applied_rate": domain.fraction_text(r.applied_rate),
            "evaluation_price": format_yuan_plain(r.evaluation_price),
            "contract_price": format_yuan_plain(r.contract_price),
            **_explained(r.decision),
        }

    def label(r: Any) -> str:
        if r.eligible:
            consortium = r.decision.facts["bidder_scale"] not in domain.SMALL_MICRO_SCALES
            return "deducted_consortium" if consortium else "deducted_small_micro"
        return "reserved_lot" if r.decision.facts["lot_reserved"] else "not_eligible"

    return Calculator(
        name="price-deduction",
        path="/api/v1/procurement/price-deduction",
        items=items,
        decide=lambda it: domain.decide_price_deduction(params=it.params, **it.kwargs),
        expected=expected,
        observed=lambda a: _pick(
            a, "eligible", "rate_range", "applied_rate", "evaluation_price", "contract_price"
        ),
        label=label,
        outcomes=("deducted_small_micro", "deducted_consortium", "reserved_lot", "not_eligible"),
    )


def enterprise_size(n: int, today: date) -> Calculator:
    from rainforest.core.money import parse_yuan
    from rainforest.procurement import domain

    rng = random.Random(SEED + 3)
    params = domain.parameters_on(domain.ENTERPRISE_SIZE, today)
    items = []
    for i in range(n):
        industry = domain.INDUSTRIES[i % len(domain.INDUSTRIES)]
        row = domain.size_row(params, industry)
        # Each measure around its row's bounds: from a tenth of the small bound to twice
        # the SME ceiling, log-uniform, so every size comes up in every row.
        values: dict[str, Any] = {}
        for measure in domain.MEASURES:
            bounds = [
                float(b[measure])
                for b in (row.small_min, row.medium_min, row.sme_ceiling)
                if measure in b
            ]
            low, high = (min(bounds) / 10, max(bounds) * 2) if bounds else (10_000.0, 1e10)
            if measure == "employees":
                low, high = (max(low, 1.0), high) if bounds else (1.0, 5000.0)
                values[measure] = round(10 ** rng.uniform(math.log10(low), math.log10(high)))
            else:
                values[measure] = _log_amount(rng, max(low, 100.0), high)
        sent_revenue = _yuan_text(rng, values["revenue"])
        sent_assets = _yuan_text(rng, values["assets"])
        payload = {
            "industry": industry,
            "employees": values["employees"],
            "revenue": sent_revenue,
            "assets": sent_assets,
            "on": today.isoformat(),
        }
        kwargs = {
            "industry": industry,
            "employees": values["employees"],
            "revenue": parse_yuan(sent_revenue, field="revenue"),
            "assets": parse_yuan(sent_assets, field="assets"),
        }
        items.append(Item(kwargs, params, _body(payload)))

    def expected(r: Any) -> dict[str, Any]:
        return {"size": r.size, "measures_used": list(r.measures), **_explained(r.decision)}

    return Calculator(
        name="enterprise-size",
        path="/api/v1/procurement/enterprise-size",
        items=items,
        decide=lambda it: domain.classify_enterprise(params=it.params, **it.kwargs),
        expected=expected,
        observed=lambda a: _pick(a, "size", "measures_used"),
        label=lambda r: r.size,
        outcomes=("micro", "small", "medium", "large"),
    )


def approval_level(n: int, today: date) -> Calculator:
    from rainforest.core.money import parse_yuan
    from rainforest.enforcement import domain

    rng = random.Random(SEED + 4)
    params = domain.parameters_on(today)
    # Both sides of every threshold, the mixed case (few persons, 200 accounts), then
    # random requests: most routine, some reaching one or more criteria.
    edges = [
        (9, "9999999.99", 49),
        (10, "0", 0),
        (29, "0", 0),
        (30, "0", 0),
        (0, "10000000.00", 0),
        (0, "99999999.99", 0),
        (0, "100000000.00", 0),
        (0, "0", 50),
        (0, "0", 199),
        (2, "0", 200),
    ]
    items = []
    for i in range(n):
        if i < len(edges):
            persons, value, accounts = edges[i][0], Decimal(edges[i][1]), edges[i][2]
        else:
            persons = rng.choice((rng.randint(0, 9), rng.randint(0, 40)))
            value = _log_amount(rng, 1_000, 150_000_000) if rng.random() < 0.9 else Decimal(0)
            accounts = rng.choice((rng.randint(0, 49), rng.randint(0, 260)))
        sent = _yuan_text(rng, value)
        payload = {"persons": persons, "property_value": sent, "bank_accounts": accounts}
        kwargs = {
            "persons": persons,
            "property_value": parse_yuan(sent, field="property_value"),
            "bank_accounts": accounts,
        }
        items.append(Item(kwargs, params, _body(payload)))

    def expected(d: Any) -> dict[str, Any]:
        return {"level": d.outcome, "triggered_by": domain.triggered_by(d), **_explained(d)}

    return Calculator(
        name="approval-level",
        path="/api/v1/enforcement/approval-level",
        items=items,
        # Building Measures is part of the decision: it checks the counts and the amount.
        decide=lambda it: domain.approval_level(domain.Measures(**it.kwargs), it.params),
        expected=expected,
        observed=lambda a: _pick(a, "level", "triggered_by"),
        label=lambda d: d.outcome,
        outcomes=("routine", "bureau_department", "bureau"),
    )


def _fen(value: Decimal, rounding: str) -> Decimal:
    return value.quantize(FEN, rounding=rounding)


def hnte_check(n: int, today: date) -> Calculator:
    from rainforest.core.money import parse_yuan
    from rainforest.enterprises import domain

    rng = random.Random(SEED + 5)
    criteria = tuple(domain.HNTE_CRITERIA)
    items = []
    for _ in range(n):
        assessed = today - timedelta(days=rng.randint(0, 400))
        params = domain.hnte_parameters_on(assessed)
        # An enterprise that meets every criterion, then none, one or a few broken.
        broken = set(rng.sample(criteria, rng.choice((0, 0, 1, 1, 1, 2, 3))))
        if "registered_one_year" in broken:
            registered = domain.add_years(assessed, -1) + timedelta(days=rng.randint(1, 300))
        else:
            registered = domain.add_years(assessed, -1) - timedelta(days=rng.randint(0, 4000))
        staff_total = rng.randint(10, 3000)
        if "tech_staff_ratio" in broken:
            staff_rd = rng.randint(0, (staff_total - 1) // 10)
        else:
            staff_rd = rng.randint(-(-staff_total // 10), staff_total)
        sales = _log_amount(rng, 1_000_000, 800_000_000)
        sales_3y = _fen(sales * Decimal(str(rng.uniform(1.2, 3.0))), ROUND_UP)
        if sales <= params.decimal("rd_intensity_band1_sales_max"):
            need = params.decimal("rd_intensity_band1_rate")
        elif sales <= params.decimal("rd_intensity_band2_sales_max"):
            need = params.decimal("rd_intensity_band2_rate")
        else:
            need = params.decimal("rd_intensity_band3_rate")
        if "rd_intensity" in broken:
            rd_total = _fen(sales_3y * need * Decimal(str(rng.uniform(0.2, 0.98))), ROUND_DOWN)
        else:
            rd_total = _fen(sales_3y * need * Decimal(str(rng.uniform(1.0, 2.5))), ROUND_UP)
        low_domestic = "rd_domestic_share" in broken
        domestic_share = rng.uniform(0.2, 0.59) if low_domestic else rng.uniform(0.6, 1.0)
        rd_domestic = min(rd_total, _fen(rd_total * Decimal(str(domestic_share)), ROUND_UP))
        revenue = _fen(sales * Decimal(str(rng.uniform(1.0, 1.3))), ROUND_UP)
        low_ht = "high_tech_revenue_share" in broken
        ht_share = rng.uniform(0.2, 0.59) if low_ht else rng.uniform(0.6, 1.0)
        high_tech = min(revenue, _fen(revenue * Decimal(str(ht_share)), ROUND_UP))
        score = rng.randint(30, 70) if "innovation_score" in broken else rng.randint(71, 100)
        raw = {
            "sales_last_year": sales,
            "sales_3y_total": sales_3y,
            "rd_3y_total": rd_total,
            "rd_3y_domestic": rd_domestic,
            "high_tech_revenue_last_year": high_tech,
            "revenue_last_year": revenue,
        }
        sent = {k: _yuan_text(rng, v) for k, v in raw.items()}
        flags = {
            "owns_core_ip": "core_ip" not in broken,
            "tech_in_key_fields": "key_field" not in broken,
            "major_violation_last_year": "no_major_violation" in broken,
        }
        common = {
            "staff_total": staff_total,
            "staff_rd": staff_rd,
            "innovation_score": score,
            **flags,
        }
        payload = {
            "registered_on": registered.isoformat(),
            "assessed_on": assessed.isoformat(),
            **common,
            **sent,
        }
        kwargs = {
            "registered_on": registered,
            "assessed_on": assessed,
            **common,
            **{k: parse_yuan(v, field=k) for k, v in sent.items()},
        }
        items.append(Item(kwargs, params, _body(payload)))

    def expected(r: Any) -> dict[str, Any]:
        return {
            "eligible": r.eligible,
            "criteria": [
                {"code": c.code, "passed": c.passed, "detail": c.detail.text("zh-hans")}
                for c in r.criteria
            ],
            **_explained(r.decision),
        }

    def label(r: Any) -> str:
        return "eligible" if r.eligible else "not_eligible"

    return Calculator(
        name="hnte-check",
        path="/api/v1/enterprises/hnte-check",
        items=items,
        decide=lambda it: domain.hnte_check(domain.HnteFacts(**it.kwargs), it.params),
        expected=expected,
        observed=lambda a: _pick(a, "eligible", "criteria"),
        label=label,
        outcomes=("eligible", "not_eligible"),
    )


def rd_deduction(n: int, today: date) -> Calculator:
    from rainforest.core.money import format_yuan_plain, parse_yuan
    from rainforest.enterprises import domain

    rng = random.Random(SEED + 6)
    industries = tuple(domain.INDUSTRIES)
    sectors = tuple(domain.SPECIAL_SECTORS)
    items = []
    for _ in range(n):
        tax_year = rng.randint(2023, 2030)
        params = domain.rd_parameters_for(tax_year)
        industry = rng.choice(industries)
        sector = rng.choices(sectors, weights=(6, 2, 2))[0]
        expensed = _log_amount(rng, 10_000, 200_000_000) if rng.random() < 0.9 else Decimal(0)
        capitalised = _log_amount(rng, 10_000, 80_000_000) if rng.random() < 0.6 else Decimal(0)
        sent_e, sent_c = _yuan_text(rng, expensed), _yuan_text(rng, capitalised)
        payload = {
            "tax_year": tax_year,
            "industry": industry,
            "special_sector": sector,
            "expensed_rd": sent_e,
            "capitalised_rd_cost": sent_c,
        }
        kwargs = {
            "tax_year": tax_year,
            "industry": industry,
            "special_sector": sector,
            "expensed_rd": parse_yuan(sent_e, field="expensed_rd"),
            "capitalised_rd_cost": parse_yuan(sent_c, field="capitalised_rd_cost"),
        }
        items.append(Item(kwargs, params, _body(payload)))

    def expected(r: Any) -> dict[str, Any]:
        return {
            "eligible": r.eligible,
            "rate": f"{r.rate:.2f}",
            "amortisation_rate": f"{r.amortisation_rate:.2f}",
            "additional_deduction": format_yuan_plain(r.additional_deduction),
            "amortisation_base": format_yuan_plain(r.amortisation_base),
            "special_rate_applied": r.special_rate_applied,
            **_explained(r.decision),
        }

    def label(r: Any) -> str:
        if not r.eligible:
            return "not_eligible"
        if r.special_rate_applied:
            return "eligible_special_rate"
        special = r.decision.facts["special_sector"] != "none"
        return "eligible_special_expired" if special else "eligible_general"

    return Calculator(
        name="rd-deduction",
        path="/api/v1/enterprises/rd-deduction",
        items=items,
        decide=lambda it: domain.rd_deduction(domain.RdFacts(**it.kwargs), it.params),
        expected=expected,
        observed=lambda a: _pick(
            a,
            "eligible",
            "rate",
            "amortisation_rate",
            "additional_deduction",
            "amortisation_base",
            "special_rate_applied",
        ),
        label=label,
        outcomes=(
            "eligible_general",
            "eligible_special_rate",
            "eligible_special_expired",
            "not_eligible",
        ),
    )


BUILDERS = (set_aside, price_deduction, enterprise_size, approval_level, hnte_check, rd_deduction)


def check_coverage(calc: Calculator) -> None:
    """Decide every input once in-process; stop unless every outcome comes up."""
    counts = Counter(calc.label(calc.decide(item)) for item in calc.items)
    calc.coverage = Counter({o: counts[o] for o in calc.outcomes})
    missing = [o for o in calc.outcomes if not calc.coverage[o]]
    if missing:
        raise SystemExit(f"{calc.name}: the input pool never reaches {', '.join(missing)}")
    if calc.name == "hnte-check":
        from rainforest.enterprises import domain

        failed = Counter(
            c.code for item in calc.items for c in calc.decide(item).criteria if not c.passed
        )
        never = [code for code in domain.HNTE_CRITERIA if not failed[code]]
        if never:
            raise SystemExit(f"hnte-check: no input fails {', '.join(never)}")
        calc.coverage.update({f"fails {code}": failed[code] for code in domain.HNTE_CRITERIA})


# -- in-process ---------------------------------------------------------------------------


def in_process_once(calc: Calculator, run: list[Item]) -> float:
    """Decisions per second over ``run``: the domain function, nothing around it."""
    decide = calc.decide
    start = time.perf_counter()
    for item in run:
        decide(item)
    return len(run) / (time.perf_counter() - start)


def in_process(calcs: list[Calculator], iterations: int, repeats: int) -> dict[str, Any]:
    """Repeats taken in turns across the calculators, so a busy moment hits all alike."""
    runs = {c.name: (c.items * (iterations // len(c.items) + 1))[:iterations] for c in calcs}
    for calc in calcs:  # warm-up
        in_process_once(calc, runs[calc.name][:200])
    rates: dict[str, list[float]] = {c.name: [] for c in calcs}
    with tqdm(total=len(calcs) * repeats, desc="in-process", unit="repeat") as bar:
        for _ in range(repeats):
            for calc in calcs:
                rates[calc.name].append(in_process_once(calc, runs[calc.name]))
                bar.update(1)
    out = {}
    for name, got in rates.items():
        median = statistics.median(got)
        out[name] = {
            "decisions_per_s": round(median, 1),
            "us_per_decision": round(1e6 / median, 2),
            "repeats_per_s": [round(r, 1) for r in got],
        }
    return out


# -- through the API ----------------------------------------------------------------------


class Client:
    """One keep-alive connection; ``post`` returns (status, body, seconds)."""

    HEADERS = {"Content-Type": "application/json"}

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, path: str, body: bytes) -> tuple[int, bytes, float]:
        start = time.perf_counter()
        self.conn.request("POST", path, body=body, headers=self.HEADERS)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, data, time.perf_counter() - start

    def close(self) -> None:
        self.conn.close()


def verify(calc: Calculator, client: Client) -> int:
    """Send every input; stop unless each answer agrees with the in-process decision."""
    for i, item in enumerate(calc.items):
        status, data, _ = client.post(calc.path, item.body)
        if status != 200:
            raise SystemExit(f"{calc.path} answered {status} to {item.body!r}: {data[:300]!r}")
        got = calc.observed(json.loads(data))
        want = calc.expected(calc.decide(item))
        if got != want:
            diff = {k: (want[k], got.get(k)) for k in want if want[k] != got.get(k)}
            raise SystemExit(
                f"{calc.name}: the API and the domain disagree on input {i} "
                f"{item.body.decode()}: (in-process, API) {diff}"
            )
    return len(calc.items)


def _send(client: Client, calc: Calculator, bodies: list[bytes]) -> list[float]:
    times = []
    for body in bodies:
        status, data, seconds = client.post(calc.path, body)
        if status != 200:
            raise RuntimeError(f"{calc.path} answered {status}: {data[:200]!r}")
        times.append(seconds * 1000)
    return times


def _bodies(calc: Calculator, n: int, offset: int) -> list[bytes]:
    items = calc.items
    return [items[(offset + i) % len(items)].body for i in range(n)]


def latency(ms: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(cuts[94], 3),
        "mean_ms": round(statistics.fmean(ms), 3),
    }


@dataclass
class Run:
    rps: float
    times_ms: list[float]


def api_sequential(calc: Calculator, port: int, requests: int, bar: tqdm) -> Run:
    client = Client(port)
    try:
        _send(client, calc, _bodies(calc, WARM_UP, 0))
        bodies = _bodies(calc, requests, 0)
        times: list[float] = []
        start = time.perf_counter()
        for at in range(0, requests, 50):
            times.extend(_send(client, calc, bodies[at : at + 50]))
            bar.update(len(bodies[at : at + 50]))
        wall = time.perf_counter() - start
    finally:
        client.close()
    return Run(requests / wall, times)


def api_concurrent(calc: Calculator, port: int, requests: int, clients: int, bar: tqdm) -> Run:
    """``clients`` threads, each its own connection; all start together after a warm-up."""
    barrier = threading.Barrier(clients)
    spans: list[tuple[float, float]] = []
    times: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        client = Client(port)
        try:
            _send(client, calc, _bodies(calc, WARM_UP, k * 7))
            bodies = _bodies(calc, requests, k * len(calc.items) // clients)
            barrier.wait()
            start = time.perf_counter()
            mine: list[float] = []
            for at in range(0, requests, 50):
                mine.extend(_send(client, calc, bodies[at : at + 50]))
                bar.update(len(bodies[at : at + 50]))
            end = time.perf_counter()
            with lock:
                spans.append((start, end))
                times.extend(mine)
        except BaseException as exc:
            barrier.abort()
            with lock:
                errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"{calc.name}: a client failed: {errors[0]!r}")
    wall = max(e for _, e in spans) - min(s for s, _ in spans)
    return Run(requests * clients / wall, times)


def through_api(
    calcs: list[Calculator], port: int, requests: int, clients: int, rounds: int
) -> dict[str, dict[str, Any]]:
    """Rounds taken in turns across the calculators: in each round, each calculator one
    client then ``clients`` clients. Requests per second: median of the rounds; latency
    over every request of every round."""
    seq: dict[str, list[Run]] = {c.name: [] for c in calcs}
    con: dict[str, list[Run]] = {c.name: [] for c in calcs}
    total = rounds * len(calcs) * requests * (1 + clients)
    with tqdm(total=total, desc="through the API", unit="req") as bar:
        for _ in range(rounds):
            for calc in calcs:
                seq[calc.name].append(api_sequential(calc, port, requests, bar))
                con[calc.name].append(api_concurrent(calc, port, requests, clients, bar))

    def summary(runs: list[Run], per_round: int) -> dict[str, Any]:
        return {
            "requests": per_round * len(runs),
            "rps": round(statistics.median(r.rps for r in runs), 1),
            "rounds_rps": [round(r.rps, 1) for r in runs],
            **latency([t for r in runs for t in r.times_ms]),
        }

    return {
        c.name: {
            "api_1_client": summary(seq[c.name], requests),
            "api_clients": {"clients": clients, **summary(con[c.name], requests * clients)},
        }
        for c in calcs
    }


# -- the report ---------------------------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:,.0f}"


def write_report(result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "rules.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    m, a = result["machine"], result["args"]
    clients = a["clients"]
    lines = [
        "# Policy rule calculators: decisions per second, in-process and through the API",
        "",
        f"- Date: {result['date']}",
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM; "
        f"Python {m['python']}, Django {m['django']}, {m['database']}",
        f"- Command: `{result['command']}`",
        f"- Inputs: {a['pool']} seeded, varied, valid inputs per calculator (seed {SEED}), "
        "with both sides of each threshold; amounts sent in the forms people use "
        '("1234567.89", "1,234,567.89", "123.456789万", integers)',
        f"- In-process: the domain function with the parameter set in force, "
        f"{a['iterations']:,} calls per repeat cycling through the inputs, median of "
        f"{a['repeats']} repeats taken in turns across the calculators (no HTTP, no JSON)",
        f"- API: `rainforest serve --threads {a['threads']}` (waitress, DEBUG off) on a fresh "
        f"SQLite database; JSON bodies encoded in advance; {WARM_UP} warm-up requests per "
        f"connection; {a['rounds']} rounds taken in turns across the calculators, each "
        f"round {a['requests']:,} requests one after another over one keep-alive "
        f"connection (1 client), then {clients} threads each with its own keep-alive "
        f"connection sending {a['requests']:,} requests, started together ({clients} "
        "clients); requests per second is the median of the rounds, latency is over every "
        "request of every round",
        f"- Load: 1-minute load average {result['load_average'][0]} at the start and "
        f"{result['load_average'][1]} at the end (other work shared the machine)",
        f"- Checked: every input ({result['verified']:,} requests in all) was sent to the "
        "server first, and each answer's outcome fields, reasons, citations and parameters "
        "version equal the in-process decision; every outcome of every calculator occurs "
        "in its inputs (counts below)",
        "",
        f"| calculator | in-process decisions/s | API decisions/s (1 client) "
        f"| API decisions/s ({clients} clients) | median API latency (ms) "
        "| in-process / API |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in result["calculators"]:
        seq, con = row["api_1_client"], row["api_clients"]
        lines.append(
            f"| `POST {row['path']}` | {_num(row['in_process']['decisions_per_s'])} "
            f"| {_num(seq['rps'])} | {_num(con['rps'])} | {seq['median_ms']:.2f} "
            f"| {row['ratio']:,.0f}x |"
        )
    lines += [
        "",
        "Median API latency is that of the single client; in-process / API divides the "
        "in-process rate by the single client's. Latency in more detail (ms):",
        "",
        f"| calculator | in-process (µs per decision) | 1 client median | 1 client p95 "
        f"| {clients} clients median | {clients} clients p95 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in result["calculators"]:
        seq, con = row["api_1_client"], row["api_clients"]
        lines.append(
            f"| {row['name']} | {row['in_process']['us_per_decision']:.1f} "
            f"| {seq['median_ms']:.2f} | {seq['p95_ms']:.2f} "
            f"| {con['median_ms']:.2f} | {con['p95_ms']:.2f} |"
        )
    lines += ["", "Outcomes among the inputs:", ""]
    for row in result["calculators"]:
        counts = ", ".join(f"{k} {v}" for k, v in row["coverage"].items())
        lines.append(f"- {row['name']}: {counts}")
    lines.append("")
    path = RESULTS / "rules.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main() -> None:
    args = parse_args()
    command = (
        f".venv/bin/python benchmarks/rules.py --pool {args.pool} "
        f"--iterations {args.iterations} --repeats {args.repeats} --requests {args.requests} "
        f"--rounds {args.rounds} --clients {args.clients} --threads {args.threads}"
    )
    sys.path.insert(0, str(ROOT / "src"))
    # A fresh SQLite database of its own, whatever DATABASE_URL says: the calculators
    # store nothing, and the server needs a migrated database to start.
    os.environ.pop("DATABASE_URL", None)
    workdir = Path(tempfile.mkdtemp(prefix="rainforest-bench-rules-"))
    os.environ["RAINFOREST_DATA_DIR"] = str(workdir)
    server = None
    try:
        setup_django()
        from django.db import connections
        from django.utils import timezone

        today = timezone.localdate()
        calcs = [build(args.pool, today) for build in BUILDERS]
        for calc in calcs:
            check_coverage(calc)
            print(f"{calc.name}: {dict(calc.coverage)}")
        info = machine("sqlite")

        load_before = os.getloadavg()
        inproc = in_process(calcs, args.iterations, args.repeats)

        connections.close_all()
        port = free_port()
        server = start_server(port, args.threads, workdir / "server.log")
        wait_healthy(port, server)
        client = Client(port)
        try:
            verified = sum(verify(calc, client) for calc in calcs)
        finally:
            client.close()
        print(f"Checked {verified} API answers against the in-process decisions: all equal.")
        api = through_api(calcs, port, args.requests, args.clients, args.rounds)
        load_after = os.getloadavg()
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)

    rows = []
    for calc in calcs:
        ip = inproc[calc.name]
        rows.append(
            {
                "name": calc.name,
                "path": calc.path,
                "inputs": len(calc.items),
                "coverage": dict(calc.coverage),
                "in_process": ip,
                **api[calc.name],
                "ratio": round(ip["decisions_per_s"] / api[calc.name]["api_1_client"]["rps"], 2),
            }
        )
    result = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": command,
        "args": vars(args),
        "seed": SEED,
        "machine": info,
        # Other work on the machine during the run (1-minute load average, start and end).
        "load_average": [round(load_before[0], 2), round(load_after[0], 2)],
        "verified": verified,
        "calculators": rows,
    }
    path = write_report(result)
    for row in rows:
        print(
            f"{row['name']:>16}: in-process {row['in_process']['decisions_per_s']:>10,.0f}/s; "
            f"API {row['api_1_client']['rps']:>6,.0f}/s (1 client, median "
            f"{row['api_1_client']['median_ms']:.2f} ms), {row['api_clients']['rps']:>6,.0f}/s "
            f"({args.clients} clients); ratio {row['ratio']:,.0f}x"
        )
    print(f"Written {path} and its .json")


if __name__ == "__main__":
    main()
