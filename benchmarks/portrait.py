"""Benchmark: the credit-portrait feature pipeline on ~100 million rows (issue 7).

What it measures, in one run, on the same synthetic Parquet drops:

- **ibis-duckdb**: ``rainforest.portrait.pipeline.features`` (the code the platform
  runs) compiled by Ibis to DuckDB, every feature of every enterprise and month, written
  to Parquet;
- **duckdb-sql**: the same computation written by hand in DuckDB SQL, with the same plan
  (monthly sources joined to the enterprise-month spine, running totals over the events
  only, one window pass over the months);
- **pandas**: the same computation in pandas, with the same plan (vectorised: merges on
  integer keys, group-wise cumulative sums and shifts, rolling sums as differences of
  cumulative sums, no Python loops over rows), on about a tenth of the enterprises — its
  time and memory are measured there and extrapolated linearly, as stated in the results;
- **ibis-spark**: the same Ibis code on local PySpark, on a smaller data set
  (``--spark-rows``, 10 million by default) next to Ibis on DuckDB on that same set.

Each engine runs in its own child process so its peak memory (max RSS) and CPU time are
its own; the machine's load average is sampled while each runs, since other work on a
shared machine slows a two-thread DuckDB run more than a one-thread pandas run.
Outputs are compared: Ibis-DuckDB with hand SQL row for row (all rows), pandas with the
same tenth of the Ibis output, Spark with DuckDB on the Spark data set. The script stops
on a difference. Court records are linked by the generator's truth here (linking is not
part of the timed pipeline; tests measure it).

Run:  .venv/bin/python benchmarks/portrait.py [--rows 100000000] [--spark-rows 10000000]
      [--work /tmp/rainforest-portrait-bench] [--threads 2] [--memory 8GB] [--repeats 3]
      [--skip-spark]

Results go to ``benchmarks/results/portrait.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

FIRST = date(2016, 7, 1)
AS_OF = date(2026, 6, 1)
MONTHS = 120
MEAN_AGE = 100.0
ROWS_PER_FIRM = 160.0  # measured on the generator at these settings; refined after a sample


# --- data ------------------------------------------------------------------------------------


def _generate(work: Path, rows: int, seed: int) -> dict[str, Any]:
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from rainforest.portrait.synth import generate

    marker = work / "generated.json"
    if marker.exists():
        info = json.loads(marker.read_text())
        if info.get("target_rows") == rows and info.get("seed") == seed:
            return dict(info)
    sample = generate(
        work / "sample",
        firms=2000,
        months=MONTHS,
        as_of=AS_OF,
        seed=seed,
        mean_age=MEAN_AGE,
        tail=0,
    )
    per_firm = sample.total_rows / 2000
    firms = max(100, int(rows / per_firm))
    started = time.perf_counter()
    result = generate(
        work / "data",
        firms=firms,
        months=MONTHS,
        as_of=AS_OF,
        seed=seed,
        mean_age=MEAN_AGE,
        tail=0,
        progress=lambda m: print(f"  · {m}", flush=True),
    )
    # Court records linked by the generator's truth (see the module docstring).
    court = work / "data" / "court" / "history.parquet"
    table = pq.read_table(court)
    truth = [
        result.court_truth.get((c, n))
        for c, n in zip(
            table["case_number"].to_pylist(), table["party_name"].to_pylist(), strict=True
        )
    ]
    linked = work / "court_linked.parquet"
    pq.write_table(table.append_column("uscc", pa.array(truth, pa.string())), linked)
    info = {
        "target_rows": rows,
        "seed": seed,
        "firms": firms,
        "rows": result.total_rows,
        "rows_by_source": result.rows,
        "generate_seconds": round(time.perf_counter() - started, 1),
        "first_mi": AS_OF.year * 12 + AS_OF.month - 1 - MONTHS + 1,
        "last_mi": AS_OF.year * 12 + AS_OF.month - 1,
        "bytes_on_disk": sum(p.stat().st_size for p in (work / "data").rglob("*.parquet")),
    }
    marker.write_text(json.dumps(info))
    del duckdb
    return info


def _files(work: Path, code: str) -> list[str]:
    if code == "court":
        return [str(work / "court_linked.parquet")]
    return sorted(str(p) for p in (work / "data" / code).glob("*.parquet"))


# --- the engines (each in a child process) ---------------------------------------------------------


def run_ibis(
    work: Path, out: Path, info: dict[str, Any], engine: str, threads: int, memory: str
) -> None:
    from rainforest.portrait.engines import make_engine
    from rainforest.portrait.pipeline import features

    eng = (
        make_engine(
            engine, threads=threads, memory_limit=memory, temp_directory=str(work / "spill")
        )
        if engine == "duckdb"
        else make_engine(engine, threads=threads)
    )
    tables = {
        code: eng._read([Path(p) for p in _files(work, code)])
        for code in (
            "registration",
            "tax",
            "social",
            "utility",
            "ip",
            "court",
            "subsidy",
            "pledge",
            "voucher",
            "tier",
        )
    }
    expr = features(tables, first_mi=info["first_mi"], last_mi=info["last_mi"])
    eng.write(expr, out)


SQL = """
-- The computation of rainforest.portrait.pipeline, written by hand: the monthly sources
-- joined to the enterprise-month spine; running totals over the sparse events only.
WITH firms AS (
  SELECT uscc, row_number() OVER (ORDER BY uscc) AS id, founded_mi, end_mi,
         greatest(founded_mi, {first}) AS start_mi
  FROM (SELECT uscc, year(founded_on)*12 + month(founded_on) - 1 AS founded_mi,
               least(CASE WHEN status = 'cancelled' AND cancelled_on IS NOT NULL
                          THEN year(cancelled_on)*12 + month(cancelled_on) - 1 ELSE {last} END,
                     {last}) AS end_mi
        FROM read_parquet({registration}))
  WHERE end_mi >= greatest(founded_mi, {first})
), point AS (  -- counted from their month on; earlier ones in the spine's first month
  SELECT uscc, year(granted_on)*12 + month(granted_on) - 1 AS emi,
         (ip_type = 'invention')::BIGINT AS inv, (ip_type = 'utility')::BIGINT AS uti,
         (ip_type = 'design')::BIGINT AS des, (ip_type = 'trademark')::BIGINT AS tm,
         0 AS court, 0 AS pledge_n, 0 AS pledge_fen, 0 AS hnte, 0 AS sme, 0 AS giant, 0 AS champion
  FROM read_parquet({ip})
  UNION ALL
  SELECT uscc, year(filed_on)*12 + month(filed_on) - 1, 0,0,0,0, 1, 0,0,0,0,0,0
  FROM read_parquet({court}) WHERE role = 'defendant' AND uscc IS NOT NULL
  UNION ALL
  SELECT uscc, year(closed_on)*12 + month(closed_on) - 1, 0,0,0,0, -1, 0,0,0,0,0,0
  FROM read_parquet({court}) WHERE role = 'defendant' AND uscc IS NOT NULL AND closed_on IS NOT NULL
  UNION ALL
  SELECT uscc, year(registered_on)*12 + month(registered_on) - 1, 0,0,0,0,0, 1, amount_fen, 0,0,0,0
  FROM read_parquet({pledge})
  UNION ALL
  SELECT uscc, year(awarded_on)*12 + month(awarded_on) - 1, 0,0,0,0,0,0,0,
         (tier = 'hnte')::BIGINT, (tier = 'sme_specialised')::BIGINT,
         (tier = 'little_giant')::BIGINT, (tier = 'single_champion')::BIGINT
  FROM read_parquet({tier})
  UNION ALL  -- a tier lapses the month after its last valid day
  SELECT uscc, year(valid_until)*12 + month(valid_until), 0,0,0,0,0,0,0,
         -(tier = 'hnte')::BIGINT, -(tier = 'sme_specialised')::BIGINT,
         -(tier = 'little_giant')::BIGINT, -(tier = 'single_champion')::BIGINT
  FROM read_parquet({tier}) WHERE valid_until IS NOT NULL
), subsidy AS (
  SELECT f.id, year(paid_on)*12 + month(paid_on) - 1 AS emi, amount_fen, f.start_mi, f.end_mi
  FROM read_parquet({subsidy}) JOIN firms f USING (uscc)
), voucher AS (
  SELECT f.id, year(used_on)*12 + month(used_on) - 1 AS emi, amount_fen, f.start_mi, f.end_mi
  FROM read_parquet({voucher}) JOIN firms f USING (uscc)
), ev AS (
  SELECT f.id, greatest(p.emi, f.start_mi) AS mi, inv, uti, des, tm, court, 0 AS subsidy_fen,
         pledge_n, pledge_fen, 0 AS voucher_fen, hnte, sme, giant, champion
  FROM point p JOIN firms f USING (uscc) WHERE p.emi <= f.end_mi
  UNION ALL  -- rolling sums: the amount in its month, taken back when it leaves the window
  SELECT id, emi, 0,0,0,0,0, amount_fen, 0,0,0,0,0,0,0 FROM subsidy WHERE emi BETWEEN start_mi AND end_mi
  UNION ALL
  SELECT id, emi + 36, 0,0,0,0,0, -amount_fen, 0,0,0,0,0,0,0 FROM subsidy
  WHERE emi >= start_mi AND emi + 36 <= end_mi
  UNION ALL
  SELECT id, emi, 0,0,0,0,0,0,0,0, amount_fen, 0,0,0,0 FROM voucher WHERE emi BETWEEN start_mi AND end_mi
  UNION ALL
  SELECT id, emi + 12, 0,0,0,0,0,0,0,0, -amount_fen, 0,0,0,0 FROM voucher
  WHERE emi >= start_mi AND emi + 12 <= end_mi
), evm AS (
  SELECT id, mi, sum(inv)::BIGINT AS inv, sum(uti)::BIGINT AS uti, sum(des)::BIGINT AS des,
         sum(tm)::BIGINT AS tm, sum(court)::BIGINT AS court, sum(subsidy_fen)::BIGINT AS subsidy_fen,
         sum(pledge_n)::BIGINT AS pledge_n, sum(pledge_fen)::BIGINT AS pledge_fen,
         sum(voucher_fen)::BIGINT AS voucher_fen, sum(hnte)::BIGINT AS hnte, sum(sme)::BIGINT AS sme,
         sum(giant)::BIGINT AS giant, sum(champion)::BIGINT AS champion
  FROM ev GROUP BY id, mi
), running AS (
  SELECT id, mi AS ev_mi,
    sum(inv) OVER c AS patents_invention, sum(uti) OVER c AS patents_utility,
    sum(des) OVER c AS patents_design, sum(tm) OVER c AS trademarks,
    sum(court) OVER c AS court_open_defendant, sum(subsidy_fen) OVER c AS subsidies_36m_fen,
    sum(pledge_n) OVER c AS pledges_count, sum(pledge_fen) OVER c AS pledges_fen,
    sum(voucher_fen) OVER c AS vouchers_12m_fen,
    (sum(hnte) OVER c > 0)::BIGINT AS tier_hnte, (sum(sme) OVER c > 0)::BIGINT AS tier_sme_specialised,
    (sum(giant) OVER c > 0)::BIGINT AS tier_little_giant,
    (sum(champion) OVER c > 0)::BIGINT AS tier_single_champion
  FROM evm WINDOW c AS (PARTITION BY id ORDER BY mi ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), tax AS (  -- the monthly sources: at most one row per enterprise and month (their key)
  SELECT f.id, m.mi, m.tax_fen FROM (
    SELECT uscc, year(month)*12 + month(month) - 1 AS mi, tax_fen FROM read_parquet({tax})) m
  JOIN firms f USING (uscc) WHERE m.mi BETWEEN f.start_mi AND f.end_mi
), social AS (
  SELECT f.id, m.mi, m.headcount FROM (
    SELECT uscc, year(month)*12 + month(month) - 1 AS mi, headcount FROM read_parquet({social})) m
  JOIN firms f USING (uscc) WHERE m.mi BETWEEN f.start_mi AND f.end_mi
), utility AS (
  SELECT f.id, m.mi, m.paid FROM (
    SELECT uscc, year(month)*12 + month(month) - 1 AS mi, paid FROM read_parquet({utility})) m
  JOIN firms f USING (uscc) WHERE m.mi BETWEEN f.start_mi AND f.end_mi
), g AS (
  SELECT s.id, s.mi, coalesce(t.tax_fen, 0) AS tax_fen, h.headcount,
         coalesce(u.paid::BIGINT, 0) AS paid, e.mi AS ev_mi
  FROM (SELECT id, unnest(range(start_mi, end_mi + 1)) AS mi FROM firms) s
  LEFT JOIN tax t ON t.id = s.id AND t.mi = s.mi
  LEFT JOIN social h ON h.id = s.id AND h.mi = s.mi
  LEFT JOIN utility u ON u.id = s.id AND u.mi = s.mi
  LEFT JOIN evm e ON e.id = s.id AND e.mi = s.mi
), w AS (
  SELECT id, mi, headcount,
    sum(tax_fen) OVER (m ROWS BETWEEN 11 PRECEDING AND CURRENT ROW) AS tax_12m_fen,
    sum(tax_fen) OVER (m ROWS BETWEEN 23 PRECEDING AND 12 PRECEDING) AS tax_prev_12m_fen,
    lag(headcount, 12) OVER m AS headcount_12m_ago,
    sum(paid) OVER (m ROWS BETWEEN 11 PRECEDING AND CURRENT ROW) AS utility_paid_months_12m,
    max(ev_mi) OVER (m ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ev_mi
  FROM g WINDOW m AS (PARTITION BY id ORDER BY mi)
)
SELECT f.uscc, w.mi, make_date((w.mi // 12)::INT, (w.mi % 12 + 1)::INT, 1) AS month,
  w.mi - f.founded_mi + 1 AS months_active,
  tax_12m_fen::BIGINT AS tax_12m_fen, tax_prev_12m_fen::BIGINT AS tax_prev_12m_fen,
  CASE WHEN tax_prev_12m_fen > 0
       THEN round((tax_12m_fen - tax_prev_12m_fen)::DOUBLE * 10000 / tax_prev_12m_fen)::BIGINT END AS tax_growth_bp,
  headcount, headcount_12m_ago,
  CASE WHEN headcount_12m_ago > 0
       THEN round((headcount - headcount_12m_ago)::DOUBLE * 100 / headcount_12m_ago)::BIGINT END AS headcount_change_pct,
  coalesce(patents_invention, 0)::BIGINT AS patents_invention,
  coalesce(patents_utility, 0)::BIGINT AS patents_utility,
  coalesce(patents_design, 0)::BIGINT AS patents_design, coalesce(trademarks, 0)::BIGINT AS trademarks,
  coalesce(court_open_defendant, 0)::BIGINT AS court_open_defendant,
  utility_paid_months_12m::BIGINT AS utility_paid_months_12m,
  coalesce(subsidies_36m_fen, 0)::BIGINT AS subsidies_36m_fen,
  coalesce(pledges_count, 0)::BIGINT AS pledges_count, coalesce(pledges_fen, 0)::BIGINT AS pledges_fen,
  coalesce(vouchers_12m_fen, 0)::BIGINT AS vouchers_12m_fen,
  coalesce(tier_hnte, 0) AS tier_hnte, coalesce(tier_sme_specialised, 0) AS tier_sme_specialised,
  coalesce(tier_little_giant, 0) AS tier_little_giant,
  coalesce(tier_single_champion, 0) AS tier_single_champion
FROM w JOIN firms f USING (id) LEFT JOIN running r USING (id, ev_mi)
"""


def run_sql(work: Path, out: Path, info: dict[str, Any], threads: int, memory: str) -> None:
    import duckdb

    con = duckdb.connect(
        config={
            "threads": threads,
            "memory_limit": memory,
            "temp_directory": str(work / "spill"),
            # As the platform's engine: output rows in no particular order.
            "preserve_insertion_order": False,
        }
    )
    files = {
        code: "[" + ", ".join(f"'{p}'" for p in _files(work, code)) + "]"
        for code in (
            "registration",
            "tax",
            "social",
            "utility",
            "ip",
            "court",
            "subsidy",
            "pledge",
            "voucher",
            "tier",
        )
    }
    query = SQL.format(first=info["first_mi"], last=info["last_mi"], **files)
    con.execute(f"COPY ({query}) TO '{out}' (FORMAT parquet)")


def _round_half_away(values: Any) -> Any:
    """ROUND as SQL engines do it (half away from zero), not numpy's half to even."""
    import numpy as np

    v = values.astype("Float64")
    return (np.sign(v) * np.floor(v.abs() + 0.5)).astype("Int64")


def run_pandas(work: Path, out: Path, info: dict[str, Any]) -> None:
    """The pipeline's computation in pandas: merges on (enterprise, month), group-wise sums.

    As the pipeline: enterprises numbered once; the monthly sources merged onto the
    enterprise-month spine; running totals over the sparse events, carried forward over
    the months. Rolling sums are differences of group-wise cumulative sums (vectorised;
    ``groupby().rolling()`` gives the same numbers far more slowly).
    """
    import numpy as np
    import pandas as pd

    from rainforest.portrait.pipeline import RUNNING, TIERS

    first, last = info["first_mi"], info["last_mi"]

    def read(code: str, columns: list[str]) -> pd.DataFrame:
        frames = [pd.read_parquet(p, columns=columns) for p in _files(work, code)]
        return pd.concat(frames, ignore_index=True)

    def mi(s: pd.Series) -> np.ndarray:
        d = pd.to_datetime(s)
        return (d.dt.year * 12 + d.dt.month - 1).to_numpy("int64")

    reg = read("registration", ["uscc", "founded_on", "status", "cancelled_on"])
    founded = mi(reg["founded_on"])
    cancelled = np.where(
        (reg["status"] == "cancelled") & reg["cancelled_on"].notna(),
        mi(reg["cancelled_on"].fillna(pd.Timestamp("2000-01-01"))),
        last,
    )
    firms = pd.DataFrame(
        {
            "uscc": reg["uscc"].to_numpy(),
            "founded_mi": founded,
            "end_mi": np.minimum(cancelled, last),
        }
    )
    firms["start_mi"] = np.maximum(firms["founded_mi"], first)
    firms = firms[firms["end_mi"] >= firms["start_mi"]].sort_values("uscc", ignore_index=True)
    codes = pd.Index(firms["uscc"])
    start = firms["start_mi"].to_numpy()
    end = firms["end_mi"].to_numpy()

    def keyed(df: pd.DataFrame, month: np.ndarray) -> pd.DataFrame:
        """The rows of enterprises computed, with their id and month (``emi``)."""
        ids = codes.get_indexer(df["uscc"])
        df = df.assign(id=ids, emi=month).drop(columns="uscc")
        return df[ids >= 0]

    # The spine: one row per enterprise and month of its life in the window, in order.
    counts = end - start + 1
    ids = np.repeat(np.arange(len(firms)), counts)
    pos = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    spine = pd.DataFrame({"id": ids, "mi": start[ids] + pos})

    # Monthly sources: at most one row per enterprise and month (their key).
    for code, column in (("tax", "tax_fen"), ("social", "headcount"), ("utility", "paid")):
        df = read(code, ["uscc", "month", column])
        df = keyed(df, mi(df["month"]))
        df = df[(df["emi"] >= start[df["id"]]) & (df["emi"] <= end[df["id"]])]
        spine = spine.merge(
            df[["id", "emi", column]].rename(columns={"emi": "mi"}), on=["id", "mi"], how="left"
        )

    # Events: signed deltas in their month; running totals over the event months only.
    # The event deltas and the feature each feeds, as the pipeline names them.
    deltas = {**RUNNING, **{d: feature for d, (_v, feature) in TIERS.items()}}
    tiers = {d: value for d, (value, _f) in TIERS.items()}
    parts: list[pd.DataFrame] = []

    def held(df: pd.DataFrame, **values: Any) -> None:
        """Counted from their month on; an event before the spine in its first month."""
        s, e = start[df["id"]], end[df["id"]]
        keep = df["emi"].to_numpy() <= e
        frame = pd.DataFrame(
            {"id": df["id"].to_numpy()[keep], "mi": np.maximum(df["emi"].to_numpy(), s)[keep]}
        )
        for name, value in values.items():
            frame[name] = np.broadcast_to(np.asarray(value, dtype="int64"), keep.shape)[keep]
        parts.append(frame)

    def rolling(df: pd.DataFrame, name: str, months: int) -> None:
        """In the month paid, taken back ``months`` later (a rolling sum)."""
        s, e = start[df["id"]], end[df["id"]]
        m, amount = df["emi"].to_numpy(), df["amount_fen"].to_numpy("int64")
        paid = (m >= s) & (m <= e)
        back = paid & (m + months <= e)
        parts.append(
            pd.DataFrame({"id": df["id"].to_numpy()[paid], "mi": m[paid], name: amount[paid]})
        )
        parts.append(
            pd.DataFrame(
                {"id": df["id"].to_numpy()[back], "mi": m[back] + months, name: -amount[back]}
            )
        )

    ip = read("ip", ["uscc", "granted_on", "ip_type"])
    ip = keyed(ip, mi(ip["granted_on"]))
    kind = ip["ip_type"]
    held(
        ip,
        inv=kind == "invention",
        uti=kind == "utility",
        des=kind == "design",
        tm=kind == "trademark",
    )
    court = read("court", ["uscc", "role", "filed_on", "closed_on"])
    court = court[(court["role"] == "defendant") & court["uscc"].notna()]
    held(keyed(court, mi(court["filed_on"])), court=1)
    closed = court[court["closed_on"].notna()]
    held(keyed(closed, mi(closed["closed_on"])), court=-1)
    pledge = read("pledge", ["uscc", "registered_on", "amount_fen"])
    pledge = keyed(pledge, mi(pledge["registered_on"]))
    held(pledge, pledge_n=1, pledge_fen=pledge["amount_fen"])
    tier = read("tier", ["uscc", "tier", "awarded_on", "valid_until"])
    awarded = keyed(tier, mi(tier["awarded_on"]))
    held(awarded, **{k: awarded["tier"] == v for k, v in tiers.items()})
    lapsed = tier[tier["valid_until"].notna()]
    lapsed = keyed(lapsed, mi(lapsed["valid_until"]) + 1)  # the month after its last day
    held(lapsed, **{k: -(lapsed["tier"] == v).astype("int64") for k, v in tiers.items()})
    subsidy = read("subsidy", ["uscc", "paid_on", "amount_fen"])
    rolling(keyed(subsidy, mi(subsidy["paid_on"])), "subsidy_fen", 36)
    voucher = read("voucher", ["uscc", "used_on", "amount_fen"])
    rolling(keyed(voucher, mi(voucher["used_on"])), "voucher_fen", 12)
    events = pd.concat(parts, ignore_index=True).fillna(0)
    running = events.groupby(["id", "mi"]).sum().astype("int64").groupby(level="id").cumsum()
    for name in tiers:
        running[name] = (running[name] > 0).astype("int64")
    running = running.rename(columns=deltas)

    # Each month takes its enterprise's latest running totals; rolling sums over the spine.
    j = spine.join(running, on=["id", "mi"])
    by = j.groupby("id", sort=False)
    features = list(deltas.values())
    j[features] = by[features].ffill().fillna(0).astype("int64")

    def rolling_sum(values: pd.Series, n: int) -> np.ndarray:
        cs = values.groupby(j["id"], sort=False).cumsum().to_numpy()
        before = np.concatenate([np.zeros(n, dtype=cs.dtype), cs[:-n]])
        return np.where(pos >= n, cs - before, cs)

    tax = j["tax_fen"].fillna(0).astype("int64")
    t12 = pd.Series(rolling_sum(tax, 12))
    prev = t12.groupby(j["id"], sort=False).shift(12).astype("Int64")
    hc = j["headcount"].astype("Int64")
    ago = hc.groupby(j["id"], sort=False).shift(12)
    out_df = pd.DataFrame(
        {
            "uscc": firms["uscc"].to_numpy()[j["id"].to_numpy()],
            "mi": j["mi"].to_numpy(),
            "months_active": j["mi"].to_numpy()
            - firms["founded_mi"].to_numpy()[j["id"].to_numpy()]
            + 1,
            "tax_12m_fen": t12.to_numpy(),
            "tax_prev_12m_fen": prev.to_numpy(),
            "tax_growth_bp": _round_half_away(
                ((t12 - prev) * 10000.0 / prev).where(prev > 0)
            ).to_numpy(),
            "headcount": hc.to_numpy(),
            "headcount_12m_ago": ago.to_numpy(),
            "headcount_change_pct": _round_half_away(
                ((hc - ago) * 100.0 / ago).where(ago > 0)
            ).to_numpy(),
            "utility_paid_months_12m": rolling_sum(j["paid"].fillna(False).astype("int64"), 12),
        }
    )
    for name in features:
        out_df[name] = j[name].to_numpy()
    out_df.to_parquet(out, index=False)


# A tenth of the enterprises for pandas: codes whose check character is one of these three
# (31 possible check characters, so about 3/31 ≈ 9.7%; the exact share is measured).
SUBSET_CHARS = ("0", "A", "K")
MEMORY = ["8GB"]


def _subset(work: Path) -> Path:
    """The tenth of the enterprises pandas runs on, as its own Parquet files (not timed)."""
    import duckdb

    target = work / "subset"
    if (target / "done").exists():
        return target
    con = duckdb.connect()
    keep = "right(uscc, 1) IN (" + ", ".join(f"'{c}'" for c in SUBSET_CHARS) + ")"
    for code in (
        "registration",
        "tax",
        "social",
        "utility",
        "ip",
        "subsidy",
        "pledge",
        "voucher",
        "tier",
    ):
        folder = target / "data" / code
        folder.mkdir(parents=True, exist_ok=True)
        files = "[" + ", ".join(f"'{p}'" for p in _files(work, code)) + "]"
        con.execute(
            f"COPY (SELECT * FROM read_parquet({files}) WHERE {keep}) TO '{folder}/subset.parquet' (FORMAT parquet)"
        )
    con.execute(
        f"COPY (SELECT * FROM read_parquet('{work}/court_linked.parquet') WHERE {keep}) "
        f"TO '{target}/court_linked.parquet' (FORMAT parquet)"
    )
    (target / "done").write_text("ok")
    return target


def child(args: argparse.Namespace) -> None:
    work = Path(args.work_dir)
    info = json.loads(args.info)
    out = Path(args.out)
    # Imports are not part of the pipeline's time; the Spark session start is (stated).
    import duckdb  # noqa: F401
    import ibis  # noqa: F401
    import pandas  # noqa: F401

    import rainforest.portrait.pipeline  # noqa: F401

    started = time.perf_counter()
    cpu = time.process_time()
    if args.child == "ibis-duckdb":
        run_ibis(work, out, info, "duckdb", args.threads, args.memory)
    elif args.child == "ibis-spark":
        os.environ.setdefault("RAINFOREST_SPARK_MASTER", f"local[{args.threads}]")
        run_ibis(work, out, info, "spark", args.threads, args.memory)
    elif args.child == "duckdb-sql":
        run_sql(work, out, info, args.threads, args.memory)
    else:
        run_pandas(work, out, info)
    seconds = time.perf_counter() - started
    # CPU time of this process, all its threads (for Spark: the driver, not the JVM).
    cpu_seconds = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_bytes": peak}))


def _spawn(name: str, work: Path, out: Path, info: dict[str, Any], threads: int) -> dict[str, Any]:
    print(f"  running {name} …", flush=True)
    cmd = [
        sys.executable,
        __file__,
        "--child",
        name,
        "--work-dir",
        str(work),
        "--out",
        str(out),
        "--info",
        json.dumps(info),
        "--threads",
        str(threads),
        "--memory",
        MEMORY[0],
    ]
    before = os.getloadavg()[0]
    samples: list[float] = []
    finished = threading.Event()

    def sample() -> None:
        while not finished.wait(2.0):
            samples.append(os.getloadavg()[0])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    finally:
        finished.set()
        sampler.join()
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # 1-minute load average before the run and while it ran (the run itself adds about
    # its own thread count once it has run for a while).
    result["load_before"] = round(before, 2)
    result["load_during"] = round(sum(samples) / len(samples), 2) if samples else before
    print(
        f"    {result['seconds']:.1f} s ({result['cpu_seconds']:.1f} s CPU), peak "
        f"{result['peak_rss_bytes'] / 2**30:.2f} GiB, load {result['load_before']} before, "
        f"{result['load_during']} during",
        flush=True,
    )
    return dict(result)


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median time, with every run's seconds beside it."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    return {**ordered[(len(ordered) - 1) // 2], "runs_seconds": [r["seconds"] for r in runs]}


def _rows(path: Path, where: str = "") -> Any:
    import duckdb

    source = f"read_parquet('{path}/*.parquet')" if path.is_dir() else f"read_parquet('{path}')"
    cols = "uscc, mi::BIGINT, months_active::BIGINT, tax_12m_fen, tax_prev_12m_fen, tax_growth_bp, headcount, headcount_12m_ago, headcount_change_pct, patents_invention, patents_utility, patents_design, trademarks, court_open_defendant, utility_paid_months_12m, subsidies_36m_fen, pledges_count, pledges_fen, vouchers_12m_fen, tier_hnte, tier_sme_specialised, tier_little_giant, tier_single_champion"
    names = [c.strip().split("::")[0] for c in cols.split(",")]
    typed = ", ".join(n if n == "uscc" else f"CAST({n} AS BIGINT) AS {n}" for n in names)
    con = duckdb.connect()
    count = con.execute(f"SELECT count(*) FROM {source} {where}").fetchone()[0]
    digest = con.execute(
        f"SELECT sum(hash({', '.join(names)})) FROM (SELECT {typed} FROM {source} {where})"
    ).fetchone()[0]
    return count, digest


def _machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    import duckdb
    import ibis
    import pandas

    versions = {
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "ibis": ibis.__version__,
        "pandas": pandas.__version__,
    }
    try:
        import pyspark

        versions["pyspark"] = pyspark.__version__
    except ImportError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_bytes": mem,
        "os": platform.platform(),
        "versions": versions,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--spark-rows", type=int, default=10_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/rainforest-portrait-bench"))
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seed", type=int, default=20260601)
    parser.add_argument(
        "--memory",
        default="8GB",
        help="DuckDB memory_limit for both DuckDB runs (they spill beyond it); the machine is "
        "shared. At 100 million rows both plans peak near 8 GB; at 6 GB they spill and the "
        "hand-written one can run out of memory.",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs of each engine on the main data, interleaved; the median run is reported",
    )
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--skip-main", action="store_true", help="only the Spark comparison")
    parser.add_argument("--child", default=None)
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--out", default=None)
    parser.add_argument("--info", default=None)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    MEMORY[0] = args.memory

    results: dict[str, Any] = {
        "machine": _machine(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "memory_limit": args.memory,
    }
    results_path = HERE / "results" / "portrait.json"
    if results_path.exists() and args.skip_main:
        previous = json.loads(results_path.read_text())
        results.update({k: v for k, v in previous.items() if k in ("main",)})
    if not args.skip_main:
        main_dir = args.work / f"main-{args.rows}"
        print(f"generating ~{args.rows:,} rows in {main_dir} …", flush=True)
        info = _generate(main_dir, args.rows, args.seed)
        print(
            f"  {info['rows']:,} rows ({info['firms']:,} enterprises), {info['generate_seconds']} s",
            flush=True,
        )
        outs = {
            name: main_dir / f"out-{name}.parquet"
            for name in ("ibis-duckdb", "duckdb-sql", "pandas")
        }
        subset_dir = _subset(main_dir)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in outs}
        for _round in range(args.repeats):  # interleaved, so each meets the same load
            for name, out in outs.items():
                runs[name].append(
                    _spawn(
                        name, subset_dir if name == "pandas" else main_dir, out, info, args.threads
                    )
                )
        timings = {name: _median(r) for name, r in runs.items()}
        ibis_rows = _rows(outs["ibis-duckdb"])
        sql_rows = _rows(outs["duckdb-sql"])
        if ibis_rows != sql_rows:
            raise SystemExit(f"Ibis and hand SQL differ: {ibis_rows} vs {sql_rows}")
        subset = "WHERE right(uscc, 1) IN (" + ", ".join(f"'{c}'" for c in SUBSET_CHARS) + ")"
        ibis_subset = _rows(outs["ibis-duckdb"], subset)
        pandas_rows = _rows(outs["pandas"])
        if ibis_subset != pandas_rows:
            raise SystemExit(
                f"pandas differs from Ibis on its subset: {pandas_rows} vs {ibis_subset}"
            )
        share = pandas_rows[0] / ibis_rows[0]
        pandas_full = {
            "seconds": timings["pandas"]["seconds"] / share,
            "cpu_seconds": timings["pandas"]["cpu_seconds"] / share,
            "peak_rss_bytes": timings["pandas"]["peak_rss_bytes"] / share,
        }
        results["main"] = {
            "data": info,
            "output_rows": ibis_rows[0],
            "identical": {"ibis_vs_sql": True, "pandas_vs_ibis_on_subset": True},
            "pandas_subset_share": share,
            "timings": timings,
            "pandas_extrapolated": pandas_full,
            "ratio_ibis_to_sql": timings["ibis-duckdb"]["seconds"]
            / timings["duckdb-sql"]["seconds"],
            "ratio_ibis_to_pandas_time": timings["ibis-duckdb"]["seconds"] / pandas_full["seconds"],
            "ratio_ibis_to_pandas_memory": timings["ibis-duckdb"]["peak_rss_bytes"]
            / pandas_full["peak_rss_bytes"],
            "ratio_ibis_to_pandas_cpu": timings["ibis-duckdb"]["cpu_seconds"]
            / pandas_full["cpu_seconds"],
        }
    if not args.skip_spark:
        spark_dir = args.work / f"spark-{args.spark_rows}"
        print(f"generating ~{args.spark_rows:,} rows for Spark in {spark_dir} …", flush=True)
        info = _generate(spark_dir, args.spark_rows, args.seed + 1)
        outs = {name: spark_dir / f"out-{name}.parquet" for name in ("ibis-duckdb", "ibis-spark")}
        timings = {
            name: _spawn(name, spark_dir, out, info, args.threads) for name, out in outs.items()
        }
        a, b = _rows(outs["ibis-duckdb"]), _rows(outs["ibis-spark"])
        if a != b:
            raise SystemExit(f"Spark differs from DuckDB: {b} vs {a}")
        results["spark"] = {
            "data": info,
            "output_rows": a[0],
            "identical": True,
            "timings": timings,
        }
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    results_path.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    (HERE / "results" / "portrait.md").write_text(_markdown(results))
    print((HERE / "results" / "portrait.md").read_text())


def _gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def _met(value: float, target: float, *, below: bool = False) -> str:
    ok = value < target if below else value <= target
    return "met" if ok else "**not met**"


def _runs_line(t: dict[str, Any]) -> str:
    runs = {k: v.get("runs_seconds") for k, v in t.items()}
    if not all(runs.values()):
        return "One run of each engine."
    names = {"ibis-duckdb": "Ibis", "duckdb-sql": "hand SQL", "pandas": "pandas"}
    n = len(next(iter(runs.values())))
    return (
        f"Each engine ran {n} times, interleaved so that each met the same load; the table "
        "gives the run of median time. All runs, in seconds: "
        + "; ".join(
            f"{names.get(k, k)} " + ", ".join(f"{x:.1f}" for x in v) for k, v in runs.items()
        )
        + "."
    )


def _load(t: dict[str, Any]) -> str:
    if "load_during" not in t:
        return "–"
    return f"{t['load_before']:.1f} / {t['load_during']:.1f}"


# The first plan, measured by this script on 2026-11-26 (same data, same machine).
HISTORY = """\
## How it got here

First measured (2026-11-26 14:32, load average 4–6) at 685 s with Ibis and 422 s as
hand SQL on these 100 million rows, against 267 s extrapolated for pandas (25.9 s on the
same tenth): 1.63× hand SQL and 2.57× pandas' time. Profiling the 10-million-row set with
DuckDB's profiler (`EXPLAIN ANALYZE`, JSON output) showed where it went:

- **Every source was regrouped into the enterprise-month grid.** All ~100 million rows
  were stacked into one 18-column union and grouped again by (code, month) into
  32 million groups of 16 HUGEINT sums, then joined to the spine: most of the time, and
  beyond the memory limit at 100 million rows (spilling). Now the monthly sources are
  joined to the spine directly (one row per enterprise and month, which ingestion
  guarantees: a monthly figure's month is stored as the first of its month and the key
  is checked).
- **16 window aggregates over the dense grid, then a second window pass for the lags.**
  DuckDB evaluates every windowed sum with its own segment tree, ~0.1 µs per row each.
  Now the events (patents, court cases, subsidies, pledges, vouchers, tiers: ~4 million
  rows, not 32 million) carry signed deltas (a rolling sum adds an amount when paid and
  takes it back when it leaves the window; a tier adds one when awarded and takes it back
  when it lapses), their running totals are computed over the event months only, and
  each month joins its enterprise's latest event month. One window pass over the spine
  remains, with five functions (two 12-month sums, the 12 months before, a lag, the
  latest event month).
- **Strings everywhere.** Joins and window partitions were on the 18-character code;
  enterprises are now numbered once.
- **Ibis only: exact integers through DECIMAL(38, 0).** Ibis's cast of each HUGEINT sum
  back to BIGINT went through DECIMAL(38, 0), itself a HUGEINT, and cost more than the
  window sums; DECIMAL(18, 0) is a BIGINT inside DuckDB and costs nothing.
- **pandas** got the same plan (integer keys, merges instead of regrouping) and stopped
  re-hashing its string keys for each of its 15 group-wise cumulative sums: about three
  times faster than its first version on the same tenth. A faster pandas makes the time
  target harder; it is the honest comparison.
- The old benchmark capped DuckDB at 6 GB; the new plan peaks near 8 GB at 100 million
  rows and, capped at 6 GB, spills and can run out of memory, so the cap is 8 GB.
"""


def _markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        "# Credit-portrait pipeline benchmark (issue 7)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {_gib(m['memory_bytes'])} memory, {m['os']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + f". Run {r['started']} to {r['finished']} by `benchmarks/portrait.py`.",
        "",
        "The machine is shared with other work (other helpers' test suites). Its 1-minute "
        f"load average was {m.get('load_average_1m', '?')} at the start; the tables give it "
        "before and during each engine's run (sampled every 2 s; it trails by about a "
        "minute, and a run adds about its own thread count, so about 2 during a DuckDB run "
        "means the machine was otherwise idle). On 2 cores a two-thread DuckDB run loses "
        "more to other work than a one-thread pandas run; CPU seconds are given for that "
        "reason.",
        "",
    ]
    if "main" in r:
        d = r["main"]
        t = d["timings"]
        px = d["pandas_extrapolated"]
        lines += [
            f"## {d['data']['rows']:,} input rows ({d['data']['firms']:,} enterprises, 120 months), "
            f"{d['output_rows']:,} output rows",
            "",
            f"Input on disk: {_gib(d['data']['bytes_on_disk'])} of Parquet; rows by source: "
            + ", ".join(f"{k} {v:,}" for k, v in d["data"]["rows_by_source"].items())
            + ".",
            "",
            f"Both DuckDB runs: `memory_limit` {r.get('memory_limit', '8GB')} (beyond it DuckDB "
            "spills to disk), threads = cores. Times include reading the Parquet inputs and "
            "writing the output, not Python imports.",
            "",
            "| engine | seconds | CPU seconds | peak memory (RSS) | load before / during |",
            "| --- | ---: | ---: | ---: | ---: |",
            f"| Ibis on DuckDB (the platform's pipeline) | {t['ibis-duckdb']['seconds']:.1f} | "
            f"{t['ibis-duckdb'].get('cpu_seconds', float('nan')):.1f} | {_gib(t['ibis-duckdb']['peak_rss_bytes'])} | "
            f"{_load(t['ibis-duckdb'])} |",
            f"| hand-written DuckDB SQL | {t['duckdb-sql']['seconds']:.1f} | "
            f"{t['duckdb-sql'].get('cpu_seconds', float('nan')):.1f} | {_gib(t['duckdb-sql']['peak_rss_bytes'])} | "
            f"{_load(t['duckdb-sql'])} |",
            f"| pandas, measured on {d['pandas_subset_share']:.1%} of the enterprises | "
            f"{t['pandas']['seconds']:.1f} | {t['pandas'].get('cpu_seconds', float('nan')):.1f} | "
            f"{_gib(t['pandas']['peak_rss_bytes'])} | {_load(t['pandas'])} |",
            f"| pandas, extrapolated to all (÷ {d['pandas_subset_share']:.3f}) | {px['seconds']:.1f} | "
            f"{px.get('cpu_seconds', float('nan')):.1f} | {_gib(px['peak_rss_bytes'])} | |",
            "",
            _runs_line(t),
            "",
            f"- Ibis / hand SQL: **{d['ratio_ibis_to_sql']:.2f}×** (target ≤ 1.25×: "
            f"{_met(d['ratio_ibis_to_sql'], 1.25)}).",
            f"- Ibis / pandas (extrapolated): time **{d['ratio_ibis_to_pandas_time']:.2f}×** "
            f"({_met(d['ratio_ibis_to_pandas_time'], 0.5, below=True)}), memory "
            f"**{d['ratio_ibis_to_pandas_memory']:.2f}×** "
            f"({_met(d['ratio_ibis_to_pandas_memory'], 0.5, below=True)}); target < 0.5× each. "
            f"In CPU seconds: {d.get('ratio_ibis_to_pandas_cpu', float('nan')):.2f}×: the time target "
            "rests on DuckDB using both cores, and with the cores busy with other work the time "
            "ratio moves towards that. The extrapolation is "
            "linear in rows; pandas holds all of its data in memory, so its real peak at full "
            "size would be at least that.",
            "- Outputs: Ibis and hand SQL identical on every row (count and order-independent hash of all "
            "columns); pandas identical to the Ibis rows of the same enterprises.",
            "",
        ]
    if "spark" in r:
        s = r["spark"]
        t = s["timings"]
        lines += [
            f"## Spark: {s['data']['rows']:,} input rows ({s['data']['firms']:,} enterprises), {s['output_rows']:,} output rows",
            "",
            "| engine | seconds | peak memory (RSS of the Python driver) | load before / during |",
            "| --- | ---: | ---: | ---: |",
            f"| Ibis on local PySpark (`local[{m['cores']}]`, JVM start included) | "
            f"{t['ibis-spark']['seconds']:.1f} | {_gib(t['ibis-spark']['peak_rss_bytes'])} | "
            f"{_load(t['ibis-spark'])} |",
            f"| Ibis on DuckDB, same data | {t['ibis-duckdb']['seconds']:.1f} | "
            f"{_gib(t['ibis-duckdb']['peak_rss_bytes'])} | {_load(t['ibis-duckdb'])} |",
            "",
            "- Outputs identical (count and hash of all columns). The JVM's memory is not in the driver's RSS.",
            "",
        ]
    lines.append(HISTORY)
    return "\n".join(lines)


if __name__ == "__main__":
    main()
