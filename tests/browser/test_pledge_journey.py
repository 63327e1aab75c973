"""The IP-pledge journey in a real browser: file, return, correct, register, certificate."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pyotp
import pytest
from pypdf import PdfReader

from rainforest.finance.domain import SEED_LETTER, patent_check_char
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path("/tmp/rainforest-case.png")


def _sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('登录')")


def _summary(page: Any, term: str) -> str:
    """The answer beside ``term`` in the page's summary lists."""
    return str(page.locator(f"dt:text-is('{term}') + dd").first.inner_text())


def _spaced_lower(code: str) -> str:
    """The code as someone might copy it from a licence: in groups, in lower case."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4)).lower()


def test_pledge_journey_bank_files_staff_returns_bank_corrects_staff_registers(
    new_page: Any, officer: Any, banker_a: Any, bank_a: Any, firm: Any, tmp_path: Path
) -> None:
    # Arrange: everything the database needs is made before the browser work starts.
    body = "202310123456"
    patent = f"ZL{body}.{patent_check_char(body)}"
    totp = pyotp.TOTP(officer.totp_secret)

    # The bank officer files a pledge through the form.
    bank = new_page()
    _sign_in(bank, banker_a.username)
    bank.click("nav >> text=新建质押登记")
    bank.fill("#id_pledgor_uscc", _spaced_lower(firm.uscc))
    bank.fill("#id_pledgor_name", firm.name)
    bank.fill("#id_patents", patent)
    bank.fill("#id_loan_amount", "500万")
    bank.fill("#id_term_months", "12")
    bank.click("button:has-text('继续')")

    # Check your answers: the code and the amount as the platform understood them.
    assert bank.locator("h1").inner_text() == "核对您的填写"
    assert _summary(bank, "出质人") == f"{firm.name}（{firm.uscc}）"
    assert _summary(bank, "质押标的") == f"专利 {body}.{patent_check_char(body)}"
    assert _summary(bank, "贷款金额") == "5000000.00 元"
    assert _summary(bank, "贷款期限") == "12 个月"
    bank.click("button:has-text('提交登记')")

    case_number = bank.locator("#case-number").inner_text()
    assert re.fullmatch(r"[A-Z]+-\d{4}-\d{6}", case_number)

    # The staff officer signs in with the second factor and opens the case from 我的待办.
    staff = new_page()
    _sign_in(staff, officer.username)
    assert "/accounts/second-factor/" in staff.url
    staff.fill("#id_code", totp.now())
    staff.click("button:has-text('验证')")
    staff.click("nav >> text=我的待办")
    staff.click(f"text={case_number}")
    assert staff.locator("h1").inner_text() == f"{firm.name} 知识产权质押登记"

    # Returning without a reason is refused with the error summary.
    staff.click("button[name=do][value=return]")
    summary = staff.locator(".error-summary")
    assert summary.locator("h2").inner_text() == "存在以下问题"
    assert summary.locator("a").get_attribute("href") == "#reason-return"
    assert staff.title().startswith("错误：")

    staff.fill("#reason-return", "质押合同缺少签章页，请补充后重新提交。")
    staff.click("button[name=do][value=return]")
    assert staff.locator(".error-summary").count() == 0

    # The bank sees the clock paused and corrects the term.
    bank.goto(f"/cases/?q={case_number}")
    bank.click(f"text={case_number}")
    assert bank.locator("main > .tag").inner_text() == "暂停计时（待补正）"
    assert _summary(bank, "办理期限") == "暂停计时：等待申请方补正"
    timeline = bank.locator("ol.timeline").inner_text()
    assert "退回补正（登记审查 → 待补正）" in timeline
    assert "质押合同缺少签章页" in timeline
    bank.click("#resubmit-link")
    assert "质押合同缺少签章页" in bank.locator(".warning-text").inner_text()
    bank.fill("#id_term_months", "24")
    bank.click("button:has-text('重新提交')")
    assert _summary(bank, "贷款期限") == "24 个月"
    assert bank.locator("main > .tag").inner_text() != "暂停计时（待补正）"

    # The officer registers it.
    staff.reload()
    staff.click("button[name=do][value=register]")
    number = staff.locator("#registration-number").inner_text()
    assert re.fullmatch(r"ZYDJ-\d{4}-\d{6}", number)
    assert _summary(staff, "政策依据") == f"{SEED_LETTER} 二（二）"

    # The bank downloads the certificate; it carries the registration number.
    bank.reload()
    assert bank.locator("#registration-number").inner_text() == number
    with bank.expect_download() as info:
        bank.click("#certificate-link")
    saved = tmp_path / "certificate.pdf"
    info.value.save_as(saved)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(saved.read_bytes())).pages)
    assert number in text
    assert case_number in text

    staff.screenshot(path=str(SCREENSHOT), full_page=True)
