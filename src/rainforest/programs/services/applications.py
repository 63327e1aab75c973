"""Applications (项目申请): a draft saved section by section, then submitted as a case.

Each ``application_save_*`` checks one task-list section and saves it, or refuses with the
field at fault and writes nothing (attachments: ``services.application_attachments``). Submission refuses a late, incomplete or ineligible
application with the reasons; otherwise it opens the case in formal review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Organisation, User
from rainforest.audit.services import audit_append
from rainforest.cases.models import Attachment, Case
from rainforest.cases.services import case_open
from rainforest.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from rainforest.core.ids import validate_resident_id, validate_uscc
from rainforest.programs import domain, domain_formal_review
from rainforest.programs.models import (
    Application,
    ApplicationStatus,
    BudgetCategory,
    BudgetLine,
    Call,
    CallStatus,
    ConsortiumMember,
    ConsortiumRole,
    Milestone,
    TeamMember,
)
from rainforest.programs.permissions import can_apply_for, can_edit_application
from rainforest.programs.process import APPLICATION
from rainforest.programs.services.common import text
from rainforest.programs.services.formal_review import record_checks, run_checks

SECTIONS = tuple(domain_formal_review.SECTION_NAMES)
MAX_ROWS = 50


@dataclass(frozen=True)
class MemberIn:
    name: str
    id_number: str
    organisation_name: str
    role: str
    is_pi: bool = False


@dataclass(frozen=True)
class PartnerIn:
    uscc: str
    name: str
    role: str


@dataclass(frozen=True)
class BudgetIn:
    category: str
    fiscal: Decimal
    self_raised: Decimal


@dataclass(frozen=True)
class MilestoneIn:
    title: str
    due_date: date
    deliverables: str


# --- creating and locking -------------------------------------------------------------


def application_create(
    *, actor: User, call: Call, organisation: Organisation, now: datetime | None = None
) -> Application:
    """Start a draft for a published call; nothing is a case yet."""
    if not can_apply_for(actor, organisation.pk):
        raise PermissionDeniedError(
            "只有该单位的申报人可以为其申报",
            "Only an applicant of this organisation may apply for it",
            field="organisation",
            code="forbidden",
        )
    now = now or timezone.now()
    if call.status != CallStatus.PUBLISHED:
        raise NotFoundError("找不到这个指南", "Call not found", code="not_found")
    domain.check_window(call.opens_at, call.closes_at, now)
    with transaction.atomic():
        application = Application.objects.create(
            call=call,
            applicant_org=organisation,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        audit_append(
            actor=actor,
            action="programs.application_created",
            subject_type="application",
            subject_id=application.pk,
            data={"call": call.number, "organisation": organisation.uscc},
        )
    return application


def lock_draft(application: Application, actor: User) -> Application:
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "case", "applicant_org")
        .get(pk=application.pk)
    )
    if not can_edit_application(actor, locked):
        raise ConflictError(
            "申请已提交，不能再修改；退回补正时可以修改",
            "The application is submitted and can only be changed when returned for correction",
            code="not_editable",
        )
    return locked


def mark_done(locked: Application, section: str, now: datetime, complete: bool = True) -> None:
    sections = [s for s in locked.sections_done if s != section]
    if complete:
        sections.append(section)
    locked.sections_done = [s for s in SECTIONS if s in sections]
    locked.updated_at = now
    locked.save()


def audit_section(actor: User, locked: Application, section: str, data: dict[str, object]) -> None:
    audit_append(
        actor=actor,
        action=f"programs.application_{section}_saved",
        subject_type="application",
        subject_id=locked.pk,
        data=data,
    )


# --- the sections ---------------------------------------------------------------------


def application_save_basic(
    *,
    actor: User,
    application: Application,
    title: str,
    summary: str,
    start_date: date | None,
    end_date: date | None,
    direction_id: int | None = None,
    now: datetime | None = None,
) -> Application:
    now = now or timezone.now()
    clean_title = text(title, field="title", label_zh="项目名称", label_en="title", limit=200)
    clean_summary = text(
        summary, field="summary", label_zh="项目摘要", label_en="summary", limit=5000
    )
    if start_date is None:
        raise ValidationError(
            "请填写开始日期", "Enter the start date", field="start_date", code="required"
        )
    if end_date is None:
        raise ValidationError(
            "请填写结束日期", "Enter the end date", field="end_date", code="required"
        )
    if end_date <= start_date:
        raise ValidationError(
            "结束日期应晚于开始日期",
            "The end date must be after the start date",
            field="end_date",
            code="dates_invalid",
        )
    with transaction.atomic():
        locked = lock_draft(application, actor)
        directions = {d.pk: d for d in locked.call.directions.all()}
        if directions and direction_id not in directions:
            raise ValidationError(
                "请选择指南中的一个研究方向",
                "Choose one of the call's research directions",
                field="direction",
                code="direction_invalid",
            )
        locked.title = clean_title
        locked.summary = clean_summary
        locked.start_date = start_date
        locked.end_date = end_date
        locked.direction = directions.get(direction_id) if direction_id is not None else None
        mark_done(locked, "basic", now)
        audit_section(actor, locked, "basic", {"title": clean_title, "direction": direction_id})
    return locked


def application_save_team(
    *,
    actor: User,
    application: Application,
    members: Sequence[MemberIn],
    now: datetime | None = None,
) -> Application:
    """The principal investigator and members, each with a checked resident ID number."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not members:
        raise ValidationError(
            "请填写项目负责人", "Enter the principal investigator", field="team", code="required"
        )
    if len(members) > MAX_ROWS:
        raise ValidationError(
            f"团队成员不能超过 {MAX_ROWS} 人",
            f"At most {MAX_ROWS} team members",
            field="team",
            code="too_many",
        )
    pis = [i for i, m in enumerate(members) if m.is_pi]
    if len(pis) != 1:
        raise ValidationError(
            "应有且只有一名项目负责人",
            "There must be exactly one principal investigator",
            field="team",
            code="pi_count",
        )
    rows: list[TeamMember] = []
    seen: set[str] = set()
    for i, m in enumerate(members):
        number = validate_resident_id(m.id_number, field=f"team.{i}.id_number", today=today)
        if number in seen:
            raise ValidationError(
                "同一身份证号码填写了两次",
                "The same ID number is listed twice",
                field=f"team.{i}.id_number",
                code="duplicate",
            )
        seen.add(number)
        rows.append(
            TeamMember(
                order=i,
                is_pi=m.is_pi,
                name=text(
                    m.name, field=f"team.{i}.name", label_zh="姓名", label_en="name", limit=100
                ),
                id_number=number,
                organisation_name=text(
                    m.organisation_name,
                    field=f"team.{i}.organisation_name",
                    label_zh="工作单位",
                    label_en="organisation",
                    limit=200,
                ),
                role=text(
                    m.role, field=f"team.{i}.role", label_zh="项目分工", label_en="role", limit=200
                ),
            )
        )
    with transaction.atomic():
        locked = lock_draft(application, actor)
        locked.team.all().delete()
        for row in rows:
            row.application = locked
        TeamMember.objects.bulk_create(rows)
        locked.pi_id_number = rows[pis[0]].id_number
        mark_done(locked, "team", now)
        # ID numbers are personal data: the audit record keeps the count, not the numbers.
        audit_section(actor, locked, "team", {"members": len(rows)})
    return locked


def application_save_consortium(
    *,
    actor: User,
    application: Application,
    partners: Sequence[PartnerIn],
    now: datetime | None = None,
) -> Application:
    """Organisations applying together; the applicant leads and is listed first.

    No partners at all means the applicant applies alone; the section is still complete.
    """
    now = now or timezone.now()
    if len(partners) > MAX_ROWS:
        raise ValidationError(
            f"联合申报单位不能超过 {MAX_ROWS} 家",
            f"At most {MAX_ROWS} organisations",
            field="consortium",
            code="too_many",
        )
    rows: list[ConsortiumMember] = []
    seen: set[str] = set()
    for i, p in enumerate(partners):
        if p.role not in ConsortiumRole.values:
            raise ValidationError(
                "角色应为牵头单位（lead）或参与单位（member）",
                "The role must be lead or member",
                field=f"consortium.{i}.role",
                code="role_invalid",
            )
        code = validate_uscc(p.uscc, field=f"consortium.{i}.uscc")
        if code in seen:
            raise ValidationError(
                "同一统一社会信用代码填写了两次",
                "The same code is listed twice",
                field=f"consortium.{i}.uscc",
                code="duplicate",
            )
        seen.add(code)
        rows.append(
            ConsortiumMember(
                uscc=code,
                name=text(
                    p.name,
                    field=f"consortium.{i}.name",
                    label_zh="单位名称",
                    label_en="name",
                    limit=200,
                ),
                role=p.role,
            )
        )
    with transaction.atomic():
        locked = lock_draft(application, actor)
        if rows:
            leads = [r for r in rows if r.role == ConsortiumRole.LEAD]
            if len(leads) != 1:
                raise ValidationError(
                    "联合申报应有且只有一家牵头单位",
                    "A consortium has exactly one lead organisation",
                    field="consortium",
                    code="lead_count",
                )
            if leads[0].uscc != locked.applicant_org.uscc:
                raise ValidationError(
                    "牵头单位应为申报单位本身",
                    "The lead organisation must be the applicant itself",
                    field="consortium",
                    code="lead_not_applicant",
                )
            # The lead is listed first whatever order the rows came in.
            rows = leads + [r for r in rows if r.role != ConsortiumRole.LEAD]
        locked.consortium.all().delete()
        for i, row in enumerate(rows):
            row.application = locked
            row.order = i
        ConsortiumMember.objects.bulk_create(rows)
        mark_done(locked, "consortium", now)
        audit_section(actor, locked, "consortium", {"members": [r.uscc for r in rows]})
    return locked


def application_save_budget(
    *,
    actor: User,
    application: Application,
    lines: Sequence[BudgetIn],
    fiscal_total: Decimal,
    self_total: Decimal,
    now: datetime | None = None,
) -> Application:
    """The budget table by category; the totals given must equal the sums of the lines."""
    now = now or timezone.now()
    rows: list[BudgetLine] = []
    seen: set[str] = set()
    for i, line in enumerate(lines):
        if line.category not in BudgetCategory.values:
            raise ValidationError(
                f"科目“{line.category}”不是可选的科目之一",
                f"Category {line.category!r} is not one of the budget categories",
                field=f"budget.{i}.category",
                code="category_invalid",
            )
        if line.category in seen:
            raise ValidationError(
                "同一科目填写了两次",
                "The same category is listed twice",
                field=f"budget.{i}.category",
                code="duplicate",
            )
        seen.add(line.category)
        for name, amount in (("fiscal", line.fiscal), ("self_raised", line.self_raised)):
            if amount < 0:
                raise ValidationError(
                    "金额不能为负数",
                    "Amounts cannot be negative",
                    field=f"budget.{i}.{name}",
                    code="amount_invalid",
                )
        if line.fiscal == 0 and line.self_raised == 0:
            continue
        rows.append(
            BudgetLine(
                category=line.category,
                fiscal_amount=line.fiscal,
                self_raised_amount=line.self_raised,
            )
        )
    if not rows:
        raise ValidationError(
            "请至少填写一个科目的金额",
            "Enter an amount for at least one category",
            field="budget",
            code="required",
        )
    fiscal, own = domain_formal_review.budget_totals(
        [
            domain_formal_review.BudgetRow(r.category, r.fiscal_amount, r.self_raised_amount)
            for r in rows
        ]
    )
    for name, given, summed, zh, en in (
        ("fiscal_total", fiscal_total, fiscal, "财政资金合计", "fiscal total"),
        ("self_total", self_total, own, "自筹资金合计", "self-raised total"),
    ):
        if given != summed:
            raise ValidationError(
                f"{zh}填写为 {given}，各科目之和为 {summed}，请核对",
                f"The {en} is given as {given} but the lines add up to {summed}",
                field=name,
                code="total_mismatch",
            )
    with transaction.atomic():
        locked = lock_draft(application, actor)
        locked.budget.all().delete()
        for row in rows:
            row.application = locked
        BudgetLine.objects.bulk_create(rows)
        locked.fiscal_total = fiscal
        locked.self_total = own
        mark_done(locked, "budget", now)
        audit_section(
            actor,
            locked,
            "budget",
            {
                "lines": [
                    {
                        "category": r.category,
                        "fiscal": r.fiscal_amount,
                        "self": r.self_raised_amount,
                    }
                    for r in rows
                ],
                "fiscal_total": fiscal,
                "self_total": own,
            },
        )
    return locked


def application_save_milestones(
    *,
    actor: User,
    application: Application,
    milestones: Sequence[MilestoneIn],
    now: datetime | None = None,
) -> Application:
    now = now or timezone.now()
    if not milestones:
        raise ValidationError(
            "请至少填写一个里程碑",
            "Enter at least one milestone",
            field="milestones",
            code="required",
        )
    if len(milestones) > MAX_ROWS:
        raise ValidationError(
            f"里程碑不能超过 {MAX_ROWS} 个",
            f"At most {MAX_ROWS} milestones",
            field="milestones",
            code="too_many",
        )
    rows = [
        Milestone(
            order=i,
            title=text(
                m.title,
                field=f"milestones.{i}.title",
                label_zh="里程碑",
                label_en="milestone",
                limit=200,
            ),
            due_date=m.due_date,
            deliverables=text(
                m.deliverables,
                field=f"milestones.{i}.deliverables",
                label_zh="交付物",
                label_en="deliverables",
                limit=5000,
            ),
        )
        for i, m in enumerate(milestones)
    ]
    with transaction.atomic():
        locked = lock_draft(application, actor)
        for i, row in enumerate(rows):
            start, end = locked.start_date, locked.end_date
            if start is not None and end is not None and not start <= row.due_date <= end:
                raise ValidationError(
                    f"里程碑日期应在项目起止日期（{start} 至 {end}）之内",
                    f"Milestone dates must fall within the project's dates ({start} to {end})",
                    field=f"milestones.{i}.due_date",
                    code="date_invalid",
                )
        locked.milestones.all().delete()
        for row in rows:
            row.application = locked
        Milestone.objects.bulk_create(rows)
        mark_done(locked, "milestones", now)
        audit_section(actor, locked, "milestones", {"milestones": len(rows)})
    return locked


# --- submitting -----------------------------------------------------------------------


def _refuse(refusals: list[domain_formal_review.Check]) -> ValidationError:
    reasons_zh = "；".join(c.reason.zh for c in refusals)
    reasons_en = "; ".join(c.reason.en for c in refusals)
    code = (
        "incomplete" if refusals[0].rule == domain_formal_review.Rule.COMPLETE else "not_eligible"
    )
    return ValidationError(
        f"申请不能提交：{reasons_zh}。",
        f"The application cannot be submitted: {reasons_en}.",
        code=code,
    )


def application_submit(
    *, actor: User, application: Application, now: datetime | None = None
) -> Application:
    """Submit before the deadline (server clock); the case starts in formal review."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_draft(application, actor)
        if locked.status != ApplicationStatus.DRAFT:
            raise ConflictError("申请已提交", "Already submitted", code="already_submitted")
        call = locked.call
        if call.status != CallStatus.PUBLISHED:
            raise ValidationError(
                "该指南已不再受理申请",
                "The call no longer accepts applications",
                code="window_closed",
            )
        domain.check_window(call.opens_at, call.closes_at, now)
        decision, checks = run_checks(locked, now)
        refusals = domain_formal_review.submission_refusals(checks)
        if refusals:
            raise _refuse(refusals)
        case = case_open(
            process_code=APPLICATION,
            actor=actor,
            owner_org=locked.applicant_org,
            title=locked.title,
            now=now,
            data={"call": call.number, "application": locked.pk},
            time_limits=call.stage_limits,
        )
        Case.objects.filter(pk=case.pk).update(decision=decision.to_dict())
        case.decision = decision.to_dict()
        Attachment.objects.bulk_create(
            Attachment(
                case=case,
                uploaded_by_id=a.uploaded_by_id,
                original_name=a.original_name,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                storage_name=a.storage_name,
                purpose=a.kind,
            )
            for a in locked.attachments.all()
        )
        locked.case = case
        locked.status = ApplicationStatus.SUBMITTED
        locked.submitted_at = now
        locked.updated_at = now
        locked.save()
        record_checks(locked, decision, trigger="submit", now=now)
        audit_append(
            actor=actor,
            action="programs.application_submitted",
            subject_type="application",
            subject_id=locked.pk,
            data={"case": case.number, "call": call.number, "checks": decision.outcome},
        )
    return locked
