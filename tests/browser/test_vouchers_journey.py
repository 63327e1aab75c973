"""The voucher journey in a real browser: apply, approve, redeem twice, confirm, settle.

At the end the same money shows the same on every page: the enterprise's balance, the
provider's receivables, the staff's settlement and budget tables and the public figures.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyotp
import pytest
from django.utils import timezone

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.core.ids import make_uscc
from rainforest.vouchers import services
from tests.factories import PASSWORD, OrganisationFactory, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path("/tmp/rainforest-vouchers.png")


def _sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('登录')")


def _cell(page: Any, row: str, cls: str) -> str:
    return str(page.locator(f"{row} td.{cls}").first.inner_text()).strip()


def test_voucher_journey_apply_approve_redeem_twice_settle_balances_agree(
    new_page: Any, officer: Any, tmp_path: Path
) -> None:
    # Arrange: a budget, an approved provider, an enterprise registered in Shenzhen.
    year = timezone.localdate().year
    today = timezone.localdate().isoformat()
    services.budget_open(voucher_type="compute", year=year, amount=Decimal("100000"), actor=officer)
    provider_org = OrganisationFactory(
        name="鹏城算力服务有限公司",
        kind=OrganisationKind.PROVIDER,
        uscc=make_uscc("91440300000000901"),
    )
    provider_user = person(Role.PROVIDER, provider_org, username="provider1")
    provider = services.provider_register(
        actor=provider_user,
        organisation=provider_org,
        voucher_types=["compute"],
        legal_representative="王五",
        shareholders=[("深圳市算力投资有限公司", "60")],
        services="GPU 训练与推理算力",
        price_list="A800 每卡时 8 元",
        bank_name="招商银行深圳分行",
        bank_account="6225881234567890",
    )
    services.provider_approve(provider=provider, actor=officer)
    firm = OrganisationFactory(name="前海智能科技有限公司", uscc=make_uscc("91440300000000101"))
    applicant = person(Role.APPLICANT, firm, username="ai1")
    totp = pyotp.TOTP(officer.totp_secret)

    # The enterprise applies: form, check your answers with the eligibility decision, submit.
    ent = new_page()
    _sign_in(ent, applicant.username)
    ent.goto("/vouchers/apply/")
    ent.check("#id_voucher_type_0")
    ent.select_option("#id_provider", str(provider.pk))
    ent.fill("#id_amount", "1,000")
    ent.fill("#id_planned_use", "训练行业大模型")
    ent.fill("#id_contract_reference", "HT-2026-001")
    ent.fill("#id_legal_representative", "张三")
    ent.fill("#id_shareholders", "张三，70\n李四，30")
    ent.click("button:has-text('继续')")
    assert ent.locator("h1").inner_text() == "核对您的填写"
    assert ent.locator("#eligibility").inner_text().startswith("符合申领条件")
    ent.click("button:has-text('提交申领')")
    case_number = ent.locator("#case-number").inner_text()
    assert re.fullmatch(r"VAP-\d{4}-\d{6}", case_number)

    # Staff sign in with the second factor and approve from the case page.
    staff = new_page()
    _sign_in(staff, officer.username)
    staff.fill("#id_code", totp.now())
    staff.click("button:has-text('验证')")
    staff.goto("/vouchers/staff/")
    staff.click(f"text={case_number}")
    staff.click("button[name=do][value=approve]")
    voucher_number = staff.locator("#voucher-number").inner_text()
    assert re.fullmatch(rf"XLQ-{year}-\d{{6}}", voucher_number)

    # The provider redeems a first invoice: half of 800.00 is paid, 400.00.
    prov = new_page()
    _sign_in(prov, provider_user.username)

    def redeem(invoice: str, amount: str) -> str:
        prov.goto("/vouchers/provider/redeem/")
        prov.fill("#id_voucher_number", voucher_number.lower())
        prov.fill("#id_invoice_number", invoice)
        prov.fill("#id_invoice_amount", amount)
        prov.fill("#id_invoice_date", today)
        prov.fill("#id_period_start", today)
        prov.fill("#id_period_end", today)
        prov.fill("#id_usage_evidence", "A800 训练 100 卡时")
        prov.click("button:has-text('提交核销')")
        return str(prov.locator("#redeemed-amount").inner_text())

    assert redeem("2544 2000 0000 0000 0001", "800") == "400.00 元"

    # The enterprise sees 400.00 held and confirms.
    row = f"tr[data-voucher='{voucher_number}']"
    ent.goto("/vouchers/mine/")
    assert (_cell(ent, row, "balance"), _cell(ent, row, "held")) == ("1,000.00", "400.00")
    ent.click("button[name=confirm][value='25442000000000000001']")
    assert (_cell(ent, row, "balance"), _cell(ent, row, "held")) == ("600.00", "0.00")

    # The same invoice again is refused; a second invoice pays the rest (600.00 of 2,500.00).
    prov.goto("/vouchers/provider/redeem/")
    prov.fill("#id_voucher_number", voucher_number)
    prov.fill("#id_invoice_number", "25442000000000000001")
    prov.fill("#id_invoice_amount", "900")
    prov.fill("#id_usage_evidence", "再次提交同一张发票")
    prov.click("button:has-text('提交核销')")
    assert prov.locator(".error-summary h2").inner_text() == "存在以下问题"
    assert "已核销过" in prov.locator(".error-summary").inner_text()
    assert prov.title().startswith("错误：")
    assert redeem("25442000000000000002", "5000") == "600.00 元"
    ent.reload()
    ent.click("button[name=confirm][value='25442000000000000002']")
    assert (_cell(ent, row, "balance"), _cell(ent, row, "held")) == ("0.00", "0.00")

    # Staff settle the provider for today and record the payment.
    staff.goto("/vouchers/staff/settlements/")
    staff.select_option("#id_provider", str(provider.pk))
    staff.fill("#id_period_start", today)
    staff.fill("#id_period_end", today)
    staff.click("button:has-text('生成结算单')")
    settlement = staff.locator("#settlements tbody tr").first
    assert settlement.locator("td.num").nth(1).inner_text() == "1,000.00"
    with staff.expect_download() as info:
        settlement.locator("a.xlsx").click()
    info.value.save_as(tmp_path / "settlement.xlsx")
    settlement.locator("input[name=reference]").fill("GK-2026-0001")
    settlement.locator("button:has-text('登记付款')").click()
    assert "已付款 GK-2026-0001" in staff.locator("#settlements tbody tr").first.inner_text()

    # Every page tells the same story.
    prov.goto("/vouchers/provider/")
    assert prov.locator("#receivable-pending").inner_text() == "0.00 元"
    assert prov.locator("#receivable-confirmed").inner_text() == "0.00 元"
    assert prov.locator("#receivable-paid").inner_text() == "1,000.00 元"
    provider_row = f"tr[data-provider='{provider_org.uscc}']"
    assert (_cell(staff, provider_row, "confirmed"), _cell(staff, provider_row, "paid")) == (
        "0.00",
        "1,000.00",
    )
    budget_row = f"tr[data-budget='compute-{year}']"
    staff.goto("/vouchers/staff/")
    assert [
        _cell(staff, budget_row, c) for c in ("remaining", "issued", "redeemed", "pending")
    ] == [
        "99,000.00",
        "1,000.00",
        "1,000.00",
        "0.00",
    ]
    staff.goto("/vouchers/staff/oversight/")
    assert (
        "已发放 1,000.00 元，已核销 1,000.00 元，预算余额 99,000.00 元"
        in staff.locator(f"section[data-budget='compute-{year}']").inner_text()
    )
    public = new_page()
    public.goto("/vouchers/public/figures/")
    assert [_cell(public, budget_row, c) for c in ("issued", "redeemed")] == [
        "1,000.00",
        "1,000.00",
    ]
    assert public.locator("#enterprise-count").inner_text() == "获券企业共 1 家。"
    staff.screenshot(path=str(SCREENSHOT), full_page=True)
