"""业主制, 项目经理人制, national matching funds (配套资助) and innovation consortia (创新联合体).

- An owner enterprise's plan is approved by the bureau; the owner then reviews its own
  sub-projects within the approved budget and submits them for the bureau's audit.
- A project manager holds a portfolio of projects within a budget and decides their stage
  gates; a gate passed counts as the mid-term check and opens the mid-term tranche.
- An organisation registers a national project; ``decide_matching`` gives the amount; the
  bureau approves it as a case and the matching funds are posted on the ledger.
- A consortium (lead enterprise + members + agreement) is registered as a case; once
  registered its lead may apply as the consortium, and the dashboard counts those projects.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from rainforest.accounts.models import Organisation, OrganisationKind, User
from rainforest.accounts.permissions import has_role
from rainforest.accounts.roles import Role
from rainforest.audit.services import audit_append
from rainforest.cases.attachments import attachment_add
from rainforest.cases.models import Case
from rainforest.cases.services import case_open, case_transition
from rainforest.core.errors import (
    ConflictError,
    DomainError,
    PermissionDeniedError,
    ValidationError,
)
from rainforest.core.policy import ParameterSet, Reason, decide
from rainforest.ledger.models import AccountKind
from rainforest.ledger.services import ledger_post
from rainforest.programs import domain_decision as dd
from rainforest.programs import domain_modes as dm
from rainforest.programs.models import (
    Acceptance,
    AcceptanceKind,
    Application,
    ApplicationConsortium,
    ApplicationStatus,
    Consortium,
    ConsortiumPartner,
    NationalProject,
    OwnerPlan,
    OwnerSubProject,
    Portfolio,
    Project,
    ProjectStatus,
    StageGate,
    SubProjectStatus,
)
from rainforest.programs.permissions_execution import can_act_for_org, is_portfolio_manager
from rainforest.programs.process_modes import CONSORTIUM, MATCHING, OWNER, STAGE_GATE
from rainforest.programs.services.common import optional_text, text
from rainforest.programs.services.execution import (
    FISCAL_ACCOUNT,
    _ensure_account,
    _now,
    require_manager,
)

MIDTERM_GATE = "midterm_accepted"


def _require_org(actor: User, organisation: Organisation) -> None:
    if not can_act_for_org(actor, organisation.pk):
        raise PermissionDeniedError(
            "只有该单位的申报人可以办理此事项",
            "Only an applicant of this organisation may do this",
            field="organisation",
            code="forbidden",
        )


def _modes_params(now: datetime) -> ParameterSet:
    return dm.modes_parameters(timezone.localdate(now))


def _positive(amount: Decimal, field: str) -> Decimal:
    if amount <= 0:
        raise ValidationError(
            "金额应大于零", "The amount must be more than zero", field=field, code="amount_invalid"
        )
    return amount


# --- 业主制 ------------------------------------------------------------------------------


def _plan_fields(
    *, title: str, plan: str, budget_total: Decimal | None
) -> tuple[str, str, Decimal | None]:
    """A draft needs its title; the rest may wait until it is submitted."""
    title = text(title, field="title", label_zh="方案名称", label_en="title", limit=200)
    plan = optional_text(plan, field="plan", label_zh="实施方案", label_en="plan", limit=20000)
    if budget_total is not None:
        _positive(budget_total, "budget_total")
    return title, plan, budget_total


def _require_owner_enterprise(owner: Organisation) -> None:
    if owner.kind != OrganisationKind.ENTERPRISE:
        raise ValidationError(
            "业主制项目的业主须为企业。",
            "The owner of an owner-run project must be an enterprise.",
            field="organisation",
            code="owner_not_enterprise",
        )


def _audit_plan_saved(actor: User, plan: OwnerPlan) -> None:
    budget = None if plan.budget_total is None else str(plan.budget_total)
    audit_append(
        actor=actor,
        action="programs.owner_plan_save",
        subject_type="owner_plan",
        subject_id=plan.pk,
        data={"title": plan.title, "budget_total": budget},
    )


def owner_plan_save(
    *,
    actor: User,
    owner: Organisation,
    title: str,
    plan: str,
    budget_total: Decimal | None,
    now: datetime | None = None,
) -> OwnerPlan:
    """An owner enterprise starts its plan (实施方案) as a draft. Nobody but the owner
    sees a draft; the bureau sees it once it is submitted."""
    _require_org(actor, owner)
    now = _now(now)
    _require_owner_enterprise(owner)
    title, plan, budget_total = _plan_fields(title=title, plan=plan, budget_total=budget_total)
    with transaction.atomic():
        saved = OwnerPlan.objects.create(
            owner=owner,
            title=title,
            plan=plan,
            budget_total=budget_total,
            created_at=now,
            created_by=actor,
            updated_at=now,
        )
        _audit_plan_saved(actor, saved)
    return saved


def owner_plan_update(
    *,
    actor: User,
    draft: OwnerPlan,
    title: str,
    plan: str,
    budget_total: Decimal | None,
    now: datetime | None = None,
) -> OwnerPlan:
    """The owner saves its draft again; a submitted plan is no longer changed."""
    _require_org(actor, draft.owner)
    now = _now(now)
    title, plan, budget_total = _plan_fields(title=title, plan=plan, budget_total=budget_total)
    with transaction.atomic():
        saved = OwnerPlan.objects.select_for_update().get(pk=draft.pk)
        _require_draft(saved)
        saved.title, saved.plan, saved.budget_total = title, plan, budget_total
        saved.updated_at = now
        saved.save(update_fields=["title", "plan", "budget_total", "updated_at"])
        _audit_plan_saved(actor, saved)
    return saved


def _require_draft(plan: OwnerPlan) -> None:
    if plan.case_id is not None:
        raise ConflictError(
            "实施方案已提交，不能再修改。",
            "The plan is submitted; it can no longer be changed.",
            code="plan_submitted",
        )


def owner_plan_submit(*, actor: User, plan: OwnerPlan, now: datetime | None = None) -> OwnerPlan:
    """The owner submits its draft for the bureau's approval: the case starts here."""
    _require_org(actor, plan.owner)
    now = _now(now)
    _require_owner_enterprise(plan.owner)
    with transaction.atomic():
        locked = OwnerPlan.objects.select_for_update().select_related("owner").get(pk=plan.pk)
        _require_draft(locked)
        text(locked.plan, field="plan", label_zh="实施方案", label_en="plan", limit=20000)
        if locked.budget_total is None:
            raise ValidationError(
                "请填写财政资金总额",
                "Enter the total fiscal funding",
                field="budget_total",
                code="required",
            )
        case = case_open(
            process_code=OWNER,
            actor=actor,
            owner_org=locked.owner,
            title=f"{locked.owner.name} 业主制实施方案：{locked.title}",
            now=now,
            data={"budget_total": str(locked.budget_total)},
        )
        locked.case = case
        locked.submitted_at = now
        locked.submitted_by = actor
        locked.save(update_fields=["case", "submitted_at", "submitted_by"])
    return locked


def owner_plan_create(
    *,
    actor: User,
    owner: Organisation,
    title: str,
    plan: str,
    budget_total: Decimal | None,
    submit: bool = True,
    now: datetime | None = None,
) -> OwnerPlan:
    """Save a new plan and (with ``submit``) submit it at once; refused whole or not at all."""
    with transaction.atomic():
        saved = owner_plan_save(
            actor=actor, owner=owner, title=title, plan=plan, budget_total=budget_total, now=now
        )
        if submit:
            saved = owner_plan_submit(actor=actor, plan=saved, now=now)
    return saved


def _lock_plan(plan: OwnerPlan) -> OwnerPlan:
    """The submitted plan, locked; a draft has no case to act on yet."""
    locked = (
        OwnerPlan.objects.select_for_update(of=("self",))
        .select_related("case", "owner")
        .get(pk=plan.pk)
    )
    if locked.case is None:
        raise ConflictError(
            "实施方案尚未提交。", "The plan is not submitted yet.", code="plan_not_submitted"
        )
    return locked


def owner_plan_decide(
    *,
    actor: User,
    plan: OwnerPlan,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> OwnerPlan:
    require_manager(actor)
    now = _now(now)
    with transaction.atomic():
        locked = _lock_plan(plan)
        case_transition(
            case=locked.case,
            action="approve_plan" if approve else "reject_plan",
            actor=actor,
            reason=reason,
            now=now,
        )
    return locked


def subproject_add(
    *,
    actor: User,
    plan: OwnerPlan,
    title: str,
    undertaker: str,
    amount: Decimal,
    now: datetime | None = None,
) -> OwnerSubProject:
    """The owner adds a sub-project (子课题) to review, once its plan is approved."""
    _require_org(actor, plan.owner)
    now = _now(now)
    title = text(title, field="title", label_zh="子课题名称", label_en="title", limit=200)
    undertaker = text(
        undertaker, field="undertaker", label_zh="承担单位", label_en="undertaker", limit=200
    )
    _positive(amount, "amount")
    with transaction.atomic():
        locked = _lock_plan(plan)
        if locked.case.stage != "owner_managing":
            raise ConflictError(
                "实施方案获批后、提交审计前才能安排子课题。",
                "Sub-projects are added after the plan is approved and before the audit.",
                code="plan_not_managing",
            )
        sub = OwnerSubProject.objects.create(
            plan=locked, title=title, undertaker=undertaker, amount=amount
        )
        audit_append(
            actor=actor,
            action="programs.subproject_add",
            subject_type="owner_plan",
            subject_id=locked.case.number,
            data={"title": title, "amount": str(amount)},
        )
    return sub


def subproject_decide(
    *,
    actor: User,
    subproject: OwnerSubProject,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> OwnerSubProject:
    """The owner approves a sub-project within the approved budget, or declines it."""
    _require_org(actor, subproject.plan.owner)
    now = _now(now)
    reason = optional_text(reason, field="reason", label_zh="理由", label_en="reason", limit=2000)
    with transaction.atomic():
        plan = _lock_plan(subproject.plan)
        sub = OwnerSubProject.objects.select_for_update().get(pk=subproject.pk)
        if plan.case.stage != "owner_managing" or sub.status != SubProjectStatus.PROPOSED:
            raise ConflictError(
                "该子课题已有结论，或方案不在业主组织实施阶段。",
                "The sub-project is decided, or the plan is not being run by the owner.",
                code="subproject_decided",
            )
        committed = OwnerSubProject.objects.filter(
            plan=plan, status=SubProjectStatus.APPROVED
        ).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
        decision = dm.decide_within_budget(
            budget_total=plan.budget_total,
            committed=committed,
            amount=sub.amount,
            what_zh="子课题经费",
            what_en="Sub-project funding",
            params=_modes_params(now),
        )
        if approve and decision.outcome != "fits":
            raise ConflictError(
                "".join(r.zh for r in decision.reasons),
                " ".join(r.en for r in decision.reasons),
                field="amount",
                code="over_budget",
            )
        sub.status = SubProjectStatus.APPROVED if approve else SubProjectStatus.REJECTED
        sub.decided_at = now
        sub.decided_by = actor
        sub.reason = reason
        sub.decision = decision.to_dict()
        sub.save(update_fields=["status", "decided_at", "decided_by", "reason", "decision"])
        audit_append(
            actor=actor,
            action="programs.subproject_decide",
            subject_type="owner_plan",
            subject_id=plan.case.number,
            data={"subproject": sub.pk, "approve": approve, "decision": decision.to_dict()},
        )
    return sub


def owner_submit_audit(*, actor: User, plan: OwnerPlan, now: datetime | None = None) -> OwnerPlan:
    _require_org(actor, plan.owner)
    now = _now(now)
    with transaction.atomic():
        locked = _lock_plan(plan)
        subs = OwnerSubProject.objects.filter(plan=locked)
        decided = (
            not subs.filter(status=SubProjectStatus.PROPOSED).exists()
            and subs.filter(status=SubProjectStatus.APPROVED).exists()
        )
        case_transition(
            case=locked.case,
            action="submit_for_audit",
            actor=actor,
            context={"subprojects_decided": decided},
            now=now,
        )
    return locked


def owner_audit(
    *, actor: User, plan: OwnerPlan, passed: bool, reason: str = "", now: datetime | None = None
) -> OwnerPlan:
    require_manager(actor)
    now = _now(now)
    with transaction.atomic():
        locked = _lock_plan(plan)
        case_transition(
            case=locked.case,
            action="pass_audit" if passed else "return_audit",
            actor=actor,
            reason=reason,
            now=now,
        )
    return locked


# --- 项目经理人制 ------------------------------------------------------------------------


def portfolio_create(
    *,
    actor: User,
    title: str,
    manager: User,
    budget_total: Decimal,
    now: datetime | None = None,
) -> Portfolio:
    require_manager(actor)
    now = _now(now)
    title = text(title, field="title", label_zh="项目群名称", label_en="title", limit=200)
    _positive(budget_total, "budget_total")
    if not has_role(manager, Role.PROGRAMME_OFFICER):
        raise ValidationError(
            "项目经理人须是在平台上有项目管理权限的人员。",
            "The project manager must hold programme management rights on the platform.",
            field="manager",
            code="manager_invalid",
        )
    with transaction.atomic():
        portfolio = Portfolio.objects.create(
            title=title,
            manager=manager,
            budget_total=budget_total,
            created_at=now,
            created_by=actor,
        )
        audit_append(
            actor=actor,
            action="programs.portfolio_create",
            subject_type="portfolio",
            subject_id=portfolio.pk,
            data={"manager": manager.pk, "budget_total": str(budget_total)},
        )
    return portfolio


def portfolio_add_project(
    *, actor: User, portfolio: Portfolio, project: Project, now: datetime | None = None
) -> Portfolio:
    require_manager(actor)
    now = _now(now)
    with transaction.atomic():
        locked = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
        if Portfolio.objects.filter(projects=project).exists():
            raise ConflictError(
                "该项目已在一个项目群中。",
                "The project is already in a portfolio.",
                field="project_id",
                code="project_in_portfolio",
            )
        committed = locked.projects.aggregate(total=Sum("approved_amount"))["total"] or Decimal(
            "0.00"
        )
        decision = dm.decide_within_budget(
            budget_total=locked.budget_total,
            committed=committed,
            amount=project.approved_amount,
            what_zh="项目群经费",
            what_en="Portfolio funding",
            params=_modes_params(now),
        )
        if decision.outcome != "fits":
            raise ConflictError(
                "".join(r.zh for r in decision.reasons),
                " ".join(r.en for r in decision.reasons),
                field="project_id",
                code="over_budget",
            )
        locked.projects.add(project)
        audit_append(
            actor=actor,
            action="programs.portfolio_add_project",
            subject_type="portfolio",
            subject_id=locked.pk,
            data={"project": project.number, "decision": decision.to_dict()},
        )
    return locked


def stage_gate_request(
    *, actor: User, project: Project, report: str, now: datetime | None = None
) -> StageGate:
    """The undertaker asks the portfolio's manager to decide the mid-term stage gate."""
    _require_org(actor, project.lead_org)
    now = _now(now)
    report = text(report, field="report", label_zh="阶段报告", label_en="report", limit=20000)
    with transaction.atomic():
        locked = Project.objects.select_for_update().select_related("lead_org").get(pk=project.pk)
        if locked.status != ProjectStatus.EXECUTING:
            raise ConflictError(
                "项目不在执行中。", "The project is not executing.", code="project_not_executing"
            )
        portfolio = Portfolio.objects.filter(projects=locked).first()
        if portfolio is None:
            raise ConflictError(
                "该项目不属于任何项目经理人的项目群。",
                "The project is in no project manager's portfolio.",
                code="no_portfolio",
            )
        if StageGate.objects.filter(
            project=locked, gate=MIDTERM_GATE, passed__isnull=True
        ).exists():
            raise ConflictError(
                "已有阶段决策在办理中。", "A stage gate is already pending.", code="gate_pending"
            )
        if StageGate.objects.filter(project=locked, gate=MIDTERM_GATE, passed=True).exists():
            raise ConflictError(
                "该阶段已经通过。", "The stage gate has already passed.", code="gate_passed"
            )
        case = case_open(
            process_code=STAGE_GATE,
            actor=actor,
            owner_org=locked.lead_org,
            title=f"{locked.number} 阶段决策（中期）",
            now=now,
            data={"project": locked.number, "portfolio": portfolio.pk},
        )
        return StageGate.objects.create(
            portfolio=portfolio,
            project=locked,
            case=case,
            gate=MIDTERM_GATE,
            report=report,
            requested_at=now,
        )


def stage_gate_decide(
    *,
    actor: User,
    gate: StageGate,
    passed: bool,
    reason: str = "",
    now: datetime | None = None,
) -> StageGate:
    """Only the portfolio's manager decides; a pass is the project's mid-term check."""
    require_manager(actor)
    now = _now(now)
    reason = optional_text(reason, field="reason", label_zh="理由", label_en="reason", limit=2000)
    with transaction.atomic():
        locked = (
            StageGate.objects.select_for_update(of=("self",))
            .select_related("portfolio", "project", "case")
            .get(pk=gate.pk)
        )
        manager = is_portfolio_manager(actor, locked.portfolio)
        if not manager:
            # Other programme officers see the portfolio but never decide in it.
            raise PermissionDeniedError(
                "只有该项目群的项目经理人可以作出阶段决策。",
                "Only the portfolio's project manager decides its stage gates.",
                code="not_portfolio_manager",
            )
        params = _modes_params(now)
        said_zh = f"：{reason}" if reason else "。"
        said_en = f": {reason}" if reason else "."
        decision = decide(
            "pass" if passed else "fail",
            params,
            reasons=[
                Reason(
                    f"项目经理人（{actor.display_name or actor.username}）决定阶段"
                    + ("通过" if passed else "不通过")
                    + said_zh,
                    f"The project manager ({actor.username}) decided the gate "
                    + ("passed" if passed else "failed")
                    + said_en,
                )
            ],
            facts={"portfolio": locked.portfolio_id, "gate": locked.gate},
        )
        case_transition(
            case=locked.case,
            action="pass_gate" if passed else "fail_gate",
            actor=actor,
            reason=reason,
            context={"is_manager": manager},
            decision=decision.to_dict(),
            now=now,
        )
        locked.passed = passed
        locked.decided_at = now
        locked.decision = decision.to_dict()
        locked.save(update_fields=["passed", "decided_at", "decision"])
        Acceptance.objects.create(
            project=locked.project,
            kind=AcceptanceKind.MID_TERM,
            requested_at=locked.requested_at,
            opinions=[{"expert": actor.username, "opinion": "pass" if passed else "fail"}],
            passed=passed,
            decided_at=now,
            decided_by=actor,
            decision=decision.to_dict(),
        )
    return locked


# --- 配套资助 ----------------------------------------------------------------------------


def national_register(
    *,
    actor: User,
    organisation: Organisation,
    programme: str,
    number: str,
    title: str,
    national_funding: Decimal,
    period_start: date,
    period_end: date,
    landed_in_shenzhen: bool,
    proof: UploadedFile | None,
    now: datetime | None = None,
) -> NationalProject:
    """Register a national project won; the rule gives the matching amount at once."""
    _require_org(actor, organisation)
    now = _now(now)
    programme = text(
        programme, field="programme", label_zh="国家计划名称", label_en="programme", limit=200
    )
    number = "".join(
        text(number, field="number", label_zh="国家项目编号", label_en="number", limit=60).split()
    )
    title = text(title, field="title", label_zh="项目名称", label_en="title", limit=200)
    on = timezone.localdate(now)
    result = dd.decide_matching(
        dd.NationalProject(
            programme=programme,
            number=number,
            national_funding=national_funding,
            period_start=period_start,
            period_end=period_end,
            landed_in_shenzhen=landed_in_shenzhen,
            proof_attached=proof is not None,
        ),
        on=on,
        params=dd.matching_parameters(on),
    )
    if NationalProject.objects.filter(programme=programme, number=number).exists():
        raise ConflictError(
            f"国家项目 {number} 已经登记过。",
            f"National project {number} is already registered.",
            field="number",
            code="national_project_exists",
        )
    with transaction.atomic():
        case = case_open(
            process_code=MATCHING,
            actor=actor,
            owner_org=organisation,
            title=f"{organisation.name} 国家项目配套：{title}",
            now=now,
            data={"programme": programme, "number": number},
        )
        Case.objects.filter(pk=case.pk).update(decision=result.decision.to_dict())
        registration = NationalProject.objects.create(
            organisation=organisation,
            case=case,
            programme=programme,
            number=number,
            title=title,
            national_funding=national_funding,
            period_start=period_start,
            period_end=period_end,
            landed_in_shenzhen=landed_in_shenzhen,
            registered_at=now,
            registered_by=actor,
            matching_amount=result.amount,
            decision=result.decision.to_dict(),
        )
        if proof is not None:
            try:
                attachment_add(case=case, actor=actor, uploaded_file=proof, purpose="立项证明")
            except DomainError as exc:
                raise exc.with_field("proof") from None
    return registration


def matching_account(registration: NationalProject) -> str:
    return f"programs:matching:{registration.case.number}"


def national_decide(
    *,
    actor: User,
    registration: NationalProject,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> NationalProject:
    """Approve the matching amount the rule gave (posted on the ledger) or reject it."""
    require_manager(actor)
    now = _now(now)
    with transaction.atomic():
        locked = (
            NationalProject.objects.select_for_update(of=("self",))
            .select_related("case")
            .get(pk=registration.pk)
        )
        eligible = locked.decision.get("outcome") == "eligible" and locked.matching_amount > 0
        if approve and eligible and locked.case.stage == "matching_review":
            _ensure_account(
                FISCAL_ACCOUNT,
                "市财政（科技计划资金来源）",
                AccountKind.FUNDING,
                allow_negative=True,
            )
            account = matching_account(locked)
            _ensure_account(account, f"{locked.case.number} 配套资助", AccountKind.OTHER)
            ledger_post(
                key=f"programs:matching-pay:{locked.case.number}",
                entries=[
                    (FISCAL_ACCOUNT, -locked.matching_amount),
                    (account, locked.matching_amount),
                ],
                memo=f"{locked.number} 国家项目配套资助 / matching funds",
                actor=actor,
            )
        case_transition(
            case=locked.case,
            action="approve" if approve else "reject",
            actor=actor,
            reason=reason,
            context={"eligible": eligible},
            decision=locked.decision,
            now=now,
        )
        if approve:
            locked.approved_amount = locked.matching_amount
            locked.save(update_fields=["approved_amount"])
    return locked


# --- 创新联合体 --------------------------------------------------------------------------


def consortium_register(
    *,
    actor: User,
    lead: Organisation,
    name: str,
    members: Sequence[dm.PartnerIn],
    agreement: UploadedFile | None,
    now: datetime | None = None,
) -> Consortium:
    """The lead enterprise registers the consortium with its members and agreement."""
    _require_org(actor, lead)
    now = _now(now)
    name = text(name, field="name", label_zh="联合体名称", label_en="name", limit=200)
    checked = dm.check_consortium(lead.uscc, lead.kind, members, params=_modes_params(now))
    if agreement is None:
        raise ValidationError(
            "请上传联合体协议",
            "Upload the consortium agreement",
            field="agreement",
            code="required",
        )
    with transaction.atomic():
        case = case_open(
            process_code=CONSORTIUM,
            actor=actor,
            owner_org=lead,
            title=f"创新联合体登记：{name}",
            now=now,
            data={"members": [m.uscc for m in checked]},
        )
        consortium = Consortium.objects.create(
            name=name, lead=lead, case=case, registered_at=now, registered_by=actor
        )
        ConsortiumPartner.objects.bulk_create(
            ConsortiumPartner(consortium=consortium, order=i, uscc=m.uscc, name=m.name, kind=m.kind)
            for i, m in enumerate(checked, start=1)
        )
        try:
            attachment_add(case=case, actor=actor, uploaded_file=agreement, purpose="联合体协议")
        except DomainError as exc:
            raise exc.with_field("agreement") from None
    return consortium


def consortium_decide(
    *,
    actor: User,
    consortium: Consortium,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Consortium:
    require_manager(actor)
    now = _now(now)
    with transaction.atomic():
        locked = (
            Consortium.objects.select_for_update(of=("self",))
            .select_related("case")
            .get(pk=consortium.pk)
        )
        case_transition(
            case=locked.case,
            action="register" if approve else "reject",
            actor=actor,
            reason=reason,
            now=now,
        )
        if approve:
            locked.approved_at = now
            locked.save(update_fields=["approved_at"])
    return locked


def application_as_consortium(
    *,
    actor: User,
    application: Application,
    consortium: Consortium,
    now: datetime | None = None,
) -> ApplicationConsortium:
    """A draft by the consortium's lead is made as the consortium (联合体申报): its members
    fill the application's consortium section."""
    from rainforest.programs.services.applications import PartnerIn, application_save_consortium

    now = _now(now)
    consortium = Consortium.objects.select_related("lead", "case").get(pk=consortium.pk)
    _require_org(actor, consortium.lead)
    if application.applicant_org_id != consortium.lead_id:
        raise ValidationError(
            "只有联合体牵头单位的申请可以以联合体名义申报。",
            "Only the lead's application can be made as the consortium.",
            field="consortium_id",
            code="not_lead",
        )
    if consortium.approved_at is None:
        raise ConflictError(
            "联合体尚未登记通过。",
            "The consortium is not registered yet.",
            field="consortium_id",
            code="consortium_not_registered",
        )
    if application.status != ApplicationStatus.DRAFT:
        raise ConflictError(
            "申请已提交，不能再修改。", "The application is submitted.", code="not_editable"
        )
    partners = [PartnerIn(consortium.lead.uscc, consortium.lead.name, "lead")] + [
        PartnerIn(p.uscc, p.name, "member") for p in consortium.partners.all()
    ]
    with transaction.atomic():
        application_save_consortium(
            actor=actor, application=application, partners=partners, now=now
        )
        link, _created = ApplicationConsortium.objects.update_or_create(
            application=application,
            defaults={"consortium": consortium, "linked_at": now},
        )
        audit_append(
            actor=actor,
            action="programs.application_as_consortium",
            subject_type="application",
            subject_id=application.pk,
            data={"consortium": consortium.case.number},
        )
    return link


def consortium_led_share(*, year: int | None = None, on: date | None = None) -> dm.ConsortiumShare:
    """The share of approved projects led by a registered consortium (the dashboard's figure)."""
    from rainforest.programs.selectors_execution import consortium_led_by_year

    rows = consortium_led_by_year(Project.objects.all(), year)
    led = sum(r[1] for r in rows)
    total = sum(r[2] for r in rows)
    day = on or timezone.localdate()
    return dm.consortium_share(led, total, params=dm.modes_parameters(day))
