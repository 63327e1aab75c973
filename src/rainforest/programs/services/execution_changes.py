"""Change requests (项目变更) to a running project: team, budget lines, schedule.

Each is a case of ``programs_change``. ``route_change_request`` says who decides: the
programme officer, the officer after expert opinion, or nobody (包干制 budget changes are
recorded at once). A change the rule refuses (the fiscal total moves, a second extension)
is refused before anything is written.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.cases.models import Case
from rainforest.cases.services import case_open, case_transition
from rainforest.core.errors import ConflictError, ValidationError
from rainforest.programs import domain_changes as dcr
from rainforest.programs.models import (
    BudgetCategory,
    BudgetLine,
    ChangeKind,
    ChangeRequest,
    ExecutionPlan,
    OrganisationMode,
    Project,
)
from rainforest.programs.process_modes import CHANGE
from rainforest.programs.services.common import text
from rainforest.programs.services.execution import (
    _executing,
    _lock,
    _now,
    _params,
    require_manager,
    require_undertaker,
)

_DOMAIN_KIND = {
    ChangeKind.TEAM: "team",
    ChangeKind.BUDGET: "budget_line",
    ChangeKind.SCHEDULE: "schedule",
}


@dataclass(frozen=True)
class LineIn:
    """A budget line (科目) and the fiscal amount proposed for it."""

    category: str
    proposed: Decimal


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has fewer days."""
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def _lines(project: Project, lines: Sequence[LineIn]) -> tuple[dcr.BudgetLineChange, ...]:
    current = {
        b.category: b.fiscal_amount
        for b in BudgetLine.objects.filter(application=project.application)
    }
    out: list[dcr.BudgetLineChange] = []
    for i, line in enumerate(lines):
        if line.category not in BudgetCategory.values:
            raise ValidationError(
                f"预算科目「{line.category}」无法识别。",
                f"The budget line '{line.category}' is not recognised.",
                field=f"lines.{i}.category",
                code="category_invalid",
            )
        out.append(
            dcr.BudgetLineChange(
                line.category, current.get(line.category, Decimal("0.00")), line.proposed
            )
        )
    # Lines not named keep their amount; they count in the totals the rule compares.
    named = {line.category for line in lines}
    out.extend(
        dcr.BudgetLineChange(category, amount, amount)
        for category, amount in current.items()
        if category not in named
    )
    return tuple(out)


def change_request(
    *,
    actor: User,
    project: Project,
    kind: str,
    description: str,
    lines: Sequence[LineIn] = (),
    extension_months: int = 0,
    now: datetime | None = None,
) -> ChangeRequest:
    """The undertaker asks for a change; the rule routes it (or refuses it)."""
    require_undertaker(actor, project)
    now = _now(now)
    if kind not in ChangeKind.values:
        raise ValidationError(
            "变更类型只能是团队（team）、预算科目（budget）或进度（schedule）。",
            "The change must be of the team, the budget lines or the schedule.",
            field="kind",
            code="change_kind_invalid",
        )
    description = text(
        description,
        field="description",
        label_zh="变更内容及理由",
        label_en="description",
        limit=5000,
    )
    with transaction.atomic():
        locked = _lock(project)
        _executing(locked)
        plan = ExecutionPlan.objects.filter(project=locked).first()
        lump_sum = locked.organisation_mode == OrganisationMode.LUMP_SUM
        domain_lines = _lines(locked, lines) if kind == ChangeKind.BUDGET and not lump_sum else ()
        request = dcr.ChangeRequest(
            kind=_DOMAIN_KIND[ChangeKind(kind)],  # type: ignore[arg-type]  # the three kinds
            lump_sum=lump_sum,
            lines=domain_lines,
            extension_months=extension_months if kind == ChangeKind.SCHEDULE else 0,
            previous_extensions=plan.extensions if plan else 0,
        )
        decision = dcr.route_change_request(request, params=_params(now))
        if decision.outcome == "refused":
            raise ValidationError(
                "".join(r.zh for r in decision.reasons),
                " ".join(r.en for r in decision.reasons),
                field="lines" if kind == ChangeKind.BUDGET else "extension_months",
                code="change_refused",
            )
        data: dict[str, Any] = {
            "route": decision.outcome,
            "decision": decision.to_dict(),
            "opinions": [],
        }
        if kind == ChangeKind.BUDGET:
            data["lines"] = [
                {
                    "category": line.line,
                    "current": str(line.current),
                    "proposed": str(line.proposed),
                }
                for line in domain_lines
                if line.current != line.proposed
            ]
        if kind == ChangeKind.SCHEDULE:
            data["extension_months"] = extension_months
        label = ChangeKind(kind).label
        case = case_open(
            process_code=CHANGE,
            actor=actor,
            owner_org=locked.lead_org,
            title=f"{locked.number} {label}",
            now=now,
            data={"project": locked.number, "kind": kind, "route": decision.outcome},
        )
        Case.objects.filter(pk=case.pk).update(decision=decision.to_dict())
        change = ChangeRequest.objects.create(
            project=locked,
            case=case,
            kind=kind,
            description=description,
            data=data,
            requested_by=actor,
            requested_at=now,
        )
        if decision.outcome == "not_required":
            case_transition(
                case=case,
                action="record",
                actor=actor,
                context={"approval_not_required": True},
                decision=decision.to_dict(),
                now=now,
            )
            _apply(change, actor, now)
    return change


def _lock_change(change: ChangeRequest) -> ChangeRequest:
    return (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("project", "case", "project__application")
        .get(pk=change.pk)
    )


def change_opinion(
    *, actor: User, change: ChangeRequest, opinion: str, now: datetime | None = None
) -> ChangeRequest:
    """Staff record the experts' opinion (专家论证意见) a large budget change needs."""
    require_manager(actor)
    now = _now(now)
    opinion = text(
        opinion, field="opinion", label_zh="专家论证意见", label_en="opinion", limit=5000
    )
    with transaction.atomic():
        locked = _lock_change(change)
        if locked.decided_at is not None:
            raise ConflictError("变更已有结论。", "The change is decided.", code="change_decided")
        locked.data = {
            **locked.data,
            "opinions": [
                *locked.data.get("opinions", []),
                {"opinion": opinion, "by": actor.pk, "at": now.isoformat()},
            ],
        }
        locked.save(update_fields=["data"])
        audit_append(
            actor=actor,
            action="programs.change_opinion",
            subject_type="change_request",
            subject_id=locked.pk,
            data={"opinion": opinion},
        )
    return locked


def change_decide(
    *,
    actor: User,
    change: ChangeRequest,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> ChangeRequest:
    """Staff approve (with expert opinion when routed so) or reject with a reason."""
    require_manager(actor)
    now = _now(now)
    with transaction.atomic():
        locked = _lock_change(change)
        if locked.case is None or locked.decided_at is not None:
            raise ConflictError("变更已有结论。", "The change is decided.", code="change_decided")
        ready = locked.data.get("route") != "expert_opinion" or bool(locked.data.get("opinions"))
        case_transition(
            case=locked.case,
            action="approve" if approve else "reject",
            actor=actor,
            reason=reason,
            context={"opinion_ready": ready},
            now=now,
        )
        if approve:
            _apply(locked, actor, now)
        else:
            locked.approved = False
            locked.decided_at = now
            locked.save(update_fields=["approved", "decided_at"])
    return locked


def _apply(change: ChangeRequest, actor: User, now: datetime) -> None:
    """What an approved (or recorded) change does to the project."""
    project = change.project
    applied: dict[str, Any] = {}
    if change.kind == ChangeKind.SCHEDULE:
        months = int(change.data.get("extension_months", 0))
        before = project.end_date
        project.end_date = add_months(before, months)
        project.save(update_fields=["end_date"])
        ExecutionPlan.objects.filter(project=project).update(extensions=_extensions(project) + 1)
        applied = {"end_date": [before.isoformat(), project.end_date.isoformat()]}
    elif change.kind == ChangeKind.BUDGET:
        for line in change.data.get("lines", []):
            BudgetLine.objects.update_or_create(
                application=project.application,
                category=line["category"],
                defaults={"fiscal_amount": Decimal(line["proposed"])},
                create_defaults={
                    "fiscal_amount": Decimal(line["proposed"]),
                    "self_raised_amount": Decimal("0.00"),
                },
            )
        applied = {"lines": change.data.get("lines", [])}
    # A team change is recorded as approved; the team list itself stays as contracted.
    change.approved = True
    change.decided_at = now
    change.save(update_fields=["approved", "decided_at"])
    audit_append(
        actor=actor,
        action="programs.change_applied",
        subject_type="change_request",
        subject_id=change.pk,
        data={"project": project.number, "kind": change.kind, "applied": applied},
    )


def _extensions(project: Project) -> int:
    plan = ExecutionPlan.objects.filter(project=project).first()
    return plan.extensions if plan else 0
