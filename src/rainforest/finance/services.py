"""IP-pledge registration: the only writers. Each runs in one transaction."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Organisation, User
from rainforest.accounts.permissions import roles_in_org
from rainforest.accounts.roles import Role
from rainforest.cases.models import Case, CaseCounter
from rainforest.cases.services import case_open, case_transition
from rainforest.core.errors import PermissionDeniedError, ValidationError
from rainforest.core.ids import validate_uscc
from rainforest.finance import domain
from rainforest.finance.certificate import render_certificate
from rainforest.finance.models import PledgeRegistration


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(
            "请填写出质人名称", "Enter the pledgor's name", field="pledgor_name", code="required"
        )
    if len(name) > 200:
        raise ValidationError(
            "出质人名称不能超过 200 个字",
            "The pledgor's name must be at most 200 characters",
            field="pledgor_name",
            code="too_long",
        )
    return name


_TITLE_SUFFIX = " 知识产权质押登记"


def _case_title(name: str) -> str:
    """The case's title; a pledgor name near its 200-character limit is shortened to fit."""
    limit = Case._meta.get_field("title").max_length or 200
    room = limit - len(_TITLE_SUFFIX)
    short = name if len(name) <= room else name[: room - 1] + "…"
    return f"{short}{_TITLE_SUFFIX}"


def _clean(
    *,
    pledgor_uscc: str,
    pledgor_name: str,
    ip_items: list[tuple[str, str]],
    loan_amount: Decimal,
    term_months: int,
) -> dict[str, Any]:
    """Every check before anything is written; raises the first problem with its field."""
    if loan_amount <= 0:
        raise ValidationError(
            "贷款金额应大于零",
            "The loan amount must be more than zero",
            field="loan_amount",
            code="amount_invalid",
        )
    return {
        "pledgor_uscc": validate_uscc(pledgor_uscc, field="pledgor_uscc"),
        "pledgor_name": _check_name(pledgor_name),
        "ip_items": [
            {"kind": i.kind, "number": i.number}
            for i in domain.parse_ip_items(ip_items, field="ip_items")
        ],
        "loan_amount": loan_amount,
        "term_months": domain.validate_term_months(term_months),
    }


def pledge_file(
    *,
    actor: User,
    bank: Organisation,
    pledgor_uscc: str,
    pledgor_name: str,
    ip_items: list[tuple[str, str]],
    loan_amount: Decimal,
    term_months: int,
    now: datetime | None = None,
) -> PledgeRegistration:
    """A bank officer files a registration; the case starts in review with its clock."""
    if Role.BANK_OFFICER not in roles_in_org(actor, bank.pk):
        raise PermissionDeniedError(
            "只有该银行的经办人可以为其提交质押登记",
            "Only an officer of this bank may file for it",
            code="forbidden",
        )
    now = now or timezone.now()
    data = _clean(
        pledgor_uscc=pledgor_uscc,
        pledgor_name=pledgor_name,
        ip_items=ip_items,
        loan_amount=loan_amount,
        term_months=term_months,
    )
    params = domain.parameters_on(timezone.localdate(now))
    decision = domain.decide_inclusive(data["loan_amount"], params)
    with transaction.atomic():
        case = case_open(
            process_code="ip_pledge",
            actor=actor,
            owner_org=bank,
            title=_case_title(data["pledgor_name"]),
            now=now,
            data={"pledgor_uscc": data["pledgor_uscc"], "loan_amount": str(data["loan_amount"])},
        )
        Case.objects.filter(pk=case.pk).update(decision=decision.to_dict())
        case.decision = decision.to_dict()
        return PledgeRegistration.objects.create(
            case=case,
            pledgee_bank=bank,
            filed_at=now,
            inclusive=decision.outcome == "inclusive",
            inclusive_decision=decision.to_dict(),
            **data,
        )


def _registration_number(now: datetime) -> str:
    year = timezone.localtime(now).year
    counter, _ = CaseCounter.objects.select_for_update().get_or_create(prefix="ZYDJ", year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return domain.registration_number(year, counter.last)


def pledge_register(
    *, pledge: PledgeRegistration, actor: User, now: datetime | None = None
) -> PledgeRegistration:
    """Staff register it: a registration number and the PDF certificate."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            PledgeRegistration.objects.select_for_update()
            .select_related("case", "pledgee_bank")
            .get(pk=pledge.pk)
        )
        number = _registration_number(now)
        case_transition(
            case=locked.case,
            action="register",
            actor=actor,
            now=now,
            data={"registration_number": number},
            decision=locked.inclusive_decision,
        )
        locked.registration_number = number
        locked.registered_at = now
        locked.certificate_pdf = render_certificate(locked, issued_at=now)
        locked.save(update_fields=["registration_number", "registered_at", "certificate_pdf"])
    return locked


def pledge_resubmit(
    *,
    pledge: PledgeRegistration,
    actor: User,
    changes: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> PledgeRegistration:
    """The bank corrects what it was asked to and sends it back; the clock resumes."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            PledgeRegistration.objects.select_for_update().select_related("case").get(pk=pledge.pk)
        )
        update: dict[str, Any] = {}
        if changes:
            current = {
                "pledgor_uscc": locked.pledgor_uscc,
                "pledgor_name": locked.pledgor_name,
                "ip_items": [(i["kind"], i["number"]) for i in locked.ip_items],
                "loan_amount": locked.loan_amount,
                "term_months": locked.term_months,
            }
            current.update({k: v for k, v in changes.items() if v is not None})
            update = _clean(**current)
            params = domain.parameters_on(timezone.localdate(now))
            decision = domain.decide_inclusive(update["loan_amount"], params)
            update["inclusive"] = decision.outcome == "inclusive"
            update["inclusive_decision"] = decision.to_dict()
        case_transition(
            case=locked.case,
            action="resubmit",
            actor=actor,
            now=now,
            data={
                "changed": sorted(k for k in (changes or {}) if changes and changes[k] is not None)
            },
            decision=update.get("inclusive_decision"),
        )
        for key, value in update.items():
            setattr(locked, key, value)
        if update:
            locked.save(update_fields=list(update))
    return locked


def pledge_act(
    *, case: Case, action: str, actor: User, reason: str = "", now: datetime | None = None
) -> Case:
    """The process's action handler: register and resubmit need more than a transition."""
    pledge = PledgeRegistration.objects.get(case=case)
    if action == "register":
        pledge_register(pledge=pledge, actor=actor, now=now)
    elif action == "resubmit":
        pledge_resubmit(pledge=pledge, actor=actor, now=now)
    else:
        case_transition(case=case, action=action, actor=actor, reason=reason, now=now)
    return Case.objects.get(pk=case.pk)
