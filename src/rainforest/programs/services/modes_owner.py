"""业主制 (owner-run projects): an owner enterprise drafts its plan (实施方案) and submits
it; the bureau approves it; the owner then adds its sub-projects (子课题), approves or
declines each within the approved budget with its reasons and submits the whole for the
bureau's audit. Drafting is not a case: the case starts when the plan is submitted.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from rainforest.accounts.models import Organisation, OrganisationKind, User
from rainforest.audit.services import audit_append
from rainforest.cases.services import case_open, case_transition
from rainforest.core.errors import (
    ConflictError,
    ValidationError,
)
from rainforest.programs import domain_modes as dm
from rainforest.programs.models import (
    OwnerPlan,
    OwnerSubProject,
    SubProjectStatus,
)
from rainforest.programs.process_modes import OWNER
from rainforest.programs.services.common import (
    modes_params,
    optional_text,
    positive_amount,
    require_org,
    text,
)
from rainforest.programs.services.execution import (
    _now,
    require_manager,
)

# --- 业主制 ------------------------------------------------------------------------------


def _plan_fields(
    *, title: str, plan: str, budget_total: Decimal | None
) -> tuple[str, str, Decimal | None]:
    """A draft needs its title; the rest may wait until it is submitted."""
    title = text(title, field="title", label_zh="方案名称", label_en="title", limit=200)
    plan = optional_text(plan, field="plan", label_zh="实施方案", label_en="plan", limit=20000)
    if budget_total is not None:
        positive_amount(budget_total, "budget_total")
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
    require_org(actor, owner)
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
    require_org(actor, draft.owner)
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
    require_org(actor, plan.owner)
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


def _bureau_acts(
    *, actor: User, plan: OwnerPlan, action: str, reason: str, now: datetime | None
) -> OwnerPlan:
    """The bureau's steps on a submitted plan: approval and the audit's conclusion."""
    require_manager(actor)
    now = _now(now)
    with transaction.atomic():
        locked = _lock_plan(plan)
        case_transition(case=locked.case, action=action, actor=actor, reason=reason, now=now)
    return locked


def owner_plan_decide(
    *,
    actor: User,
    plan: OwnerPlan,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> OwnerPlan:
    action = "approve_plan" if approve else "reject_plan"
    return _bureau_acts(actor=actor, plan=plan, action=action, reason=reason, now=now)


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
    require_org(actor, plan.owner)
    now = _now(now)
    title = text(title, field="title", label_zh="子课题名称", label_en="title", limit=200)
    undertaker = text(
        undertaker, field="undertaker", label_zh="承担单位", label_en="undertaker", limit=200
    )
    positive_amount(amount, "amount")
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
    require_org(actor, subproject.plan.owner)
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
            params=modes_params(now),
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
    require_org(actor, plan.owner)
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
    action = "pass_audit" if passed else "return_audit"
    return _bureau_acts(actor=actor, plan=plan, action=action, reason=reason, now=now)
