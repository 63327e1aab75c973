"""Demo data for R&D programmes, stages 6-9: a closed call taken to execution.

A third call (生物医药, closed) whose four applications go, through the committed
services with backdated ``now=`` values, via formal review, two demo experts' scores
(``rd_expert1``/``rd_expert2``, role expert, password ``rainforest-demo``), ranking and
the funding line, a public notice with one objection lodged and dismissed, approval of
the two above the line, and their task contracts signed by both sides: the two projects
are executing (the signature starts execution). Their milestones are placed around the
real current date so that one report is overdue and one is due soon.

Idempotent: the marker is the call's title ``DECISION_CALL_TITLE``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Membership, Organisation, User
from rainforest.accounts.roles import Role
from rainforest.cases.calendar import get_calendar
from rainforest.core.ids import make_resident_id, make_uscc
from rainforest.programs import services
from rainforest.programs.models import (
    Application,
    Call,
    CallDirection,
    Consortium,
    Field,
    OrganisationMode,
    Project,
    ReviewCriterion,
    SignatureSide,
)
from rainforest.programs.services import contract, decision, notice, ranking
from rainforest.programs.services.modes_registrations import application_as_consortium

DEMO_PASSWORD = "rainforest-demo"
BUREAU_USCC = make_uscc("11440300MB2C93168")  # the bureau of rainforest.web.demo
DECISION_CALL_TITLE = "2026年生物医药关键技术研发计划（演示，已截止）"
EXPERTS = [("rd_expert1", "评审专家王"), ("rd_expert2", "评审专家赵")]
# (applicant username, title, score given by every expert on every criterion)
ENTRIES = [
    ("rd_applicant4", "新型抗体药物筛选平台研制", 92),
    ("rd_applicant8", "肿瘤早筛多组学检测技术", 86),
    ("rd_applicant2", "医用植入器件可降解材料", 74),
    ("rd_applicant6", "罕见病基因治疗载体优化", 68),
]


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "可行性研究报告.pdf", b"%PDF-1.4\n% rainforest demo\n", content_type="application/pdf"
    )


def _expert(username: str, name: str, org: Organisation) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"display_name": name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    Membership.objects.get_or_create(user=user, organisation=org, role=Role.EXPERT)
    return user


def seed_decision_demo(progress: Callable[[str], None] = lambda _msg: None) -> dict[str, int]:
    """Seed the closed call up to execution unless it is there; returns counts made."""
    if Call.objects.filter(title=DECISION_CALL_TITLE).exists():
        return {}
    field = Field.objects.filter(code="DEMO-BIO").first()
    officer = User.objects.filter(username="officer").first()
    if field is None or officer is None:
        return {}  # the stage 1-5 demo is not there: nothing to build on
    with transaction.atomic():
        counts, _projects = closed_call(
            progress,
            field=field,
            officer=officer,
            title=DECISION_CALL_TITLE,
            entries=[Entry(u, t, p) for u, t, p in ENTRIES],
            funded=2,
            objection=True,
        )
    return counts


@dataclass(frozen=True)
class Entry:
    """One application of a demo call: who applies, its title, the score every expert
    gives on every criterion, and the registered consortium it is made as, if any."""

    username: str
    title: str
    points: int
    consortium: Consortium | None = None


def closed_call(
    progress: Callable[[str], None],
    *,
    field: Field,
    officer: User,
    title: str,
    entries: list[Entry],
    funded: int,
    objection: bool,
    first_pi: int = 1,
    direction: tuple[str, str, str] = ("创新药物与器械", "完成临床前研究", "药物与器械研制"),
    milestone_titles: tuple[str, str, str] = ("完成靶点筛选", "完成中试工艺", "完成临床前研究"),
) -> tuple[dict[str, int], list[Project]]:
    """A call that closed two months ago, taken through formal review, expert scores,
    the funding line (``funded`` projects of 5,000,000 yuan each), the public notice
    (with a dismissed objection if ``objection``), approval and signed contracts: the
    projects above the line are executing. ``first_pi`` numbers the principal
    investigators' demo ID numbers, so two calls never share one."""
    cal = get_calendar()
    now = timezone.now()
    today = timezone.localtime(now).replace(hour=10, minute=0, second=0, microsecond=0)

    def days_ago(n: int) -> datetime:
        """``n`` calendar days ago at 10:00, moved back to a working day."""
        day = today - timedelta(days=n)
        while not cal.is_workday(day.date()):
            day -= timedelta(days=1)
        return day

    bureau = Organisation.objects.get(uscc=BUREAU_USCC)
    experts = [_expert(username, name, bureau) for username, name in EXPERTS]

    # -- the call: open for a month, closed two months ago ------------------------------
    data = services.CallIn(
        title=title,
        field=field,
        summary="面向关键核心技术攻关，支持企业牵头、产学研联合申报。",
        funding_per_project=Decimal("5000000.00"),
        funding_total=Decimal("5000000.00") * funded,
        projects_planned=funded,
        opens_at=days_ago(90),
        closes_at=days_ago(65),
        directions=[services.DirectionIn(*direction)],
        criteria=[
            services.CriterionIn("创新性", 40),
            services.CriterionIn("可行性", 35),
            services.CriterionIn("团队与基础", 25),
        ],
        min_self_funding_percent=Decimal("50"),
        max_concurrent_per_pi=2,
        required_attachments=["feasibility_report"],
        organisation_mode=OrganisationMode.STANDARD,
    )
    call = services.call_create(actor=officer, data=data, now=days_ago(95))
    call = services.call_publish(actor=officer, call=call, now=days_ago(92))
    progress("decision demo: closed call")

    # -- applications, formal review and expert scores ---------------------------------
    local_today = today.date()
    first, second, third = milestone_titles
    milestones = [
        services.MilestoneIn(first, local_today - timedelta(days=10), "阶段报告"),
        services.MilestoneIn(second, local_today + timedelta(days=3), "阶段报告"),
        services.MilestoneIn(third, date(2028, 12, 31), "研究报告"),
    ]
    apps: list[Application] = []
    for i, entry in enumerate(entries, start=first_pi):
        person = User.objects.get(username=entry.username)
        org = Membership.objects.filter(user=person, role=Role.APPLICANT).first()
        assert org is not None
        organisation = org.organisation
        app = _application(
            i, call, person, organisation, entry.title, milestones, days_ago, entry.consortium
        )
        services.formal_review_pass(actor=officer, application=app, now=days_ago(60))
        app.refresh_from_db()
        decision.expert_assign(
            actor=officer,
            application=app,
            experts=[decision.ExpertIn(e.display_name, user=e) for e in experts],
            now=days_ago(58),
        )
        criteria = list(ReviewCriterion.objects.filter(call=call))
        for e in experts:
            decision.expert_scores_record(
                actor=officer,
                application=app,
                expert_name=e.display_name,
                scores={c.pk: entry.points for c in criteria},
                comment="技术路线清晰，团队基础较好。",
                now=days_ago(56),
            )
        decision.expert_review_finish(actor=officer, application=app, now=days_ago(55))
        app.refresh_from_db()
        apps.append(app)
    progress("decision demo: applications reviewed and scored")

    # -- ranking, notice with an objection, approval -----------------------------------
    ranking.ranking_draw(actor=officer, call=call, now=days_ago(50))
    published = notice.notice_publish(actor=officer, call=call, now=days_ago(45))
    listed = notice.listed_numbers(published)
    if objection:
        lodged = notice.objection_lodge(
            notice=published,
            application_number=sorted(listed)[-1],
            name="匿名群众（演示）",
            contact="13800000000",
            grounds="认为该项目负责人同期承担项目过多，可能影响研究投入。",
            now=days_ago(44) + timedelta(hours=2),
        )
        notice.objection_settle(
            actor=officer,
            objection=lodged,
            upheld=False,
            reason="经核查，项目负责人在研项目未超过限项要求，异议不成立。",
            now=days_ago(43),
        )
    notice.notice_close(actor=officer, notice=published, now=days_ago(30))
    progress("decision demo: ranking, public notice and a dismissed objection")

    projects: list[Project] = []
    for app in listed.values():
        project = contract.project_approve(actor=officer, application=app, now=days_ago(29))
        task = contract.contract_generate(actor=officer, project=project, now=days_ago(28))
        contract.contract_sign(
            actor=officer, contract=task, side=SignatureSide.BUREAU, now=days_ago(27)
        )
        undertaker = app.created_by
        contract.contract_sign(
            actor=undertaker, contract=task, side=SignatureSide.UNDERTAKER, now=days_ago(26)
        )
        projects.append(project)
    progress("decision demo: projects approved, contracts signed, executing")
    counts = {
        "calls": 1,
        "applications": len(apps),
        "notices": 1,
        "objections": 1 if objection else 0,
        "projects": len(projects),
    }
    return counts, projects


def _application(
    n: int,
    call: Call,
    person: User,
    org: Organisation,
    title: str,
    milestones: list[services.MilestoneIn],
    days_ago: Callable[[int], datetime],
    consortium: Consortium | None = None,
) -> Application:
    made = days_ago(75)
    app = services.application_create(actor=person, call=call, organisation=org, now=made)
    direction = CallDirection.objects.filter(call=call).order_by("pk").first()
    start = timezone.localdate(days_ago(40))
    services.application_save_basic(
        actor=person,
        application=app,
        title=title,
        summary=f"围绕{title}开展攻关，完成关键技术验证与示范应用。",
        start_date=start,
        end_date=date(2029, 12, 31),
        direction_id=direction.pk if direction else None,
        now=made,
    )
    services.application_save_team(
        actor=person,
        application=app,
        members=[
            services.MemberIn(
                f"负责人B{n}",
                make_resident_id(f"44030519750101{n:03d}"),
                org.name,
                "总体负责",
                True,
            ),
            services.MemberIn(
                f"骨干B{n}", make_resident_id(f"44030519850101{n:03d}"), org.name, "关键技术攻关"
            ),
        ],
        now=made,
    )
    services.application_save_consortium(
        actor=person,
        application=app,
        partners=[services.PartnerIn(org.uscc, org.name, "lead")],
        now=made,
    )
    fiscal = Decimal("5000000.00")
    services.application_save_budget(
        actor=person,
        application=app,
        lines=[services.BudgetIn("equipment", fiscal, fiscal)],
        fiscal_total=fiscal,
        self_total=fiscal,
        now=made,
    )
    services.application_save_milestones(
        actor=person, application=app, milestones=milestones, now=made
    )
    services.application_attach(
        actor=person, application=app, kind="feasibility_report", uploaded_file=_pdf(), now=made
    )
    if consortium is not None:  # made as the registered consortium (联合体申报)
        application_as_consortium(actor=person, application=app, consortium=consortium, now=made)
    return services.application_submit(actor=person, application=app, now=days_ago(70))
