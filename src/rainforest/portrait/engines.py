"""The engines the pipeline runs on: DuckDB (default) and Spark, both through Ibis."""

from __future__ import annotations

import os
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from rainforest.portrait.sources import BIGINT, BOOLEAN, DATE, STRING, Source

__all__ = ["Engine", "EngineUnavailable", "make_engine", "spark_available", "spark_session"]

_IBIS_TYPES = {STRING: "string", DATE: "date", BIGINT: "int64", BOOLEAN: "boolean"}
_ARROW_TYPES = {STRING: pa.string(), DATE: pa.date32(), BIGINT: pa.int64(), BOOLEAN: pa.bool_()}


class EngineUnavailable(RuntimeError):
    """The engine asked for cannot start here (no pyspark, no Java)."""


def arrow_schema(spec: Source) -> pa.Schema:
    return pa.schema([(c.name, _ARROW_TYPES[c.type]) for c in spec.columns])


class Engine:
    name = "duckdb"

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    def read(self, paths: list[Path], schema: dict[str, str]) -> ir.Table:
        if not paths:
            return ibis.memtable(
                pa.table({k: pa.array([], _ARROW_TYPE_BY_NAME[v]) for k, v in schema.items()})
            )
        return self._read(paths)

    def _read(self, paths: list[Path]) -> ir.Table:
        return self.backend.read_parquet([str(p) for p in paths])

    def write(self, expr: ir.Table, target: Path) -> None:
        """Write to ``target`` (a new name); the caller swaps it in by the manifest."""
        tmp = target.with_name(target.name + ".tmp")
        _remove(tmp)
        self.backend.to_parquet(expr, str(tmp))
        os.replace(tmp, target)

    def close(self) -> None:
        self.backend.disconnect()


_ARROW_TYPE_BY_NAME = {
    "string": pa.string(),
    "date": pa.date32(),
    "int64": pa.int64(),
    "boolean": pa.bool_(),
}


def ibis_schema(spec: Source) -> dict[str, str]:
    return {c.name: _IBIS_TYPES[c.type] for c in spec.columns}


class SparkEngine(Engine):
    name = "spark"

    def _read(self, paths: list[Path]) -> ir.Table:
        tables = [self.backend.read_parquet(str(p)) for p in paths]
        table = tables[0]
        for other in tables[1:]:
            table = table.union(other)
        return table

    def write(self, expr: ir.Table, target: Path) -> None:
        tmp = target.with_name(target.name + ".tmp")
        _remove(tmp)
        self.backend.to_parquet(expr, str(tmp))
        # Spark writes a folder of part files and _SUCCESS markers; keep the parquet parts.
        for marker in tmp.glob("_*"):
            marker.unlink()
        for crc in tmp.glob(".*.crc"):
            crc.unlink()
        os.replace(tmp, target)

    def close(self) -> None:
        # The session is shared by the process (tests start one); leave it running.
        return None


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def spark_available() -> str | None:
    """None when Spark can start here, otherwise the reason it cannot."""
    try:
        import pyspark  # noqa: F401 -- only checking that it is installed
    except ImportError:
        return "pyspark is not installed (pip install 'pyspark>=4.0,<4.1')"
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        return (
            "Java is not installed (Spark needs Java 17: apt-get install openjdk-17-jre-headless)"
        )
    return None


@cache
def spark_session(master: str = "local[1]") -> Any:
    """One Spark session per process, small: the pipeline's data here is small."""
    problem = spark_available()
    if problem:
        raise EngineUnavailable(problem)
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(master)
        .appName("rainforest-portrait")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "2g")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )


def make_engine(
    name: str,
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
    temp_directory: str | None = None,
    spark_master: str | None = None,
) -> Engine:
    """An engine; DuckDB takes a memory limit (it spills to ``temp_directory`` beyond it)."""
    if name == "duckdb":
        # Rows are written in no particular order (readers sort), which saves DuckDB memory.
        kwargs: dict[str, Any] = {"preserve_insertion_order": False}
        if threads:
            kwargs["threads"] = threads
        memory_limit = memory_limit or os.environ.get("RAINFOREST_DUCKDB_MEMORY")
        if memory_limit:
            kwargs["memory_limit"] = memory_limit
        if temp_directory:
            kwargs["temp_directory"] = temp_directory
        return Engine(ibis.duckdb.connect(**kwargs))
    if name == "spark":
        session = spark_session(
            spark_master or os.environ.get("RAINFOREST_SPARK_MASTER", "local[1]")
        )
        session.sparkContext.setLogLevel("ERROR")
        return SparkEngine(ibis.pyspark.connect(session))
    raise ValueError(f"unknown engine {name!r}; use duckdb or spark")
