"""业主制 and 项目经理人制 in a real browser.

1. An owner enterprise drafts its plan, comes back to it and submits it; the bureau
   approves it; the owner adds two sub-projects, approves one and declines the other with
   its reasons and submits for audit; the bureau sees both decisions and passes the audit.
   Another enterprise is told the plan does not exist.
2. An undertaker asks for its project's stage gate; another officer sees it but has no
   form; the named project manager passes it with reasons.

Every step goes through the pages (staff with the second factor); the database is read
only to set up the executing project and to assert at the end.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyotp
import pytest

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.programs.models import Field, OwnerPlan, StageGate, SubProjectStatus
from rainforest.programs.services import modes_portfolio as mp
from tests.factories import PASSWORD, OrganisationFactory, person
from tests.programs.execution_support import quick_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER = "深圳新型显示有限公司"
PLAN = "新型显示产业链业主制攻关"


def _sign_in(page: Any, user: Any, *, staff: bool = False) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('登录')")
    if staff:
        page.fill("#id_code", pyotp.TOTP(user.totp_secret).now())
        page.click("button:has-text('验证')")


def _sub_row(page: Any, title: str) -> Any:
    return page.locator("#subprojects tr", has_text=title)


def test_owner_plan_from_draft_to_audit(new_page: Any, officer: Any) -> None:
    owner_org = OrganisationFactory(name=OWNER, kind=OrganisationKind.ENTERPRISE)
    other_org = OrganisationFactory(name="深圳旁观者科技有限公司", kind=OrganisationKind.ENTERPRISE)
    owner = person(Role.APPLICANT, owner_org, username="owner")
    outsider = person(Role.APPLICANT, other_org, username="outsider")

    # The owner drafts the plan without a budget, then comes back and completes it.
    page = new_page()
    _sign_in(page, owner)
    page.goto("/programs/owner-plans/")
    page.click("text=起草实施方案")
    page.fill("#title", PLAN)
    page.click("button:has-text('保存草稿')")
    assert page.locator("#plan-stage").inner_text() == "草稿"
    page.click("button:has-text('提交实施方案')")
    assert "请填写实施方案" in page.locator(".error-summary").inner_text()
    page.click("text=修改草稿")
    page.fill("#plan", "材料、工艺两个子课题，业主公开遴选承担单位。")
    page.fill("#budget_total", "500万")
    page.click("button:has-text('保存草稿')")
    page.click("button:has-text('提交实施方案')")
    assert page.locator("#plan-stage").inner_text() == "实施方案审核"
    plan_url = page.url

    # Another enterprise cannot open it.
    stranger = new_page()
    _sign_in(stranger, outsider)
    response = stranger.goto(plan_url)
    assert response is not None
    assert response.status == 404

    # The bureau approves the plan.
    staff = new_page()
    _sign_in(staff, officer, staff=True)
    staff.goto(plan_url)
    staff.fill("#reason", "方案可行。")
    staff.click("button[value=approve_plan]")
    assert staff.locator("#plan-stage").inner_text() == "业主组织实施"

    # The owner adds two sub-projects and decides each with its reasons.
    page.goto(plan_url)
    for title, amount in (("量子点材料", "300万"), ("喷墨打印工艺", "250万")):
        page.click("text=新增子课题")
        page.fill("#title", title)
        page.fill("#undertaker", "深圳某大学")
        page.fill("#amount", amount)
        page.click("button:has-text('添加子课题')")
    materials = _sub_row(page, "量子点材料")
    materials.locator("textarea").fill("专家评审排名第一。")
    materials.locator("button[value=approve_subproject]").click()
    printing = _sub_row(page, "喷墨打印工艺")
    printing.locator("button[value=approve_subproject]").click()
    assert "超过批准的" in page.locator(".error-summary").inner_text()  # 3,000,000 + 2,500,000
    printing = _sub_row(page, "喷墨打印工艺")
    printing.locator("textarea").fill("经费超出方案余额。")
    printing.locator("button[value=reject_subproject]").click()
    page.click("button[value=submit_for_audit]")
    assert page.locator("#plan-stage").inner_text() == "科技局审计"

    # The bureau sees both decisions with their reasons and passes the audit.
    staff.goto(plan_url)
    assert "专家评审排名第一" in _sub_row(staff, "量子点材料").inner_text()
    assert "经费超出方案余额" in _sub_row(staff, "喷墨打印工艺").inner_text()
    staff.click("button[value=pass_audit]")
    assert staff.locator("#plan-stage").inner_text() == "审计通过"

    plan = OwnerPlan.objects.get(title=PLAN)
    assert sorted(plan.subprojects.values_list("title", "status")) == [
        ("喷墨打印工艺", SubProjectStatus.REJECTED),
        ("量子点材料", SubProjectStatus.APPROVED),
    ]


def test_only_the_named_manager_decides_the_stage_gate(
    new_page: Any, officer: Any, bureau: Any
) -> None:
    field_ai = Field.objects.create(code="AI", name_zh="人工智能", name_en="AI")
    lab = OrganisationFactory(name="深圳雨林实验室有限公司", kind=OrganisationKind.ENTERPRISE)
    undertaker = person(Role.APPLICANT, lab, username="undertaker")
    manager = person(Role.PROGRAMME_OFFICER, bureau, username="manager")
    project = quick_project(officer=officer, org=lab, field=field_ai, number="B-1")
    portfolio = mp.portfolio_create(
        actor=officer, title="智能制造项目群", manager=manager, budget_total=Decimal("3e7")
    )
    mp.portfolio_add_project(actor=officer, portfolio=portfolio, project=project)

    # The undertaker asks for the gate from its project's page.
    page = new_page()
    _sign_in(page, undertaker)
    page.goto(f"/programs/projects/{project.pk}/")
    page.fill("#gate_report", "样机完成，指标全部达到。")
    page.click("button:has-text('申请阶段决策')")
    assert "待项目经理人决定" in page.locator("#stage-gates ~ ul").first.inner_text()

    # Another officer sees the gate but cannot decide it.
    other = new_page()
    _sign_in(other, officer, staff=True)
    other.goto(f"/programs/portfolios/{portfolio.pk}/")
    assert "样机完成" in other.locator("#pending-gates").inner_text()
    assert other.locator("#pending-gates button").count() == 0

    # The manager finds it under their portfolios and passes it with reasons.
    boss = new_page()
    _sign_in(boss, manager, staff=True)
    boss.goto("/programs/portfolios/")
    boss.locator("#my-portfolios").get_by_text("智能制造项目群").click()
    boss.locator("#pending-gates textarea").fill("指标达到任务书要求。")
    boss.click("#pending-gates button[value=pass]")
    assert "指标达到任务书要求" in boss.locator("#decided-gates").inner_text()

    gate = StageGate.objects.get(project=project)
    assert (gate.passed, gate.case.stage) == (True, "gate_passed")
