"""Execution to closure (全过程): payments, milestone reports, mid-term check, acceptance,
closure or termination with recovery of funds.

Money moves only through the ledger kernel. When execution begins the call's budget is
put on the ledger once (市财政 → 指南预算), and each tranche of the project is held on it
(冻结); releasing a tranche captures its hold into the project's account, with the
tranche's own idempotency key, so a retry can never pay twice. Terminating releases
the holds still open and posts the recovered amount back from the project's account.

Lock order inside each transaction: the project (or tranche) row, then the ledger (its
own order: hold, accounts, audit head), then the case and the audit records. Ledger
calls therefore come before ``case_transition`` and ``audit_append``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.accounts.roles import Role
from rainforest.audit.services import audit_append
from rainforest.cases.models import Case
from rainforest.cases.services import notify
from rainforest.core.errors import ConflictError, PermissionDeniedError, ValidationError
from rainforest.core.policy import Decision, ParameterSet
from rainforest.ledger.models import AccountKind, LedgerAccount, LedgerHold
from rainforest.ledger.services import (
    ledger_account_open,
    ledger_capture,
    ledger_hold,
    ledger_post,
)
from rainforest.programs import domain_execution as dx
from rainforest.programs.models import (
    Acceptance,
    AcceptanceKind,
    ExecutionPlan,
    MilestoneReport,
    MilestoneReportStatus,
    OrganisationMode,
    PaymentTranche,
    Project,
    ProjectStatus,
    TaskContract,
    TrancheDecision,
)
from rainforest.programs.permissions_execution import can_act_for_org, can_manage_execution
from rainforest.programs.services.common import text

FISCAL_ACCOUNT = "programs:fiscal"


def call_budget_account(call: Any) -> str:
    return f"programs:call:{call.number}"


def project_account(project: Project) -> str:
    return f"programs:project:{project.number}"


def tranche_key(project: Project, order: int) -> str:
    """The idempotency key of a tranche's payment: one per tranche, for ever."""
    return f"programs:tranche:{project.number}:{order}"


def _hold_key(project: Project, order: int) -> str:
    return f"programs:tranche-hold:{project.number}:{order}"


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _params(now: datetime) -> ParameterSet:
    return dx.execution_parameters(timezone.localdate(now))


def require_manager(actor: User) -> None:
    if not can_manage_execution(actor):
        raise PermissionDeniedError(
            "只有项目处工作人员可以办理此事项",
            "Only programme officers may do this",
            code="forbidden",
        )


def require_undertaker(actor: User, project: Project) -> None:
    if not can_act_for_org(actor, project.lead_org_id):
        raise PermissionDeniedError(
            "只有项目承担单位的申报人可以办理此事项",
            "Only an applicant of the undertaking organisation may do this",
            code="forbidden",
        )


def _lock(project: Project) -> Project:
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("call", "application", "application__case", "lead_org")
        .get(pk=project.pk)
    )


def _case(project: Project) -> Case:
    case = project.application.case
    if case is None:  # an approved project always has its application's case
        raise ConflictError("项目没有办件", "The project has no case", code="no_case")
    return case


def _executing(project: Project) -> None:
    if project.status != ProjectStatus.EXECUTING:
        raise ConflictError(
            f"项目当前状态为「{project.get_status_display()}」，不能办理此事项。",
            f"The project is {project.status}; this cannot be done now.",
            code="project_not_executing",
        )


def _ensure_account(code: str, name: str, kind: str, *, allow_negative: bool = False) -> None:
    if not LedgerAccount.objects.filter(code=code).exists():
        ledger_account_open(code=code, name=name, kind=kind, allow_negative=allow_negative)


def _ensure_call_budget(call: Any, actor: User) -> str:
    """The call's budget on the ledger, funded once from the municipal fiscal account."""
    _ensure_account(
        FISCAL_ACCOUNT, "市财政（科技计划资金来源）", AccountKind.FUNDING, allow_negative=True
    )
    code = call_budget_account(call)
    _ensure_account(code, f"{call.number} 指南预算", AccountKind.BUDGET)
    ledger_post(
        key=f"programs:call-budget:{call.number}",
        entries=[(FISCAL_ACCOUNT, -call.funding_total), (code, call.funding_total)],
        memo=f"{call.number} 指南预算下达 / call budget",
        actor=actor,
    )
    return code


def _undertakers(project: Project) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organisation_id=project.lead_org_id,
            memberships__role=Role.APPLICANT,
            is_active=True,
        )
        .distinct()
        .order_by("id")
    )


# --- starting execution ---------------------------------------------------------------


def execution_begin(*, actor: User, project: Project, now: datetime | None = None) -> ExecutionPlan:
    """Set up a signed project's execution: the payment schedule held on the call's budget,
    a report due for every milestone, and the project marked executing. Calling it again
    returns the plan already made.

    Called when both sides have signed (whoever signed last is ``actor``) and by staff.
    """
    now = _now(now)
    existing = ExecutionPlan.objects.filter(project=project).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        locked = _lock(project)
        existing = ExecutionPlan.objects.filter(project=locked).first()
        if existing is not None:
            return existing
        if locked.status not in (ProjectStatus.CONTRACTING, ProjectStatus.EXECUTING):
            raise ConflictError(
                "项目已结题或终止，不能开始执行。",
                "The project is closed or terminated; execution cannot begin.",
                code="project_not_executing",
            )
        params = _params(now)
        lump_sum = locked.organisation_mode == OrganisationMode.LUMP_SUM
        schedule = dx.payment_schedule(locked.approved_amount, params=params, lump_sum=lump_sum)
        budget = _ensure_call_budget(locked.call, actor)
        account = project_account(locked)
        _ensure_account(account, f"{locked.number} 项目经费", AccountKind.OTHER)
        tranches = {t.order: t for t in PaymentTranche.objects.filter(project=locked)}
        for t in schedule.tranches:
            ledger_hold(
                key=_hold_key(locked, t.index), account=budget, amount=t.amount, actor=actor
            )
            row = tranches.get(t.index)
            if row is None:
                PaymentTranche.objects.create(project=locked, order=t.index, amount=t.amount)
            elif row.amount != t.amount:
                raise ConflictError(
                    f"第 {t.index} 期拨付金额与拨付计划不一致。",
                    f"Tranche {t.index} differs from the payment schedule.",
                    code="tranche_mismatch",
                )
        if not MilestoneReport.objects.filter(project=locked).exists():
            MilestoneReport.objects.bulk_create(
                MilestoneReport(project=locked, milestone=m, due_date=m.due_date)
                for m in locked.application.milestones.all()
            )
        plan = ExecutionPlan.objects.create(
            project=locked,
            lump_sum=lump_sum,
            schedule=[
                {
                    "index": t.index,
                    "gate": t.gate,
                    "share": str(t.share),
                    "amount": str(t.amount),
                }
                for t in schedule.tranches
            ],
            decision=schedule.decision.to_dict(),
            budget_account=budget,
            project_account=account,
            started_at=now,
            started_by=actor,
        )
        if locked.status == ProjectStatus.CONTRACTING:
            locked.status = ProjectStatus.EXECUTING
            locked.save(update_fields=["status"])
        audit_append(
            actor=actor,
            action="programs.execution_begin",
            subject_type="project",
            subject_id=locked.number,
            data={"schedule": plan.schedule, "decision": plan.decision},
        )
    return plan


def _plan(project: Project) -> ExecutionPlan:
    plan = ExecutionPlan.objects.filter(project=project).first()
    if plan is None:
        raise ConflictError(
            "项目尚未开始执行（拨付计划未建立）。",
            "Execution has not begun (no payment schedule yet).",
            code="execution_not_begun",
        )
    return plan


def schedule_of(project: Project, plan: ExecutionPlan) -> dx.PaymentSchedule:
    """The stored schedule again as the rule's object (same plan, same amounts)."""
    params = _params(plan.started_at)
    specs = [dx.TrancheSpec(item["gate"], Decimal(item["share"])) for item in plan.schedule]
    return dx.payment_schedule(
        project.approved_amount, params=params, lump_sum=plan.lump_sum, plan=specs
    )


def accepted_gates(project: Project) -> set[str]:
    """The gates passed so far, read from what the database records."""
    gates: set[str] = set()
    signed = TaskContract.objects.filter(project=project, signed_at__isnull=False).exists()
    case = project.application.case
    if signed or (case is not None and case.stage in ("executing", "acceptance", "closed")):
        gates.add(dx.CONTRACT_SIGNED)
    kinds = set(
        Acceptance.objects.filter(project=project, passed=True).values_list("kind", flat=True)
    )
    if AcceptanceKind.MID_TERM in kinds:
        gates.add(dx.MIDTERM_ACCEPTED)
    if AcceptanceKind.FINAL in kinds:
        gates.add(dx.FINAL_ACCEPTED)
    return gates


# --- payment tranches -----------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseResult:
    tranche: PaymentTranche
    decision: Decision


def tranche_release(
    *, actor: User, project: Project, order: int, now: datetime | None = None
) -> ReleaseResult:
    """Pay tranche ``order`` when ``can_release_tranche`` says so; store its answer either way.

    A refusal is recorded (who asked, when, why) and then raised as a 409 with the reasons.
    """
    require_manager(actor)
    now = _now(now)
    with transaction.atomic():
        locked = _lock(project)
        plan = _plan(locked)
        tranche = (
            PaymentTranche.objects.select_for_update().filter(project=locked, order=order).first()
        )
        if tranche is None:
            raise ValidationError(
                f"拨付计划中没有第 {order} 期。",
                f"The schedule has no tranche {order}.",
                field="order",
                code="tranche_unknown",
            )
        schedule = schedule_of(locked, plan)
        released = set(
            PaymentTranche.objects.filter(project=locked, released_at__isnull=False).values_list(
                "order", flat=True
            )
        )
        decision = dx.can_release_tranche(
            schedule,
            order,
            accepted_gates=accepted_gates(locked),
            released=released,
            params=_params(plan.started_at),
            stopped=locked.status == ProjectStatus.TERMINATED,
        )
        if decision.outcome == "release":
            key = tranche_key(locked, order)
            hold = LedgerHold.objects.get(key=_hold_key(locked, order))
            ledger_capture(key=key, hold=hold, to_account=plan.project_account, actor=actor)
            tranche.released_at = now
            tranche.released_by = actor
            tranche.ledger_key = key
            tranche.save(update_fields=["released_at", "released_by", "ledger_key"])
        TrancheDecision.objects.create(
            tranche=tranche,
            decided_at=now,
            decided_by=actor,
            outcome=decision.outcome,
            decision=decision.to_dict(),
        )
        audit_append(
            actor=actor,
            action="programs.tranche_release"
            if decision.outcome == "release"
            else "programs.tranche_refused",
            subject_type="project",
            subject_id=locked.number,
            data={"order": order, "decision": decision.to_dict()},
        )
    if decision.outcome != "release":
        raise ConflictError(
            "不能拨付：" + "".join(r.zh for r in decision.reasons),
            "Cannot pay: " + " ".join(r.en for r in decision.reasons),
            field="order",
            code="tranche_refused",
        )
    return ReleaseResult(tranche=tranche, decision=decision)


def released_total(project: Project) -> Decimal:
    return sum(
        (
            t.amount
            for t in PaymentTranche.objects.filter(project=project, released_at__isnull=False)
        ),
        Decimal("0.00"),
    )


# --- milestone reports ----------------------------------------------------------------


def _lock_report(report: MilestoneReport) -> MilestoneReport:
    return (
        MilestoneReport.objects.select_for_update(of=("self",))
        .select_related("project", "milestone")
        .get(pk=report.pk)
    )


def report_submit(
    *, actor: User, report: MilestoneReport, body: str, now: datetime | None = None
) -> MilestoneReport:
    """The undertaker submits a milestone report (节点报告), again after a return."""
    now = _now(now)
    require_undertaker(actor, report.project)
    body = text(body, field="report", label_zh="节点报告", label_en="report", limit=20000)
    with transaction.atomic():
        locked = _lock_report(report)
        _executing(locked.project)
        if locked.status not in (MilestoneReportStatus.DUE, MilestoneReportStatus.RETURNED):
            raise ConflictError(
                "这份节点报告已提交或已通过，不能再提交。",
                "This report is already submitted or accepted.",
                code="report_not_due",
            )
        locked.status = MilestoneReportStatus.SUBMITTED
        locked.report = body
        locked.submitted_at = now
        locked.submitted_by = actor
        locked.save(update_fields=["status", "report", "submitted_at", "submitted_by"])
        audit_append(
            actor=actor,
            action="programs.report_submit",
            subject_type="milestone_report",
            subject_id=locked.pk,
            data={"project": locked.project.number, "milestone": locked.milestone.title},
        )
    return locked


def report_review(
    *,
    actor: User,
    report: MilestoneReport,
    accept: bool,
    reason: str = "",
    now: datetime | None = None,
) -> MilestoneReport:
    """Staff accept a submitted report or return it with the reason."""
    require_manager(actor)
    now = _now(now)
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError(
            "退回节点报告须说明理由",
            "Give the reason for returning the report",
            field="reason",
            code="reason_required",
        )
    with transaction.atomic():
        locked = _lock_report(report)
        if locked.status != MilestoneReportStatus.SUBMITTED:
            raise ConflictError(
                "只有已提交的节点报告可以审核。",
                "Only a submitted report can be reviewed.",
                code="report_not_submitted",
            )
        locked.status = MilestoneReportStatus.ACCEPTED if accept else MilestoneReportStatus.RETURNED
        locked.reviewed_at = now
        locked.reviewed_by = actor
        locked.review_reason = reason
        locked.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_reason"])
        audit_append(
            actor=actor,
            action="programs.report_accept" if accept else "programs.report_return",
            subject_type="milestone_report",
            subject_id=locked.pk,
            data={"project": locked.project.number, "reason": reason},
        )
        title = (
            f"{locked.project.number} 节点报告已通过"
            if accept
            else f"{locked.project.number} 节点报告被退回"
        )
        for user in _undertakers(locked.project):
            notify(
                user=user,
                case=locked.project.application.case,
                kind="milestone",
                title=title,
                body=f"节点「{locked.milestone.title}」：{reason or '已通过'}",
                title_en=f"{locked.project.number}: milestone report "
                + ("accepted" if accept else "returned"),
                body_en=f"Milestone “{locked.milestone.title}”: {reason or 'accepted'}",
            )
    return locked
