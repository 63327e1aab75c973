"""项目经理人制 (project-manager mode): a portfolio (项目群) of approved projects within a
budget, held by its named project manager, who alone decides their stage gates (阶段决策);
a gate passed counts as the project's mid-term check and opens the mid-term tranche.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from rainforest.accounts.models import User
from rainforest.accounts.permissions import has_role
from rainforest.accounts.roles import Role
from rainforest.audit.services import audit_append
from rainforest.cases.services import case_open, case_transition
from rainforest.core.errors import (
    ConflictError,
    PermissionDeniedError,
    ValidationError,
)
from rainforest.core.policy import Reason, decide
from rainforest.programs import domain_modes as dm
from rainforest.programs.models import (
    Acceptance,
    AcceptanceKind,
    Portfolio,
    Project,
    ProjectStatus,
    StageGate,
)
from rainforest.programs.permissions_execution import is_portfolio_manager
from rainforest.programs.process_modes import STAGE_GATE
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

MIDTERM_GATE = "midterm_accepted"


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
    positive_amount(budget_total, "budget_total")
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
            params=modes_params(now),
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
    require_org(actor, project.lead_org)
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
        params = modes_params(now)
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
