"""The settlement list (结算清单) as an xlsx workbook, safe to open in a spreadsheet.

Text that a spreadsheet would read as a formula (starting with = + - @ or a tab or
carriage return) is written as text with a leading apostrophe, so an enterprise name or
an invoice note can never run as a formula (CSV/formula injection).
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import Cell

from rainforest.vouchers import domain
from rainforest.vouchers.models import Settlement
from rainforest.vouchers.selectors import settlement_lines

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

HEADERS = [
    "序号",
    "券号",
    "券种",
    "企业",
    "企业统一社会信用代码",
    "发票号码",
    "开票日期",
    "服务期间",
    "发票金额（元）",
    "券支付金额（元）",
    "企业确认时间",
]


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as typed, never evaluates."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _put(cell: Cell, value: Any) -> None:
    if isinstance(value, str):
        cell.value = safe_text(value)
        cell.data_type = "s"  # never a formula, whatever the text looks like
    else:
        cell.value = value
        if isinstance(value, Decimal):
            cell.number_format = "#,##0.00"


def settlement_xlsx(settlement: Settlement) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "结算清单"
    provider = settlement.provider.organisation
    head = [
        ["结算单号", settlement.number],
        ["服务商", provider.name],
        ["统一社会信用代码", provider.uscc],
        ["开户银行", settlement.provider.bank_name],
        ["银行账号", settlement.provider.bank_account],
        [
            "结算期间",
            f"{settlement.period_start.isoformat()} 至 {settlement.period_end.isoformat()}",
        ],
        ["结算金额（元）", settlement.total],
        ["付款凭证号", settlement.paid_reference or "（未付款）"],
        [],
    ]
    rows: list[list[Any]] = [*head, HEADERS]
    for n, r in enumerate(settlement_lines(settlement), start=1):
        rows.append(
            [
                n,
                r.voucher.number,
                domain.TYPE_NAMES[r.voucher.voucher_type][0],
                r.voucher.enterprise.name,
                r.voucher.enterprise.uscc,
                r.invoice_number,
                r.invoice_date.isoformat(),
                f"{r.period_start.isoformat()} 至 {r.period_end.isoformat()}",
                r.invoice_amount,
                r.amount,
                timezone.localtime(r.decided_at).strftime("%Y-%m-%d %H:%M") if r.decided_at else "",
            ]
        )
    rows.append(["", "", "", "", "", "", "", "合计", "", settlement.total, ""])
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row, start=1):
            _put(ws.cell(row=i, column=j), value)
    for letter, width in zip(
        "ABCDEFGHIJK", (8, 18, 8, 28, 22, 24, 12, 26, 16, 16, 18), strict=True
    ):
        ws.column_dimensions[letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
