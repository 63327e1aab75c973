"""揭榜挂帅 in a real browser: the bureau publishes a challenge, two teams take it up, both
pass the first gate and are paid, one misses the second gate and is stopped.

Every step goes through the pages, the bureau's included (signed in with the second
factor); the database is read only to assert the ledger at the end.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyotp
import pytest

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.ledger.models import LedgerAccount
from rainforest.programs.models import ChallengeTeam
from rainforest.programs.services.modes import team_account
from tests.factories import PASSWORD, OrganisationFactory, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAB = "深圳雨林实验室有限公司"
RIVAL = "深圳竞争者科技有限公司"


def _sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('登录')")


def _team_row(page: Any, name: str) -> Any:
    return page.locator("#teams tr", has_text=name)


def _take_up(page: Any, username: str, title: str, leader: str, plan: str) -> None:
    _sign_in(page, username)
    page.goto("/programs/public/challenges/")
    page.click(f"text={title}")
    page.click("#take-up")
    page.fill("#leader_name", leader)
    page.fill("#plan", plan)
    page.click("button:has-text('提交揭榜')")
    assert page.locator("#team-status").inner_text() == "待答辩遴选"


def _report(page: Any, gate_title: str, text: str) -> None:
    row = page.locator("#gates tr", has_text=gate_title)
    row.locator("textarea").fill(text)
    row.locator("button:has-text('提交节点报告')").click()


def test_challenge_two_teams_both_paid_for_gate_one_one_stopped_at_gate_two(
    new_page: Any, officer: Any
) -> None:
    lab = OrganisationFactory(name=LAB, kind=OrganisationKind.ENTERPRISE)
    rival = OrganisationFactory(name=RIVAL, kind=OrganisationKind.ENTERPRISE)
    applicant = person(Role.APPLICANT, lab, username="team_a")
    rival_applicant = person(Role.APPLICANT, rival, username="team_b")
    title = "高能量密度固态电池揭榜"
    totp = pyotp.TOTP(officer.totp_secret)

    # The bureau drafts and publishes the challenge list.
    staff = new_page()
    _sign_in(staff, officer.username)
    staff.fill("#id_code", totp.now())
    staff.click("button:has-text('验证')")
    staff.goto("/programs/challenges/new/")
    staff.fill("#title", title)
    staff.fill("#goal", "能量密度不低于 500 Wh/kg，循环寿命不少于 1000 次。")
    staff.fill("#funding_per_team", "1000万")
    staff.fill("#max_teams", "2")
    staff.fill("#takeup_closes_on", "2098-12-31")
    staff.fill("#gates-0-title", "样机研制")
    staff.fill("#gates-0-deadline", "2099-01-31")
    staff.fill("#gates-0-share", "30")
    staff.fill("#gates-1-title", "中试验证")
    staff.fill("#gates-1-deadline", "2099-06-30")
    staff.fill("#gates-1-share", "70")
    staff.click("button:has-text('保存榜单草稿')")
    staff.click("button:has-text('发榜')")
    manage_url = staff.url

    # Two teams take it up from the public list.
    team_a = new_page()
    _take_up(team_a, applicant.username, title, "张三", "硫化物电解质路线。")
    team_b = new_page()
    _take_up(team_b, rival_applicant.username, title, "赵六", "氧化物电解质路线。")

    # After the defence the bureau selects both.
    staff.goto(manage_url)
    for name in (LAB, RIVAL):
        _team_row(staff, name).locator("button[value=select]").click()
    assert _team_row(staff, LAB).locator(".team-status").inner_text() == "攻关中"

    # Both report on the first gate; the bureau passes both and each is paid 30%.
    for page in (team_a, team_b):
        page.reload()
        _report(page, "样机研制", "样机能量密度 520 Wh/kg，第三方检测报告附后。")
    staff.goto(manage_url)
    for name in (LAB, RIVAL):
        _team_row(staff, name).locator("button[value=accept]").click()
    assert "3000000.00" in _team_row(staff, LAB).inner_text()
    assert "3000000.00" in _team_row(staff, RIVAL).inner_text()

    # Team A passes the second gate; team B's report falls short and B is stopped.
    team_a.reload()
    _report(team_a, "中试验证", "中试线连续运行 30 天，良率 92%。")
    team_b.reload()
    _report(team_b, "中试验证", "中试线尚未建成。")
    staff.goto(manage_url)
    _team_row(staff, LAB).locator("button[value=accept]").click()
    row_b = _team_row(staff, RIVAL)
    row_b.locator("input[name=reason]").fill("中试线未建成，未达到节点考核指标。")
    row_b.locator("button[value=reject]").click()

    assert _team_row(staff, LAB).locator(".team-status").inner_text() == "已完成全部节点"
    assert _team_row(staff, RIVAL).locator(".team-status").inner_text() == "已停止支持（中试验证）"
    team_b.reload()
    assert team_b.locator("#team-status").inner_text() == "已停止支持"
    assert team_b.locator("#gates textarea").count() == 0
    assert "中试线未建成" in team_b.locator("#gates").inner_text()

    # The ledger agrees: A got all 10,000,000.00, B only the first 3,000,000.00.
    a = ChallengeTeam.objects.get(organisation=lab)
    b = ChallengeTeam.objects.get(organisation=rival)
    assert LedgerAccount.objects.get(code=team_account(a)).balance == Decimal("10000000.00")
    assert LedgerAccount.objects.get(code=team_account(b)).balance == Decimal("3000000.00")
