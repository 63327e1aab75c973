"""Ingestion: every kind of bad row is quarantined with its reason; nothing disappears."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from rainforest.core.ids import make_uscc
from rainforest.portrait.ingest import Lake, discover_drops, ingest_drop
from rainforest.portrait.sources import source

GOOD = make_uscc("91440300MA5NGE001")
OTHER = make_uscc("91440300MA5NGE002")
WRONG_CHECK = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")
AS_OF = date(2026, 6, 30)
NOW = datetime(2026, 7, 1, 9, 0)


def _ingest(tmp_path: Path, code: str, name: str, lake: Lake | None = None):
    lake = lake or Lake(tmp_path / "_lake")
    manifest = lake.load()
    report = ingest_drop(
        duckdb.connect(),
        lake,
        manifest,
        source(code),
        tmp_path / code / name,
        data_root=tmp_path,
        as_of=AS_OF,
        now=NOW,
    )
    manifest["drops"][report.drop] = report.to_dict()
    lake.save(manifest)
    return report, lake


def _csv(tmp_path: Path, code: str, name: str, rows: list[dict[str, str | None]]) -> None:
    (tmp_path / code).mkdir(parents=True, exist_ok=True)
    columns = list(rows[0])
    pacsv.write_csv(
        pa.table({c: pa.array([r[c] for r in rows], pa.string()) for c in columns}),
        tmp_path / code / name,
    )


TAX_OK = {"uscc": GOOD, "month": "2026-05-01", "tax_fen": "100"}


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({**TAX_OK, "uscc": WRONG_CHECK}, "uscc_check_digit"),
        ({**TAX_OK, "uscc": None}, "missing_value:uscc"),
        ({**TAX_OK, "tax_fen": ""}, "missing_value:tax_fen"),
        ({**TAX_OK, "month": "2026-02-30"}, "bad_type:month"),
        ({**TAX_OK, "tax_fen": "lots"}, "bad_type:tax_fen"),
        ({**TAX_OK, "tax_fen": "12.5"}, "bad_type:tax_fen"),
        ({**TAX_OK, "tax_fen": "-1"}, "bad_value:tax_fen"),
        ({**TAX_OK, "month": "2026-07-01"}, "date_out_of_range:month"),
        ({**TAX_OK, "month": "1979-12-01"}, "date_out_of_range:month"),
    ],
)
def test_ingest_quarantines_a_bad_row_with_its_reason(
    tmp_path: Path, row: dict, reason: str
) -> None:
    _csv(tmp_path, "tax", "2026-05.csv", [TAX_OK | {"uscc": OTHER}, row])

    report, lake = _ingest(tmp_path, "tax", "2026-05.csv")

    assert (report.rows, report.accepted, report.quarantined) == (2, 1, {reason: 1})
    kept = duckdb.sql(f"SELECT row_number, reason FROM '{lake.path(report.quarantine)}'").fetchall()
    assert kept == [(2, reason)]


@pytest.mark.parametrize(
    ("month", "accepted"),
    [("1980-01-01", 1), ("1979-12-31", 0), ("2026-06-30", 1), ("2026-07-01", 0)],
)
def test_ingest_date_range_boundaries(tmp_path: Path, month: str, accepted: int) -> None:
    _csv(
        tmp_path,
        "subsidy",
        "x.csv",
        [{"uscc": GOOD, "grant_number": "Z1", "paid_on": month, "amount_fen": "1"}],
    )

    report, _lake = _ingest(tmp_path, "subsidy", "x.csv")

    assert report.accepted == accepted


def test_ingest_code_with_spaces_and_lower_case_is_accepted_normalised(tmp_path: Path) -> None:
    _csv(tmp_path, "tax", "a.csv", [TAX_OK | {"uscc": " ".join(GOOD.lower())}])

    report, lake = _ingest(tmp_path, "tax", "a.csv")

    assert report.accepted == 1
    assert duckdb.sql(f"SELECT uscc FROM '{lake.path(report.clean)}'").fetchall() == [(GOOD,)]


def test_ingest_duplicates_in_the_drop_and_of_an_earlier_drop(tmp_path: Path) -> None:
    _csv(tmp_path, "tax", "2026-04.csv", [TAX_OK])
    _first, lake = _ingest(tmp_path, "tax", "2026-04.csv")
    _csv(
        tmp_path, "tax", "2026-05.csv", [TAX_OK | {"uscc": OTHER}, TAX_OK | {"uscc": OTHER}, TAX_OK]
    )

    report, _lake = _ingest(tmp_path, "tax", "2026-05.csv", lake)

    assert (report.accepted, report.quarantined) == (
        1,
        {"duplicate_in_drop": 1, "duplicate_of_earlier": 1},
    )


def test_ingest_monthly_figure_is_stored_by_month_and_a_second_one_is_a_duplicate(
    tmp_path: Path,
) -> None:
    _csv(tmp_path, "tax", "2026-05.csv", [TAX_OK | {"month": "2026-05-20"}, TAX_OK])

    report, lake = _ingest(tmp_path, "tax", "2026-05.csv")

    assert (report.accepted, report.quarantined) == (1, {"duplicate_in_drop": 1})
    assert duckdb.sql(f"SELECT month FROM '{lake.path(report.clean)}'").fetchall() == [
        (date(2026, 5, 1),)
    ]


def test_ingest_unknown_code_value_is_quarantined(tmp_path: Path) -> None:
    _csv(
        tmp_path,
        "court",
        "c.csv",
        [
            {
                "case_number": "（2026）粤03民初1号",
                "party_name": "深圳市雨林科技有限公司",
                "party_address": None,
                "role": "witness",
                "filed_on": "2026-01-05",
                "closed_on": None,
            }
        ],
    )

    report, _lake = _ingest(tmp_path, "court", "c.csv")

    assert report.quarantined == {"bad_value:role": 1}


def test_ingest_missing_column_rejects_the_whole_drop(tmp_path: Path) -> None:
    _csv(tmp_path, "tax", "bad.csv", [{"uscc": GOOD, "month": "2026-05-01"}])

    report, _lake = _ingest(tmp_path, "tax", "bad.csv")

    assert (report.status, report.accepted, report.rows, report.clean) == ("rejected", 0, 1, None)
    assert "tax_fen" in report.problem


def test_ingest_unreadable_file_is_rejected_and_reported(tmp_path: Path) -> None:
    (tmp_path / "tax").mkdir()
    (tmp_path / "tax" / "broken.parquet").write_bytes(b"not parquet at all")

    report, _lake = _ingest(tmp_path, "tax", "broken.parquet")

    assert (report.status, report.accepted) == ("rejected", 0)
    assert report.problem.startswith("无法读取文件")


def test_ingest_reads_xlsx_and_parquet_drops(tmp_path: Path) -> None:
    (tmp_path / "social").mkdir()
    book = Workbook()
    sheet = book.active
    sheet.append(["uscc", "month", "headcount"])
    sheet.append([GOOD, datetime(2026, 5, 1), 12])
    book.save(tmp_path / "social" / "2026-05.xlsx")
    pq.write_table(
        pa.table(
            {"uscc": [OTHER], "month": pa.array([date(2026, 5, 1)], pa.date32()), "headcount": [7]}
        ),
        tmp_path / "social" / "2026-05b.parquet",
    )

    a, lake = _ingest(tmp_path, "social", "2026-05.xlsx")
    b, _lake = _ingest(tmp_path, "social", "2026-05b.parquet", lake)

    assert (a.accepted, b.accepted) == (1, 1)


def test_ingest_unchanged_drop_is_not_read_again(tmp_path: Path) -> None:
    _csv(tmp_path, "tax", "2026-05.csv", [TAX_OK])
    _first, lake = _ingest(tmp_path, "tax", "2026-05.csv")

    again, _lake = _ingest(tmp_path, "tax", "2026-05.csv", lake)

    assert again.status == "unchanged"


def test_ingest_generated_bad_rows_all_accounted_for(drops) -> None:
    result = drops(bad_rows=True)
    lake = Lake(result.directory / "_lake")
    manifest = lake.load()
    con = duckdb.connect()

    reports = []
    for spec, path in discover_drops(result.directory):
        report = ingest_drop(
            con, lake, manifest, spec, path, data_root=result.directory, as_of=AS_OF, now=NOW
        )
        manifest["drops"][report.drop] = report.to_dict()
        reports.append(report)

    assert all(r.rows == r.accepted + r.quarantined_total for r in reports)
    correction = next(r for r in reports if r.drop.endswith("correction.csv"))
    assert correction.quarantined == {
        "bad_type:month": 1,
        "bad_type:tax_fen": 1,
        "bad_value:tax_fen": 1,
        "date_out_of_range:month": 2,
        "duplicate_in_drop": 1,
        "duplicate_of_earlier": 1,
        "missing_value:uscc": 1,
        "uscc_check_digit": 1,
    }
