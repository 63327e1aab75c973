"""Voucher pages: each role's pages render their own data, and only their own."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.vouchers import services
from rainforest.vouchers.export import safe_text
from rainforest.vouchers.models import Redemption, Voucher, VoucherApplication
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, person
from tests.vouchers.conftest import uscc_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(
    open_budget: Any,
    provider: Any,
    applicant: Any,
    enterprise: Any,
    issue: Any,
    redeem: Any,
    officer: Any,
) -> dict[str, Any]:
    open_budget("compute", "100000")
    voucher = issue(applicant, enterprise, provider, "1000")
    confirmed = redeem(voucher, amount="600")
    services.redemption_confirm(redemption=confirmed, actor=applicant)
    pending = redeem(voucher, amount="200")
    today = timezone.localdate()
    settlement = services.settlement_create(
        provider=provider, period_start=today, period_end=today, actor=officer
    )
    return {
        "voucher": voucher,
        "confirmed": confirmed,
        "pending": pending,
        "settlement": settlement,
    }


def test_mine_shows_balances_and_pending(
    client: Client, world: dict[str, Any], applicant: Any
) -> None:
    sign_in(client, applicant)

    page = client.get("/vouchers/mine/").content.decode()

    assert world["voucher"].number in page
    assert '<td class="num balance">700.00</td>' in page
    assert '<td class="num held">100.00</td>' in page
    assert world["pending"].invoice_number in page


def test_mine_of_another_enterprise_shows_nothing_of_ours(
    client: Client, world: dict[str, Any], provider: Any, apply: Any
) -> None:
    other = OrganisationFactory(uscc=uscc_in("440300", 333))
    sign_in(client, person(Role.APPLICANT, other))

    page = client.get("/vouchers/mine/").content.decode()

    assert world["voucher"].number not in page
    assert world["pending"].invoice_number not in page


def test_confirm_from_page_moves_to_receivable(
    client: Client, world: dict[str, Any], applicant: Any
) -> None:
    sign_in(client, applicant)

    response = client.post(f"/vouchers/redemptions/{world['pending'].pk}/confirm/")

    assert response.status_code == 302
    world["pending"].refresh_from_db()
    assert world["pending"].status == "confirmed"


def test_confirm_by_another_enterprise_is_404(client: Client, world: dict[str, Any]) -> None:
    sign_in(client, person(Role.APPLICANT, OrganisationFactory()))

    response = client.post(f"/vouchers/redemptions/{world['pending'].pk}/confirm/")

    assert response.status_code == 404
    world["pending"].refresh_from_db()
    assert world["pending"].status == "pending"


def test_provider_home_shows_receivables(
    client: Client, world: dict[str, Any], provider_user: Any
) -> None:
    sign_in(client, provider_user)

    page = client.get("/vouchers/provider/").content.decode()

    assert '<dd id="receivable-pending">100.00 元</dd>' in page
    assert '<dd id="receivable-confirmed">300.00 元</dd>' in page
    assert '<dd id="receivable-paid">0.00 元</dd>' in page


def test_redeem_form_errors_summary_and_refill(
    client: Client, world: dict[str, Any], provider_user: Any
) -> None:
    sign_in(client, provider_user)

    response = client.post(
        "/vouchers/provider/redeem/",
        {
            "voucher_number": world["voucher"].number,
            "invoice_number": "12",
            "invoice_amount": "1.5.0",
        },
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert "存在以下问题" in page
    assert "<title>错误：" in page
    assert 'href="#id_invoice_number"' in page
    assert 'value="1.5.0"' in page


def test_redeem_voucher_of_another_provider_refused_on_form(
    client: Client, world: dict[str, Any], make_provider: Any
) -> None:
    org = OrganisationFactory(kind=OrganisationKind.PROVIDER, uscc=uscc_in("440300", 903))
    other = person(Role.PROVIDER, org)
    make_provider(other, org, legal_rep="赵六")
    sign_in(client, other)
    today = timezone.localdate().isoformat()

    response = client.post(
        "/vouchers/provider/redeem/",
        {
            "voucher_number": world["voucher"].number,
            "invoice_number": "25442000000000000077",
            "invoice_amount": "100",
            "invoice_date": today,
            "period_start": today,
            "period_end": today,
            "usage_evidence": "x",
        },
    )

    assert "未找到以您为服务商的该券号" in response.content.decode()
    assert Redemption.objects.filter(invoice_number="25442000000000000077").count() == 0


def test_apply_form_check_and_submit(
    client: Client, open_budget: Any, provider: Any, applicant: Any, enterprise: Any
) -> None:
    open_budget("compute")
    sign_in(client, applicant)

    form = client.post(
        "/vouchers/apply/",
        {
            "voucher_type": "compute",
            "provider": provider.pk,
            "amount": "50万",
            "planned_use": "训练",
            "contract_reference": "HT-1",
            "legal_representative": "张三",
            "shareholders": "张三，60\n李四,40",
        },
    )
    check = client.get("/vouchers/apply/check/").content.decode()
    done = client.post("/vouchers/apply/check/")

    assert form.status_code == 302
    assert "符合申领条件" in check
    assert "500,000.00 元" in check
    application = VoucherApplication.objects.get()
    assert done["Location"] == f"/vouchers/applications/{application.pk}/done/"
    assert application.shareholders == [
        {"name": "张三", "percent": "60"},
        {"name": "李四", "percent": "40"},
    ]


def test_apply_check_shows_ineligible_reasons_without_submit(
    client: Client, open_budget: Any, provider: Any, applicant: Any
) -> None:
    open_budget("compute")
    sign_in(client, applicant)
    client.post(
        "/vouchers/apply/",
        {
            "voucher_type": "compute",
            "provider": provider.pk,
            "amount": "10000000.01",
            "planned_use": "训练",
            "contract_reference": "HT-1",
            "legal_representative": "张三",
        },
    )

    page = client.get("/vouchers/apply/check/").content.decode()
    refused = client.post("/vouchers/apply/check/")

    assert "不符合申领条件" in page
    assert "提交申领" not in page
    assert refused.status_code == 409
    assert VoucherApplication.objects.count() == 0


@pytest.mark.parametrize(
    "path",
    ["/vouchers/staff/", "/vouchers/staff/settlements/", "/vouchers/staff/oversight/"],
)
def test_staff_pages_hidden_from_others(
    client: Client, world: dict[str, Any], applicant: Any, path: str
) -> None:
    sign_in(client, applicant)

    assert client.get(path).status_code == 404


def test_staff_pages_render(client: Client, world: dict[str, Any], officer: Any) -> None:
    sign_in(client, officer)
    year = timezone.localdate().year

    home = client.get("/vouchers/staff/").content.decode()
    settlements = client.get("/vouchers/staff/settlements/").content.decode()
    oversight = client.get("/vouchers/staff/oversight/").content.decode()
    report = client.get(f"/vouchers/staff/report/{year}/").content.decode()

    assert '<td class="num issued">1,000.00</td>' in home
    assert world["settlement"].number in settlements
    assert "<svg" in oversight
    assert "训力券预算使用情况" in oversight
    assert "年度报告" in report


def test_settlement_paid_from_page(client: Client, world: dict[str, Any], officer: Any) -> None:
    sign_in(client, officer)

    client.post(
        f"/vouchers/staff/settlements/{world['settlement'].pk}/paid/", {"reference": "GK-9"}
    )

    world["settlement"].refresh_from_db()
    assert (world["settlement"].status, world["settlement"].paid_reference) == ("paid", "GK-9")


def test_settlement_xlsx_lists_lines_and_is_formula_safe(
    client: Client, world: dict[str, Any], officer: Any, enterprise: Any
) -> None:
    enterprise.name = '=HYPERLINK("http://x")'
    enterprise.save()
    sign_in(client, officer)

    response = client.get(f"/vouchers/settlements/{world['settlement'].pk}/list.xlsx")
    ws = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]

    header = values.index(
        [
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
    )
    line = values[header + 1]
    assert line[1] == world["voucher"].number
    assert line[3] == '\'=HYPERLINK("http://x")'
    assert line[5] == world["confirmed"].invoice_number
    assert float(line[9]) == 300.0
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("甲公司", "甲公司"),
    ],
)
def test_safe_text_prefixes_formula_starts(text: str, safe: str) -> None:
    assert safe_text(text) == safe


def test_public_figures_without_sign_in(client: Client, world: dict[str, Any]) -> None:
    page = client.get("/vouchers/public/figures/").content.decode()

    assert '<td class="num issued">1,000.00</td>' in page
    assert '<td class="num redeemed">300.00</td>' in page
    assert "获券企业共 1 家" in page
    assert world["voucher"].number not in page  # figures, not vouchers


def test_case_page_shows_application_and_voucher(
    client: Client, world: dict[str, Any], applicant: Any
) -> None:
    sign_in(client, applicant)

    page = client.get(f"/cases/{world['voucher'].application.case_id}/").content.decode()

    assert f'<dd id="voucher-number">{world["voucher"].number}</dd>' in page


@pytest.mark.parametrize("n", [1, 3])
def test_mine_query_count_does_not_grow(
    client: Client,
    open_budget: Any,
    provider: Any,
    applicant: Any,
    enterprise: Any,
    issue: Any,
    redeem: Any,
    n: int,
    django_assert_num_queries: Any,
) -> None:
    open_budget("compute", "100000")
    for _ in range(n):
        redeem(issue(applicant, enterprise, provider, "1000"), amount="100")
    sign_in(client, applicant)
    client.get("/vouchers/mine/")  # warm the session and caches

    with CaptureQueriesContext(connection) as ctx:
        client.get("/vouchers/mine/")

    assert Voucher.objects.count() == n
    assert len(ctx) == QUERIES_MINE


QUERIES_MINE = 9


def test_staff_page_suspends_a_provider_with_its_reason(
    client: Client, officer: Any, provider: Any
) -> None:
    from rainforest.audit.models import AuditRecord
    from rainforest.vouchers.models import Provider, ProviderStatus

    sign_in(client, officer)
    url = f"/vouchers/staff/providers/{provider.pk}/suspend/"
    assert provider.organisation.name in client.get("/vouchers/staff/").content.decode()

    refused = client.post(url, {"reason": "  "}, follow=True)
    assert Provider.objects.get(pk=provider.pk).status == ProviderStatus.APPROVED
    assert "暂停理由" in refused.content.decode()

    client.post(url, {"reason": "发票与实际服务不符"})

    suspended = Provider.objects.get(pk=provider.pk)
    assert (suspended.status, suspended.suspended_reason) == (
        ProviderStatus.SUSPENDED,
        "发票与实际服务不符",
    )
    assert AuditRecord.objects.filter(action="vouchers.provider_suspend").count() == 1


def test_provider_suspend_page_is_not_found_for_others(
    client: Client, provider: Any, provider_user: Any
) -> None:
    from rainforest.vouchers.models import Provider, ProviderStatus

    sign_in(client, provider_user)

    response = client.post(f"/vouchers/staff/providers/{provider.pk}/suspend/", {"reason": "x"})

    assert response.status_code == 404
    assert Provider.objects.get(pk=provider.pk).status == ProviderStatus.APPROVED
