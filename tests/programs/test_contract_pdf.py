"""programs/contract_pdf.py: the task contract PDF, read back with pypdf and pdftotext."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from rainforest.core.ids import make_uscc
from rainforest.core.money import format_yuan
from rainforest.programs.contract_pdf import (
    ContractBudgetLine,
    ContractIndicator,
    ContractMilestone,
    ContractParty,
    ContractSignature,
    ContractTranche,
    TaskContractData,
    budget_totals,
    render_task_contract,
)

SH = ZoneInfo("Asia/Shanghai")
BUREAU = ContractParty("深圳市科技创新局", make_uscc("11440300MB2C00001"))
LEAD = ContractParty("深圳市雨林智能科技有限公司", make_uscc("91440300MA5F00001"), "牵头单位")
MEMBERS = (
    ContractParty("深圳大学", make_uscc("12440300MB2C00002"), "算法研究"),
    ContractParty("深圳市上游材料有限公司", make_uscc("91440300MA5F00003"), "材料供应与验证"),
)
MILESTONES = (
    ContractMilestone("方案设计评审", date(2027, 3, 31), "总体设计方案、评审意见"),
    ContractMilestone("原理样机完成", date(2027, 9, 30), "原理样机一台、测试报告"),
    ContractMilestone("工程样机通过测试", date(2028, 6, 30), "第三方检测报告"),
)
BUDGET = (
    ContractBudgetLine("设备费", Decimal("1000000.00"), Decimal("500000.00")),
    ContractBudgetLine("材料费", Decimal("234567.89"), Decimal("0.00")),
    ContractBudgetLine("测试化验加工费", Decimal("300000.00"), Decimal("120000.00")),
)


def contract(**changes: object) -> TaskContractData:
    base = TaskContractData(
        contract_number="RWS-2026-000001",
        project_number="ZDZX-2026-001",
        project_title="面向低空经济的高精度导航芯片研发",
        bureau=BUREAU,
        lead=LEAD,
        members=MEMBERS,
        period_start=date(2026, 10, 1),
        period_end=date(2028, 9, 30),
        goals="研制满足低空飞行器需求的高精度、低功耗导航芯片，形成自主可控的产品。",
        indicators=(ContractIndicator("定位精度", "水平 ≤ 0.1 米"),),
        milestones=MILESTONES,
        budget=BUDGET,
        tranches=(
            ContractTranche(1, "任务书签订后", Decimal("613827.15")),
            ContractTranche(2, "中期检查通过后", Decimal("613827.15")),
            ContractTranche(3, "验收通过后", Decimal("306913.59")),
        ),
        call_title="2026年度重点领域研发计划（集成电路）",
        organisation_mode="项目经理人制",
        principal_investigator="王五",
    )
    return replace(base, **changes)  # type: ignore[arg-type]  # test helper: fields vary


def pypdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squeeze(text: str) -> str:
    """Drop whitespace: wrapped lines and column gaps differ between extractors."""
    return re.sub(r"\s+", "", text)


def expected_snippets(data: TaskContractData) -> list[str]:
    _, _, total = budget_totals(data.budget)
    return [
        data.bureau.name,
        data.bureau.uscc,
        data.lead.name,
        data.lead.uscc,
        *(m.name for m in data.members),
        *(m.uscc for m in data.members),
        data.project_title,
        data.project_number,
        f"项目总经费{format_yuan(total)}",
        *(m.title for m in data.milestones),
    ]


def test_budget_totals_fiscal_self_raised_total() -> None:
    assert budget_totals(BUDGET) == (
        Decimal("1534567.89"),
        Decimal("620000.00"),
        Decimal("2154567.89"),
    )


def test_render_task_contract_is_a_pdf_and_deterministic() -> None:
    first = render_task_contract(contract())
    assert (first[:5], first == render_task_contract(contract())) == (b"%PDF-", True)


def test_render_task_contract_text_pypdf_has_parties_total_milestones() -> None:
    data = contract()
    text = squeeze(pypdf_text(render_task_contract(data)))
    missing = [s for s in expected_snippets(data) if squeeze(s) not in text]
    assert missing == []
    assert "2,154,567.89元" in text


@pytest.fixture(scope="module")
def pdftotext() -> str:
    path = shutil.which("pdftotext")
    if path is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; apt-get install -y poppler-utils")
    return path


def test_render_task_contract_text_pdftotext_has_parties_total_milestones(
    pdftotext: str, tmp_path: Path
) -> None:
    data = contract()
    pdf = tmp_path / "contract.pdf"
    pdf.write_bytes(render_task_contract(data))
    out = subprocess.run(
        [pdftotext, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    text = squeeze(out)
    missing = [s for s in expected_snippets(data) if squeeze(s) not in text]
    assert missing == []


def test_render_task_contract_many_milestones_span_pages_with_numbers() -> None:
    milestones = tuple(
        ContractMilestone(f"第{i}号节点任务", date(2027, 1, 1 + i % 28), "阶段报告、测试数据" * 4)
        for i in range(1, 61)
    )
    data = contract(milestones=milestones, goals="研制高精度导航芯片并实现量产。" * 120)
    reader = PdfReader(io.BytesIO(render_task_contract(data)))
    pages = len(reader.pages)
    texts = [squeeze(p.extract_text()) for p in reader.pages]
    assert pages > 2
    assert [f"第{n}页共{pages}页" in t for n, t in enumerate(texts, start=1)] == [True] * pages
    joined = "".join(texts)
    assert [m.title for m in milestones if m.title not in joined] == []


def test_render_task_contract_lump_sum_collapses_budget() -> None:
    text = squeeze(pypdf_text(render_task_contract(contract(lump_sum=True))))
    assert ("包干经费（不分科目）" in text, "设备费" in text) == (True, False)


def test_render_task_contract_signature_blocks_signed_and_unsigned() -> None:
    data = contract(
        signatures=(
            ContractSignature(
                "甲方", BUREAU.name, "张三", datetime(2026, 9, 30, 2, 0, tzinfo=ZoneInfo("UTC"))
            ),
            ContractSignature("乙方", LEAD.name),
        )
    )
    text = squeeze(pypdf_text(render_task_contract(data)))
    assert (
        "签署人：张三" in text,
        "签署时间：2026年9月30日10:00" in text,
        "签署人：＿＿＿＿＿＿" in text,
    ) == (
        True,
        True,
        True,
    )


def test_render_task_contract_escapes_markup_in_text() -> None:
    data = contract(project_title="导航<芯片>&算法 研发")
    assert "导航<芯片>&算法研发" in squeeze(pypdf_text(render_task_contract(data)))


def test_render_task_contract_needs_a_milestone() -> None:
    with pytest.raises(ValueError, match="milestone"):
        render_task_contract(contract(milestones=()))
