"""Case-page actions of the execution and mode processes, routed through their services.

The generic case page offers every action of the current stage. An action that needs more
than a reason (expert opinions, spending accepted, a ledger posting) is refused here with
a pointer to the page that asks for it; the rest go to the service that checks what the
engine cannot.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rainforest.accounts.models import User
from rainforest.cases.models import Case
from rainforest.cases.services import case_transition
from rainforest.core.errors import ConflictError
from rainforest.programs import process_modes as pm
from rainforest.programs.models import (
    ChallengeTeam,
    ChangeRequest,
    Consortium,
    NationalProject,
    OwnerPlan,
    StageGate,
)


def _elsewhere(zh: str, en: str) -> ConflictError:
    return ConflictError(zh, en, code="use_module_page")


# Stage 10 actions of the application's own process (programs_application).
EXECUTION_ACTIONS = frozenset(
    {"request_acceptance", "terminate", "pass_acceptance", "return_acceptance", "fail_acceptance"}
)


def execution_act(
    *, application: Any, action: str, actor: User, now: datetime | None = None
) -> None:
    """Acceptance is asked for here; deciding it or terminating needs the project page,
    which asks for the experts' opinions and the spending accepted."""
    from rainforest.programs.models import Project
    from rainforest.programs.services.execution_closure import acceptance_request

    project = Project.objects.filter(application=application).first()
    if project is None:
        raise ConflictError("项目尚未立项。", "The project is not approved.", code="no_project")
    if action == "request_acceptance":
        acceptance_request(actor=actor, project=project, now=now)
        return
    raise _elsewhere(
        f"请在项目页面（{project.number}）办理：须录入专家意见或经审核认定的支出。",
        f"Use the project's page ({project.number}): the experts' opinions or the spending "
        "accepted are needed.",
    )


def change_act(
    *, case: Case, action: str, actor: User, reason: str = "", now: datetime | None = None
) -> Case:
    from rainforest.programs.services.execution_changes import change_decide

    change = ChangeRequest.objects.get(case=case)
    if action in ("approve", "reject"):
        change_decide(
            actor=actor, change=change, approve=action == "approve", reason=reason, now=now
        )
    elif action == "record":
        raise _elsewhere(
            "备案由系统在提交变更时按规则办理。",
            "Recording is done by the rule when the change is submitted.",
        )
    else:
        case_transition(case=case, action=action, actor=actor, reason=reason, now=now)
    return Case.objects.get(pk=case.pk)


def challenge_act(
    *, case: Case, action: str, actor: User, reason: str = "", now: datetime | None = None
) -> Case:
    from rainforest.programs.services import modes

    team = ChallengeTeam.objects.select_related("challenge").get(case=case)
    if action in ("select", "not_select"):
        modes.team_select(
            actor=actor, team=team, selected=action == "select", reason=reason, now=now
        )
    elif action in ("stop", "complete"):
        # Whether a team is stopped or done is the standings' answer, not a choice.
        modes.challenge_evaluate(actor=actor, challenge=team.challenge, now=now)
        case.refresh_from_db()
        if case.stage == "running":
            raise ConflictError(
                "按节点考核结果，该团队既未停止也未完成全部节点。",
                "By the gate results the team is neither stopped nor done.",
                code="standing_unchanged",
            )
    elif action == "withdraw":
        modes.team_withdraw(actor=actor, team=team, now=now)
    else:
        case_transition(case=case, action=action, actor=actor, reason=reason, now=now)
    return Case.objects.get(pk=case.pk)


def owner_act(
    *, case: Case, action: str, actor: User, reason: str = "", now: datetime | None = None
) -> Case:
    from rainforest.programs.services import modes_owner as mo

    plan = OwnerPlan.objects.select_related("owner").get(case=case)
    if action in ("approve_plan", "reject_plan"):
        mo.owner_plan_decide(
            actor=actor, plan=plan, approve=action == "approve_plan", reason=reason, now=now
        )
    elif action == "submit_for_audit":
        mo.owner_submit_audit(actor=actor, plan=plan, now=now)
    elif action in ("pass_audit", "return_audit"):
        mo.owner_audit(
            actor=actor, plan=plan, passed=action == "pass_audit", reason=reason, now=now
        )
    else:
        case_transition(case=case, action=action, actor=actor, reason=reason, now=now)
    return Case.objects.get(pk=case.pk)


def stage_gate_act(
    *, case: Case, action: str, actor: User, reason: str = "", now: datetime | None = None
) -> Case:
    from rainforest.programs.services.modes_portfolio import stage_gate_decide

    gate = StageGate.objects.get(case=case)
    stage_gate_decide(actor=actor, gate=gate, passed=action == "pass_gate", reason=reason, now=now)
    return Case.objects.get(pk=case.pk)


def matching_act(
    *, case: Case, action: str, actor: User, reason: str = "", now: datetime | None = None
) -> Case:
    from rainforest.programs.services.modes_registrations import national_decide

    registration = NationalProject.objects.get(case=case)
    if action in ("approve", "reject"):
        national_decide(
            actor=actor,
            registration=registration,
            approve=action == "approve",
            reason=reason,
            now=now,
        )
    else:
        case_transition(case=case, action=action, actor=actor, reason=reason, now=now)
    return Case.objects.get(pk=case.pk)


def consortium_act(
    *, case: Case, action: str, actor: User, reason: str = "", now: datetime | None = None
) -> Case:
    from rainforest.programs.services.modes_registrations import consortium_decide

    consortium = Consortium.objects.get(case=case)
    consortium_decide(
        actor=actor, consortium=consortium, approve=action == "register", reason=reason, now=now
    )
    return Case.objects.get(pk=case.pk)


HANDLERS: dict[str, Callable[..., Any]] = {
    pm.CHANGE: change_act,
    pm.CHALLENGE: challenge_act,
    pm.OWNER: owner_act,
    pm.STAGE_GATE: stage_gate_act,
    pm.MATCHING: matching_act,
    pm.CONSORTIUM: consortium_act,
}
