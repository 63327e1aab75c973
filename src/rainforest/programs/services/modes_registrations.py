"""Registrations beside a call: national matching funds (配套资助) and innovation
consortia (创新联合体).

- An organisation registers a national project; ``decide_matching`` gives the amount; the
  bureau approves it as a case and the matching funds are posted on the ledger.
- A consortium (lead enterprise + members + agreement) is registered as a case; once
  registered its lead may apply as the consortium, and the dashboard counts those projects.

Both registrations take the same steps (``_register``): the organisation's applicant
files it, its case opens, its record is written and its document attached, in one
transaction; a document the attachment rules refuse is reported against its own field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Organisation, User
from rainforest.audit.services import audit_append
from rainforest.cases.attachments import attachment_add
from rainforest.cases.models import Case
from rainforest.cases.services import case_open, case_transition
from rainforest.core.errors import (
    ConflictError,
    DomainError,
    ValidationError,
)
from rainforest.ledger.models import AccountKind
from rainforest.ledger.services import ledger_post
from rainforest.programs import domain_decision as dd
from rainforest.programs import domain_matching as dmf
from rainforest.programs import domain_modes as dm
from rainforest.programs.models import (
    Application,
    ApplicationConsortium,
    ApplicationStatus,
    Consortium,
    ConsortiumPartner,
    NationalProject,
    Project,
)
from rainforest.programs.process_modes import CONSORTIUM, MATCHING
from rainforest.programs.services.common import (
    modes_params,
    require_org,
    text,
)
from rainforest.programs.services.execution import (
    FISCAL_ACCOUNT,
    _ensure_account,
    _now,
    require_manager,
)

Registration = TypeVar("Registration", NationalProject, Consortium)


def _register(
    *,
    actor: User,
    organisation: Organisation,
    process_code: str,
    title: str,
    data: dict[str, object],
    now: datetime,
    record: Callable[[Case], Registration],
    document: UploadedFile | None,
    purpose: str,
    field: str,
) -> Registration:
    """Open the registration's case, write its record, attach its document: all or none."""
    with transaction.atomic():
        case = case_open(
            process_code=process_code,
            actor=actor,
            owner_org=organisation,
            title=title,
            now=now,
            data=data,
        )
        registered = record(case)
        if document is not None:
            try:
                attachment_add(case=case, actor=actor, uploaded_file=document, purpose=purpose)
            except DomainError as exc:
                raise exc.with_field(field) from None
    return registered


# --- 配套资助 ----------------------------------------------------------------------------


def national_register(
    *,
    actor: User,
    organisation: Organisation,
    programme: str,
    number: str,
    title: str,
    national_funding: Decimal,
    period_start: date,
    period_end: date,
    landed_in_shenzhen: bool,
    proof: UploadedFile | None,
    now: datetime | None = None,
) -> NationalProject:
    """Register a national project won; the rule gives the matching amount at once."""
    require_org(actor, organisation)
    now = _now(now)
    programme = text(
        programme, field="programme", label_zh="国家计划名称", label_en="programme", limit=200
    )
    number = "".join(
        text(number, field="number", label_zh="国家项目编号", label_en="number", limit=60).split()
    )
    title = text(title, field="title", label_zh="项目名称", label_en="title", limit=200)
    on = timezone.localdate(now)
    result = dmf.decide_matching(
        dmf.NationalProject(
            programme=programme,
            number=number,
            national_funding=national_funding,
            period_start=period_start,
            period_end=period_end,
            landed_in_shenzhen=landed_in_shenzhen,
            proof_attached=proof is not None,
        ),
        on=on,
        params=dd.matching_parameters(on),
    )
    if NationalProject.objects.filter(programme=programme, number=number).exists():
        raise ConflictError(
            f"国家项目 {number} 已经登记过。",
            f"National project {number} is already registered.",
            field="number",
            code="national_project_exists",
        )
    decision = result.decision.to_dict()

    def record(case: Case) -> NationalProject:
        Case.objects.filter(pk=case.pk).update(decision=decision)
        return NationalProject.objects.create(
            organisation=organisation,
            case=case,
            programme=programme,
            number=number,
            title=title,
            national_funding=national_funding,
            period_start=period_start,
            period_end=period_end,
            landed_in_shenzhen=landed_in_shenzhen,
            registered_at=now,
            registered_by=actor,
            matching_amount=result.amount,
            decision=decision,
        )

    return _register(
        actor=actor,
        organisation=organisation,
        process_code=MATCHING,
        title=f"{organisation.name} 国家项目配套：{title}",
        data={"programme": programme, "number": number},
        now=now,
        record=record,
        document=proof,
        purpose="立项证明",
        field="proof",
    )


def matching_account(registration: NationalProject) -> str:
    return f"programs:matching:{registration.case.number}"


def national_decide(
    *,
    actor: User,
    registration: NationalProject,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> NationalProject:
    """Approve the matching amount the rule gave (posted on the ledger) or reject it."""
    require_manager(actor)
    now = _now(now)
    with transaction.atomic():
        locked = (
            NationalProject.objects.select_for_update(of=("self",))
            .select_related("case")
            .get(pk=registration.pk)
        )
        eligible = locked.decision.get("outcome") == "eligible" and locked.matching_amount > 0
        if approve and eligible and locked.case.stage == "matching_review":
            _ensure_account(
                FISCAL_ACCOUNT,
                "市财政（科技计划资金来源）",
                AccountKind.FUNDING,
                allow_negative=True,
            )
            account = matching_account(locked)
            _ensure_account(account, f"{locked.case.number} 配套资助", AccountKind.OTHER)
            ledger_post(
                key=f"programs:matching-pay:{locked.case.number}",
                entries=[
                    (FISCAL_ACCOUNT, -locked.matching_amount),
                    (account, locked.matching_amount),
                ],
                memo=f"{locked.number} 国家项目配套资助 / matching funds",
                actor=actor,
            )
        case_transition(
            case=locked.case,
            action="approve" if approve else "reject",
            actor=actor,
            reason=reason,
            context={"eligible": eligible},
            decision=locked.decision,
            now=now,
        )
        if approve:
            locked.approved_amount = locked.matching_amount
            locked.save(update_fields=["approved_amount"])
    return locked


# --- 创新联合体 --------------------------------------------------------------------------


def consortium_register(
    *,
    actor: User,
    lead: Organisation,
    name: str,
    members: Sequence[dm.PartnerIn],
    agreement: UploadedFile | None,
    now: datetime | None = None,
) -> Consortium:
    """The lead enterprise registers the consortium with its members and agreement."""
    require_org(actor, lead)
    now = _now(now)
    name = text(name, field="name", label_zh="联合体名称", label_en="name", limit=200)
    checked = dm.check_consortium(lead.uscc, lead.kind, members, params=modes_params(now))
    if agreement is None:
        raise ValidationError(
            "请上传联合体协议",
            "Upload the consortium agreement",
            field="agreement",
            code="required",
        )

    def record(case: Case) -> Consortium:
        consortium = Consortium.objects.create(
            name=name, lead=lead, case=case, registered_at=now, registered_by=actor
        )
        ConsortiumPartner.objects.bulk_create(
            ConsortiumPartner(consortium=consortium, order=i, uscc=m.uscc, name=m.name, kind=m.kind)
            for i, m in enumerate(checked, start=1)
        )
        return consortium

    return _register(
        actor=actor,
        organisation=lead,
        process_code=CONSORTIUM,
        title=f"创新联合体登记：{name}",
        data={"members": [m.uscc for m in checked]},
        now=now,
        record=record,
        document=agreement,
        purpose="联合体协议",
        field="agreement",
    )


def consortium_decide(
    *,
    actor: User,
    consortium: Consortium,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Consortium:
    require_manager(actor)
    now = _now(now)
    with transaction.atomic():
        locked = (
            Consortium.objects.select_for_update(of=("self",))
            .select_related("case")
            .get(pk=consortium.pk)
        )
        case_transition(
            case=locked.case,
            action="register" if approve else "reject",
            actor=actor,
            reason=reason,
            now=now,
        )
        if approve:
            locked.approved_at = now
            locked.save(update_fields=["approved_at"])
    return locked


def application_as_consortium(
    *,
    actor: User,
    application: Application,
    consortium: Consortium,
    now: datetime | None = None,
) -> ApplicationConsortium:
    """A draft by the consortium's lead is made as the consortium (联合体申报): its members
    fill the application's consortium section."""
    from rainforest.programs.services.applications import PartnerIn, application_save_consortium

    now = _now(now)
    consortium = Consortium.objects.select_related("lead", "case").get(pk=consortium.pk)
    require_org(actor, consortium.lead)
    if application.applicant_org_id != consortium.lead_id:
        raise ValidationError(
            "只有联合体牵头单位的申请可以以联合体名义申报。",
            "Only the lead's application can be made as the consortium.",
            field="consortium_id",
            code="not_lead",
        )
    if consortium.approved_at is None:
        raise ConflictError(
            "联合体尚未登记通过。",
            "The consortium is not registered yet.",
            field="consortium_id",
            code="consortium_not_registered",
        )
    if application.status != ApplicationStatus.DRAFT:
        raise ConflictError(
            "申请已提交，不能再修改。", "The application is submitted.", code="not_editable"
        )
    partners = [PartnerIn(consortium.lead.uscc, consortium.lead.name, "lead")] + [
        PartnerIn(p.uscc, p.name, "member") for p in consortium.partners.all()
    ]
    with transaction.atomic():
        application_save_consortium(
            actor=actor, application=application, partners=partners, now=now
        )
        link, _created = ApplicationConsortium.objects.update_or_create(
            application=application,
            defaults={"consortium": consortium, "linked_at": now},
        )
        audit_append(
            actor=actor,
            action="programs.application_as_consortium",
            subject_type="application",
            subject_id=application.pk,
            data={"consortium": consortium.case.number},
        )
    return link


def consortium_led_share(*, year: int | None = None, on: date | None = None) -> dm.ConsortiumShare:
    """The share of approved projects led by a registered consortium (the dashboard's figure)."""
    from rainforest.programs.selectors_execution import consortium_led_by_year

    rows = consortium_led_by_year(Project.objects.all(), year)
    led = sum(r[1] for r in rows)
    total = sum(r[2] for r in rows)
    day = on or timezone.localdate()
    return dm.consortium_share(led, total, params=dm.modes_parameters(day))
