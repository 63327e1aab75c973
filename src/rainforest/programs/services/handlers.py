"""The action handlers the case engine calls for the programme's processes.

The generic case page (/cases/<id>/) offers every action of the current stage; these
route the programme's actions through its services, which check more than the engine
can (a correction deadline, the latest checklist, a call's own time limits). Actions of
later stages not yet handled here go to the engine, where their guards refuse them.
"""

from __future__ import annotations

from datetime import datetime

from rainforest.accounts.models import User
from rainforest.cases.models import Case
from rainforest.cases.services import case_transition
from rainforest.programs.models import Application, Proposal
from rainforest.programs.services.modes_handlers import EXECUTION_ACTIONS, execution_act


def application_act(
    *, case: Case, action: str, actor: User, reason: str = "", now: datetime | None = None
) -> Case:
    from rainforest.programs.services import formal_review as fr

    application = Application.objects.select_related("call").get(case=case)
    if action == "pass":
        fr.formal_review_pass(actor=actor, application=application, reason=reason, now=now)
    elif action == "return":
        fr.formal_review_return(actor=actor, application=application, reason=reason, now=now)
    elif action == "reject":
        fr.formal_review_reject(actor=actor, application=application, reason=reason, now=now)
    elif action == "resubmit":
        fr.application_resubmit(actor=actor, application=application, now=now)
    elif action == "lapse":
        fr.correction_lapse(actor=actor, application=application, reason=reason, now=now)
    elif action in DECISION_ACTIONS:
        decision_act(application=application, action=action, actor=actor, reason=reason, now=now)
    elif action in EXECUTION_ACTIONS:
        execution_act(application=application, action=action, actor=actor, now=now)
    else:
        case_transition(
            case=case,
            action=action,
            actor=actor,
            reason=reason,
            now=now,
            time_limits=application.call.stage_limits,
        )
    return Case.objects.get(pk=case.pk)


def proposal_act(
    *, case: Case, action: str, actor: User, reason: str = "", now: datetime | None = None
) -> Case:
    from rainforest.programs.services.proposals import proposal_decide

    if action in ("accept", "decline"):
        proposal = Proposal.objects.get(case=case)
        proposal_decide(
            actor=actor, proposal=proposal, accept=action == "accept", reason=reason, now=now
        )
    else:
        case_transition(case=case, action=action, actor=actor, reason=reason, now=now)
    return Case.objects.get(pk=case.pk)


# Stages 6-9: actions whose service checks more than the engine can (scores complete, the
# notice over and settled, both signatures). ``propose`` and ``not_fund`` belong to the
# decision list (services.notice.notice_publish), which moves every ranked case at once.
DECISION_ACTIONS = frozenset({"finish_review", "propose", "not_fund", "close_notice", "start"})


def decision_act(
    *, application: Application, action: str, actor: User, reason: str, now: datetime | None
) -> None:
    from rainforest.core.errors import ConflictError
    from rainforest.programs.services import contract, decision, notice

    if action == "finish_review":
        decision.expert_review_finish(actor=actor, application=application, now=now)
    elif action == "close_notice":
        listed = notice.notice_of(application)
        if listed is None:
            raise ConflictError("该申请未经社会公示", "The application was not on a notice")
        notice.notice_close(actor=actor, notice=listed, now=now)
    elif action == "start":
        contract.project_start(actor=actor, application=application, now=now)
    else:
        raise ConflictError(
            "请在「排序及资助决策」页面发布拟立项名单：名单中的申请一并办理。",
            "Publish the proposed list from the ranking page: it moves every ranked "
            "application at once.",
            code="use_decision_list",
        )


def objection_act(
    *, case: Case, action: str, actor: User, reason: str = "", now: datetime | None = None
) -> Case:
    """Uphold or dismiss an objection through its service (the outcome is published)."""
    from rainforest.programs.models import Objection
    from rainforest.programs.services.notice import objection_settle

    if action in ("uphold", "dismiss"):
        objection = Objection.objects.get(case=case)
        objection_settle(
            actor=actor, objection=objection, upheld=action == "uphold", reason=reason, now=now
        )
    else:
        case_transition(case=case, action=action, actor=actor, reason=reason, now=now)
    return Case.objects.get(pk=case.pk)
