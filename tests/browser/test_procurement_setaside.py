"""An agency officer gets a set-aside decision and sees its explanation, in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.procurement.domain import SHENZHEN_NOTICE
from tests.factories import PASSWORD, OrganisationFactory, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _summary(page: Any, term: str) -> str:
    return str(page.locator(f"dt:text-is('{term}') + dd").first.inner_text())


def test_agency_officer_gets_set_aside_decision_and_sees_explanation(new_page: Any) -> None:
    # Arrange: everything the database needs is made before the browser work starts.
    agency = OrganisationFactory(name="南山区机关事务管理局", kind=OrganisationKind.AGENCY)
    buyer = person(Role.PROCUREMENT_OFFICER, agency, username="buyer_browser")

    page = new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", buyer.username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('登录')")

    # A mistake first: the error summary, the title and the typed amount kept.
    page.goto("/procurement/projects/new/")
    page.fill("#id_reference", "NS-2026-088")
    page.fill("#id_title", "政务大厅改造工程")
    page.select_option("#id_category", "works")
    page.fill("#id_budget", "500万元整")
    page.select_option("#id_suitable_for_sme", "yes")
    page.fill("#id_small_micro_rate", "4%")
    page.fill("#id_consortium_rate", "0.015")
    page.click("button:has-text('保存并测算预留份额')")
    assert page.title().startswith("错误：")
    assert page.locator(".error-summary h2").inner_text() == "存在以下问题"
    assert page.input_value("#id_budget") == "500万元整"

    # Corrected: the project is saved with the decision and its explanation.
    page.fill("#id_budget", "500万")
    page.click("button:has-text('保存并测算预留份额')")
    assert page.locator("h1").inner_text() == "政务大厅改造工程"
    assert page.locator("#outcome").inner_text() == "预留份额专门面向中小企业"
    assert _summary(page, "预留给中小企业（不少于）") == "2,000,000.00元"
    assert _summary(page, "其中预留给小微企业（不少于）") == "1,400,000.00元"
    reasons = page.locator("#decision .reasons li").all_inner_texts()
    assert reasons == [
        "工程采购项目预算 5,000,000.00元 超过 4,000,000.00元，适宜由中小企业提供的，预留预算总额的 40% 以上专门面向中小企业采购，即不少于 2,000,000.00元",
        "预留份额中给小微企业的比例不低于 70%，即不少于 1,400,000.00元（按分向上取整）",
    ]
    assert page.locator("#decision .citations li").all_inner_texts() == [SHENZHEN_NOTICE]

    # The same decision on the public calculator, which anyone can use without signing in.
    public = new_page()
    public.goto("/procurement/public/set-aside/")
    public.select_option("#id_category", "works")
    public.fill("#id_budget", "4,000,000")
    public.select_option("#id_suitable_for_sme", "yes")
    public.click("button:has-text('测算')")
    assert public.locator("#outcome").inner_text() == "专门面向中小企业采购"
    assert public.locator("#sme-reserved-min").inner_text() == "4,000,000.00元"
    assert public.locator(".reasons li").all_inner_texts() == [
        "工程采购项目预算 4,000,000.00元 在 4,000,000.00元（含）以下，且适宜由中小企业提供，应当专门面向中小企业采购，全部预算 4,000,000.00元 预留给中小企业"
    ]
