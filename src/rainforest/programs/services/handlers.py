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
