"""``rainforest enterprises import FILE``: load the registry from a spreadsheet.

All rows or none: when any row is wrong, every problem is printed with its row and
column and nothing is written (the exit status is then 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rainforest.enterprises.services import enterprise_import_file


class Command(BaseCommand):
    help = "企业库：import FILE 从 .xlsx 导入 / enterprise registry: import FILE"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="从 .xlsx 导入企业及其资质 / import an .xlsx file")
        load.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"找不到文件 / no such file: {path}")
        with path.open("rb") as stream:
            result = enterprise_import_file(
                actor=None, stream=stream, source=path.name, check_permission=False
            )
        if not result.ok:
            for e in result.errors:
                where = f"第 {e.row} 行" if e.row else "文件"
                column = f" {e.column}列（{e.header}）" if e.column else ""
                self.stderr.write(f"{where}{column}：{e.message_zh}")
            raise CommandError(
                f"发现 {len(result.errors)} 处问题，未导入任何内容 / nothing imported"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"读取 {result.rows} 行：新增企业 {result.created} 家，更新 {result.updated} 家，"
                f"未变 {result.unchanged} 家；新增资质 {result.holdings_created} 项，"
                f"更新 {result.holdings_updated} 项"
            )
        )
