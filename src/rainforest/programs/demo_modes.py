"""Demo data for the organisation modes: consortia, 项目经理人制 and 业主制.

- Two registered innovation consortia (创新联合体), led by the firms of ``rd_applicant1``
  and ``rd_applicant3``, and a closed call (新能源, ``CONSORTIUM_CALL_TITLE``) taken
  through to signed contracts by ``demo_decision.closed_call``: three of its four
  applications are made as a consortium and those three are funded, so of this year's
  approved projects (with the two of the decision demo) three of five are
  consortium-led: the dashboard's share is 60.0%.
- A portfolio (项目群) of those three executing projects held by the project manager
  ``rd_manager`` (programme officer, password ``rainforest-demo``): one stage gate
  passed with its reasons, one waiting for the manager's decision.
- 业主制: the firm of ``rd_applicant2`` owns an approved plan running three sub-projects
  (two approved with reasons, one waiting for its review) and keeps a draft; the firm of
  ``rd_applicant6`` has submitted a plan the bureau has yet to approve.

Idempotent: each part has its own marker (the call's title, the portfolio's title, the
first plan's title) and is skipped when it is there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Membership, Organisation, User
from rainforest.accounts.roles import Role
from rainforest.core.ids import make_uscc
from rainforest.programs import domain_modes as dm
from rainforest.programs.demo import BUREAU_USCC, _user
from rainforest.programs.demo_decision import Entry, closed_call
from rainforest.programs.models import Call, Consortium, Field, OwnerPlan, Portfolio, Project
from rainforest.programs.services import modes_owner as mo
from rainforest.programs.services import modes_portfolio as mp
from rainforest.programs.services import modes_registrations as mr

CONSORTIUM_CALL_TITLE = "2026年新能源创新联合体攻关项目（演示，已截止）"
PORTFOLIO_TITLE = "新能源产业链项目群（演示）"
OWNER_PLAN_TITLE = "新型显示产业链业主制攻关（演示）"
MANAGER = ("rd_manager", "项目经理人周")

CONSORTIA = [
    (
        "rd_applicant1",
        "智能储能创新联合体（演示）",
        [
            (make_uscc("12440300455755001"), "深圳大学（演示）", "university"),
            (make_uscc("91440300MA5FRM005"), "深圳储能材料研究院（演示）", "enterprise"),
        ],
    ),
    (
        "rd_applicant3",
        "具身智能创新联合体（演示）",
        [
            (make_uscc("12440300455755002"), "南方科技大学（演示）", "university"),
            (make_uscc("91440300MA5FRM006"), "深圳感知芯片有限公司（演示）", "enterprise"),
        ],
    ),
]


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n% rainforest demo\n", content_type="application/pdf"
    )


def _org_of(username: str) -> tuple[User, Organisation]:
    person = User.objects.get(username=username)
    membership = Membership.objects.filter(user=person, role=Role.APPLICANT).first()
    assert membership is not None
    return person, membership.organisation


def seed_modes_demo(progress: Callable[[str], None] = lambda _msg: None) -> dict[str, int]:
    """Seed each part of the modes demo that is not there yet; returns counts made."""
    officer = User.objects.filter(username="officer").first()
    field = Field.objects.filter(code="DEMO-NE").first()
    if officer is None or field is None:
        return {}  # the stage 1-5 demo is not there: nothing to build on
    counts: dict[str, int] = {}
    if not Call.objects.filter(title=CONSORTIUM_CALL_TITLE).exists():
        with transaction.atomic():
            counts.update(_consortium_call(progress, officer, field))
    if not Portfolio.objects.filter(title=PORTFOLIO_TITLE).exists():
        projects = list(
            Project.objects.filter(call__title=CONSORTIUM_CALL_TITLE).order_by("number")
        )
        if projects:
            with transaction.atomic():
                counts.update(_portfolio(progress, officer, projects))
    if not OwnerPlan.objects.filter(title=OWNER_PLAN_TITLE).exists():
        with transaction.atomic():
            counts.update(_owner_plans(progress, officer))
    return counts


def _days_ago(n: int, hour: int = 10) -> datetime:
    today = timezone.localtime(timezone.now()).replace(minute=0, second=0, microsecond=0)
    return today.replace(hour=hour) - timedelta(days=n)


# --- consortia and their call ---------------------------------------------------------


def _consortium_call(
    progress: Callable[[str], None], officer: User, field: Field
) -> dict[str, int]:
    consortia: list[Consortium] = []
    for username, name, members in CONSORTIA:
        person, lead = _org_of(username)
        registered = mr.consortium_register(
            actor=person,
            lead=lead,
            name=name,
            members=[dm.PartnerIn(uscc, org_name, kind) for uscc, org_name, kind in members],
            agreement=_pdf("联合体协议.pdf"),
            now=_days_ago(120),
        )
        consortia.append(
            mr.consortium_decide(
                actor=officer, consortium=registered, approve=True, now=_days_ago(115)
            )
        )
    progress("modes demo: two innovation consortia registered")
    first, second = consortia
    counts, projects = closed_call(
        progress,
        field=field,
        officer=officer,
        title=CONSORTIUM_CALL_TITLE,
        entries=[
            Entry("rd_applicant1", "固态电池电解质规模化制备", 91, first),
            Entry("rd_applicant3", "具身智能机器人灵巧手", 88, second),
            Entry("rd_applicant1", "储能系统智能运维平台", 84, first),
            Entry("rd_applicant5", "氢燃料电池电堆寿命提升", 72),
        ],
        funded=3,
        objection=False,
        first_pi=21,
        direction=("储能与新能源装备", "完成样机并示范应用", "关键材料与装备"),
        milestone_titles=("完成材料配方", "完成样机试制", "完成示范应用"),
    )
    return {
        "consortia": len(consortia),
        "consortium_calls": counts["calls"],
        "consortium_led_projects": len(projects),
    }


# --- 项目经理人制 ------------------------------------------------------------------------


def _portfolio(
    progress: Callable[[str], None], officer: User, projects: list[Project]
) -> dict[str, int]:
    bureau = Organisation.objects.get(uscc=BUREAU_USCC)
    manager = _user(*MANAGER, bureau, Role.PROGRAMME_OFFICER, staff=True)
    portfolio = mp.portfolio_create(
        actor=officer,
        title=PORTFOLIO_TITLE,
        manager=manager,
        budget_total=Decimal("20000000.00"),
        now=_days_ago(20),
    )
    for project in projects:
        mp.portfolio_add_project(
            actor=officer, portfolio=portfolio, project=project, now=_days_ago(20)
        )
    passed, waiting = projects[0], projects[1]
    gate = mp.stage_gate_request(
        actor=passed.application.created_by,
        project=passed,
        report="材料配方完成，离子电导率达到任务书指标，经费执行率 48%。",
        now=_days_ago(12),
    )
    mp.stage_gate_decide(
        actor=manager,
        gate=gate,
        passed=True,
        reason="阶段指标全部达到，同意进入下一阶段。",
        now=_days_ago(9),
    )
    mp.stage_gate_request(
        actor=waiting.application.created_by,
        project=waiting,
        report="灵巧手样机完成装配，抓取成功率 92%，尚待第三方测试报告。",
        now=_days_ago(2),
    )
    progress("modes demo: a portfolio with one stage gate passed and one waiting")
    return {"portfolios": 1, "stage_gates": 2}


# --- 业主制 ------------------------------------------------------------------------------


def _owner_plans(progress: Callable[[str], None], officer: User) -> dict[str, int]:
    owner_person, owner = _org_of("rd_applicant2")
    plan = mo.owner_plan_create(
        actor=owner_person,
        owner=owner,
        title=OWNER_PLAN_TITLE,
        plan=(
            "围绕新型显示产业链的材料、工艺和装备三个环节设立子课题，"
            "由业主公开遴选承担单位并组织专家评审，按里程碑管理经费。"
        ),
        budget_total=Decimal("12000000.00"),
        now=_days_ago(40),
    )
    mo.owner_plan_decide(
        actor=officer, plan=plan, approve=True, reason="方案可行，同意实施。", now=_days_ago(35)
    )
    subprojects = [
        ("量子点发光材料", "深圳大学（演示）", "5000000", True, "专家评审排名第一，方案成熟。"),
        ("喷墨打印工艺", "深圳光显工艺有限公司（演示）", "4000000", True, "工艺路线可行。"),
        ("检测装备国产化", "深圳精测装备有限公司（演示）", "2500000", None, ""),
    ]
    for title, undertaker, amount, approve, reason in subprojects:
        sub = mo.subproject_add(
            actor=owner_person,
            plan=plan,
            title=title,
            undertaker=undertaker,
            amount=Decimal(amount),
            now=_days_ago(30),
        )
        if approve is not None:
            mo.subproject_decide(
                actor=owner_person,
                subproject=sub,
                approve=approve,
                reason=reason,
                now=_days_ago(25),
            )
    mo.owner_plan_save(
        actor=owner_person,
        owner=owner,
        title="柔性显示模组业主制攻关（演示，草稿）",
        plan="",
        budget_total=None,
        now=_days_ago(3),
    )
    other_person, other = _org_of("rd_applicant6")
    mo.owner_plan_create(
        actor=other_person,
        owner=other,
        title="车规级感知芯片业主制攻关（演示）",
        plan="设立芯片设计、封装测试两个子课题，由业主组织评审。",
        budget_total=Decimal("8000000.00"),
        now=_days_ago(4),
    )
    progress("modes demo: owner plans (one running with sub-projects, one submitted, a draft)")
    return {"owner_plans": 3, "owner_subprojects": len(subprojects)}
