"""An enterprise runs the HNTE self-check from its own page and sees which criterion failed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.core.ids import make_uscc
from rainforest.enterprises.models import Enterprise, TierHolding
from tests.factories import PASSWORD, OrganisationFactory, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enterprise_runs_hnte_self_check_and_sees_which_criterion_failed(new_page: Any) -> None:
    # Arrange: a small manufacturer on the SME ladder, and one of its people.
    uscc = make_uscc("91440300MA5BRW001")
    org = OrganisationFactory(
        name="雨林精密制造有限公司", kind=OrganisationKind.ENTERPRISE, uscc=uscc
    )
    user = person(Role.APPLICANT, org, username="firm_browser")
    now = timezone.now()
    enterprise = Enterprise.objects.create(
        uscc=uscc,
        name=org.name,
        industry="manufacturing",
        size="small",
        district="nanshan",
        founded_on=date(2019, 4, 18),
        organisation=org,
        created_at=now,
        updated_at=now,
    )
    TierHolding.objects.create(
        enterprise=enterprise,
        tier="sme_specialised",
        certificate_number="ZJTX-2024-0001",
        awarded_on=date(2024, 7, 1),
        valid_until=date(2099, 6, 30),
    )

    page = new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('登录')")

    # Its own page: what it holds, and the self-check as a next step.
    page.goto("/enterprises/mine/")
    assert page.locator("h1").inner_text() == "雨林精密制造有限公司"
    assert page.locator("#holdings tbody td").first.inner_text() == "专精特新中小企业"
    assert page.locator("#next-little_giant strong").inner_text() == "专精特新“小巨人”企业"
    page.click("#hnte-check-link")

    # The founding date came along; the rest is typed in, with 9 of 100 staff in R&D.
    assert page.locator("#id_registered_on").input_value() == "2019-04-18"
    page.fill("#id_assessed_on", "2025-06-30")
    page.check("#id_owns_core_ip_0")
    page.check("#id_tech_in_key_fields_0")
    page.fill("#id_staff_total", "100")
    page.fill("#id_staff_rd", "9")
    page.fill("#id_sales_last_year", "4000万")
    page.fill("#id_sales_3y_total", "1亿")
    page.fill("#id_rd_3y_total", "600万")
    page.fill("#id_rd_3y_domestic", "600万")
    page.fill("#id_high_tech_revenue_last_year", "3000万")
    page.fill("#id_revenue_last_year", "4000万")
    page.fill("#id_innovation_score", "80")
    page.check("#id_major_violation_last_year_1")
    page.click("button:has-text('开始自评')")

    # The result: one criterion failed, named and explained with the figures.
    assert page.locator("#result-title").inner_text() == "有 1 项条件不符合"
    failed = page.locator("#criteria tr.failed")
    assert failed.count() == 1
    assert failed.locator("th").inner_text() == "科技人员占比"
    assert failed.locator("td.verdict").inner_text() == "不符合"
    assert failed.locator("td.detail").inner_text() == (
        "从事研发和相关技术创新活动的科技人员 9 人，占当年职工总数 100 人的 9.00%，低于要求的 10%。"
    )
    assert page.locator("#criteria tr.passed").count() == 8
    # What was typed stays in the form for another try.
    assert page.locator("#id_staff_rd").input_value() == "9"
