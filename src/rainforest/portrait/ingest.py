"""Ingesting departments' drops into the lake, with validation and a quarantine (数据接入).

A drop is one file a department delivered (Parquet, CSV or xlsx) in ``DATA/<source>/``.
Each drop is checked against the source registry (``sources.py``):

- the file must be readable and carry every required column, or the whole drop is
  rejected and reported (nothing of it is used);
- every row is then checked: required values present, values of the right type, codes
  from the allowed list, amounts and counts not negative, the unified social credit code's
  check digit (GB 32100-2015, ``rainforest.core.ids``), dates from 1980 to the as-of day,
  no duplicate of another row of the drop or of an earlier drop (by the source's key;
  a monthly source's month is stored as the first day of its month, so two figures for
  one enterprise and month are duplicates).

Good rows go to ``lake/clean/``, bad rows to ``lake/quarantine/`` with their reason, and
the report counts both: ``rows == accepted + quarantined`` for every drop, so nothing is
dropped silently. Files are written under new names; they count only once the run's
manifest, written last and atomically, names them.
"""

# SQL here is built from the lake's own file paths and the source registry's column names,
# never from user input, and DuckDB cannot bind file names as parameters.
# ruff: noqa: S608

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from rainforest.core.ids import is_valid_uscc, normalise_uscc
from rainforest.portrait.sources import BIGINT, SOURCES, Source, source

__all__ = ["DropReport", "Lake", "discover_drops", "ingest_drop"]

EARLIEST = date(1980, 1, 1)
DROP_SUFFIXES = (".parquet", ".csv", ".xlsx")

REASONS_ZH = {
    "missing_value": "缺少必填值",
    "bad_type": "类型不符",
    "bad_value": "取值不在允许范围",
    "uscc_check_digit": "统一社会信用代码校验位不符",
    "date_out_of_range": "日期超出范围",
    "duplicate_in_drop": "与本批次另一行重复",
    "duplicate_of_earlier": "与此前批次重复",
}


@dataclass
class DropReport:
    """What ingestion made of one drop; ``rows == accepted + sum(quarantined)``."""

    source: str
    drop: str
    sha256: str
    status: str  # accepted | quarantined_some | rejected | unchanged
    rows: int = 0
    accepted: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)
    problem: str = ""
    clean: str | None = None
    quarantine: str | None = None
    min_mi: int | None = None
    max_mi: int | None = None
    ingested_at: str = ""

    @property
    def quarantined_total(self) -> int:
        return sum(self.quarantined.values())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DropReport:
        return cls(**data)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stem_order(path: Path) -> tuple[int, str]:
    # The history drop comes before the monthly ones; then by name, so 2026-06 precedes
    # 2026-06-correction.
    return (0 if path.stem == "history" else 1, path.stem)


def discover_drops(data: Path) -> list[tuple[Source, Path]]:
    """Every drop file under ``data``, source by source in registry order."""
    found: list[tuple[Source, Path]] = []
    for spec in SOURCES:
        folder = data / spec.code
        if not folder.is_dir():
            continue
        files = [p for p in folder.iterdir() if p.suffix.lower() in DROP_SUFFIXES]
        found.extend((spec, p) for p in sorted(files, key=_stem_order))
    return found


class Lake:
    """The pipeline's own storage: accepted rows, quarantine, links, features, manifest."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest_path = root / "manifest.json"

    def load(self) -> dict[str, Any]:
        if not self.manifest_path.exists():
            return {"version": 1, "drops": {}, "features": None, "links": None}
        data: dict[str, Any] = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        return data

    def save(self, manifest: dict[str, Any]) -> None:
        """Write the manifest atomically: a new file, then a rename over the old one."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        with tmp.open("rb") as stream:
            os.fsync(stream.fileno())
        os.replace(tmp, self.manifest_path)

    def path(self, relative: str) -> Path:
        return self.root / relative

    def clean_files(self, manifest: dict[str, Any], code: str, *, exclude: str = "") -> list[Path]:
        """The accepted files of a source: all drops (append) or the latest (snapshot)."""
        entries = [
            (name, e)
            for name, e in manifest["drops"].items()
            if e["source"] == code and e.get("clean") and name != exclude
        ]
        if source(code).mode == "snapshot" and entries:
            entries = [max(entries, key=lambda item: _stem_order(Path(item[0])))]
        return [self.path(e["clean"]) for _name, e in entries]


def _read_raw(con: duckdb.DuckDBPyConnection, path: Path) -> duckdb.DuckDBPyRelation:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return con.read_csv(str(path), all_varchar=True, header=True)
    if suffix == ".parquet":
        rel = con.read_parquet(str(path))
        return rel.select(", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in rel.columns))
    if suffix == ".xlsx":
        return con.from_arrow(_xlsx_table(path))
    raise ValueError(f"unsupported drop format {suffix}")


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_table(path: Path) -> pa.Table:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        columns: dict[str, list[str | None]] = {h: [] for h in header}
        for row in rows:
            if row is None or all(v is None for v in row):
                continue
            for name, value in zip(header, row, strict=False):
                columns[name].append(_cell(value))
        return pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items() if k})
    finally:
        book.close()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _reason_sql(spec: Source, as_of: date) -> str:
    """The first problem of a row, or NULL; checks in the order a person would fix them."""
    checks: list[str] = []
    for col in spec.columns:
        raw = f"r.{_q(col.name)}"
        if col.required:
            checks.append(f"CASE WHEN {raw} IS NULL THEN 'missing_value:{col.name}' END")
    for col in spec.columns:
        raw = f"r.{_q(col.name)}"
        typed = f"t.{_q(col.name)}"
        checks.append(
            f"CASE WHEN {raw} IS NOT NULL AND {typed} IS NULL THEN 'bad_type:{col.name}' END"
        )
        if col.type == BIGINT:
            # TRY_CAST rounds '12.5' to 13; a count or an amount in fen is a whole number.
            checks.append(
                f"CASE WHEN {raw} IS NOT NULL AND NOT regexp_full_match({raw}, '[+-]?[0-9]+') "
                f"THEN 'bad_type:{col.name}' END"
            )
    for col in spec.columns:
        typed = f"t.{_q(col.name)}"
        if col.choices:
            allowed = ", ".join(_lit(v) for v in col.choices)
            checks.append(
                f"CASE WHEN {typed} IS NOT NULL AND {typed} NOT IN ({allowed}) "
                f"THEN 'bad_value:{col.name}' END"
            )
        if col.non_negative:
            checks.append(f"CASE WHEN {typed} < 0 THEN 'bad_value:{col.name}' END")
    if spec.has_uscc:
        checks.append("CASE WHEN t.uscc IS NOT NULL AND NOT u.valid THEN 'uscc_check_digit' END")
    for col in spec.columns:
        if col.dated:
            typed = f"t.{_q(col.name)}"
            checks.append(
                f"CASE WHEN {typed} < DATE '{EARLIEST.isoformat()}' OR {typed} > DATE "
                f"'{as_of.isoformat()}' THEN 'date_out_of_range:{col.name}' END"
            )
    return "COALESCE(" + ", ".join(checks) + ")"


def ingest_drop(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    manifest: dict[str, Any],
    spec: Source,
    path: Path,
    *,
    data_root: Path,
    as_of: date,
    now: datetime,
) -> DropReport:
    """Check one drop and write its accepted and quarantined rows under new file names."""
    relative = path.relative_to(data_root).as_posix()
    sha = _sha256(path)
    previous = manifest["drops"].get(relative)
    if previous and previous["sha256"] == sha:
        report = DropReport.from_dict(previous)
        report.status = "unchanged"
        return report
    report = DropReport(source=spec.code, drop=relative, sha256=sha, status="rejected")
    report.ingested_at = now.isoformat()
    try:
        raw = _read_raw(con, path)
        header = {c.strip().lower(): c for c in raw.columns}
    except (duckdb.Error, ValueError, OSError, KeyError, StopIteration) as exc:
        report.problem = f"无法读取文件 / unreadable: {type(exc).__name__}: {str(exc)[:300]}"
        return report
    missing = [c.name for c in spec.columns if c.required and c.name not in header]
    if missing:
        report.problem = (
            f"缺少必填列 / missing columns: {', '.join(missing)}；"
            f"文件中的列 / columns found: {', '.join(raw.columns)}"
        )
        report.rows = int(raw.aggregate("count(*)").fetchall()[0][0])
        return report

    selects = [
        (
            f"NULLIF(TRIM({_q(header[c.name])}), '') AS {_q(c.name)}"
            if c.name in header
            else f"CAST(NULL AS VARCHAR) AS {_q(c.name)}"
        )
        for c in spec.columns
    ]
    con.register("drop_raw", raw)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE r AS SELECT row_number() OVER () AS _row, "
        + ", ".join(selects)
        + " FROM drop_raw"
    )
    con.unregister("drop_raw")
    uscc_map = pa.table({"raw": pa.array([], pa.string())})
    if spec.has_uscc:
        codes = [
            row[0]
            for row in con.execute("SELECT DISTINCT uscc FROM r WHERE uscc IS NOT NULL").fetchall()
        ]
        norm = [normalise_uscc(c) for c in codes]
        uscc_map = pa.table(
            {
                "raw": pa.array(codes, pa.string()),
                "norm": pa.array(norm, pa.string()),
                "valid": pa.array([is_valid_uscc(n) for n in norm], pa.bool_()),
            }
        )
    con.register("uscc_map", uscc_map)
    typed_cols = []
    for col in spec.columns:
        source_col = "u.norm" if (col.name == "uscc" and spec.has_uscc) else f"r.{_q(col.name)}"
        typed = f"TRY_CAST({source_col} AS {col.type})"
        if spec.cadence == "monthly" and col.name == spec.month_column:
            # A monthly figure belongs to a month: stored as its first day, so the key
            # (code, month) allows one row per enterprise and month, which the pipeline
            # relies on (it joins the monthly sources instead of summing them).
            typed = f"CAST(date_trunc('month', {typed}) AS DATE)"
        typed_cols.append(f"{typed} AS {_q(col.name)}")
    join = "LEFT JOIN uscc_map u ON u.raw = r.uscc" if spec.has_uscc else ""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE t AS SELECT r._row, "
        + ", ".join(typed_cols)
        + f" FROM r {join}"
    )
    key = ", ".join(f"t.{_q(k)}" for k in spec.key)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE checked AS
        WITH first_problem AS (
            SELECT t._row, {_reason_sql(spec, as_of)} AS reason
            FROM t JOIN r USING (_row) {"LEFT JOIN uscc_map u ON u.raw = r.uscc" if spec.has_uscc else ""}
        ), numbered AS (
            SELECT t._row, p.reason,
                   CASE WHEN p.reason IS NULL
                        THEN row_number() OVER (PARTITION BY p.reason IS NULL, {key} ORDER BY t._row)
                   END AS n
            FROM t JOIN first_problem p USING (_row)
        )
        SELECT _row, CASE WHEN reason IS NULL AND n > 1 THEN 'duplicate_in_drop' ELSE reason END
               AS reason
        FROM numbered
        """
    )
    con.unregister("uscc_map")
    earlier = lake.clean_files(manifest, spec.code, exclude=relative)
    if earlier and spec.mode == "append":
        files = "[" + ", ".join(_lit(str(p)) for p in earlier) + "]"
        on = " AND ".join(f"e.{_q(k)} = t.{_q(k)}" for k in spec.key)
        con.execute(
            f"""
            UPDATE checked SET reason = 'duplicate_of_earlier'
            WHERE reason IS NULL AND _row IN (
                SELECT t._row FROM t
                WHERE EXISTS (SELECT 1 FROM read_parquet({files}) e WHERE {on})
            )
            """
        )
    counts = con.execute(
        "SELECT coalesce(reason, ''), count(*) FROM checked GROUP BY ALL ORDER BY 1"
    ).fetchall()
    report.rows = sum(n for _r, n in counts)
    report.accepted = sum(n for r, n in counts if r == "")
    report.quarantined = {r: n for r, n in counts if r}

    tag = f"{Path(relative).stem}-{sha[:12]}"
    clean_rel = f"clean/{spec.code}/{tag}.parquet"
    quarantine_rel = f"quarantine/{spec.code}/{tag}.parquet"
    (lake.root / "clean" / spec.code).mkdir(parents=True, exist_ok=True)
    (lake.root / "quarantine" / spec.code).mkdir(parents=True, exist_ok=True)
    names = ", ".join(f"t.{_q(c)}" for c in spec.names)
    _copy(
        con,
        f"SELECT {names} FROM t JOIN checked c USING (_row) WHERE c.reason IS NULL ORDER BY t._row",
        lake.path(clean_rel),
    )
    report.clean = clean_rel
    if report.quarantined:
        raw_names = ", ".join(f"r.{_q(c)}" for c in spec.names)
        _copy(
            con,
            f"SELECT r._row AS row_number, c.reason, {raw_names} FROM r JOIN checked c USING (_row) "
            "WHERE c.reason IS NOT NULL ORDER BY r._row",
            lake.path(quarantine_rel),
        )
        report.quarantine = quarantine_rel
    month = _q(spec.month_column)
    lo, hi = con.execute(
        f"SELECT min(year({month}) * 12 + month({month}) - 1), "
        f"max(year({month}) * 12 + month({month}) - 1) "
        f"FROM t JOIN checked c USING (_row) WHERE c.reason IS NULL"
    ).fetchone() or (None, None)
    report.min_mi, report.max_mi = lo, hi
    report.status = "quarantined_some" if report.quarantined else "accepted"
    for table in ("r", "t", "checked"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return report


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> None:
    tmp = target.with_suffix(".parquet.tmp")
    con.execute(f"COPY ({query}) TO {_lit(str(tmp))} (FORMAT parquet)")
    os.replace(tmp, target)
