"""The Ibis pipeline: exact features on hand-made data, incremental = full, Spark = DuckDB."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa
import pytest

from rainforest.core.ids import make_uscc
from rainforest.portrait.engines import ibis_schema, make_engine
from rainforest.portrait.pipeline import features
from rainforest.portrait.run import execute, features_files
from rainforest.portrait.sources import SOURCES
from rainforest.portrait.synth import mi_of
from tests.portrait.conftest import AS_OF, NOW

FIRM = make_uscc("91440300MA5PPE001")


def _table(code: str, rows: list[dict[str, Any]]) -> Any:
    spec = next(s for s in SOURCES if s.code == code)
    schema = ibis_schema(spec)
    if code == "court":
        schema = {**schema, "uscc": "string"}
    arrow = {"string": pa.string(), "date": pa.date32(), "int64": pa.int64(), "boolean": pa.bool_()}
    return ibis.memtable(
        pa.table({k: pa.array([r.get(k) for r in rows], arrow[v]) for k, v in schema.items()})
    )


def _months(start: date, n: int) -> list[date]:
    return [
        date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1)
        for i in range(n)
    ]


def test_features_by_hand_for_one_enterprise() -> None:
    months = _months(date(2024, 1, 1), 30)  # 2024-01 .. 2026-06
    tables = {
        "registration": _table(
            "registration",
            [{"uscc": FIRM, "name": "甲", "founded_on": date(2024, 1, 10), "status": "active"}],
        ),
        # 100 yuan a month in the first year, 135 in the second: growth +35%.
        "tax": _table(
            "tax",
            [
                {"uscc": FIRM, "month": m, "tax_fen": 10_000 if m.year == 2024 else 13_500}
                for m in months
            ],
        ),
        "social": _table(
            "social",
            [
                {"uscc": FIRM, "month": m, "headcount": 10 if m < date(2025, 6, 1) else 12}
                for m in months
            ],
        ),
        "utility": _table(
            "utility",
            [
                {"uscc": FIRM, "month": m, "kwh": 1, "bill_fen": 1, "paid": m.month != 3}
                for m in months
            ],
        ),
        "ip": _table(
            "ip",
            [
                {
                    "uscc": FIRM,
                    "ip_number": "1",
                    "ip_type": "invention",
                    "granted_on": date(2024, 5, 3),
                },
                {
                    "uscc": FIRM,
                    "ip_number": "2",
                    "ip_type": "trademark",
                    "granted_on": date(2026, 6, 3),
                },
            ],
        ),
        "court": _table(
            "court",
            [
                {
                    "case_number": "a",
                    "party_name": "甲",
                    "role": "defendant",
                    "filed_on": date(2025, 3, 1),
                    "closed_on": date(2025, 9, 1),
                    "uscc": FIRM,
                },
                {
                    "case_number": "b",
                    "party_name": "甲",
                    "role": "defendant",
                    "filed_on": date(2025, 8, 1),
                    "closed_on": None,
                    "uscc": FIRM,
                },
                {
                    "case_number": "c",
                    "party_name": "甲",
                    "role": "plaintiff",
                    "filed_on": date(2025, 8, 1),
                    "closed_on": None,
                    "uscc": FIRM,
                },
            ],
        ),
        "subsidy": _table(
            "subsidy",
            [{"uscc": FIRM, "grant_number": "g", "paid_on": date(2024, 2, 1), "amount_fen": 500}],
        ),
        "pledge": _table(
            "pledge",
            [
                {
                    "uscc": FIRM,
                    "registration_number": "p",
                    "registered_on": date(2025, 1, 1),
                    "amount_fen": 700,
                }
            ],
        ),
        "voucher": _table(
            "voucher",
            [
                {
                    "uscc": FIRM,
                    "voucher_number": "v",
                    "used_on": date(2025, 6, 15),
                    "amount_fen": 300,
                }
            ],
        ),
        "tier": _table(
            "tier",
            [
                {
                    "uscc": FIRM,
                    "tier": "hnte",
                    "certificate_number": "h",
                    "awarded_on": date(2025, 1, 1),
                    "valid_until": date(2025, 12, 31),
                }
            ],
        ),
    }

    out = (
        ibis.duckdb.connect()
        .to_pyarrow(features(tables, first_mi=mi_of(months[0]), last_mi=mi_of(months[-1])))
        .to_pylist()
    )
    by_month = {row["month"]: row for row in out}

    assert len(out) == 30
    dec = by_month[date(2025, 12, 1)]
    assert (
        dec["months_active"],
        dec["tax_12m_fen"],
        dec["tax_prev_12m_fen"],
        dec["tax_growth_bp"],
    ) == (24, 162_000, 120_000, 3500)
    assert (dec["headcount"], dec["headcount_12m_ago"], dec["headcount_change_pct"]) == (12, 10, 20)
    assert (dec["patents_invention"], dec["trademarks"], dec["court_open_defendant"]) == (1, 0, 1)
    assert (
        dec["utility_paid_months_12m"],
        dec["subsidies_36m_fen"],
        dec["pledges_count"],
        dec["pledges_fen"],
    ) == (11, 500, 1, 700)
    assert (dec["vouchers_12m_fen"], dec["tier_hnte"]) == (300, 1)
    assert by_month[date(2025, 8, 1)]["court_open_defendant"] == 2
    assert by_month[date(2025, 2, 1)]["court_open_defendant"] == 0
    assert by_month[date(2026, 1, 1)]["tier_hnte"] == 0
    assert by_month[date(2026, 6, 1)]["vouchers_12m_fen"] == 0
    assert by_month[date(2024, 12, 1)]["tax_growth_bp"] is None
    assert by_month[date(2026, 6, 1)]["trademarks"] == 1


def _rows(path: Path) -> list[tuple[Any, ...]]:
    files = ", ".join(f"'{p}'" for p in features_files(path))
    return duckdb.sql(f"SELECT * FROM read_parquet([{files}]) ORDER BY uscc, mi").fetchall()


def _run(data: Path, engine: str = "duckdb") -> Any:
    result = execute(data=data, lake_dir=data / "_lake", engine=engine, as_of=AS_OF, now=NOW)
    result.commit()
    return result


def test_incremental_run_recomputes_only_what_the_new_month_touches_and_equals_a_full_run(
    drops: Any, tmp_path: Path
) -> None:
    full = drops(tail=2).directory
    part = tmp_path / "part"
    shutil.copytree(full, part)
    held = tmp_path / "held"
    held.mkdir()
    for path in part.glob("*/2026-06.parquet"):
        path.rename(held / f"{path.parent.name}.parquet")
    first = _run(part)
    for path in held.glob("*.parquet"):
        path.rename(part / path.stem / "2026-06.parquet")

    incremental = _run(part)
    reference = _run(full)

    assert (first.mode, incremental.mode, reference.mode) == ("full", "incremental", "full")
    assert (incremental.recomputed_from_mi, reference.recomputed_from_mi) == (
        mi_of(date(2026, 6, 1)),
        mi_of(date(2024, 1, 1)),
    )
    assert _rows(incremental.features_path) == _rows(reference.features_path)


def test_second_run_without_new_drops_changes_nothing(drops: Any) -> None:
    data = drops().directory
    first = _run(data)

    second = _run(data)

    assert (second.mode, second.features_path) == ("unchanged", first.features_path)


@pytest.mark.spark
def test_spark_and_duckdb_give_the_same_rows(
    drops: Any, tmp_path: Path, spark_engine_ready: None
) -> None:
    data = drops(firms=25, months=26).directory
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)

    on_duckdb = _run(data, "duckdb")
    on_spark = _run(copy, "spark")

    assert on_spark.feature_rows == on_duckdb.feature_rows
    assert _rows(on_spark.features_path) == _rows(on_duckdb.features_path)


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        make_engine("polars")
