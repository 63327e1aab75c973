"""Mid-term check (中期检查), final acceptance (验收), closure, or termination with the
recovery of funds (终止及资金追回). Experts' opinions are entered by staff and decided by
``decide_acceptance``; recovery by ``decide_recovery`` and a ledger posting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.cases.models import Case
from rainforest.cases.services import case_transition
from rainforest.core.errors import ConflictError, ValidationError
from rainforest.core.policy import Decision, ParameterSet
from rainforest.ledger.models import LedgerHold
from rainforest.ledger.services import ledger_post, ledger_release
from rainforest.programs import domain_closure as dcl
from rainforest.programs.models import (
    Acceptance,
    AcceptanceKind,
    MilestoneReport,
    MilestoneReportStatus,
    PaymentTranche,
    Project,
    ProjectStatus,
)
from rainforest.programs.services.common import text
from rainforest.programs.services.execution import (
    _case,
    _executing,
    _hold_key,
    _lock,
    _now,
    _params,
    _plan,
    released_total,
    require_manager,
    require_undertaker,
)

# --- mid-term check, final acceptance, termination ------------------------------------


@dataclass(frozen=True)
class OpinionIn:
    expert: str
    opinion: str
    comment: str = ""


def _opinions(opinions: Sequence[OpinionIn], params: ParameterSet) -> tuple[Decision, list[Any]]:
    rows: list[dict[str, str]] = []
    for i, o in enumerate(opinions):
        name = (o.expert or "").strip()
        if not name:
            raise ValidationError(
                "请填写专家姓名",
                "Enter the expert's name",
                field=f"opinions.{i}.expert",
                code="required",
            )
        rows.append({"expert": name, "opinion": o.opinion, "comment": (o.comment or "").strip()})
    decision = dcl.decide_acceptance(
        [dcl.ExpertOpinion(r["expert"], r["opinion"]) for r in rows],  # type: ignore[arg-type]  # checked by the rule
        params=params,
    )
    return decision, rows


def midterm_record(
    *, actor: User, project: Project, opinions: Sequence[OpinionIn], now: datetime | None = None
) -> Acceptance:
    """The mid-term check (中期检查) from the experts' opinions; a pass opens the 2nd tranche."""
    require_manager(actor)
    now = _now(now)
    with transaction.atomic():
        locked = _lock(project)
        _executing(locked)
        if Acceptance.objects.filter(
            project=locked, kind=AcceptanceKind.MID_TERM, passed=True
        ).exists():
            raise ConflictError(
                "中期检查已经通过。",
                "The mid-term check has already passed.",
                code="midterm_done",
            )
        decision, rows = _opinions(opinions, _params(now))
        acceptance = Acceptance.objects.create(
            project=locked,
            kind=AcceptanceKind.MID_TERM,
            requested_at=now,
            opinions=rows,
            passed=decision.outcome != "fail",
            decided_at=now,
            decided_by=actor,
            decision=decision.to_dict(),
        )
        audit_append(
            actor=actor,
            action="programs.midterm_record",
            subject_type="project",
            subject_id=locked.number,
            data={"decision": decision.to_dict(), "opinions": rows},
        )
    return acceptance


def acceptance_request(*, actor: User, project: Project, now: datetime | None = None) -> Acceptance:
    """The undertaker asks for final acceptance once every milestone report is accepted."""
    require_undertaker(actor, project)
    now = _now(now)
    with transaction.atomic():
        locked = _lock(project)
        _executing(locked)
        reports = MilestoneReport.objects.filter(project=locked)
        all_accepted = not reports.exclude(status=MilestoneReportStatus.ACCEPTED).exists()
        case_transition(
            case=_case(locked),
            action="request_acceptance",
            actor=actor,
            context={"reports_accepted": all_accepted},
            now=now,
        )
        acceptance = Acceptance.objects.create(
            project=locked, kind=AcceptanceKind.FINAL, requested_at=now
        )
    return acceptance


def acceptance_decide(
    *,
    actor: User,
    project: Project,
    opinions: Sequence[OpinionIn],
    accepted_spending: Decimal | None = None,
    now: datetime | None = None,
) -> Acceptance:
    """Final acceptance (验收): pass closes the project; conditional pass returns it for
    rectification; fail terminates it and recovers funds (``accepted_spending`` needed).
    """
    require_manager(actor)
    now = _now(now)
    with transaction.atomic():
        locked = _lock(project)
        case = _case(locked)
        pending = (
            Acceptance.objects.select_for_update()
            .filter(project=locked, kind=AcceptanceKind.FINAL, decided_at__isnull=True)
            .first()
        )
        if case.stage != "acceptance" or pending is None:
            raise ConflictError(
                "项目尚未申请结题验收。",
                "Final acceptance has not been requested.",
                code="acceptance_not_requested",
            )
        decision, rows = _opinions(opinions, _params(now))
        pending.opinions = rows
        pending.decided_at = now
        pending.decided_by = actor
        pending.decision = decision.to_dict()
        pending.passed = decision.outcome == "pass"
        pending.save(update_fields=["opinions", "decided_at", "decided_by", "decision", "passed"])
        reasons = "".join(r.zh for r in decision.reasons)
        if decision.outcome == "pass":
            case_transition(
                case=case,
                action="pass_acceptance",
                actor=actor,
                reason=reasons,
                decision=decision.to_dict(),
                now=now,
            )
            locked.status = ProjectStatus.CLOSED
            locked.closed_at = now
            locked.save(update_fields=["status", "closed_at"])
        elif decision.outcome == "conditional_pass":
            case_transition(
                case=case,
                action="return_acceptance",
                actor=actor,
                reason=reasons,
                decision=decision.to_dict(),
                now=now,
            )
        else:
            if accepted_spending is None:
                raise ValidationError(
                    "验收不通过将终止项目，请填写经审核认定的支出以计算应追回的资金。",
                    "Failing acceptance terminates the project: enter the spending accepted "
                    "so the amount to recover can be worked out.",
                    field="accepted_spending",
                    code="required",
                )
            _terminate(
                actor=actor,
                project=locked,
                case=case,
                action="fail_acceptance",
                reason=reasons,
                accepted_spending=accepted_spending,
                now=now,
            )
        audit_append(
            actor=actor,
            action="programs.acceptance_decide",
            subject_type="project",
            subject_id=locked.number,
            data={"decision": decision.to_dict(), "opinions": rows},
        )
    return pending


def _terminate(
    *,
    actor: User,
    project: Project,
    case: Case,
    action: str,
    reason: str,
    accepted_spending: Decimal,
    now: datetime,
) -> dcl.RecoveryResult:
    plan = _plan(project)
    released = released_total(project)
    result = dcl.decide_recovery(
        released=released,
        accepted_spending=accepted_spending,
        params=_params(now),
        grounds=reason,
    )
    # Ledger first (see the module docstring): free what was held, take back what is owed.
    for tranche in PaymentTranche.objects.filter(project=project, released_at__isnull=True):
        hold = LedgerHold.objects.filter(key=_hold_key(project, tranche.order)).first()
        if hold is not None and hold.status == "open":
            ledger_release(
                key=f"programs:tranche-unhold:{project.number}:{tranche.order}",
                hold=hold,
                actor=actor,
            )
    if result.amount > 0:
        ledger_post(
            key=f"programs:recover:{project.number}",
            entries=[(plan.project_account, -result.amount), (plan.budget_account, result.amount)],
            memo=f"{project.number} 终止追回资金 / recovery on termination",
            actor=actor,
        )
    case_transition(
        case=case,
        action=action,
        actor=actor,
        reason=reason,
        decision=result.decision.to_dict(),
        now=now,
    )
    project.status = ProjectStatus.TERMINATED
    project.closed_at = now
    project.recovered_amount = result.amount
    project.save(update_fields=["status", "closed_at", "recovered_amount"])
    audit_append(
        actor=actor,
        action="programs.project_terminate",
        subject_type="project",
        subject_id=project.number,
        data={"decision": result.decision.to_dict(), "recovered": str(result.amount)},
    )
    return result


def project_terminate(
    *,
    actor: User,
    project: Project,
    reason: str,
    accepted_spending: Decimal,
    now: datetime | None = None,
) -> dcl.RecoveryResult:
    """Terminate a running project (终止) and recover what was paid and not accepted as spent."""
    require_manager(actor)
    now = _now(now)
    reason = text(reason, field="reason", label_zh="终止理由", label_en="reason", limit=2000)
    with transaction.atomic():
        locked = _lock(project)
        _executing(locked)
        return _terminate(
            actor=actor,
            project=locked,
            case=_case(locked),
            action="terminate",
            reason=reason,
            accepted_spending=accepted_spending,
            now=now,
        )
