"""The task contract (科技计划项目任务书) as a PDF in Chinese. No Django.

The caller (the programs services) turns the approved project into a
:class:`TaskContractData` and stores the bytes. The text flows over as many pages as it
needs: long text wraps (CJK line breaking), tables split across pages with their header
repeated, and every page carries the contract number and 「第 n 页 共 m 页」.

Signatures are recorded in the platform (person and time) and printed in the signature
blocks. A real electronic seal is out of scope; the hook for one is after rendering: sign
the returned bytes with a PAdES signature from the seal service (GB/T 38540) and store the
signed file instead. Nothing here changes for that.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from rainforest.core.money import format_yuan
from rainforest.core.workdays import DEFAULT_TZ

__all__ = [
    "STANDARD_OBLIGATIONS",
    "ContractBudgetLine",
    "ContractIndicator",
    "ContractMilestone",
    "ContractParty",
    "ContractSignature",
    "ContractTranche",
    "TaskContractData",
    "budget_totals",
    "render_task_contract",
]

# A standard CJK font every PDF reader has; nothing to ship or download.
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

STANDARD_OBLIGATIONS: tuple[str, ...] = (
    "甲方按本任务书约定的拨付计划和条件拨付财政资金，对项目实施进行监督、检查和验收。",
    "乙方应按本任务书约定的目标、考核指标、进度和预算组织实施项目，按时提交节点报告、"
    "中期检查材料和验收材料，并对所提交材料的真实性负责。",
    "乙方应按规定落实自筹资金，财政资金专款专用、单独核算，不得挤占、挪用、截留。",
    "项目实施中需调整团队成员、预算科目或实施进度的，乙方应通过平台提出变更申请，"
    "经批准后方可执行。",
    "乙方无正当理由未按期完成节点任务、弄虚作假或严重违约的，甲方可终止项目，"
    "并追回已拨付未按规定使用的财政资金。",
    "项目形成的知识产权、数据和成果的归属与使用，按国家和深圳市有关规定及本任务书约定执行。",
    "双方在平台上的签署记录（签署人、签署时间）与书面签字具有同等效力；"
    "本任务书未尽事宜，由双方协商并以书面形式补充。",
)


@dataclass(frozen=True)
class ContractParty:
    """A party or consortium member: name, unified social credit code, role in the project."""

    name: str
    uscc: str = ""
    role: str = ""
    address: str = ""
    representative: str = ""


@dataclass(frozen=True)
class ContractIndicator:
    """A target indicator (考核指标)."""

    name: str
    target: str


@dataclass(frozen=True)
class ContractMilestone:
    """A milestone (节点) with its due date and deliverables."""

    title: str
    due: date
    deliverables: str


@dataclass(frozen=True)
class ContractBudgetLine:
    """One budget category (预算科目): fiscal funds and self-raised funds, in yuan."""

    category: str
    fiscal: Decimal
    self_raised: Decimal


@dataclass(frozen=True)
class ContractTranche:
    """A payment tranche (拨付批次) and its condition."""

    index: int
    condition: str
    amount: Decimal


@dataclass(frozen=True)
class ContractSignature:
    """A signature block; ``signer`` and ``signed_at`` are empty until that side signs."""

    label: str
    organisation: str
    signer: str = ""
    signed_at: datetime | None = None


@dataclass(frozen=True)
class TaskContractData:
    contract_number: str
    project_number: str
    project_title: str
    bureau: ContractParty
    lead: ContractParty
    period_start: date
    period_end: date
    goals: str
    indicators: tuple[ContractIndicator, ...]
    milestones: tuple[ContractMilestone, ...]
    budget: tuple[ContractBudgetLine, ...]
    tranches: tuple[ContractTranche, ...]
    members: tuple[ContractParty, ...] = ()
    call_title: str = ""
    organisation_mode: str = ""
    principal_investigator: str = ""
    lump_sum: bool = False
    obligations: tuple[str, ...] = STANDARD_OBLIGATIONS
    signatures: tuple[ContractSignature, ...] = ()


def budget_totals(lines: Sequence[ContractBudgetLine]) -> tuple[Decimal, Decimal, Decimal]:
    """(fiscal, self-raised, total) of the budget table."""
    fiscal = sum((line.fiscal for line in lines), Decimal("0.00"))
    self_raised = sum((line.self_raised for line in lines), Decimal("0.00"))
    return fiscal, self_raised, fiscal + self_raised


# --- layout ----------------------------------------------------------------------------

_MARGIN = 20 * mm
_WIDTH = A4[0] - 2 * _MARGIN

_TITLE = ParagraphStyle(
    "title", fontName=FONT, fontSize=20, leading=28, alignment=TA_CENTER, wordWrap="CJK"
)
_SUBTITLE = ParagraphStyle(
    "subtitle", fontName=FONT, fontSize=12, leading=18, alignment=TA_CENTER, wordWrap="CJK"
)
_HEADING = ParagraphStyle(
    "heading",
    fontName=FONT,
    fontSize=13,
    leading=20,
    spaceBefore=8,
    spaceAfter=4,
    wordWrap="CJK",
    keepWithNext=1,
)
_BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")
_CELL = ParagraphStyle("cell", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")
_CELL_RIGHT = ParagraphStyle("cell_right", parent=_CELL, alignment=TA_RIGHT)


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    # Paragraph reads a little markup; everything we print is plain text, so escape it.
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _moment(moment: datetime) -> str:
    local = moment.astimezone(DEFAULT_TZ)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _table(rows: list[list[Any]], widths: list[float], *, total_row: bool = False) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 9.5),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if total_row:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.Color(0.95, 0.95, 0.95)))
    table.setStyle(TableStyle(style))
    return table


def _party_lines(label: str, party: ContractParty) -> list[Paragraph]:
    lines = [_p(f"{label}：{party.name}")]
    if party.uscc:
        lines.append(_p(f"统一社会信用代码：{party.uscc}"))
    if party.address:
        lines.append(_p(f"地址：{party.address}"))
    if party.representative:
        lines.append(_p(f"法定代表人（负责人）：{party.representative}"))
    return lines


def _story(data: TaskContractData) -> list[Any]:
    story: list[Any] = [
        Spacer(1, 20 * mm),
        _p("深圳市科技计划项目任务书", _TITLE),
        Spacer(1, 6 * mm),
        _p(data.project_title, _SUBTITLE),
        Spacer(1, 10 * mm),
        _p(f"任务书编号：{data.contract_number}"),
        _p(f"项目编号：{data.project_number}"),
    ]
    if data.call_title:
        story.append(_p(f"申请指南：{data.call_title}"))
    if data.organisation_mode:
        story.append(_p(f"组织实施方式：{data.organisation_mode}"))
    story.append(
        _p(f"实施期限：{_day(data.period_start)} 至 {_day(data.period_end)}"),
    )
    if data.principal_investigator:
        story.append(_p(f"项目负责人：{data.principal_investigator}"))

    story.append(_p("一、合同各方", _HEADING))
    story += _party_lines("甲方（项目主管部门）", data.bureau)
    story.append(Spacer(1, 2 * mm))
    story += _party_lines("乙方（项目承担单位、牵头单位）", data.lead)
    if data.members:
        story.append(Spacer(1, 2 * mm))
        story.append(_p("联合体成员单位（参与单位）："))
        rows: list[list[Any]] = [
            [
                _p("序号", _CELL),
                _p("单位名称", _CELL),
                _p("统一社会信用代码", _CELL),
                _p("分工", _CELL),
            ]
        ]
        for i, m in enumerate(data.members, start=1):
            rows.append(
                [_p(str(i), _CELL), _p(m.name, _CELL), _p(m.uscc, _CELL), _p(m.role, _CELL)]
            )
        story.append(_table(rows, [12 * mm, 70 * mm, 45 * mm, _WIDTH - 127 * mm]))

    story.append(_p("二、项目目标和考核指标", _HEADING))
    story.append(_p(data.goals))
    if data.indicators:
        story.append(Spacer(1, 2 * mm))
        rows = [[_p("序号", _CELL), _p("考核指标", _CELL), _p("目标值", _CELL)]]
        for i, ind in enumerate(data.indicators, start=1):
            rows.append([_p(str(i), _CELL), _p(ind.name, _CELL), _p(ind.target, _CELL)])
        story.append(_table(rows, [12 * mm, 80 * mm, _WIDTH - 92 * mm]))

    story.append(_p("三、进度安排（节点）", _HEADING))
    rows = [[_p("序号", _CELL), _p("节点", _CELL), _p("完成时间", _CELL), _p("交付成果", _CELL)]]
    for i, ms in enumerate(data.milestones, start=1):
        rows.append(
            [
                _p(str(i), _CELL),
                _p(ms.title, _CELL),
                _p(_day(ms.due), _CELL),
                _p(ms.deliverables, _CELL),
            ]
        )
    story.append(_table(rows, [12 * mm, 60 * mm, 30 * mm, _WIDTH - 102 * mm]))

    fiscal, self_raised, total = budget_totals(data.budget)
    story.append(_p("四、经费预算", _HEADING))
    story.append(
        _p(
            f"项目总经费 {format_yuan(total)}，其中财政资金 {format_yuan(fiscal)}，"
            f"自筹资金 {format_yuan(self_raised)}。"
        )
    )
    header = [
        _p("预算科目", _CELL),
        _p("财政资金（元）", _CELL),
        _p("自筹资金（元）", _CELL),
        _p("合计（元）", _CELL),
    ]
    rows = [header]
    if data.lump_sum:
        story.append(_p("本项目实行经费包干制，预算不分科目，由项目负责人按规定自主使用。"))
        rows.append(
            [
                _p("包干经费（不分科目）", _CELL),
                _p(format_yuan(fiscal), _CELL_RIGHT),
                _p(format_yuan(self_raised), _CELL_RIGHT),
                _p(format_yuan(total), _CELL_RIGHT),
            ]
        )
    else:
        for line in data.budget:
            rows.append(
                [
                    _p(line.category, _CELL),
                    _p(format_yuan(line.fiscal), _CELL_RIGHT),
                    _p(format_yuan(line.self_raised), _CELL_RIGHT),
                    _p(format_yuan(line.fiscal + line.self_raised), _CELL_RIGHT),
                ]
            )
    rows.append(
        [
            _p("合计", _CELL),
            _p(format_yuan(fiscal), _CELL_RIGHT),
            _p(format_yuan(self_raised), _CELL_RIGHT),
            _p(format_yuan(total), _CELL_RIGHT),
        ]
    )
    amount_w = (_WIDTH - 50 * mm) / 3
    story.append(_table(rows, [50 * mm, amount_w, amount_w, amount_w], total_row=True))

    story.append(_p("五、财政资金拨付", _HEADING))
    rows = [[_p("批次", _CELL), _p("拨付条件", _CELL), _p("金额（元）", _CELL)]]
    for t in data.tranches:
        rows.append(
            [
                _p(f"第{t.index}期", _CELL),
                _p(t.condition, _CELL),
                _p(format_yuan(t.amount), _CELL_RIGHT),
            ]
        )
    tranche_total = sum((t.amount for t in data.tranches), Decimal("0.00"))
    rows.append([_p("合计", _CELL), _p("", _CELL), _p(format_yuan(tranche_total), _CELL_RIGHT)])
    story.append(_table(rows, [20 * mm, _WIDTH - 65 * mm, 45 * mm], total_row=True))

    story.append(_p("六、双方权利和义务", _HEADING))
    for i, clause in enumerate(data.obligations, start=1):
        story.append(_p(f"{i}. {clause}"))

    story.append(_p("七、签署", _HEADING))
    signatures = data.signatures or (
        ContractSignature("甲方", data.bureau.name),
        ContractSignature("乙方", data.lead.name),
    )
    for sig in signatures:
        block = [
            _p(f"{sig.label}（盖章）：{sig.organisation}"),
            _p(f"签署人：{sig.signer or '＿＿＿＿＿＿'}"),
            _p(
                f"签署时间：{_moment(sig.signed_at) if sig.signed_at else '＿＿＿＿年＿＿月＿＿日'}"
            ),
            Spacer(1, 6 * mm),
        ]
        story.append(KeepTogether(block))
    return story


def _render(data: TaskContractData, total_pages: int | None) -> tuple[bytes, int]:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=f"科技计划项目任务书 {data.contract_number}",
        author="科创雨林",
        invariant=True,
    )

    def footer(canvas: Any, document: Any) -> None:
        page = canvas.getPageNumber()
        canvas.saveState()
        canvas.setFont(FONT, 9)
        text = f"第 {page} 页 共 {total_pages} 页" if total_pages else f"第 {page} 页"
        canvas.drawCentredString(A4[0] / 2, 10 * mm, text)
        canvas.drawString(_MARGIN, A4[1] - 12 * mm, f"任务书编号：{data.contract_number}")
        canvas.restoreState()

    doc.build(_story(data), onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue(), int(doc.page)


def render_task_contract(contract: TaskContractData) -> bytes:
    """The task contract as PDF bytes (the same data gives the same bytes)."""
    if not contract.milestones:
        raise ValueError("a task contract needs at least one milestone")
    _, pages = _render(contract, None)
    pdf, _ = _render(contract, pages)
    return pdf
