"""One R&D project from proposal to a signed task contract, in a real browser where people
outside the bureau act.

The browser drives the applicant's and the public's pages: the application through its
task list, the public notice, an objection lodged without signing in, the contract page
where the undertaker signs and downloads the PDF. Staff-only steps (accepting the
proposal, drafting and publishing the call, formal review, expert scores, ranking,
publishing the notice, dismissing the objection, approval, generating the contract, the
bureau's signature) go through the services, which the staff pages call and which
tests/programs test page by page. The notice runs five working days by the server's
clock, so everything after it is done through the services at an instant after it closes.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.cases.models import Case
from rainforest.programs import services
from rainforest.programs.models import Application, Field, Objection, Project
from rainforest.programs.services import contract, decision, notice, ranking
from tests.conftest import at
from tests.factories import PASSWORD, OrganisationFactory, person
from tests.programs.conftest import call_input, resident_id, shenzhen_uscc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path("/tmp/rainforest-programs-contract.png")
GROUNDS = "该项目负责人同期承担的项目与本项目研究内容高度重复，请核查是否属于重复申报。"


def _sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('登录')")


def _save(page: Any) -> None:
    page.click("button:has-text('保存并继续')")


def test_programs_journey_proposal_to_signed_task_contract(
    new_page: Any, officer: Any, bureau: Any, tmp_path: Path
) -> None:
    field_ai = Field.objects.create(code="AI", name_zh="人工智能")
    lab = OrganisationFactory(
        name="深圳雨林实验室有限公司", kind=OrganisationKind.ENTERPRISE, uscc=shenzhen_uscc(1)
    )
    applicant = person(Role.APPLICANT, lab, username="applicant")
    # Staff and the proposer through the services: proposal, accepted, call drafted from
    # it and published, open by the server's clock.
    window = services.window_open(
        actor=officer,
        field=field_ai,
        title="2026年人工智能项目建议征集",
        opens_at=at("2026-01-01 00:00"),
        closes_at=at("2099-12-31 23:59:59"),
    )
    proposal = services.proposal_submit(
        actor=applicant,
        organisation=lab,
        window=window,
        title="边缘推理芯片关键技术",
        problem="边缘设备推理能效不足",
        target_indicators="能效比不低于 10 TOPS/W",
        why_now="产业急需",
        suggested_budget=Decimal("5000000"),
    )
    services.proposal_decide(actor=officer, proposal=proposal, accept=True, reason="方向急需")
    proposal.case.refresh_from_db()
    call = services.call_create(
        actor=officer,
        data=call_input(
            field_ai,
            opens_at=at("2026-01-01 00:00"),
            closes_at=at("2099-12-31 23:59:59"),
            source_proposals=[proposal],
        ),
    )
    call = services.call_publish(actor=officer, call=call)

    # The applicant applies through the task list.
    page = new_page()
    _sign_in(page, applicant.username)
    page.goto(f"/programs/public/calls/{call.pk}/")
    page.click("form[action$='/apply/'] button")
    assert page.locator("h1").inner_text() == "项目申请书"
    page.click("#task-basic a")
    page.fill("#id_title", "面向边缘推理的低功耗芯片")
    page.select_option("#id_direction", index=0)
    page.fill("#id_summary", "研制能效比达到十倍提升的边缘推理芯片，并完成流片验证。")
    page.fill("#id_start_date", "2027-01-01")
    page.fill("#id_end_date", "2029-12-31")
    _save(page)
    page.click("#task-team a")
    page.fill("#team-0-name", "张三")
    page.fill("#team-0-id_number", resident_id(1))
    page.fill("#team-0-organisation_name", lab.name)
    page.fill("#team-0-role", "总体负责")
    _save(page)
    page.click("#task-consortium a")
    page.fill("#consortium-0-uscc", lab.uscc)
    page.fill("#consortium-0-name", lab.name)
    page.select_option("#consortium-0-role", "lead")
    _save(page)
    page.click("#task-budget a")
    page.fill("#budget-equipment-fiscal", "300万")
    page.fill("#budget-equipment-self_raised", "3,000,000")
    page.fill("#fiscal_total", "300万")
    page.fill("#self_total", "300万")
    _save(page)
    page.click("#task-milestones a")
    page.fill("#milestones-0-title", "完成架构设计")
    page.fill("#milestones-0-due_date", "2027-06-30")
    page.fill("#milestones-0-deliverables", "设计报告")
    page.fill("#milestones-1-title", "完成流片验证")
    page.fill("#milestones-1-due_date", "2029-06-30")
    page.fill("#milestones-1-deliverables", "样片及测试报告")
    _save(page)
    page.click("#task-attachments a")
    page.select_option("#kind", "feasibility_report")
    report = tmp_path / "可行性研究报告.pdf"
    report.write_bytes(b"%PDF-1.4\n% feasibility\n")
    page.set_input_files("#file", str(report))
    page.click("form[enctype] button[type=submit]")
    page.goto(page.url.rsplit("/attachments/", 1)[0] + "/check/")
    page.click("button:has-text('提交申请')")
    case_number = page.locator("#case-number").inner_text()
    assert re.fullmatch(r"RDA-\d{4}-\d{6}", case_number)

    # Staff: formal review, three experts' scores, ranking, the notice published now.
    application = Application.objects.get(case__number=case_number)
    services.formal_review_pass(actor=officer, application=application)
    decision.expert_assign(
        actor=officer,
        application=application,
        experts=[decision.ExpertIn(n) for n in ("专家甲", "专家乙", "专家丙")],
    )
    for name, points in (("专家甲", 90), ("专家乙", 85), ("专家丙", 88)):
        decision.expert_scores_record(
            actor=officer,
            application=application,
            expert_name=name,
            scores={c.pk: points for c in call.criteria.all()},
        )
    decision.expert_review_finish(actor=officer, application=application)
    ranking.ranking_draw(actor=officer, call=call)
    posted = notice.notice_publish(actor=officer, call=call)

    # Anyone, without signing in: the notice, and an objection lodged through its form.
    public = new_page()
    public.goto("/programs/public/notices/")
    public.click(f"text={posted.title}")
    assert case_number in public.locator("#listed").inner_text()
    assert "专家甲" not in public.content()
    public.click("#object-link")
    public.click("button:has-text('提交异议')")
    assert public.locator(".error-summary h2").inner_text() == "存在以下问题"
    assert public.title().startswith("错误：")
    public.select_option("#id_application_number", case_number)
    public.fill("#id_objector_name", "王某")
    public.fill("#id_contact", "13800138000")
    public.fill("#id_grounds", GROUNDS)
    public.click("button:has-text('提交异议')")
    objection_number = public.locator("#objection-number").inner_text()
    assert re.fullmatch(r"RDO-\d{4}-\d{6}", objection_number)

    # Staff dismiss it; the outcome is published on the notice page.
    objection = Objection.objects.get(case__number=objection_number)
    notice.objection_settle(
        actor=officer,
        objection=objection,
        upheld=False,
        reason="经核查，两项目研究内容不同，不属于重复申报。",
    )
    public.goto(f"/programs/public/notices/{posted.pk}/")
    assert public.locator("#outcomes").inner_text().count("异议不成立") == 1
    assert "13800138000" not in public.content()

    # After the notice: approval and the contract, through the services.
    after = posted.closes_at + timedelta(seconds=1)
    project = contract.project_approve(actor=officer, application=application, now=after)
    generated = contract.contract_generate(actor=officer, project=project, now=after)

    # The undertaker reads the contract page and signs for 乙方.
    page.goto(f"/programs/contracts/{project.pk}/")
    assert page.locator("#contract-number").inner_text() == generated.number
    assert page.locator("#contract-status").inner_text() == "待签署"
    page.click("button:has-text('以乙方（项目承担单位）身份签署')")
    assert page.locator("#signatures").inner_text().count("乙方（项目承担单位）") == 1

    # The bureau signs; the project starts.
    generated.refresh_from_db()
    contract.contract_sign(
        actor=officer, contract=generated, side="bureau", now=after + timedelta(minutes=5)
    )
    page.reload()
    assert page.locator("#contract-status").inner_text().startswith("双方已签署")
    with page.expect_download() as info:
        page.click("#contract-pdf")
    saved = tmp_path / "contract.pdf"
    info.value.save_as(saved)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(saved.read_bytes())).pages)
    assert [lab.name in text, bureau.name in text, "完成流片验证" in text] == [True, True, True]
    assert Case.objects.get(number=case_number).stage == "executing"
    assert Project.objects.get(pk=project.pk).status == "executing"

    page.screenshot(path=str(SCREENSHOT), full_page=True)
