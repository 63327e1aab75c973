"""The registration certificate (质押登记通知书) as a PDF with Chinese text."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from rainforest.core.money import format_yuan

# A standard CJK font every PDF reader has; nothing to ship or download.
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def render_certificate(pledge: Any, *, issued_at: datetime) -> bytes:
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=True)
    pdf.setTitle(f"知识产权质押登记通知书 {pledge.registration_number}")
    pdf.setAuthor("科创雨林")
    width, height = A4
    y = height - 30 * mm
    pdf.setFont(FONT, 20)
    pdf.drawCentredString(width / 2, y, "知识产权质押登记通知书")
    y -= 16 * mm
    pdf.setFont(FONT, 12)
    local = timezone.localtime(issued_at)
    items = "；".join(
        ("专利 " if i["kind"] == "patent" else "商标 ") + i["number"] for i in pledge.ip_items
    )
    lines = [
        ("登记号", pledge.registration_number),
        ("办件编号", pledge.case.number),
        ("出质人", f"{pledge.pledgor_name}（{pledge.pledgor_uscc}）"),
        ("质权人", f"{pledge.pledgee_bank.name}（{pledge.pledgee_bank.uscc}）"),
        ("质押标的", items),
        ("贷款金额", format_yuan(pledge.loan_amount, "元")),
        ("贷款期限", f"{pledge.term_months} 个月"),
        ("普惠贷款", "是" if pledge.inclusive else "否"),
        ("登记日期", f"{local.year}年{local.month}月{local.day}日"),
    ]
    for label, value in lines:
        pdf.drawString(25 * mm, y, f"{label}：")
        pdf.drawString(55 * mm, y, str(value))
        y -= 10 * mm
    y -= 6 * mm
    pdf.drawString(25 * mm, y, "经审查，上述知识产权质押符合登记条件，准予登记。")
    y -= 20 * mm
    pdf.drawRightString(width - 25 * mm, y, "科创雨林 知识产权质押登记")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
