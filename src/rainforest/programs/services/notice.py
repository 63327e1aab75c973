"""Public notice (社会公示) of the proposed list, and objections (异议) to it.

Publishing the notice is the decision list's act: every ranked application's case moves
at once (above the line: ranking → public_notice; below it: not_funded), each with its
decision. The notice runs for the call's notice period in working days
(``domain_decision.notice_window``); it cannot close early, nor while an objection is
unsettled (``can_close_notice``).

Objections come from anyone, signed in or not, through a public form: named, with a
contact and grounds. Each is a case of the objection process with its own time limit.
Who opens it? A case needs an owner organisation and a creating user. We open it under
the bureau (the organisation of the officer who published the notice), so only staff
see the case, and the objector — who may be anonymous to the platform — is recorded on
the ``Objection`` row (name, contact, the signed-in user if any). The case's creator is
the signed-in person, or else a dedicated inactive system user 「社会公众（公示异议）」
that cannot sign in: an honest "somebody from the public" in the timeline and audit
chain, rather than pretending an officer lodged it. The objector's contact never reaches
a public page; what is published is the objection's number, the project it concerns and
its outcome.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Organisation, User
from rainforest.accounts.roles import Role
from rainforest.audit.services import audit_append
from rainforest.cases.calendar import get_calendar
from rainforest.cases.services import case_open, case_transition
from rainforest.core.errors import ConflictError, ValidationError
from rainforest.core.policy import Decision
from rainforest.programs import domain_decision as dd
from rainforest.programs import domain_notice as dn
from rainforest.programs.models import (
    Application,
    Call,
    CallStatus,
    Objection,
    ObjectionOutcome,
    PublicNotice,
)
from rainforest.programs.process import OBJECTION
from rainforest.programs.services.common import optional_text, require_officer, text
from rainforest.programs.services.ranking import current_ranking

PUBLIC_NOTICE = "public_notice"
PUBLIC_OBJECTOR = "public-objector"


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def bureau_of(user: User) -> Organisation:
    """The organisation in which ``user`` is a programme officer (the bureau)."""
    org = (
        Organisation.objects.filter(
            memberships__user=user, memberships__role=Role.PROGRAMME_OFFICER
        )
        .order_by("pk")
        .first()
    )
    if org is None:
        raise ConflictError(
            "找不到经办人员所在的主管部门", "The officer's bureau was not found", code="no_bureau"
        )
    return org


def public_objector() -> User:
    """The system user that opens an objection lodged without signing in (cannot sign in)."""
    user, created = User.objects.get_or_create(
        username=PUBLIC_OBJECTOR,
        defaults={"display_name": "社会公众（公示异议）", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


# --- publishing ------------------------------------------------------------------------


def notice_publish(
    *,
    actor: User,
    call: Call,
    title: str = "",
    body: str = "",
    now: datetime | None = None,
) -> PublicNotice:
    """Publish the current ranking's list and move every ranked case (one transaction)."""
    require_officer(actor)
    now = _now(now)
    params = dd.ranking_parameters(timezone.localdate(now))
    clean_title = optional_text(title, field="title", label_zh="标题", label_en="title", limit=200)
    clean_body = optional_text(body, field="body", label_zh="说明", label_en="text", limit=20000)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if locked.notices.exists():
            raise ConflictError(
                "本指南的拟立项名单已经公示",
                "The list is already published",
                code="notice_published",
            )
        ranking = current_ranking(locked)
        if ranking is None:
            raise ConflictError(
                "尚未排序，请先排序并划定资助线。",
                "The call is not ranked yet; rank it and draw the funding line first.",
                code="no_ranking",
            )
        lines = list(ranking.lines.select_related("application", "application__case"))
        if not any(fl.funded for fl in lines):
            raise ConflictError(
                "资助线以上没有项目，无可公示的名单。",
                "No application is above the funding line; there is nothing to publish.",
                code="nothing_funded",
            )
        window = dn.notice_window(
            now, get_calendar(), params=params, notice_workdays=locked.notice_period_workdays
        )
        notice = PublicNotice.objects.create(
            call=locked,
            ranking=ranking,
            title=clean_title or f"{locked.title}拟立项项目公示",
            body=clean_body,
            period_workdays=window.workdays,
            published_at=now,
            published_by=actor,
            closes_at=window.closes_at,
        )
        decisions = ranking.decision.get("case_decisions", {})
        for fl in lines:
            case = fl.application.case
            if case is None or case.stage != "ranking":
                continue
            decision = decisions.get(case.number)
            reasons = (decision or {}).get("reasons") or [{"zh": "未列入资助"}]
            if fl.funded:
                case_transition(
                    case=case,
                    action="propose",
                    actor=actor,
                    decision=decision,
                    data={"notice": notice.pk, "closes_at": window.closes_at.isoformat()},
                    now=now,
                    time_limits=locked.stage_limits,
                )
            else:
                case_transition(
                    case=case,
                    action="not_fund",
                    actor=actor,
                    reason=reasons[0]["zh"],
                    decision=decision,
                    data={"notice": notice.pk},
                    now=now,
                )
        locked.status = CallStatus.CLOSED
        locked.closed_at = now
        locked.save(update_fields=["status", "closed_at"])
        audit_append(
            actor=actor,
            action="programs.notice_published",
            subject_type="call",
            subject_id=locked.number,
            data={
                "notice": notice.pk,
                "ranking": ranking.pk,
                "funded": [fl.application.case.number for fl in lines if fl.funded],
                "window": window.decision.to_dict(),
            },
        )
    return notice


# --- objections ------------------------------------------------------------------------


def listed_numbers(notice: PublicNotice) -> dict[str, Application]:
    """The case numbers on the notice (above the line), with their applications."""
    return {
        fl.application.case.number: fl.application
        for fl in notice.ranking.lines.filter(funded=True).select_related(
            "application", "application__case"
        )
        if fl.application.case
    }


def _window(notice: PublicNotice) -> dn.NoticeWindow:
    params = dd.ranking_parameters(timezone.localdate(notice.published_at))
    window = dn.notice_window(
        notice.published_at, get_calendar(), params=params, notice_workdays=notice.period_workdays
    )
    # The stored closing instant is the one published; a calendar entered later cannot move it.
    return replace(window, closes_at=notice.closes_at)


def objection_problems(
    *,
    notice: PublicNotice,
    application_number: str,
    name: str,
    contact: str,
    grounds: str,
    now: datetime | None = None,
) -> tuple[ValidationError, ...]:
    """Every problem with an objection as typed (for the form: one message per field)."""
    now = _now(now)
    return dn.objection_problems(
        dn.ObjectionInput(name, contact, grounds, application_number, now),
        window=_window(notice),
        listed_numbers=set(listed_numbers(notice)),
        params=dd.ranking_parameters(timezone.localdate(notice.published_at)),
    )


def objection_lodge(
    *,
    notice: PublicNotice,
    application_number: str,
    name: str,
    contact: str,
    grounds: str,
    user: User | None = None,
    now: datetime | None = None,
) -> Objection:
    """Lodge an objection within the notice (both ends included); opens its case."""
    now = _now(now)
    with transaction.atomic():
        locked = PublicNotice.objects.select_for_update().select_related("call").get(pk=notice.pk)
        listed = listed_numbers(locked)
        clean = dn.validate_objection(
            dn.ObjectionInput(name, contact, grounds, application_number, now),
            window=_window(locked),
            listed_numbers=set(listed),
            params=dd.ranking_parameters(timezone.localdate(locked.published_at)),
        )
        signed_in = user if user is not None and user.is_authenticated else None
        creator = signed_in or public_objector()
        case = case_open(
            process_code=OBJECTION,
            actor=creator,
            owner_org=bureau_of(locked.published_by),
            title=f"对拟立项项目 {clean.application_number} 的公示异议",
            now=now,
            data={"notice": locked.pk, "application": clean.application_number},
        )
        objection = Objection.objects.create(
            notice=locked,
            application=listed[clean.application_number],
            case=case,
            submitted_by=signed_in,
            name=clean.objector_name[:200],
            contact=clean.contact[:200],
            grounds=clean.grounds,
            submitted_at=now,
        )
        audit_append(
            actor=creator,
            action="programs.objection_lodged",
            subject_type="objection",
            subject_id=case.number,
            data={
                "notice": locked.pk,
                "application": clean.application_number,
                "objector": clean.objector_name,
            },
        )
    return objection


def objection_settle(
    *,
    actor: User,
    objection: Objection,
    upheld: bool,
    reason: str,
    now: datetime | None = None,
) -> Objection:
    """Staff settle an objection with reasons; the outcome is published on the notice.

    An upheld objection takes the project off the list (public_notice → not_funded) in
    the same transaction, with the outcome as the reason.
    """
    require_officer(actor)
    now = _now(now)
    why = text(reason, field="reason", label_zh="处理意见", label_en="reason", limit=5000)
    with transaction.atomic():
        locked = (
            Objection.objects.select_for_update(of=("self",))
            .select_related("case", "application", "application__case", "notice")
            .get(pk=objection.pk)
        )
        if locked.outcome != ObjectionOutcome.PENDING or locked.case is None:
            raise ConflictError(
                "该异议已办结", "The objection is already settled", code="objection_settled"
            )
        case_transition(
            case=locked.case,
            action="uphold" if upheld else "dismiss",
            actor=actor,
            reason=why,
            now=now,
        )
        locked.outcome = ObjectionOutcome.UPHELD if upheld else ObjectionOutcome.DISMISSED
        locked.outcome_text = why
        locked.outcome_published_at = now
        locked.save(update_fields=["outcome", "outcome_text", "outcome_published_at"])
        app_case = locked.application.case if locked.application else None
        if upheld and app_case is not None and app_case.stage == PUBLIC_NOTICE:
            case_transition(
                case=app_case,
                action="remove_after_objection",
                actor=actor,
                reason=f"异议 {locked.case.number} 成立：{why}",
                data={"objection": locked.case.number},
                now=now,
            )
        audit_append(
            actor=actor,
            action="programs.objection_settled",
            subject_type="objection",
            subject_id=locked.case.number,
            data={"outcome": locked.outcome, "reason": why},
        )
    return locked


# --- closing ---------------------------------------------------------------------------


def pending_objections(notice: PublicNotice) -> list[dn.PendingObjection]:
    return [
        dn.PendingObjection(
            o.case.number if o.case else str(o.pk),
            o.application.case.number if o.application and o.application.case else "",
        )
        for o in notice.objections.filter(outcome=ObjectionOutcome.PENDING).select_related(
            "case", "application__case"
        )
    ]


def refusal(decision: Decision) -> ConflictError:
    """A refused notice check as an error, every reason named."""
    refusals = decision.facts.get("refusals") or ["notice_open"]
    first = refusals[0] if isinstance(refusals, list | tuple) else "notice_open"
    return ConflictError(
        " ".join(r.zh for r in decision.reasons),
        " ".join(r.en for r in decision.reasons),
        code=str(first),
    )


def notice_check(notice: PublicNotice, now: datetime, *, approval: bool = False) -> Decision:
    rule = dn.can_approve_after_notice if approval else dn.can_close_notice
    return rule(
        now,
        notice.closes_at,
        pending_objections(notice),
        params=dd.ranking_parameters(timezone.localdate(now)),
    )


def notice_of(application: Application) -> PublicNotice | None:
    """The notice that lists ``application`` (above the line), if any."""
    return (
        PublicNotice.objects.filter(
            ranking__lines__application=application, ranking__lines__funded=True
        )
        .order_by("-published_at", "-id")
        .first()
    )


def close_case_after_notice(
    *, actor: User, application: Application, decision: Decision, now: datetime
) -> None:
    """public_notice → approval_contract for one listed application (checks done)."""
    case = application.case
    if case is None or case.stage != PUBLIC_NOTICE:
        return
    case_transition(
        case=case,
        action="close_notice",
        actor=actor,
        context={"notice_over_and_settled": decision.outcome == "allowed"},
        decision=decision.to_dict(),
        now=now,
        time_limits=application.call.stage_limits,
    )


def notice_close(*, actor: User, notice: PublicNotice, now: datetime | None = None) -> PublicNotice:
    """Close the notice: refused before its end or with an objection unsettled.

    Every listed application still in the notice moves on to approval and contract.
    """
    require_officer(actor)
    now = _now(now)
    with transaction.atomic():
        locked = PublicNotice.objects.select_for_update().get(pk=notice.pk)
        if locked.closed_at is not None:
            raise ConflictError("公示已结束", "The notice is already closed", code="notice_closed")
        decision = notice_check(locked, now)
        if decision.outcome != "allowed":
            raise refusal(decision)
        locked.closed_at = now
        locked.save(update_fields=["closed_at"])
        for application in listed_numbers(locked).values():
            application.call = locked.call
            close_case_after_notice(
                actor=actor, application=application, decision=decision, now=now
            )
        audit_append(
            actor=actor,
            action="programs.notice_closed",
            subject_type="notice",
            subject_id=locked.pk,
            data={"decision": decision.to_dict()},
        )
    return locked
