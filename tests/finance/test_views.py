"""finance/views.py: the filing pages (form, check, confirmation), the list, resubmission."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Case, TimelineEntry
from rainforest.cases.services import case_transition
from rainforest.finance.domain import patent_check_char
from rainforest.finance.models import PledgeRegistration
from rainforest.finance.services import pledge_register
from rainforest.finance.views import DRAFT_KEY
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

NEW = "/finance/pledges/new/"
CHECK = "/finance/pledges/new/check/"
LIST = "/finance/pledges/"
SECOND_FACTOR = "/accounts/second-factor/"
PATENT_BODY = "202310123456"


def _counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        PledgeRegistration.objects.count(),
        TimelineEntry.objects.count(),
        AuditRecord.objects.count(),
    )


def _title(response: Any) -> str:
    match = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert match is not None
    return match.group(1).strip()


def _summary_links(response: Any) -> list[tuple[str, str]]:
    html = response.content.decode()
    match = re.search(r'<div class="error-summary".*?<h2[^>]*>(.*?)</h2>(.*?)</div>', html, re.S)
    assert match is not None, "no error summary"
    assert match.group(1) == "存在以下问题"
    return re.findall(r'<a href="#([^"]+)">(.*?)</a>', match.group(2))


def _inline_errors(response: Any) -> list[tuple[str, str]]:
    html = response.content.decode()
    return re.findall(r'<p class="error-message" id="([^"]+)-error">(.*?)</p>', html)


def _value(response: Any, name: str) -> str:
    html = response.content.decode()
    textarea = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\n?(.*?)</textarea>', html, re.S)
    if textarea is not None:
        return textarea.group(1)
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag is not None, f"no field {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def _form(firm: Any, **change: str) -> dict[str, str]:
    return {
        "pledgor_uscc": firm.uscc,
        "pledgor_name": "雨林科技有限公司",
        "patents": f"ZL{PATENT_BODY}.{patent_check_char(PATENT_BODY)}",
        "trademarks": "",
        "loan_amount": "500万",
        "term_months": "12",
        **change,
    }


# --- the form -------------------------------------------------------------------------


def test_pledge_new_form_shows_bank_and_no_errors(
    client: Client, banker_a: Any, bank_a: Any
) -> None:
    sign_in(client, banker_a)

    response = client.get(NEW)

    assert (response.status_code, _title(response)) == (200, "新建知识产权质押登记 - 科创雨林")
    assert response.context["bank"] == bank_a
    assert response.context["form"].errors == {}


def test_pledge_new_for_non_bank_is_404(client: Client, officer: Any) -> None:
    sign_in(client, officer)

    assert client.get(NEW).status_code == 404


def test_pledge_new_bad_input_rerenders_with_errors_and_writes_nothing(
    client: Client, banker_a: Any, bank_a: Any, firm: Any
) -> None:
    sign_in(client, banker_a)
    before = _counts()

    response = client.post(
        NEW,
        _form(
            firm,
            pledgor_uscc="91440300 123",
            pledgor_name="",
            patents="",
            loan_amount="五百万",
            term_months="0",
        ),
    )

    assert (response.status_code, _title(response)) == (
        200,
        "错误：新建知识产权质押登记 - 科创雨林",
    )
    links = _summary_links(response)
    assert [anchor for anchor, _ in links] == [
        "id_pledgor_uscc",
        "id_pledgor_name",
        "id_patents",
        "id_loan_amount",
        "id_term_months",
    ]
    # The same words in the summary and beside each field.
    assert links == _inline_errors(response)
    assert dict(links)["id_pledgor_name"] == "请填写出质人名称"
    assert dict(links)["id_term_months"] == "贷款期限应为 1 至 360 个月"
    assert dict(links)["id_patents"] == "请至少填写一项专利号或商标注册号"
    assert dict(links)["id_loan_amount"] == (
        "金额「五百万」用了中文数字，请改用阿拉伯数字，例如「一百万」写成「100万」或「1000000」。"
    )
    # What was typed is shown again.
    assert (_value(response, "pledgor_uscc"), _value(response, "loan_amount")) == (
        "91440300 123",
        "五百万",
    )
    assert _counts() == before
    assert DRAFT_KEY not in client.session


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("patents", f"ZL{PATENT_BODY}.0"),  # wrong check character
        ("loan_amount", "0"),
        ("loan_amount", "-5"),
        ("loan_amount", "1.005"),
        ("term_months", "361"),
        ("term_months", "12.5"),
        ("term_months", ""),
    ],
)
def test_pledge_new_one_bad_field_is_linked_and_kept(
    client: Client, banker_a: Any, firm: Any, field: str, typed: str
) -> None:
    sign_in(client, banker_a)
    before = _counts()

    response = client.post(NEW, _form(firm, **{field: typed}))

    assert (response.status_code, _title(response)[:3]) == (200, "错误：")
    assert [a for a, _ in _summary_links(response)] == [f"id_{field}"]
    assert _value(response, field) == typed
    assert _counts() == before


def test_pledge_new_bad_trademark_is_linked_to_trademarks(
    client: Client, banker_a: Any, firm: Any
) -> None:
    sign_in(client, banker_a)

    response = client.post(NEW, _form(firm, patents="", trademarks="12A"))

    assert _summary_links(response) == [("id_trademarks", "商标注册号“12A”应为 1 至 10 位数字")]
    assert _value(response, "trademarks") == "12A"


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("500万", "5000000.00"),
        ("5,000,000", "5000000.00"),
        (" 5000000 ", "5000000.00"),
        ("￥5,000,000.00", "5000000.00"),
        ("0.01", "0.01"),
    ],
)
def test_pledge_new_flexible_amount_reaches_check_page(
    client: Client, banker_a: Any, firm: Any, typed: str, amount: str
) -> None:
    sign_in(client, banker_a)

    response = client.post(NEW, _form(firm, loan_amount=typed))

    assert (response.status_code, response["Location"]) == (302, CHECK)
    assert client.session[DRAFT_KEY]["clean"]["loan_amount"] == amount
    assert client.get(CHECK).context["amount"] == Decimal(amount)


@pytest.mark.parametrize("term", ["1", "360"])
def test_pledge_new_term_at_bounds_accepted(
    client: Client, banker_a: Any, firm: Any, term: str
) -> None:
    sign_in(client, banker_a)

    response = client.post(NEW, _form(firm, term_months=term))

    assert (response.status_code, client.session[DRAFT_KEY]["clean"]["term_months"]) == (
        302,
        int(term),
    )


def test_pledge_check_then_submit_shows_case_number(
    client: Client, banker_a: Any, bank_a: Any, firm: Any
) -> None:
    sign_in(client, banker_a)
    client.post(NEW, _form(firm, trademarks="12345678"))
    check = client.get(CHECK)
    before = _counts()

    submitted = client.post(CHECK)
    done = client.get(submitted["Location"])

    pledge = PledgeRegistration.objects.get()
    number = f"IPR-{timezone.localdate().year}-000001"
    assert (check.status_code, check.context["decision"].outcome) == (200, "inclusive")
    assert _counts() == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 1)
    assert (submitted.status_code, submitted["Location"]) == (
        302,
        f"/finance/pledges/{pledge.pk}/done/",
    )
    assert re.findall(r'<strong id="case-number">(.*?)</strong>', done.content.decode()) == [number]
    assert (pledge.case.number, pledge.loan_amount, pledge.pledgee_bank_id, pledge.ip_items) == (
        number,
        Decimal("5000000.00"),
        bank_a.pk,
        [
            {"kind": "patent", "number": f"{PATENT_BODY}.{patent_check_char(PATENT_BODY)}"},
            {"kind": "trademark", "number": "12345678"},
        ],
    )
    assert DRAFT_KEY not in client.session


def test_pledge_check_without_draft_goes_back_to_form(client: Client, banker_a: Any) -> None:
    sign_in(client, banker_a)

    response = client.post(CHECK)

    assert (response.status_code, response["Location"], _counts()) == (302, NEW, (0, 0, 0, 0))


def test_pledge_new_after_check_keeps_what_was_typed(
    client: Client, banker_a: Any, firm: Any
) -> None:
    sign_in(client, banker_a)
    client.post(NEW, _form(firm, loan_amount="500万"))

    response = client.get(NEW)

    assert _value(response, "loan_amount") == "500万"


# --- who sees which pledge ------------------------------------------------------------


@pytest.fixture
def a_pledge(banker_a: Any, bank_a: Any, file_pledge: Any) -> Any:
    return file_pledge(banker_a, bank_a)


@pytest.fixture
def a_correction(officer: Any, a_pledge: Any) -> Any:
    case_transition(case=a_pledge.case, action="return", actor=officer, reason="请补充专利证书")
    return a_pledge


@pytest.mark.parametrize(
    "url",
    ["/cases/{case}/", "/finance/pledges/{pledge}/resubmit/", "/finance/pledges/{pledge}/done/"],
)
def test_page_for_other_banks_pledge_is_404(
    client: Client, banker_b: Any, a_correction: Any, url: str
) -> None:
    # In correction, so the resubmit page would open for bank A's own officer.
    sign_in(client, banker_b)
    ids = {"case": a_correction.case_id, "pledge": a_correction.pk}

    response = client.get(url.format(**ids))

    assert response.status_code == 404


def test_page_for_own_pledge_in_correction_opens(
    client: Client, banker_a: Any, a_correction: Any
) -> None:
    sign_in(client, banker_a)
    urls = [
        f"/cases/{a_correction.case_id}/",
        f"/finance/pledges/{a_correction.pk}/resubmit/",
        f"/finance/pledges/{a_correction.pk}/done/",
    ]

    assert [client.get(url).status_code for url in urls] == [200, 200, 200]


def test_certificate_page_other_bank_is_404_own_bank_gets_pdf(
    client: Client, banker_a: Any, banker_b: Any, officer: Any, a_pledge: Any
) -> None:
    pledge_register(pledge=a_pledge, actor=officer)
    url = f"/finance/pledges/{a_pledge.pk}/certificate.pdf"

    other = sign_in(Client(), banker_b).get(url)
    own = sign_in(client, banker_a).get(url)

    assert (other.status_code, own.status_code, own["Content-Type"]) == (
        404,
        200,
        "application/pdf",
    )
    assert own.content[:5] == b"%PDF-"


def test_case_page_officer_sees_pledge(client: Client, officer: Any, a_pledge: Any) -> None:
    sign_in(client, officer)

    response = client.get(f"/cases/{a_pledge.case_id}/")

    assert (response.status_code, response.context["case"].pk) == (200, a_pledge.case_id)


@pytest.mark.parametrize("url", ["/cases/{case}/", "/cases/", LIST])
def test_staff_without_second_factor_is_sent_to_second_factor(
    client: Client, officer: Any, a_pledge: Any, url: str
) -> None:
    client.force_login(officer)

    response = client.get(url.format(case=a_pledge.case_id))

    assert (response.status_code, response["Location"]) == (302, SECOND_FACTOR)


def test_pledge_list_other_bank_sees_nothing(
    client: Client, banker_b: Any, officer: Any, a_pledge: Any
) -> None:
    pledge_register(pledge=a_pledge, actor=officer)
    sign_in(client, banker_b)

    response = client.get(LIST)

    assert (response.context["pledges"], response.context["months"]) == ([], [])


def test_pledge_list_officer_sees_every_bank(
    client: Client,
    officer: Any,
    banker_b: Any,
    bank_b: Any,
    file_pledge: Any,
    a_pledge: Any,
) -> None:
    b_pledge = file_pledge(banker_b, bank_b)
    sign_in(client, officer)

    response = client.get(LIST)

    assert [p.pk for p in response.context["pledges"]] == [b_pledge.pk, a_pledge.pk]


# --- resubmission ---------------------------------------------------------------------


def test_resubmit_page_in_review_is_404(client: Client, banker_a: Any, a_pledge: Any) -> None:
    sign_in(client, banker_a)

    assert client.get(f"/finance/pledges/{a_pledge.pk}/resubmit/").status_code == 404


def test_resubmit_page_for_officer_is_404(client: Client, officer: Any, a_correction: Any) -> None:
    sign_in(client, officer)

    assert client.get(f"/finance/pledges/{a_correction.pk}/resubmit/").status_code == 404


def test_resubmit_page_shows_current_values_and_return_reason(
    client: Client, banker_a: Any, firm: Any, a_correction: Any
) -> None:
    sign_in(client, banker_a)

    response = client.get(f"/finance/pledges/{a_correction.pk}/resubmit/")

    assert (response.status_code, _title(response)) == (200, "补正质押登记 - 科创雨林")
    assert (
        _value(response, "pledgor_uscc"),
        _value(response, "trademarks"),
        _value(response, "loan_amount"),
        _value(response, "term_months"),
    ) == (firm.uscc, "12345678", "1000000.00", "12")
    assert response.context["last_return"].reason == "请补充专利证书"


def test_resubmit_post_moves_case_back_to_review(
    client: Client, banker_a: Any, firm: Any, a_correction: Any
) -> None:
    sign_in(client, banker_a)

    response = client.post(
        f"/finance/pledges/{a_correction.pk}/resubmit/",
        _form(firm, patents="", trademarks="12345678", loan_amount="3000万"),
    )

    pledge = PledgeRegistration.objects.get(pk=a_correction.pk)
    assert (response.status_code, response["Location"]) == (302, f"/cases/{pledge.case_id}/")
    assert (pledge.case.stage, pledge.loan_amount, pledge.inclusive) == (
        "review",
        Decimal("30000000.00"),
        False,
    )


def test_resubmit_bad_input_rerenders_and_writes_nothing(
    client: Client, banker_a: Any, firm: Any, a_correction: Any
) -> None:
    sign_in(client, banker_a)
    before = _counts()

    response = client.post(
        f"/finance/pledges/{a_correction.pk}/resubmit/", _form(firm, term_months="361")
    )

    assert (response.status_code, _title(response)) == (200, "错误：补正质押登记 - 科创雨林")
    assert [a for a, _ in _summary_links(response)] == ["id_term_months"]
    assert _value(response, "term_months") == "361"
    assert _counts() == before
    assert Case.objects.get(pk=a_correction.case_id).stage == "correction"


# --- query counts ---------------------------------------------------------------------


def _queries(client: Client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    items = (
        response.context["pledges"]
        if "pledges" in response.context
        else response.context["page"].object_list
    )
    return len(items), len(ctx.captured_queries)


@pytest.mark.parametrize("url", [LIST, "/cases/", "/cases/?sla=on_time"])
def test_list_page_query_count_same_for_1_and_3_items(
    client: Client,
    officer: Any,
    banker_a: Any,
    bank_a: Any,
    banker_b: Any,
    bank_b: Any,
    file_pledge: Any,
    url: str,
) -> None:
    sign_in(client, officer)
    file_pledge(banker_a, bank_a)
    items_one, one = _queries(client, url)
    second = file_pledge(banker_a, bank_a)
    file_pledge(banker_b, bank_b)
    if "sla" not in url:
        pledge_register(pledge=second, actor=officer)  # a closed one among them
    items_three, three = _queries(client, url)

    assert (items_one, items_three) == (1, 3)
    assert three == one
