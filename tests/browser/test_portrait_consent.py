"""科技初创通 in a real browser: an enterprise authorises a bank, the bank opens the
portrait, the enterprise revokes, the bank gets nothing, the enterprise sees the read log."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from rainforest.accounts.roles import Role
from rainforest.portrait import domain
from rainforest.portrait.models import Portrait, PortraitRun
from tests.factories import PASSWORD, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path("/tmp/rainforest-portrait.png")


def _sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('登录')")


def _portrait(org: Any) -> Portrait:
    run = PortraitRun.objects.create(
        engine="duckdb",
        data_dir="/demo",
        code_version="test",
        started_at=timezone.now(),
        status=PortraitRun.Status.SUCCEEDED,
        is_current=True,
        scorecard_version="portrait.scorecard 2026.1",
        report={"freshness": {"tax": {"month": "2026-06", "ingested_at": "2026-07-01T09:00:00"}}},
    )
    features = {
        "months_active": 40,
        "tax_12m_fen": 50_000_000,
        "tax_growth_bp": 3500,
        "headcount": 20,
    }
    s = domain.score(features, domain.default_scorecard(date(2026, 6, 30)))
    return Portrait.objects.create(
        run=run,
        uscc=org.uscc,
        name=org.name,
        month=date(2026, 6, 1),
        score=s.total,
        grade=s.grade,
        features=features,
        contributions=[c.__dict__ for c in s.contributions],
        trends={
            "months": ["2026-04", "2026-05", "2026-06"],
            "tax_12m_fen": [40_000_000, 45_000_000, 50_000_000],
            "headcount": [18, 19, 20],
            "utility_paid_months_12m": [12, 12, 12],
            "court_open_defendant": [0, 0, 0],
        },
    )


def test_portrait_consent_journey(new_page: Any, firm: Any, bank_a: Any, banker_a: Any) -> None:
    owner = person(Role.APPLICANT, firm, username="firm_owner", display_name="陈申报")
    portrait = _portrait(firm)
    until = (timezone.localdate() + timedelta(days=90)).isoformat()

    # The bank cannot see it before it is authorised.
    bank = new_page()
    _sign_in(bank, banker_a.username)
    assert bank.goto(f"/portrait/view/{firm.uscc}/").status == 404

    # The enterprise authorises the bank.
    ent = new_page()
    _sign_in(ent, owner.username)
    ent.goto("/portrait/mine/")
    assert ent.locator("#portrait-score").inner_text() == str(portrait.score)
    ent.click("#consents-link")
    ent.select_option("#id_bank_uscc", bank_a.uscc)
    ent.select_option("#id_purpose", "credit")
    ent.fill("#id_valid_until", until)
    ent.click("button:has-text('授权')")
    assert ent.locator("#consent-list .consent-state").inner_text() == "有效"

    # The bank officer finds it in the list and opens the portrait.
    bank.goto("/portrait/bank/")
    bank.click(f"text={firm.name}")
    assert bank.locator("#portrait-score").inner_text() == str(portrait.score)
    assert "+18：近12个月纳税额较上年同期变化+35%" in bank.locator("#explanation").inner_text()
    assert bank.locator("svg.chart.trend").count() == 4
    bank.screenshot(path=str(SCREENSHOT.with_name("rainforest-portrait-bank.png")), full_page=True)

    # The enterprise revokes; the bank gets nothing.
    ent.goto("/portrait/consents/")
    ent.locator("#consent-list button:has-text('撤销')").click()
    assert ent.locator("#consent-list .consent-state").inner_text() == "已撤销"
    assert bank.reload().status == 404
    bank.goto("/portrait/bank/")
    assert bank.locator("#bank-list tbody").inner_text() == "目前没有企业授权本行查看画像。"

    # The enterprise sees who read its portrait and when.
    ent.goto("/portrait/mine/")
    ent.click("#reads-link")
    rows = ent.locator("#read-log tbody tr")
    assert rows.count() == 1
    assert bank_a.name in rows.first.inner_text()
    assert str(banker_a) in rows.first.inner_text()
    ent.screenshot(path=str(SCREENSHOT), full_page=True)
