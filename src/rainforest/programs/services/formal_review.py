"""Formal review (形式审查): the checklist from the pure rules, and staff's three answers.

Staff pass an application to expert review, return it for correction (补正: the
formal-review clock stops and the applicant must resubmit by a deadline), or reject it
with a reason. The correction deadline is kept on the application (``correction_due_at``)
because the case engine's due date belongs to the paused formal-review clock.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.cases.models import Case
from rainforest.cases.services import case_transition
from rainforest.core.errors import ConflictError, ValidationError
from rainforest.core.policy import Decision
from rainforest.programs import domain, domain_formal_review
from rainforest.programs.models import (
    Application,
    ApplicationStatus,
    FormalReviewCheck,
    Project,
    ProjectStatus,
)
from rainforest.programs.services.common import end_of_day, require_officer, workdays_from


def application_facts(application: Application) -> domain_formal_review.ApplicationFacts:
    """Everything the rules look at, read in a fixed number of queries."""
    call = application.call
    present_sections = set(application.sections_done)
    budget = [
        domain_formal_review.BudgetRow(b.category, b.fiscal_amount, b.self_raised_amount)
        for b in application.budget.all()
    ]
    pi = application.pi_id_number
    running = (
        Project.objects.filter(
            pi_id_number=pi, status__in=[ProjectStatus.CONTRACTING, ProjectStatus.EXECUTING]
        ).count()
        if pi
        else 0
    )
    others = (
        Application.objects.filter(
            pi_id_number=pi, status=ApplicationStatus.SUBMITTED, case__status="open"
        )
        .exclude(pk=application.pk)
        .select_related("case")
        if pi
        else Application.objects.none()
    )
    return domain_formal_review.ApplicationFacts(
        call_id=call.pk,
        applicant_uscc=application.applicant_org.uscc,
        missing_sections=tuple(
            s for s in domain_formal_review.SECTION_NAMES if s not in present_sections
        ),
        required_attachments=tuple(call.required_attachments),
        present_attachments=tuple(application.attachments.values_list("kind", flat=True)),
        budget=tuple(budget),
        declared_fiscal_total=application.fiscal_total,
        declared_self_total=application.self_total,
        funding_per_project=call.funding_per_project,
        require_city_registration=call.require_city_registration,
        min_self_funding_percent=call.min_self_funding_percent,
        max_concurrent_per_pi=call.max_concurrent_per_pi,
        pi_current_projects=running,
        text=application.text,
        others_by_pi=tuple(
            domain_formal_review.OtherApplication(
                o.pk, o.call_id, o.case.number if o.case else "", o.text
            )
            for o in others
        ),
    )


def run_checks(
    application: Application, now: datetime
) -> tuple[Decision, list[domain_formal_review.Check]]:
    day = timezone.localdate(now)
    return domain_formal_review.formal_review(
        application_facts(application),
        domain.parameters_on(domain.FORMAL_REVIEW, day),
        domain.parameters_on(domain.SIMILARITY, day),
    )


def record_checks(
    application: Application, decision: Decision, *, trigger: str, now: datetime
) -> FormalReviewCheck:
    return FormalReviewCheck.objects.create(
        application=application,
        run_at=now,
        trigger=trigger,
        outcome=decision.outcome,
        decision=decision.to_dict(),
    )


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "case", "applicant_org")
        .get(pk=application.pk)
    )


def _case(locked: Application) -> Case:
    if locked.case is None:
        raise ConflictError(
            "申请尚未提交", "The application is not submitted", code="not_submitted"
        )
    return locked.case


def formal_review_rerun(
    *, actor: User, application: Application, now: datetime | None = None
) -> Decision:
    """Staff run the checks again (a project may have started since submission)."""
    require_officer(actor)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(application)
        case = _case(locked)
        decision, _checks = run_checks(locked, now)
        Case.objects.filter(pk=case.pk).update(decision=decision.to_dict())
        record_checks(locked, decision, trigger="rerun", now=now)
        audit_append(
            actor=actor,
            action="programs.formal_review_rerun",
            subject_type="application",
            subject_id=locked.pk,
            data={"case": case.number, "decision": decision.to_dict()},
        )
    return decision


def formal_review_pass(
    *, actor: User, application: Application, reason: str = "", now: datetime | None = None
) -> Application:
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(application)
        latest = locked.formal_checks.first()
        case_transition(
            case=_case(locked),
            action="pass",
            actor=actor,
            reason=reason,
            decision=latest.decision if latest else None,
            now=now,
            time_limits=locked.call.stage_limits,
        )
    return locked


def formal_review_return(
    *,
    actor: User,
    application: Application,
    reason: str,
    correction_due: date | None = None,
    now: datetime | None = None,
) -> Application:
    """Return for correction; the applicant must resubmit by the end of ``correction_due``.

    Without a date the deadline is the call's correction limit in working days from now.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(application)
        case = _case(locked)
        if correction_due is None:
            days = locked.call.stage_limit("correction") or domain.parameters_on(
                domain.STAGE_LIMITS, timezone.localdate(now)
            ).integer("correction")
            due = workdays_from(now, days)
        else:
            due = end_of_day(correction_due)
            if due <= now:
                raise ValidationError(
                    "补正期限应晚于今天",
                    "The correction deadline must be after today",
                    field="correction_due",
                    code="date_invalid",
                )
        case_transition(
            case=case,
            action="return",
            actor=actor,
            reason=reason,
            data={"correction_due_at": due.isoformat()},
            now=now,
        )
        locked.correction_due_at = due
        locked.save(update_fields=["correction_due_at"])
    return locked


def formal_review_reject(
    *, actor: User, application: Application, reason: str, now: datetime | None = None
) -> Application:
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(application)
        case_transition(case=_case(locked), action="reject", actor=actor, reason=reason, now=now)
    return locked


def application_resubmit(
    *, actor: User, application: Application, now: datetime | None = None
) -> Application:
    """The applicant resubmits by the correction deadline; the formal-review clock resumes."""
    from rainforest.programs.services.applications import _refuse

    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(application)
        case = _case(locked)
        if (
            case.stage == "correction"
            and locked.correction_due_at
            and now > locked.correction_due_at
        ):
            raise ConflictError(
                f"补正期限（{timezone.localtime(locked.correction_due_at):%Y-%m-%d %H:%M}）已过，不能再提交",
                "The correction deadline has passed; the application can no longer be resubmitted",
                code="correction_deadline_passed",
            )
        decision, checks = run_checks(locked, now)
        refusals = domain_formal_review.submission_refusals(checks)
        if refusals and case.stage == "correction":
            raise _refuse(refusals)
        case_transition(
            case=case,
            action="resubmit",
            actor=actor,
            decision=decision.to_dict(),
            now=now,
            time_limits=locked.call.stage_limits,
        )
        record_checks(locked, decision, trigger="resubmit", now=now)
        locked.correction_due_at = None
        locked.updated_at = now
        locked.save(update_fields=["correction_due_at", "updated_at"])
    return locked


def correction_lapse(
    *, actor: User, application: Application, reason: str = "", now: datetime | None = None
) -> Application:
    """Staff close a case whose correction deadline passed without a resubmission."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(application)
        overdue = locked.correction_due_at is not None and now > locked.correction_due_at
        case_transition(
            case=_case(locked),
            action="lapse",
            actor=actor,
            reason=reason,
            context={"correction_overdue": overdue},
            now=now,
        )
    return locked
