"""Approval and the task contract (立项及签订任务书).

Approval waits until the notice has closed and every objection is settled
(``domain_notice.can_approve_after_notice``); it is refused with the reasons before.
The approved project gets its payment tranches (``domain_execution.payment_schedule``)
and a task contract generated as a PDF (``contract_pdf.render_task_contract``). Both
sides sign in the platform: the undertaker's authorised person (an applicant of the lead
organisation) and a bureau officer. Each signature records the person, the time and the
SHA-256 of the PDF as it stood when they signed; the PDF is then rendered again with the
signature blocks filled. When both have signed the case moves on to execution.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Organisation, User
from rainforest.accounts.permissions import roles_in_org
from rainforest.accounts.roles import Role
from rainforest.audit.services import audit_append
from rainforest.cases.services import case_transition
from rainforest.core.errors import ConflictError, PermissionDeniedError, ValidationError
from rainforest.programs import domain_execution as dx
from rainforest.programs.contract_pdf import (
    ContractBudgetLine,
    ContractIndicator,
    ContractMilestone,
    ContractParty,
    ContractSignature,
    ContractTranche,
    TaskContractData,
    render_task_contract,
)
from rainforest.programs.models import (
    Application,
    BudgetCategory,
    ConsortiumRole,
    OrganisationMode,
    PaymentTranche,
    Project,
    ProjectStatus,
    Signature,
    SignatureSide,
    TaskContract,
)
from rainforest.programs.services.common import next_number, require_officer
from rainforest.programs.services.notice import (
    PUBLIC_NOTICE,
    bureau_of,
    close_case_after_notice,
    notice_check,
    notice_of,
    refusal,
)

APPROVAL = "approval_contract"


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def can_sign_for_undertaker(user: Any, project: Project) -> bool:
    """The undertaker's authorised person: an applicant of the lead organisation."""
    return Role.APPLICANT in roles_in_org(user, project.lead_org_id)


def _schedule(project: Project) -> dx.PaymentSchedule:
    params = dx.execution_parameters(timezone.localdate(project.approved_at))
    return dx.payment_schedule(
        project.approved_amount,
        params=params,
        lump_sum=project.organisation_mode == OrganisationMode.LUMP_SUM,
    )


# --- approval --------------------------------------------------------------------------


def project_approve(
    *, actor: User, application: Application, now: datetime | None = None
) -> Project:
    """Approve a listed application (立项) once its notice is over and settled.

    From ``public_notice`` the check is made here and the case closes its notice stage
    first; from ``approval_contract`` it is made again (an objection may still be open).
    Refused (409) with every reason: the notice is still running, objections unsettled.
    """
    require_officer(actor)
    now = _now(now)
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("call", "case", "applicant_org")
            .get(pk=application.pk)
        )
        case = locked.case
        if case is None or case.stage not in (PUBLIC_NOTICE, APPROVAL):
            raise ConflictError(
                "该申请不在拟立项名单中，或已办理立项。",
                "The application is not on a proposed list waiting for approval.",
                code="not_awaiting_approval",
            )
        if Project.objects.filter(application=locked).exists():
            raise ConflictError("该项目已立项", "The project is already approved", code="approved")
        notice = notice_of(locked)
        if notice is None:
            raise ConflictError(
                "该申请未经社会公示", "The application was not on a notice", code="no_notice"
            )
        decision = notice_check(notice, now, approval=True)
        if decision.outcome != "allowed":
            raise refusal(decision)
        close_case_after_notice(actor=actor, application=locked, decision=decision, now=now)
        line = notice.ranking.lines.get(application=locked)
        pi = locked.team.filter(is_pi=True).first()
        year = timezone.localtime(now).year
        project = Project.objects.create(
            application=locked,
            call=locked.call,
            number=f"RDX-{year}-{next_number('RDX', now):04d}",
            title=locked.title,
            lead_org=locked.applicant_org,
            organisation_mode=locked.call.organisation_mode,
            pi_name=pi.name if pi else "",
            pi_id_number=locked.pi_id_number,
            approved_amount=line.amount,
            approved_at=now,
            approved_by=actor,
            start_date=locked.start_date or timezone.localdate(now),
            end_date=locked.end_date or timezone.localdate(now),
        )
        schedule = _schedule(project)
        PaymentTranche.objects.bulk_create(
            PaymentTranche(project=project, order=t.index, amount=t.amount)
            for t in schedule.tranches
        )
        audit_append(
            actor=actor,
            action="programs.project_approved",
            subject_type="project",
            subject_id=project.number,
            data={
                "case": case.number,
                "amount": project.approved_amount,
                "notice": decision.to_dict(),
                "schedule": schedule.decision.to_dict(),
            },
        )
    return project


# --- the contract ----------------------------------------------------------------------


def _party(org: Organisation, role: str = "") -> ContractParty:
    return ContractParty(org.name, org.uscc, role)


def contract_data(
    project: Project, number: str, signatures: list[Signature] | None = None
) -> TaskContractData:
    """What the contract says, from the approved project and its application."""
    application = project.application
    bureau = bureau_of(project.approved_by)
    schedule = _schedule(project)
    gates = {t.index: t.gate for t in schedule.tranches}
    categories = dict(BudgetCategory.choices)
    members = tuple(
        ContractParty(m.name, m.uscc, str(ConsortiumRole(m.role).label))
        for m in application.consortium.all()
        if m.uscc != project.lead_org.uscc
    )
    direction = application.direction
    indicators = (
        (ContractIndicator(direction.title, direction.target_indicators),) if direction else ()
    )
    signed = {s.side: s for s in signatures or []}
    blocks = []
    for side, label, org in (
        (SignatureSide.BUREAU, "甲方", bureau),
        (SignatureSide.UNDERTAKER, "乙方", project.lead_org),
    ):
        sig = signed.get(side)
        blocks.append(
            ContractSignature(
                label,
                org.name,
                str(sig.person) if sig else "",
                sig.signed_at if sig else None,
            )
        )
    return TaskContractData(
        contract_number=number,
        project_number=project.number,
        project_title=project.title,
        bureau=_party(bureau, "项目主管部门"),
        lead=_party(project.lead_org, "牵头单位"),
        members=members,
        period_start=project.start_date,
        period_end=project.end_date,
        goals=application.summary or project.title,
        indicators=indicators,
        milestones=tuple(
            ContractMilestone(m.title, m.due_date, m.deliverables)
            for m in application.milestones.all()
        ),
        budget=tuple(
            ContractBudgetLine(
                str(categories.get(b.category, b.category)), b.fiscal_amount, b.self_raised_amount
            )
            for b in application.budget.all()
        ),
        tranches=tuple(
            ContractTranche(
                t.order, f"{dx.GATE_NAMES.get(gates.get(t.order, ''), ('',))[0]}拨付", t.amount
            )
            for t in project.tranches.all()
        ),
        call_title=project.call.title,
        organisation_mode=str(OrganisationMode(project.organisation_mode).label),
        principal_investigator=project.pi_name,
        lump_sum=project.organisation_mode == OrganisationMode.LUMP_SUM,
        signatures=tuple(blocks),
    )


def _content(data: TaskContractData) -> dict[str, Any]:
    """The contract as JSON: dates ISO, amounts as strings with two decimals."""

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        if hasattr(value, "__dataclass_fields__"):
            return {k: plain(getattr(value, k)) for k in value.__dataclass_fields__}
        return value

    out: dict[str, Any] = plain(data)
    return out


def _render(contract: TaskContract, data: TaskContractData) -> None:
    pdf = render_task_contract(data)
    contract.pdf = pdf
    contract.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    contract.content = _content(data)


def contract_generate(
    *, actor: User, project: Project, now: datetime | None = None
) -> TaskContract:
    """Generate (or, before anyone signs, generate again) the task contract PDF."""
    require_officer(actor)
    now = _now(now)
    with transaction.atomic():
        locked = (
            Project.objects.select_for_update(of=("self",))
            .select_related(
                "application", "application__direction", "lead_org", "call", "approved_by"
            )
            .get(pk=project.pk)
        )
        contract = TaskContract.objects.filter(project=locked).first()
        if contract is not None and contract.signatures.exists():
            raise ConflictError(
                "任务书已有签署，不能重新生成",
                "The contract has signatures and can no longer be regenerated",
                code="contract_signed",
            )
        if contract is None:
            year = timezone.localtime(now).year
            contract = TaskContract(
                project=locked, number=f"RWS-{year}-{next_number('RWS', now):06d}"
            )
        contract.generated_at = now
        _render(contract, contract_data(locked, contract.number))
        contract.save()
        audit_append(
            actor=actor,
            action="programs.contract_generated",
            subject_type="task_contract",
            subject_id=contract.number,
            data={"project": locked.number, "sha256": contract.pdf_sha256},
        )
    return contract


def contract_sign(
    *, actor: User, contract: TaskContract, side: str, now: datetime | None = None
) -> Signature:
    """One side signs the contract in the platform; after both, the project starts.

    ``side`` is ``bureau`` (a programme officer) or ``undertaker`` (an applicant of the
    lead organisation). The signature keeps the person, the time and the SHA-256 of the
    PDF they signed; the PDF is rendered again with the signature block filled.

    The electronic-seal hook: a real e-seal (GB/T 38540) plugs in here, after the
    ``Signature`` row is created and before the PDF is stored — send the re-rendered
    bytes to the seal service for a PAdES signature under the signer's seal, store the
    sealed bytes as ``contract.pdf`` (and their hash) and the seal certificate's serial
    in ``Signature.seal_reference``. Nothing else changes.
    """
    now = _now(now)
    with transaction.atomic():
        locked = (
            TaskContract.objects.select_for_update(of=("self",))
            .select_related(
                "project",
                "project__application",
                "project__application__case",
                "project__lead_org",
                "project__call",
                "project__approved_by",
            )
            .get(pk=contract.pk)
        )
        project = locked.project
        if side == SignatureSide.BUREAU:
            require_officer(actor)
            org = bureau_of(actor)
        elif side == SignatureSide.UNDERTAKER:
            if not can_sign_for_undertaker(actor, project):
                raise PermissionDeniedError(
                    "只有项目承担单位的申报人可以代表乙方签署",
                    "Only an applicant of the undertaking organisation may sign for it",
                    code="forbidden",
                )
            org = project.lead_org
        else:
            raise ValidationError(
                "签署方只能是 bureau（甲方）或 undertaker（乙方）",
                "The side must be 'bureau' or 'undertaker'",
                field="side",
                code="side_invalid",
            )
        if not locked.pdf:
            raise ConflictError(
                "任务书尚未生成", "The contract is not generated yet", code="no_contract"
            )
        if locked.signatures.filter(side=side).exists():
            raise ConflictError("该方已签署", "This side has already signed", code="already_signed")
        signed_hash = locked.pdf_sha256
        signature = Signature.objects.create(
            contract=locked,
            side=side,
            person=actor,
            organisation=org,
            signed_at=now,
            pdf_sha256=signed_hash,
        )
        signatures = list(locked.signatures.select_related("person"))
        _render(locked, contract_data(project, locked.number, signatures))
        both = {s.side for s in signatures} == {SignatureSide.BUREAU, SignatureSide.UNDERTAKER}
        if both:
            locked.signed_at = now
        locked.save()
        audit_append(
            actor=actor,
            action="programs.contract_signed",
            subject_type="task_contract",
            subject_id=locked.number,
            data={
                "side": side,
                "person": actor.username,
                "organisation": org.uscc,
                "signed_sha256": signed_hash,
                "new_sha256": locked.pdf_sha256,
            },
        )
        if both:
            # The start is the bureau's act (only staff move a case to execution): when
            # the undertaker signs last, the bureau's signatory is the one who starts it.
            bureau_signatory = next(s.person for s in signatures if s.side == SignatureSide.BUREAU)
            _start(actor=bureau_signatory, project=project, now=now)
    return signature


def _start(*, actor: User, project: Project, now: datetime) -> None:
    signed = TaskContract.objects.filter(project=project, signed_at__isnull=False).exists()
    case = project.application.case
    if case is None:
        raise ConflictError(
            "申请尚未提交", "The application is not submitted", code="not_submitted"
        )
    case_transition(
        case=case,
        action="start",
        actor=actor,
        context={"contract_signed": signed},
        now=now,
        time_limits=project.call.stage_limits,
    )
    project.status = ProjectStatus.EXECUTING
    project.save(update_fields=["status"])
    # Stage 10 sets up execution (the schedule held on the call's budget, milestone
    # reports); it reuses the tranches made at approval.
    from rainforest.programs.services import execution

    begin = getattr(execution, "execution_begin", None)
    if begin is not None:
        begin(actor=actor, project=project, now=now)


def project_start(*, actor: User, application: Application, now: datetime | None = None) -> None:
    """The ``start`` action from the case page: allowed only once both sides signed."""
    now = _now(now)
    with transaction.atomic():
        project = (
            Project.objects.select_for_update(of=("self",))
            .select_related("application__case", "call")
            .filter(application=application)
            .first()
        )
        if project is None:
            raise ConflictError(
                "任务书尚未由双方签署。",
                "The task contract is not signed by both sides yet.",
                code="contract_not_signed",
            )
        _start(actor=actor, project=project, now=now)
