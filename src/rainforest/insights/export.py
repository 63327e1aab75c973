"""The dashboard's tables as an Excel workbook (xlsx), formula-injection safe.

Names in the workbook come partly from people (a call's title, a field's name): a text
that starts with = + - @ (or a tab or carriage return) would be read by a spreadsheet as
a formula. Every such text is stored as a text cell with the quote prefix set, so Excel,
WPS and LibreOffice show it as typed and never evaluate it, even after an edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from rainforest.insights import registry
from rainforest.insights.domain import METHOD_ZH
from rainforest.insights.selectors import Dashboard

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

KIND_ZH = {"task": "办理", "wait_applicant": "等待申请方（不计时）"}

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_cell(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write one value; a text that looks like a formula stays text."""
    if isinstance(value, Decimal):
        value = float(value) if value != value.to_integral_value() else int(value)
    cell: Cell = sheet.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _table(sheet: Worksheet, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    bold = Font(bold=True)
    for col, name in enumerate(header, start=1):
        write_cell(sheet, 1, col, name).font = bold
    for r, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            write_cell(sheet, r, col, value)
    for col, name in enumerate(header, start=1):
        letter = sheet.cell(row=1, column=col).column_letter
        sheet.column_dimensions[letter].width = max(10, 2 * len(name) + 2)
    sheet.freeze_panes = "A2"


def filter_rows(dashboard: Dashboard, process_names: dict[str, str]) -> list[list[Any]]:
    f = dashboard.filters
    dim = registry.dimension(f.process, f.dimension) if f.process and f.dimension else None
    return [
        ["年份", f.year if f.year is not None else "全部"],
        ["事项", process_names.get(f.process, f.process) if f.process else "全部"],
        ["维度", dim.name_zh if dim is not None else "—"],
        ["取值", f.value_label or "—"],
        ["统计时点", timezone.localtime(dashboard.now).strftime("%Y-%m-%d %H:%M")],
        ["计算方法", METHOD_ZH],
        ["说明", "用时以工作日计；尚在办理中的环节不计入中位数和第90百分位，单列为“办理中”。"],
    ]


def workbook(dashboard: Dashboard) -> bytes:
    """The dashboard's tables, one sheet each, as xlsx bytes."""
    book = Workbook()
    stages = book.active
    assert stages is not None
    stages.title = "环节用时"
    rows: list[list[Any]] = []
    outcome_rows: list[list[Any]] = []
    span_rows: list[list[Any]] = []
    office_rows: list[list[Any]] = []
    share_rows: list[list[Any]] = []
    for p in dashboard.processes:
        for v in p.versions:
            for s in v.stages:
                rows.append(
                    [
                        p.name_zh,
                        v.version,
                        s.name_zh,
                        KIND_ZH.get(s.kind, s.kind),
                        s.time_limit_workdays if s.time_limit_workdays is not None else "—",
                        s.office.name_zh,
                        s.summary.completed,
                        s.summary.median if s.summary.median is not None else "—",
                        s.summary.p90 if s.summary.p90 is not None else "—",
                        s.summary.in_progress,
                        s.current,
                        s.overdue,
                    ]
                )
            for o in v.outcomes:
                outcome_rows.append([p.name_zh, v.version, o.name_zh, o.cases])
        for sp in p.spans:
            span_rows.append(
                [
                    p.name_zh,
                    sp.name_zh,
                    sp.summary.completed,
                    sp.summary.median if sp.summary.median is not None else "—",
                    sp.summary.p90 if sp.summary.p90 is not None else "—",
                    sp.summary.in_progress,
                ]
            )
        for office in p.overdue_by_office:
            office_rows.append([p.name_zh, office.office.name_zh, office.overdue])
        for sh in p.shares:
            for y in [*sh.years, sh.total]:
                share_rows.append(
                    [
                        p.name_zh,
                        sh.name_zh,
                        y.year if y is not sh.total else (y.year or "合计"),
                        sh.numerator_zh,
                        y.numerator,
                        sh.denominator_zh,
                        y.denominator,
                        y.percent if y.percent is not None else "—",
                    ]
                )
    for office in dashboard.overdue_by_office:
        office_rows.append(["全部事项", office.office.name_zh, office.overdue])
    _table(
        stages,
        [
            "事项",
            "版本",
            "环节",
            "类型",
            "时限（工作日）",
            "办理部门",
            "已完成次数",
            "中位数（工作日）",
            "第90百分位（工作日）",
            "办理中",
            "当前件数",
            "其中逾期",
        ],
        rows,
    )
    _table(
        book.create_sheet("时段"),
        ["事项", "时段", "已完成件数", "中位数（工作日）", "第90百分位（工作日）", "进行中"],
        span_rows,
    )
    _table(book.create_sheet("逾期按办理部门"), ["事项", "办理部门", "逾期件数"], office_rows)
    _table(
        book.create_sheet("占比"),
        ["事项", "指标", "年份", "分子", "分子数", "分母", "分母数", "占比（%）"],
        share_rows,
    )
    _table(book.create_sheet("办结情况"), ["事项", "版本", "结果", "件数"], outcome_rows)
    names = {p.code: p.name_zh for p in dashboard.processes}
    _table(book.create_sheet("筛选条件"), ["项目", "内容"], filter_rows(dashboard, names))
    out = BytesIO()
    book.save(out)
    return out.getvalue()
