"""One pipeline run: ingest new drops, link names, compute features, stage the outputs.

No Django here: the Django service (``services.portrait_run``) calls ``execute`` and loads
the scored portraits into the database in one transaction, then calls ``commit``, which
writes the lake's manifest atomically. Until then the previous manifest, features and
portraits stay as they were, so a run that fails anywhere leaves the previous portraits in
place; the files it wrote have new names and are never read.
"""

# SQL here is built from the lake's own file paths and the source registry's column names,
# never from user input, and DuckDB cannot bind file names as parameters.
# ruff: noqa: S608

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa

from rainforest.portrait import linking
from rainforest.portrait.engines import Engine, ibis_schema, make_engine
from rainforest.portrait.ingest import DropReport, Lake, discover_drops, ingest_drop
from rainforest.portrait.pipeline import features, merge
from rainforest.portrait.sources import SOURCES, source

__all__ = ["RunResult", "code_version", "execute"]

MONTHLY = ("tax", "social", "utility")


def code_version() -> str:
    """The package version and a digest of the pipeline's own code."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        package = version("rainforest")
    except PackageNotFoundError:  # pragma: no cover -- running from a source tree
        package = "0"
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in ("sources.py", "ingest.py", "names.py", "linking.py", "pipeline.py", "run.py"):
        digest.update((here / name).read_bytes())
    return f"{package}+{digest.hexdigest()[:12]}"


@dataclass
class RunResult:
    run_id: str
    engine: str
    lake: Lake
    manifest: dict[str, Any]
    reports: list[DropReport]
    features_path: Path
    links: list[linking.Link]
    first_mi: int
    last_mi: int
    mode: str  # full | incremental | unchanged
    enterprises_recomputed: int
    feature_rows: int
    # The earliest month recomputed for any enterprise (the first month on a full run).
    recomputed_from_mi: int | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def commit(self) -> None:
        """Make this run's outputs the current ones (atomic rename of the manifest)."""
        self.lake.save(self.manifest)

    @property
    def quarantined(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for r in self.reports:
            if r.status == "unchanged":
                continue
            for reason, n in r.quarantined.items():
                total[reason] = total.get(reason, 0) + n
        return total

    def summary(self) -> dict[str, Any]:
        new = [r for r in self.reports if r.status != "unchanged"]
        return {
            "inputs": [
                {
                    "drop": r.drop,
                    "sha256": r.sha256,
                    "status": r.status,
                    "rows": r.rows,
                    "accepted": r.accepted,
                    "quarantined": r.quarantined,
                    "problem": r.problem,
                }
                for r in new
            ],
            "row_counts": _row_counts(self.manifest),
            "quarantined": self.quarantined,
            "rejected_drops": [r.drop for r in new if r.status == "rejected"],
            "links": _link_counts(self.links),
            "mode": self.mode,
            "enterprises_recomputed": self.enterprises_recomputed,
            "recomputed_from": _month_text(self.recomputed_from_mi)
            if self.recomputed_from_mi is not None
            else None,
            "feature_rows": self.feature_rows,
            "first_month": _month_text(self.first_mi),
            "last_month": _month_text(self.last_mi),
            "freshness": freshness(self.manifest),
            "timings": self.timings,
        }


def _month_text(mi: int) -> str:
    return f"{mi // 12:04d}-{mi % 12 + 1:02d}"


def _row_counts(manifest: dict[str, Any]) -> dict[str, int]:
    counts = {s.code: 0 for s in SOURCES}
    for entry in manifest["drops"].values():
        if entry.get("clean") and entry.get("in_use", True):
            counts[entry["source"]] += entry["accepted"]
    return counts


def _link_counts(links: list[linking.Link]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for link in links:
        counts[link.method] = counts.get(link.method, 0) + 1
    return counts


def freshness(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per source: the latest month with accepted rows and when it was ingested."""
    out: dict[str, dict[str, Any]] = {}
    for entry in manifest["drops"].values():
        if not entry.get("clean") or entry.get("max_mi") is None:
            continue
        current = out.get(entry["source"])
        if current is None or entry["max_mi"] > current["max_mi"]:
            out[entry["source"]] = {
                "max_mi": entry["max_mi"],
                "month": _month_text(entry["max_mi"]),
                "ingested_at": entry["ingested_at"],
            }
    return out


def _files_sql(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def execute(
    *,
    data: Path,
    lake_dir: Path,
    engine: str = "duckdb",
    as_of: date,
    now: datetime,
    decisions: Mapping[tuple[str, str], str | None] | None = None,
    progress: Callable[[str], None] = lambda _m: None,
    fail_after: str | None = None,
) -> RunResult:
    """Run the pipeline and stage its outputs; ``commit()`` on the result makes them current.

    ``fail_after`` names a step after which to raise (tests of a failed run use it).
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    lake = Lake(lake_dir)
    previous = lake.load()
    manifest: dict[str, Any] = {**previous, "drops": dict(previous["drops"])}
    run_id = f"{now.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    con = duckdb.connect()
    reports: list[DropReport] = []
    new_reports: list[DropReport] = []

    # 1. Ingestion, drop by drop, each against the manifest as it grows in this run.
    drops = discover_drops(data)
    for i, (spec, path) in enumerate(drops, 1):
        report = ingest_drop(con, lake, manifest, spec, path, data_root=data, as_of=as_of, now=now)
        reports.append(report)
        if report.status != "unchanged":
            new_reports.append(report)
            manifest["drops"][report.drop] = report.to_dict()
        progress(
            f"[{i}/{len(drops)}] {report.drop}: {report.status}, {report.accepted:,} accepted"
            + (f", {report.quarantined_total:,} quarantined" if report.quarantined else "")
            + (f" — {report.problem}" if report.problem else "")
        )
    timings["ingest"] = time.perf_counter() - started
    _check_fail(fail_after, "ingest")

    # 2. Name linking of the court records against the current registration.
    t0 = time.perf_counter()
    reg_files = lake.clean_files(manifest, "registration")
    court_files = lake.clean_files(manifest, "court")
    registry: list[tuple[str, str, str]] = []
    if reg_files:
        registry = [
            (u, n, a or "")
            for u, n, a in con.execute(
                f"SELECT uscc, name, address FROM read_parquet({_files_sql(reg_files)})"
            ).fetchall()
        ]
    parties: list[tuple[str, str]] = []
    if court_files:
        parties = [
            (n, a or "")
            for n, a in con.execute(
                "SELECT DISTINCT party_name, party_address FROM "
                f"read_parquet({_files_sql(court_files)}) ORDER BY 1, 2"
            ).fetchall()
        ]
    links = linking.link_names(parties, registry, decisions=decisions) if parties else []
    links_rel = f"links/{run_id}.parquet"
    lake.path("links").mkdir(parents=True, exist_ok=True)
    links_table = pa.table(
        {
            "party_name": pa.array([lk.party_name for lk in links], pa.string()),
            "party_address": pa.array([lk.party_address for lk in links], pa.string()),
            "uscc": pa.array([lk.uscc for lk in links], pa.string()),
            "candidate": pa.array([lk.candidate for lk in links], pa.string()),
            "confidence": pa.array([lk.confidence for lk in links], pa.float64()),
            "method": pa.array([lk.method for lk in links], pa.string()),
        }
    )
    import pyarrow.parquet as pq

    pq.write_table(links_table, lake.path(links_rel))
    court_rel = f"links/{run_id}-court.parquet"
    con.register("links_t", links_table)
    court_cols = ", ".join(f'c."{c}"' for c in source("court").names)
    if court_files:
        con.execute(
            f"COPY (SELECT {court_cols}, l.uscc FROM read_parquet({_files_sql(court_files)}) c "
            "LEFT JOIN links_t l ON l.party_name = c.party_name "
            "AND l.party_address = coalesce(c.party_address, '')) "
            f"TO '{lake.path(court_rel)}' (FORMAT parquet)"
        )
    else:
        empty = pa.table(
            {
                **{c.name: pa.array([], pa.string()) for c in source("court").columns},
                "uscc": pa.array([], pa.string()),
            }
        )
        empty = empty.cast(
            pa.schema(
                [
                    (c.name, pa.date32() if c.type == "DATE" else pa.string())
                    for c in source("court").columns
                ]
                + [("uscc", pa.string())]
            )
        )
        pq.write_table(empty, lake.path(court_rel))
    con.unregister("links_t")
    manifest["links"] = links_rel
    manifest["court_linked"] = court_rel
    timings["link"] = time.perf_counter() - t0
    progress(f"name linking: {_link_counts(links)}")
    _check_fail(fail_after, "link")

    # 3. The data window and what changed.
    monthly = [e for e in manifest["drops"].values() if e["source"] in MONTHLY and e.get("clean")]
    months_lo = [e["min_mi"] for e in monthly if e.get("min_mi") is not None]
    months_hi = [e["max_mi"] for e in monthly if e.get("max_mi") is not None]
    if not months_lo:
        raise ValueError("no monthly data (tax, social insurance, utility) has been accepted yet")
    first_mi, last_mi = min(months_lo), max(months_hi)
    previous_links = _read_links(lake, previous.get("links"))
    touched, mode = _touched(
        con, lake, previous, manifest, new_reports, links, previous_links, first_mi, last_mi
    )
    manifest["first_mi"], manifest["last_mi"] = first_mi, last_mi

    # 4. Features on the chosen engine.
    t0 = time.perf_counter()
    features_rel = f"features/{run_id}.parquet"
    lake.path("features").mkdir(parents=True, exist_ok=True)
    eng = make_engine(engine)
    try:
        tables = _tables(eng, lake, manifest)
        recomputed = 0
        recomputed_from: int | None = None
        if mode == "unchanged":
            features_rel = previous["features"]
        elif mode == "full":
            expr = features(tables, first_mi=first_mi, last_mi=last_mi)
            progress(f"features ({eng.name}, full run) …")
            eng.write(expr, lake.path(features_rel))
            recomputed = len(registry)
            recomputed_from = first_mi
        else:
            assert touched is not None
            recomputed = touched.num_rows
            recomputed_from = min(touched["from_mi"].to_pylist())
            touched_t = ibis.memtable(touched)
            computed = features(
                tables,
                first_mi=first_mi,
                last_mi=last_mi,
                touched=touched_t,
            )
            prev_t = eng.read(_parts(lake.path(previous["features"])), {})
            progress(f"features ({eng.name}, incremental: {recomputed:,} enterprises) …")
            eng.write(merge(prev_t, computed, touched_t), lake.path(features_rel))
    finally:
        eng.close()
    _check_fail(fail_after, "features")
    timings["features"] = time.perf_counter() - t0
    manifest["features"] = features_rel
    manifest["run"] = run_id
    rows = con.execute(
        f"SELECT count(*) FROM read_parquet({_files_sql(_parts(lake.path(features_rel)))})"
    ).fetchone()
    con.close()
    result = RunResult(
        run_id=run_id,
        engine=engine,
        lake=lake,
        manifest=manifest,
        reports=reports,
        features_path=lake.path(features_rel),
        links=links,
        first_mi=first_mi,
        last_mi=last_mi,
        mode=mode,
        enterprises_recomputed=recomputed,
        recomputed_from_mi=recomputed_from,
        feature_rows=int(rows[0]) if rows else 0,
        timings=timings,
    )
    result.seconds = time.perf_counter() - started
    return result


def _check_fail(fail_after: str | None, step: str) -> None:
    if fail_after == step:
        raise RuntimeError(f"run stopped after {step} (fail_after, for tests)")


def _parts(path: Path) -> list[Path]:
    """A features output: one file (DuckDB) or a folder of part files (Spark)."""
    if path.is_dir():
        return sorted(path.glob("*.parquet"))
    return [path]


def features_files(path: Path) -> list[Path]:
    return _parts(path)


def _tables(eng: Engine, lake: Lake, manifest: dict[str, Any]) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    for spec in SOURCES:
        if spec.code == "court":
            schema = {**ibis_schema(spec), "uscc": "string"}
            tables["court"] = eng.read([lake.path(manifest["court_linked"])], schema)
            continue
        tables[spec.code] = eng.read(lake.clean_files(manifest, spec.code), ibis_schema(spec))
    return tables


def _read_links(lake: Lake, relative: str | None) -> dict[tuple[str, str], str | None]:
    if not relative or not lake.path(relative).exists():
        return {}
    import pyarrow.parquet as pq

    table = pq.read_table(lake.path(relative), columns=["party_name", "party_address", "uscc"])
    return {
        (n, a): u
        for n, a, u in zip(
            table["party_name"].to_pylist(),
            table["party_address"].to_pylist(),
            table["uscc"].to_pylist(),
            strict=True,
        )
    }


def _touched(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    previous: dict[str, Any],
    manifest: dict[str, Any],
    new_reports: list[DropReport],
    links: list[linking.Link],
    previous_links: dict[tuple[str, str], str | None],
    first_mi: int,
    last_mi: int,
) -> tuple[pa.Table | None, str]:
    """Which enterprises a run must recompute, and from which month."""
    if not previous.get("features") or not lake.path(previous["features"]).exists():
        return None, "full"
    if previous.get("first_mi") != first_mi or previous.get("last_mi", last_mi) > last_mi:
        return None, "full"
    earliest: dict[str, int] = {}

    def touch(uscc: str | None, mi: int) -> None:
        if uscc is None:
            return
        earliest[uscc] = min(mi, earliest.get(uscc, mi))

    for report in new_reports:
        if not report.clean or report.status == "rejected":
            continue
        spec = source(report.source)
        path = lake.path(report.clean)
        if spec.code == "registration":
            prior = lake.clean_files(previous, "registration")
            query = f"SELECT uscc FROM read_parquet('{path}')"
            if prior:
                query = f"({query} EXCEPT SELECT uscc FROM read_parquet({_files_sql(prior)}))"
                query = (
                    f"SELECT uscc FROM (SELECT * FROM read_parquet('{path}') EXCEPT "
                    f"SELECT * FROM read_parquet({_files_sql(prior)}))"
                )
            for (uscc,) in con.execute(query).fetchall():
                touch(uscc, first_mi)
            continue
        if spec.code == "court":
            court_map = {(lk.party_name, lk.party_address): lk.uscc for lk in links}
            for name, address, filed in con.execute(
                f"SELECT party_name, coalesce(party_address, ''), filed_on FROM read_parquet('{path}')"
            ).fetchall():
                touch(court_map.get((name, address)), filed.year * 12 + filed.month - 1)
            continue
        column = spec.month_column
        for uscc, mi in con.execute(
            f'SELECT uscc, min(year("{column}") * 12 + month("{column}") - 1) '
            f"FROM read_parquet('{path}') GROUP BY uscc"
        ).fetchall():
            touch(uscc, mi)
    # A link that changed (a staff decision, a new registration) changes both firms' cases.
    for link in links:
        key = (link.party_name, link.party_address)
        if key not in previous_links:
            continue  # a new party: its court drop touched it from the filing month
        old = previous_links[key]
        if old != link.uscc:
            touch(old, first_mi)
            touch(link.uscc, first_mi)
    # A new month: every enterprise still active gets a row for it.
    old_last = previous.get("last_mi", last_mi)
    if last_mi > old_last:
        reg_files = lake.clean_files(manifest, "registration")
        for (uscc,) in con.execute(
            f"SELECT uscc FROM read_parquet({_files_sql(reg_files)}) "
            "WHERE cancelled_on IS NULL OR year(cancelled_on) * 12 + month(cancelled_on) - 1 "
            f"> {old_last}"
        ).fetchall():
            touch(uscc, old_last + 1)
    if not earliest:
        return None, "unchanged"
    return (
        pa.table(
            {
                "uscc": pa.array(list(earliest), pa.string()),
                "from_mi": pa.array(list(earliest.values()), pa.int64()),
            }
        ),
        "incremental",
    )
