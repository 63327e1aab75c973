"""Demo data for R&D programmes (M1), stages 1-5: fields, proposals, calls, applications.

Everything goes through the committed services with backdated ``now=`` values, so
timelines, due dates, formal-review checklists and the audit chain are as in real use:

- three fields; a proposal window with six proposals, two of them a near-duplicate pair
  (flagged for staff by ``proposal_submit``);
- people: the platform demo's programme officer ``officer`` and eight applicants
  ``rd_applicant1`` … ``rd_applicant8`` (password ``rainforest-demo``);
- two published calls: a standard one and a 揭榜挂帅 (challenge) one;
- about 200 applications across both: drafts, submitted and in formal review (some
  overdue, some due soon, the rest on time), returned for correction, rejected in formal
  review, and passed to expert review.

Later stages (ranking and a public notice with an objection, contracts, executing
projects with milestones, the organisation modes' own steps) are seeded by the modules
that build them: each adds a ``"module.path:function"`` to ``LATER_STAGE_SEEDERS``; the
function takes ``progress`` and returns counts, must itself be idempotent, and is skipped
when its module does not exist yet. They run after this seeding, on the applications
passed to expert review.

Running it again creates nothing: the marker is the demo field ``DEMO-AI``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Membership, Organisation, OrganisationKind, User
from rainforest.accounts.roles import Role
from rainforest.cases.calendar import get_calendar
from rainforest.core.ids import make_resident_id, make_uscc
from rainforest.programs import services
from rainforest.programs.models import Application, Call, Field, OrganisationMode
from rainforest.web.demo import demo_totp_secret

DEMO_PASSWORD = "rainforest-demo"
BUREAU_USCC = make_uscc("11440300MB2C93168")  # the bureau of rainforest.web.demo
MARKER_FIELD = "DEMO-AI"

# Later-stage seeders, tried in order by import: "module:function".
LATER_STAGE_SEEDERS: list[str] = [
    "rainforest.programs.demo_decision:seed_decision_demo",
    "rainforest.programs.demo_execution:seed_execution_demo",
    "rainforest.programs.demo_modes:seed_modes_demo",
]

FIELDS = [
    (MARKER_FIELD, "人工智能", "Artificial intelligence"),
    ("DEMO-BIO", "生物医药", "Biomedicine"),
    ("DEMO-NE", "新能源", "New energy"),
]
FIRMS = [
    ("深圳雨林智能科技有限公司（演示）", "91440300MA5FRM001"),
    ("深圳光芯半导体有限公司（演示）", "91440300MA5FRM002"),
    ("深圳具身机器人有限公司（演示）", "91440300MA5FRM003"),
    ("深圳智药研发有限公司（演示）", "91440300MA5FRM004"),
    ("深圳储能材料研究院（演示）", "91440300MA5FRM005"),
    ("深圳感知芯片有限公司（演示）", "91440300MA5FRM006"),
    ("深圳大模型应用科技有限公司（演示）", "91440300MA5FRM007"),
    ("深圳精准医学检测有限公司（演示）", "91440300MA5FRM008"),
]
TOPICS = [
    "低功耗边缘推理芯片",
    "具身智能机器人灵巧手",
    "固态电池电解质",
    "多模态医疗影像大模型",
    "高精度激光雷达",
    "新型抗体药物筛选平台",
    "氢燃料电池电堆",
    "工业软件仿真内核",
    "量子点显示材料",
    "脑机接口柔性电极",
]
# (stage, how many in the standard call, how many in the challenge call)
PLAN = [
    ("draft", 22, 8),
    ("overdue", 15, 5),
    ("due_soon", 10, 4),
    ("on_time", 16, 6),
    ("correction", 18, 6),
    ("rejected", 11, 4),
    ("expert_review", 53, 22),
]


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "可行性研究报告.pdf", b"%PDF-1.4\n% rainforest demo\n", content_type="application/pdf"
    )


def _user(username: str, name: str, org: Organisation, role: str, *, staff: bool = False) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"display_name": name})
    if created:
        user.set_password(DEMO_PASSWORD)
        if staff:
            user.totp_secret = demo_totp_secret(username)
        user.save()
    Membership.objects.get_or_create(user=user, organisation=org, role=role)
    return user


def _later_stages(progress: Callable[[str], None]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for spec in LATER_STAGE_SEEDERS:
        module_name, _sep, function_name = spec.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            if missing.name != module_name:
                raise  # the module exists but is broken: say so
            continue
        seeder = getattr(module, function_name)
        progress(f"later stages: {spec}")
        for key, value in (seeder(progress) or {}).items():
            counts[key] = counts.get(key, 0) + int(value)
    return counts


def seed_programs_demo(progress: Callable[[str], None] = lambda _msg: None) -> dict[str, int]:
    """Create the programmes demo unless it is there; returns counts of what was made."""
    if Field.objects.filter(code=MARKER_FIELD).exists():
        return {"applications": 0, **_later_stages(progress)}
    with transaction.atomic():
        counts = _seed(progress)
    counts.update(_later_stages(progress))
    return counts


def _seed(progress: Callable[[str], None]) -> dict[str, int]:
    cal = get_calendar()
    now = timezone.now()
    today = timezone.localtime(now).replace(hour=10, minute=0, second=0, microsecond=0)

    def workdays_ago(n: int, hour: int = 10) -> datetime:
        day = today.replace(hour=hour)
        count = 0
        while count < n or not cal.is_workday(day.date()):
            day -= timedelta(days=1)
            if cal.is_workday(day.date()):
                count += 1
        return min(day, now - timedelta(minutes=5))

    bureau, _ = Organisation.objects.get_or_create(
        uscc=BUREAU_USCC,
        defaults={"name": "深圳市科技创新局（演示）", "kind": OrganisationKind.AGENCY},
    )
    officer = _user("officer", "李审查", bureau, Role.PROGRAMME_OFFICER, staff=True)
    firms = []
    for i, (name, body) in enumerate(FIRMS, start=1):
        org, _ = Organisation.objects.get_or_create(
            uscc=make_uscc(body), defaults={"name": name, "kind": OrganisationKind.ENTERPRISE}
        )
        firms.append((org, _user(f"rd_applicant{i}", f"申报人{i}", org, Role.APPLICANT)))
    fields = [Field.objects.create(code=code, name_zh=zh, name_en=en) for code, zh, en in FIELDS]
    progress("fields, organisations and people")

    # -- proposals (stage 1) ---------------------------------------------------------------
    window = services.window_open(
        actor=officer,
        field=fields[0],
        title="2027年度人工智能领域项目建议征集（演示）",
        description="征集人工智能领域的重大技术需求与项目建议。",
        opens_at=workdays_ago(30),
        closes_at=now + timedelta(days=20),
        now=workdays_ago(31),
    )
    proposals = [
        ("面向端侧大模型的推理芯片", "端侧大模型推理能效低，难以在手机和汽车上部署。"),
        ("面向端侧大模型的推理芯片研制", "端侧大模型推理能效低，难以在手机和汽车上部署。"),
        ("工业质检多模态大模型", "工业质检样本少、缺陷种类多，现有模型泛化不足。"),
        ("具身智能通用操作平台", "机器人操作技能难以迁移，缺少通用的操作基础模型。"),
        ("可信人工智能评测体系", "大模型安全与可信缺少统一的评测方法和基准数据。"),
        ("智能算力调度操作系统", "异构算力利用率低，跨集群调度缺少统一的系统软件。"),
    ]
    for i, (title, problem) in enumerate(proposals):
        org, person = firms[i % len(firms)]
        services.proposal_submit(
            actor=person,
            organisation=org,
            window=window,
            title=title,
            problem=problem,
            target_indicators="能效比提升十倍；形成可推广的标准与样机。",
            why_now="国内外竞争激烈，亟需突破关键核心技术。",
            suggested_budget=Decimal(3_000_000 + 1_000_000 * i),
            now=workdays_ago(20 - 2 * i),
        )
    progress("proposal window with six proposals (one near-duplicate pair)")

    # -- calls (stage 3) -------------------------------------------------------------------
    opened = workdays_ago(45)

    def make_call(title: str, field: Field, mode: str) -> Call:
        data = services.CallIn(
            title=title,
            field=field,
            summary="面向关键核心技术攻关，支持企业牵头、产学研联合申报。",
            funding_per_project=Decimal("5000000.00"),
            funding_total=Decimal("50000000.00"),
            projects_planned=10,
            opens_at=opened,
            closes_at=now + timedelta(days=30),
            directions=[
                services.DirectionIn("关键芯片与器件", "形成样机并完成验证", "核心器件研制"),
                services.DirectionIn("系统与应用示范", "在三家以上单位应用示范", "系统集成"),
            ],
            criteria=[
                services.CriterionIn("创新性", 40),
                services.CriterionIn("可行性", 35),
                services.CriterionIn("团队与基础", 25),
            ],
            min_self_funding_percent=Decimal("50"),
            max_concurrent_per_pi=2,
            required_attachments=["feasibility_report"],
            organisation_mode=mode,
        )
        call = services.call_create(actor=officer, data=data, now=workdays_ago(48))
        return services.call_publish(actor=officer, call=call, now=workdays_ago(46))

    standard = make_call(
        "2026年人工智能重点领域研发计划（演示）", fields[0], OrganisationMode.STANDARD
    )
    challenge = make_call(
        "2026年新能源关键技术揭榜挂帅项目（演示）", fields[2], OrganisationMode.CHALLENGE
    )
    progress("two published calls")

    # -- applications (stages 4-5) ---------------------------------------------------------
    limit = standard.stage_limit("formal_review") or 5
    made: dict[str, int] = {}
    n = 0
    for stage, in_standard, in_challenge in PLAN:
        for call, how_many in ((standard, in_standard), (challenge, in_challenge)):
            for _ in range(how_many):
                n += 1
                _application(n, stage, call, firms, officer, limit, workdays_ago)
                made[stage] = made.get(stage, 0) + 1
        progress(f"applications: {stage} ({made[stage]})")
    return {"fields": len(fields), "proposals": len(proposals), "calls": 2, "applications": n}


def _application(
    n: int,
    stage: str,
    call: Call,
    firms: list[tuple[Organisation, User]],
    officer: User,
    limit: int,
    workdays_ago: Callable[..., datetime],
) -> Application:
    org, person = firms[n % len(firms)]
    topic = TOPICS[n % len(TOPICS)]
    title = f"{topic}关键技术研究（{n:03d}）"
    # When it was submitted, in working days before today, by what happens to it next.
    back = {
        "draft": 2 + n % 10,
        "overdue": limit + 1 + n % 8,
        "due_soon": limit,
        "on_time": n % max(limit - 1, 1),
        "correction": limit + 4 + n % 12,
        "rejected": limit + 4 + n % 12,
        "expert_review": limit + 3 + n % 20,
    }[stage]
    submitted = workdays_ago(back, hour=9 + n % 8)
    app = services.application_create(
        actor=person, call=call, organisation=org, now=submitted - timedelta(hours=2)
    )
    direction = call.directions.first()
    services.application_save_basic(
        actor=person,
        application=app,
        title=title,
        summary=f"围绕{topic}开展攻关，完成样机研制与应用验证（申请 {n:03d}）。",
        start_date=date(2027, 1, 1),
        end_date=date(2029, 12, 31),
        direction_id=direction.pk if direction else None,
        now=submitted - timedelta(hours=1),
    )
    if stage == "draft":
        return app
    fiscal = Decimal(1_000_000 + (n % 30) * 100_000)
    at = submitted - timedelta(minutes=30)
    services.application_save_team(
        actor=person,
        application=app,
        members=[
            services.MemberIn(
                f"负责人{n:03d}",
                make_resident_id(f"44030519800101{n:03d}"),
                org.name,
                "总体负责",
                True,
            ),
            services.MemberIn(
                f"骨干{n:03d}", make_resident_id(f"44030519900101{n:03d}"), org.name, "关键技术攻关"
            ),
        ],
        now=at,
    )
    services.application_save_consortium(
        actor=person,
        application=app,
        partners=[services.PartnerIn(org.uscc, org.name, "lead")],
        now=at,
    )
    services.application_save_budget(
        actor=person,
        application=app,
        lines=[
            services.BudgetIn("equipment", fiscal, fiscal),
        ],
        fiscal_total=fiscal,
        self_total=fiscal,
        now=at,
    )
    services.application_save_milestones(
        actor=person,
        application=app,
        milestones=[
            services.MilestoneIn("完成方案设计", date(2027, 6, 30), "设计报告"),
            services.MilestoneIn("完成样机验证", date(2029, 6, 30), "样机与测试报告"),
        ],
        now=at,
    )
    services.application_attach(
        actor=person, application=app, kind="feasibility_report", uploaded_file=_pdf(), now=at
    )
    app = services.application_submit(actor=person, application=app, now=submitted)
    decided = submitted + timedelta(days=1)
    if stage == "expert_review":
        services.formal_review_pass(actor=officer, application=app, now=decided)
    elif stage == "correction":
        services.formal_review_return(
            actor=officer,
            application=app,
            reason="预算说明不充分，请补充设备费测算依据。",
            now=decided,
        )
    elif stage == "rejected":
        services.formal_review_reject(
            actor=officer,
            application=app,
            reason="申报内容与指南方向不符。",
            now=decided,
        )
    return app
