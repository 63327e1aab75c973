"""Benchmark: the credit-portrait feature pipeline on ~100 million rows (issue 7).

What it measures, in one run, on the same synthetic Parquet drops:

- **ibis-duckdb**: ``rainforest.portrait.pipeline.features`` (the code the platform
  runs) compiled by Ibis to DuckDB, every feature of every enterprise and month, written
  to Parquet;
- **duckdb-sql**: the same computation written by hand in DuckDB SQL;
- **pandas**: the same computation in pandas (vectorised: group-wise cumulative sums
  and shifts, no Python loops over rows), on a tenth of the enterprises (every tenth
  code) — its time and memory are measured there and extrapolated ×10, as stated in
  the results;
- **ibis-spark**: the same Ibis code on local PySpark, on a smaller data set
  (``--spark-rows``, 10 million by default) next to Ibis on DuckDB on that same set.

Each engine runs in its own child process so its peak memory (max RSS) is its own.
Outputs are compared: Ibis-DuckDB with hand SQL row for row (all rows), pandas with the
same tenth of the Ibis output, Spark with DuckDB on the Spark data set. The script stops
on a difference. Court records are linked by the generator's truth here (linking is not
part of the timed pipeline; tests measure it).

Run:  .venv/bin/python benchmarks/portrait.py [--rows 100000000] [--spark-rows 10000000]
      [--work /tmp/rainforest-portrait-bench] [--threads 2] [--skip-spark]

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
WITH reg AS (
  SELECT uscc, year(founded_on)*12 + month(founded_on) - 1 AS founded_mi,
         least(CASE WHEN status = 'cancelled' AND cancelled_on IS NOT NULL
                    THEN year(cancelled_on)*12 + month(cancelled_on) - 1 ELSE {last} END, {last}) AS end_mi
  FROM read_parquet({registration})
), firms AS (
  SELECT uscc, founded_mi, end_mi, greatest(founded_mi, {first}) AS start_mi FROM reg
  WHERE end_mi >= greatest(founded_mi, {first})
), spine AS (
  SELECT f.uscc, f.founded_mi, m.mi, f.start_mi, f.end_mi
  FROM firms f JOIN range({first}, {last} + 1) m(mi) ON m.mi BETWEEN f.start_mi AND f.end_mi
), ev AS (
  SELECT uscc, year(month)*12 + month(month) - 1 AS mi, sum(tax_fen) AS tax_fen, NULL::BIGINT AS headcount,
         0 AS utility_paid, 0 AS inv, 0 AS uti, 0 AS des, 0 AS tm, 0 AS court, 0 AS subsidy_fen,
         0 AS pledge_n, 0 AS pledge_fen, 0 AS voucher_fen, 0 AS hnte, 0 AS sme, 0 AS giant, 0 AS champion
  FROM read_parquet({tax}) WHERE year(month)*12 + month(month) - 1 >= {first} GROUP BY ALL
  UNION ALL
  SELECT uscc, year(month)*12 + month(month) - 1, 0, max(headcount), 0,0,0,0,0,0,0,0,0,0,0,0,0,0
  FROM read_parquet({social}) WHERE year(month)*12 + month(month) - 1 >= {first} GROUP BY ALL
  UNION ALL
  SELECT uscc, year(month)*12 + month(month) - 1, 0, NULL, max(paid::BIGINT), 0,0,0,0,0,0,0,0,0,0,0,0,0
  FROM read_parquet({utility}) WHERE year(month)*12 + month(month) - 1 >= {first} GROUP BY ALL
  UNION ALL
  SELECT i.uscc, greatest(year(granted_on)*12 + month(granted_on) - 1, f.start_mi), 0, NULL, 0,
         (ip_type = 'invention')::BIGINT, (ip_type = 'utility')::BIGINT, (ip_type = 'design')::BIGINT,
         (ip_type = 'trademark')::BIGINT, 0,0,0,0,0,0,0,0,0
  FROM read_parquet({ip}) i JOIN firms f USING (uscc)
  WHERE year(granted_on)*12 + month(granted_on) - 1 <= f.end_mi
  UNION ALL
  SELECT c.uscc, greatest(c.emi, f.start_mi), 0, NULL, 0,0,0,0,0, c.d, 0,0,0,0,0,0,0,0
  FROM (SELECT uscc, year(filed_on)*12 + month(filed_on) - 1 AS emi, 1 AS d FROM read_parquet({court})
        WHERE role = 'defendant' AND uscc IS NOT NULL
        UNION ALL
        SELECT uscc, year(closed_on)*12 + month(closed_on) - 1, -1 FROM read_parquet({court})
        WHERE role = 'defendant' AND uscc IS NOT NULL AND closed_on IS NOT NULL) c
  JOIN firms f USING (uscc) WHERE c.emi <= f.end_mi
  UNION ALL
  SELECT s.uscc, year(paid_on)*12 + month(paid_on) - 1, 0, NULL, 0,0,0,0,0,0, amount_fen, 0,0,0,0,0,0,0
  FROM read_parquet({subsidy}) s JOIN firms f USING (uscc)
  WHERE year(paid_on)*12 + month(paid_on) - 1 BETWEEN f.start_mi AND f.end_mi
  UNION ALL
  SELECT p.uscc, greatest(year(registered_on)*12 + month(registered_on) - 1, f.start_mi), 0, NULL, 0,0,0,0,0,0,0,
         1, amount_fen, 0,0,0,0,0
  FROM read_parquet({pledge}) p JOIN firms f USING (uscc)
  WHERE year(registered_on)*12 + month(registered_on) - 1 <= f.end_mi
  UNION ALL
  SELECT v.uscc, year(used_on)*12 + month(used_on) - 1, 0, NULL, 0,0,0,0,0,0,0,0,0, amount_fen, 0,0,0,0
  FROM read_parquet({voucher}) v JOIN firms f USING (uscc)
  WHERE year(used_on)*12 + month(used_on) - 1 BETWEEN f.start_mi AND f.end_mi
  UNION ALL
  SELECT t.uscc, greatest(t.emi, f.start_mi), 0, NULL, 0,0,0,0,0,0,0,0,0,0,
         (tier = 'hnte')::BIGINT * d, (tier = 'sme_specialised')::BIGINT * d,
         (tier = 'little_giant')::BIGINT * d, (tier = 'single_champion')::BIGINT * d
  FROM (SELECT uscc, tier, year(awarded_on)*12 + month(awarded_on) - 1 AS emi, 1 AS d FROM read_parquet({tier})
        UNION ALL
        SELECT uscc, tier, year(valid_until)*12 + month(valid_until), -1 FROM read_parquet({tier})
        WHERE valid_until IS NOT NULL) t
  JOIN firms f USING (uscc) WHERE t.emi <= f.end_mi
), sums AS (
  SELECT uscc, mi, sum(tax_fen) AS tax_fen, max(headcount) AS headcount, sum(utility_paid) AS utility_paid,
         sum(inv) AS inv, sum(uti) AS uti, sum(des) AS des, sum(tm) AS tm, sum(court) AS court,
         sum(subsidy_fen) AS subsidy_fen, sum(pledge_n) AS pledge_n, sum(pledge_fen) AS pledge_fen,
         sum(voucher_fen) AS voucher_fen, sum(hnte) AS hnte, sum(sme) AS sme, sum(giant) AS giant,
         sum(champion) AS champion
  FROM ev GROUP BY uscc, mi
), j AS (
  SELECT s.uscc, s.mi, s.founded_mi, x.headcount,
         coalesce(x.tax_fen, 0) AS tax_fen, coalesce(x.utility_paid, 0) AS utility_paid,
         coalesce(x.inv, 0) AS inv, coalesce(x.uti, 0) AS uti, coalesce(x.des, 0) AS des, coalesce(x.tm, 0) AS tm,
         coalesce(x.court, 0) AS court, coalesce(x.subsidy_fen, 0) AS subsidy_fen,
         coalesce(x.pledge_n, 0) AS pledge_n, coalesce(x.pledge_fen, 0) AS pledge_fen,
         coalesce(x.voucher_fen, 0) AS voucher_fen, coalesce(x.hnte, 0) AS hnte, coalesce(x.sme, 0) AS sme,
         coalesce(x.giant, 0) AS giant, coalesce(x.champion, 0) AS champion
  FROM spine s LEFT JOIN sums x USING (uscc, mi)
), f AS (
  SELECT uscc, mi, headcount, mi - founded_mi + 1 AS months_active,
    sum(tax_fen) OVER w12 AS tax_12m_fen,
    sum(inv) OVER c AS patents_invention, sum(uti) OVER c AS patents_utility, sum(des) OVER c AS patents_design,
    sum(tm) OVER c AS trademarks, sum(court) OVER c AS court_open_defendant,
    sum(utility_paid) OVER w12 AS utility_paid_months_12m, sum(subsidy_fen) OVER w36 AS subsidies_36m_fen,
    sum(pledge_n) OVER c AS pledges_count, sum(pledge_fen) OVER c AS pledges_fen,
    sum(voucher_fen) OVER w12 AS vouchers_12m_fen,
    (sum(hnte) OVER c > 0)::BIGINT AS tier_hnte, (sum(sme) OVER c > 0)::BIGINT AS tier_sme_specialised,
    (sum(giant) OVER c > 0)::BIGINT AS tier_little_giant, (sum(champion) OVER c > 0)::BIGINT AS tier_single_champion
  FROM j
  WINDOW w12 AS (PARTITION BY uscc ORDER BY mi ROWS BETWEEN 11 PRECEDING AND CURRENT ROW),
         w36 AS (PARTITION BY uscc ORDER BY mi ROWS BETWEEN 35 PRECEDING AND CURRENT ROW),
         c AS (PARTITION BY uscc ORDER BY mi ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), g AS (
  SELECT *, lag(tax_12m_fen, 12) OVER (PARTITION BY uscc ORDER BY mi) AS tax_prev_12m_fen,
            lag(headcount, 12) OVER (PARTITION BY uscc ORDER BY mi) AS headcount_12m_ago
  FROM f
)
SELECT uscc, mi, make_date((mi // 12)::INT, (mi % 12 + 1)::INT, 1) AS month, months_active,
  tax_12m_fen::BIGINT AS tax_12m_fen, tax_prev_12m_fen::BIGINT AS tax_prev_12m_fen,
  CASE WHEN tax_prev_12m_fen > 0 THEN round((tax_12m_fen - tax_prev_12m_fen) * 10000.0 / tax_prev_12m_fen)::BIGINT END AS tax_growth_bp,
  headcount, headcount_12m_ago,
  CASE WHEN headcount_12m_ago > 0 THEN round((headcount - headcount_12m_ago) * 100.0 / headcount_12m_ago)::BIGINT END AS headcount_change_pct,
  patents_invention::BIGINT AS patents_invention, patents_utility::BIGINT AS patents_utility,
  patents_design::BIGINT AS patents_design, trademarks::BIGINT AS trademarks,
  court_open_defendant::BIGINT AS court_open_defendant, utility_paid_months_12m::BIGINT AS utility_paid_months_12m,
  subsidies_36m_fen::BIGINT AS subsidies_36m_fen, pledges_count::BIGINT AS pledges_count,
  pledges_fen::BIGINT AS pledges_fen, vouchers_12m_fen::BIGINT AS vouchers_12m_fen,
  tier_hnte, tier_sme_specialised, tier_little_giant, tier_single_champion
FROM g
"""


def run_sql(work: Path, out: Path, info: dict[str, Any], threads: int, memory: str) -> None:
    import duckdb

    con = duckdb.connect(
        config={"threads": threads, "memory_limit": memory, "temp_directory": str(work / "spill")}
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
    import numpy as np
    import pandas as pd

    first, last = info["first_mi"], info["last_mi"]

    def read(code: str) -> pd.DataFrame:
        frames = [pd.read_parquet(p) for p in _files(work, code)]
        return pd.concat(frames, ignore_index=True)

    def mi(s: pd.Series) -> pd.Series:
        d = pd.to_datetime(s)
        return (d.dt.year * 12 + d.dt.month - 1).astype("int64")

    reg = read("registration")
    founded = mi(reg["founded_on"])
    cancelled = np.where(
        (reg["status"] == "cancelled") & reg["cancelled_on"].notna(),
        mi(reg["cancelled_on"].fillna(pd.Timestamp("2000-01-01"))),
        last,
    )
    firms = pd.DataFrame(
        {
            "uscc": reg["uscc"].to_numpy(),
            "founded_mi": founded.to_numpy(),
            "end_mi": np.minimum(cancelled, last),
        }
    )
    firms["start_mi"] = np.maximum(firms["founded_mi"], first)
    firms = firms[firms["end_mi"] >= firms["start_mi"]].reset_index(drop=True)
    cols = [
        "tax_fen",
        "headcount",
        "utility_paid",
        "inv",
        "uti",
        "des",
        "tm",
        "court",
        "subsidy_fen",
        "pledge_n",
        "pledge_fen",
        "voucher_fen",
        "hnte",
        "sme",
        "giant",
        "champion",
    ]
    parts = []

    def part(df: pd.DataFrame, month: pd.Series, **values: Any) -> None:
        frame = pd.DataFrame({"uscc": df["uscc"].to_numpy(), "mi": month.to_numpy()})
        for name, value in values.items():
            frame[name] = np.asarray(value)
        parts.append(frame)

    bounds = firms.set_index("uscc")[["start_mi", "end_mi"]]
    for code, agg, name in (
        ("tax", "sum", "tax_fen"),
        ("social", "max", "headcount"),
        ("utility", "max", "paid"),
    ):
        df = read(code)
        df["mi"] = mi(df["month"])
        df = df[df["mi"] >= first]
        g = df.groupby(["uscc", "mi"], sort=False)[name].agg(agg).reset_index()
        target = {"tax_fen": "tax_fen", "headcount": "headcount", "paid": "utility_paid"}[name]
        part(g, g["mi"], **{target: g[name].astype("int64")})

    def clamp(df: pd.DataFrame, month: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
        df = df.assign(emi=month.to_numpy()).join(bounds, on="uscc", how="inner")
        df = df[df["emi"] <= df["end_mi"]]
        return df, np.maximum(df["emi"], df["start_mi"])

    ip = read("ip")
    ip, m = clamp(ip, mi(ip["granted_on"]))
    part(
        ip,
        m,
        inv=(ip["ip_type"] == "invention").astype("int64"),
        uti=(ip["ip_type"] == "utility").astype("int64"),
        des=(ip["ip_type"] == "design").astype("int64"),
        tm=(ip["ip_type"] == "trademark").astype("int64"),
    )
    court = read("court")
    court = court[(court["role"] == "defendant") & court["uscc"].notna()]
    opened = pd.DataFrame({"uscc": court["uscc"], "emi": mi(court["filed_on"]), "d": 1})
    closed_rows = court[court["closed_on"].notna()]
    closed = pd.DataFrame(
        {"uscc": closed_rows["uscc"], "emi": mi(closed_rows["closed_on"]), "d": -1}
    )
    ce = pd.concat([opened, closed], ignore_index=True)
    ce, m = clamp(ce.drop(columns="emi"), ce["emi"])
    part(ce, m, court=ce["d"].astype("int64"))
    for code, column, target in (
        ("subsidy", "paid_on", "subsidy_fen"),
        ("voucher", "used_on", "voucher_fen"),
    ):
        df = read(code)
        df = df.assign(emi=mi(df[column]).to_numpy()).join(bounds, on="uscc", how="inner")
        df = df[(df["emi"] >= df["start_mi"]) & (df["emi"] <= df["end_mi"])]
        part(df, df["emi"], **{target: df["amount_fen"].astype("int64")})
    pl = read("pledge")
    pl, m = clamp(pl, mi(pl["registered_on"]))
    part(
        pl, m, pledge_n=np.ones(len(pl), dtype="int64"), pledge_fen=pl["amount_fen"].astype("int64")
    )
    tr = read("tier")
    on = pd.DataFrame({"uscc": tr["uscc"], "tier": tr["tier"], "emi": mi(tr["awarded_on"]), "d": 1})
    offr = tr[tr["valid_until"].notna()]
    off = pd.DataFrame(
        {"uscc": offr["uscc"], "tier": offr["tier"], "emi": mi(offr["valid_until"]) + 1, "d": -1}
    )
    te = pd.concat([on, off], ignore_index=True)
    te, m = clamp(te.drop(columns="emi"), te["emi"])
    part(
        te,
        m,
        **{
            k: ((te["tier"] == t).astype("int64") * te["d"])
            for k, t in (
                ("hnte", "hnte"),
                ("sme", "sme_specialised"),
                ("giant", "little_giant"),
                ("champion", "single_champion"),
            )
        },
    )
    stacked = pd.concat(parts, ignore_index=True)
    for c in cols:
        if c not in stacked:
            stacked[c] = 0 if c != "headcount" else np.nan
    agg = {c: ("max" if c == "headcount" else "sum") for c in cols}
    sums = stacked.groupby(["uscc", "mi"], sort=False).agg(agg)
    counts = (firms["end_mi"] - firms["start_mi"] + 1).to_numpy()
    idx = np.repeat(np.arange(len(firms)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    spine = pd.DataFrame(
        {
            "uscc": firms["uscc"].to_numpy()[idx],
            "mi": firms["start_mi"].to_numpy()[idx] + offsets,
            "founded_mi": firms["founded_mi"].to_numpy()[idx],
        }
    )
    j = spine.join(sums, on=["uscc", "mi"])
    for c in cols:
        if c != "headcount":
            j[c] = j[c].fillna(0).astype("int64")
    j = j.sort_values(["uscc", "mi"], kind="stable").reset_index(drop=True)
    group = j["uscc"]
    pos = j.groupby(group, sort=False).cumcount().to_numpy()

    def cum(c: str) -> np.ndarray:
        return j.groupby(group, sort=False)[c].cumsum().to_numpy()

    def rolling(c: str, n: int) -> np.ndarray:
        cs = cum(c)
        shifted = (
            np.concatenate([np.zeros(n, dtype=cs.dtype), cs[:-n]])
            if len(cs) > n
            else np.zeros_like(cs)
        )
        return np.where(pos >= n, cs - shifted, cs)

    out_df = pd.DataFrame({"uscc": j["uscc"], "mi": j["mi"]})
    out_df["months_active"] = j["mi"] - j["founded_mi"] + 1
    out_df["tax_12m_fen"] = rolling("tax_fen", 12)
    hc = j["headcount"].astype("Int64")
    t12 = pd.Series(out_df["tax_12m_fen"].to_numpy())
    prev = t12.groupby(group.to_numpy(), sort=False).shift(12).astype("Int64")
    ago = hc.groupby(group.to_numpy(), sort=False).shift(12)
    out_df["tax_prev_12m_fen"] = prev.to_numpy()
    out_df["headcount"] = hc.to_numpy()
    out_df["headcount_12m_ago"] = ago.to_numpy()
    growth = ((t12 - prev) * 10000.0 / prev).where(prev > 0)
    out_df["tax_growth_bp"] = _round_half_away(growth).to_numpy()
    change = ((hc - ago) * 100.0 / ago).where(ago > 0)
    out_df["headcount_change_pct"] = _round_half_away(change).to_numpy()
    for name, c in (
        ("patents_invention", "inv"),
        ("patents_utility", "uti"),
        ("patents_design", "des"),
        ("trademarks", "tm"),
        ("court_open_defendant", "court"),
        ("pledges_count", "pledge_n"),
        ("pledges_fen", "pledge_fen"),
    ):
        out_df[name] = cum(c)
    out_df["utility_paid_months_12m"] = rolling("utility_paid", 12)
    out_df["subsidies_36m_fen"] = rolling("subsidy_fen", 36)
    out_df["vouchers_12m_fen"] = rolling("voucher_fen", 12)
    for name, c in (
        ("tier_hnte", "hnte"),
        ("tier_sme_specialised", "sme"),
        ("tier_little_giant", "giant"),
        ("tier_single_champion", "champion"),
    ):
        out_df[name] = (cum(c) > 0).astype("int64")
    out_df.to_parquet(out, index=False)


# A tenth of the enterprises for pandas: codes whose check character is one of these three
# (31 possible check characters, so about 3/31 ≈ 9.7%; the exact share is measured).
SUBSET_CHARS = ("0", "A", "K")
MEMORY = ["6GB"]


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
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "peak_rss_bytes": peak}))


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
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"    {result['seconds']:.1f} s, peak {result['peak_rss_bytes'] / 2**30:.2f} GiB",
        flush=True,
    )
    return dict(result)


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
        default="6GB",
        help="DuckDB memory_limit for both DuckDB runs (they spill beyond it); the machine is shared",
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
        timings = {
            name: _spawn(
                name, subset_dir if name == "pandas" else main_dir, out, info, args.threads
            )
            for name, out in outs.items()
        }
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


def _markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        "# Credit-portrait pipeline benchmark (issue 7)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {_gib(m['memory_bytes'])} memory, {m['os']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + f". Run {r['started']} to {r['finished']} by `benchmarks/portrait.py`.",
        "",
    ]
    if "main" in r:
        d = r["main"]
        t = d["timings"]
        lines += [
            f"## {d['data']['rows']:,} input rows ({d['data']['firms']:,} enterprises, 120 months), "
            f"{d['output_rows']:,} output rows",
            "",
            f"Input on disk: {_gib(d['data']['bytes_on_disk'])} of Parquet; rows by source: "
            + ", ".join(f"{k} {v:,}" for k, v in d["data"]["rows_by_source"].items())
            + ".",
            "",
            f"Both DuckDB runs: `memory_limit` {r.get('memory_limit', '6GB')} (the machine is shared; "
            "beyond it DuckDB spills to disk), threads = cores. Times include reading the "
            "Parquet inputs and writing the output, not Python imports.",
            "",
            "| engine | seconds | peak memory (RSS) |",
            "| --- | ---: | ---: |",
            f"| Ibis on DuckDB (the platform's pipeline) | {t['ibis-duckdb']['seconds']:.1f} | {_gib(t['ibis-duckdb']['peak_rss_bytes'])} |",
            f"| hand-written DuckDB SQL | {t['duckdb-sql']['seconds']:.1f} | {_gib(t['duckdb-sql']['peak_rss_bytes'])} |",
            f"| pandas, measured on {d['pandas_subset_share']:.1%} of the enterprises | {t['pandas']['seconds']:.1f} | {_gib(t['pandas']['peak_rss_bytes'])} |",
            f"| pandas, extrapolated to all (÷ {d['pandas_subset_share']:.3f}) | {d['pandas_extrapolated']['seconds']:.1f} | {_gib(d['pandas_extrapolated']['peak_rss_bytes'])} |",
            "",
            f"- Ibis / hand SQL: **{d['ratio_ibis_to_sql']:.2f}×** (target ≤ 1.25×).",
            f"- Ibis / pandas (extrapolated): time **{d['ratio_ibis_to_pandas_time']:.2f}×**, memory "
            f"**{d['ratio_ibis_to_pandas_memory']:.2f}×** (target < 0.5× each). The extrapolation is linear in rows; "
            "pandas holds all of its data in memory, so its real peak at full size would be at least that.",
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
            "| engine | seconds | peak memory (RSS of the Python driver) |",
            "| --- | ---: | ---: |",
            f"| Ibis on local PySpark (`local[{m['cores']}]`, JVM start included) | {t['ibis-spark']['seconds']:.1f} | {_gib(t['ibis-spark']['peak_rss_bytes'])} |",
            f"| Ibis on DuckDB, same data | {t['ibis-duckdb']['seconds']:.1f} | {_gib(t['ibis-duckdb']['peak_rss_bytes'])} |",
            "",
            "- Outputs identical (count and hash of all columns). The JVM's memory is not in the driver's RSS.",
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
