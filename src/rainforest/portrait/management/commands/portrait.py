"""``rainforest portrait run|fit|generate``: the credit-portrait pipeline from the command line.

- ``run --engine duckdb|spark --data DIR``: ingest new drops, link names, compute the
  features (incrementally when it can), score and swap in the new portraits.
- ``fit --data DIR [--outcomes FILE] [--activate]``: calibrate the scorecard on labelled
  loan outcomes by weight of evidence; prints AUC and KS on held-out data.
- ``generate --out DIR --firms N --months M``: write synthetic drops (and outcomes).
"""

# SQL here is built from the lake's own file paths and the source registry's column names,
# never from user input, and DuckDB cannot bind file names as parameters.
# ruff: noqa: S608

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from rainforest.portrait import domain
from rainforest.portrait.engines import EngineUnavailable
from rainforest.portrait.ingest import Lake
from rainforest.portrait.run import features_files
from rainforest.portrait.services import active_scorecard, portrait_run, scorecard_fit_save


class Command(BaseCommand):
    help = "科技初创通画像：run | fit | generate / credit portraits: run | fit | generate"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="运行画像流水线 / run the pipeline")
        run.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
        run.add_argument("--data", type=Path, required=True, help="部门数据目录 / drops folder")
        run.add_argument("--lake", type=Path, default=None, help="默认 DATA/_lake")
        run.add_argument("--as-of", type=date.fromisoformat, default=None)
        fit = sub.add_parser("fit", help="用贷款结果校准评分卡 / calibrate the scorecard")
        fit.add_argument("--data", type=Path, required=True)
        fit.add_argument("--lake", type=Path, default=None)
        fit.add_argument("--outcomes", type=Path, default=None, help="默认 DATA/_outcomes.parquet")
        fit.add_argument("--seed", type=int, default=7)
        fit.add_argument("--activate", action="store_true")
        gen = sub.add_parser("generate", help="生成合成数据 / write synthetic drops")
        gen.add_argument("--out", type=Path, required=True)
        gen.add_argument("--firms", type=int, default=2000)
        gen.add_argument("--months", type=int, default=36)
        gen.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 6, 1))
        gen.add_argument("--seed", type=int, default=20260601)
        gen.add_argument("--format", choices=["parquet", "csv"], default="parquet")
        gen.add_argument("--bad-rows", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "run":
            self._run(options)
        elif action == "fit":
            self._fit(options)
        else:
            self._generate(options)

    def _say(self, message: str) -> None:
        self.stdout.write(f"  · {message}")
        self.stdout.flush()

    def _run(self, options: dict[str, Any]) -> None:
        data: Path = options["data"]
        if not data.is_dir():
            raise CommandError(f"找不到数据目录 / no such folder: {data}")
        try:
            run = portrait_run(
                data=data,
                lake=options["lake"],
                engine=options["engine"],
                as_of=options["as_of"],
                progress=self._say,
            )
        except EngineUnavailable as exc:
            raise CommandError(f"引擎不可用 / engine unavailable: {exc}") from exc
        except Exception as exc:
            raise CommandError(
                f"运行失败，之前的画像保持不变 / run failed, the previous portraits stay: {exc}"
            ) from exc
        report = run.report
        quarantined = sum(report.get("quarantined", {}).values())
        self.stdout.write(
            self.style.SUCCESS(
                f"画像 {run.portraits:,} 份（{report.get('last_month')}，{run.mode}，"
                f"{run.engine}，{run.duration_ms / 1000:.1f} 秒）；隔离 {quarantined:,} 行；"
                f"拒收批次 {len(report.get('rejected_drops', []))}；版本 {run.code_version}"
            )
        )
        for reason, n in sorted(report.get("quarantined", {}).items()):
            self.stdout.write(f"    隔离 quarantined {reason}: {n:,}")
        for drop in report.get("inputs", []):
            if drop["status"] == "rejected":
                self.stderr.write(f"    拒收 rejected {drop['drop']}: {drop['problem']}")

    def _fit(self, options: dict[str, Any]) -> None:
        data: Path = options["data"]
        lake = Lake(options["lake"] or data / "_lake")
        manifest = lake.load()
        if not manifest.get("features"):
            raise CommandError("请先运行 portrait run / run the pipeline first")
        outcomes = options["outcomes"] or data / "_outcomes.parquet"
        if not outcomes.is_file():
            raise CommandError(f"找不到贷款结果文件 / no outcomes file: {outcomes}")
        feats = ", ".join(f"'{p}'" for p in features_files(lake.path(manifest["features"])))
        con = duckdb.connect()
        cur = con.execute(
            f"SELECT f.*, o.defaulted FROM read_parquet([{feats}]) f "
            f"JOIN read_parquet('{outcomes}') o USING (uscc) WHERE f.mi = {manifest['last_mi']} "
            "ORDER BY f.uscc"
        )
        columns = [d[0] for d in cur.description]
        rows = []
        for values in cur.fetchall():
            record = dict(zip(columns, values, strict=True))
            rows.append((domain.derive(record), bool(record["defaulted"])))
        now = timezone.now()
        start = active_scorecard(timezone.localdate(now))
        try:
            report = domain.fit_scorecard(
                rows, start=start, seed=options["seed"], version=f"fit-{now:%Y%m%d%H%M%S}"
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        fit = scorecard_fit_save(report=report, now=now, activate=options["activate"])
        self.stdout.write(
            self.style.SUCCESS(
                f"评分卡 {fit.version}：训练 {report.n_train:,} 笔，留出检验 {report.n_test:,} 笔，"
                f"违约率 {report.bad_rate:.1%}\n"
                f"  留出样本 held-out AUC {report.auc_test:.3f}（校准前 before {report.auc_test_before:.3f}），"
                f"KS {report.ks_test:.3f}；训练 AUC {report.auc_train:.3f}"
                + (
                    "；已启用 / activated"
                    if options["activate"]
                    else "；未启用，加 --activate 启用"
                )
            )
        )

    def _generate(self, options: dict[str, Any]) -> None:
        from rainforest.portrait.synth import generate

        result = generate(
            options["out"],
            firms=options["firms"],
            months=options["months"],
            as_of=options["as_of"],
            seed=options["seed"],
            fmt=options["format"],
            bad_rows=options["bad_rows"],
            progress=self._say,
        )
        self.stdout.write(
            self.style.SUCCESS(f"写入 {result.total_rows:,} 行 / rows to {result.directory}")
        )
