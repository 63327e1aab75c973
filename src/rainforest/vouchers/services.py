"""Vouchers: the only writers. Each service is one transaction, audited.

Money moves only on the ledger, with an idempotency key taken from the business request,
so a retried request never moves money twice:

=====================  ===========================================  ===========================
operation              ledger                                       key
=====================  ===========================================  ===========================
open a year's budget   post funding → budget                        ``budget:<type>:<year>``
issue a voucher        post budget → voucher                        ``issue:<case number>``
submit an invoice      hold on the voucher                          ``redeem:<invoice number>``
enterprise confirms    capture the hold → provider receivable       ``redeem-ok:<invoice>``
enterprise disputes    release the hold                             ``redeem-no:<invoice>``
voucher expires        sweep voucher → budget (what is available)   ``expire:<voucher number>``
settlement paid        post receivable → paid                       ``settle:<settlement no.>``
=====================  ===========================================  ===========================

Locks, in the one order every service takes them, so writers queue instead of
deadlocking: the business row (application, voucher, redemption, settlement), then the
case, then ledger holds and accounts (the kernel orders those by code), and the audit
head last. ``audit_append`` locks the global audit head, so nothing may be locked after
the first audit record of a transaction; that is why the budget account is locked before
the voucher's account is opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from rainforest.accounts.models import Organisation, User
from rainforest.accounts.roles import Role
from rainforest.audit.services import audit_append
from rainforest.cases.models import Case, CaseCounter
from rainforest.cases.services import case_open, case_transition, notify
from rainforest.core.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from rainforest.core.ids import validate_uscc
from rainforest.core.ledger import InsufficientFunds
from rainforest.core.money import format_yuan
from rainforest.ledger.models import AccountKind, LedgerAccount
from rainforest.ledger.services import (
    ledger_account_open,
    ledger_capture,
    ledger_hold,
    ledger_post,
    ledger_release,
    ledger_sweep,
)
from rainforest.vouchers import domain
from rainforest.vouchers.models import (
    ApplicationStatus,
    Budget,
    DishonestListing,
    Provider,
    ProviderStatus,
    Redemption,
    RedemptionStatus,
    Settlement,
    SettlementStatus,
    Voucher,
    VoucherApplication,
    VoucherStatus,
)
from rainforest.vouchers.permissions import (
    can_act_for_provider,
    can_apply_for,
    is_voucher_staff,
)

ZERO = Decimal("0.00")


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _staff_only(actor: Any) -> None:
    if not is_voucher_staff(actor):
        raise PermissionDeniedError(
            "只有科技局项目处工作人员可以办理此事项。",
            "Only bureau programme officers may do this.",
            code="forbidden",
        )


def _text(value: str, field: str, label_zh: str, label_en: str, limit: int) -> str:
    clean = (value or "").strip()
    if not clean:
        raise ValidationError(
            f"请填写{label_zh}。", f"Enter the {label_en}.", field=field, code="required"
        )
    if len(clean) > limit:
        raise ValidationError(
            f"{label_zh}不能超过 {limit} 个字。",
            f"The {label_en} must be at most {limit} characters.",
            field=field,
            code="too_long",
        )
    return clean


def _positive(amount: Decimal, field: str) -> Decimal:
    if not isinstance(amount, Decimal) or amount <= 0:
        raise ValidationError(
            "金额必须大于零。",
            "The amount must be greater than zero.",
            field=field,
            code="amount_invalid",
        )
    return amount


def _holders_json(holders: Sequence[domain.Holder]) -> list[dict[str, str]]:
    return [{"name": h.name, "percent": str(h.percent)} for h in holders]


def _holders(data: list[dict[str, str]]) -> tuple[domain.Holder, ...]:
    return tuple(domain.Holder(h["name"], Decimal(h["percent"])) for h in data)


def _ensure_account(code: str, name: str, kind: str, *, allow_negative: bool = False) -> None:
    if not LedgerAccount.objects.filter(code=code).exists():
        ledger_account_open(code=code, name=name, kind=kind, allow_negative=allow_negative)


def _next_sequence(prefix: str, year: int) -> int:
    counter, _ = CaseCounter.objects.select_for_update().get_or_create(prefix=prefix, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


# --- budgets ------------------------------------------------------------------------------


def budget_open(
    *,
    voucher_type: str,
    year: int,
    actor: Any = None,
    amount: Decimal | None = None,
    now: datetime | None = None,
) -> Budget:
    """Put a year's budget for one kind of voucher on the ledger (年度预算下达).

    The amount defaults to the parameters in force on 1 January of that year. Opening the
    same budget again returns it; opening it with another amount is refused.
    """
    domain.validate_voucher_type(voucher_type)
    if not 2000 <= year <= 2100:
        raise ValidationError(
            "年度应在2000至2100之间。",
            "The year must be between 2000 and 2100.",
            field="year",
            code="year_invalid",
        )
    params = domain.parameters_on(date(year, 1, 1))
    amount = _positive(amount, "amount") if amount is not None else None
    wanted = amount or domain.yearly_budget(voucher_type, params)
    existing = Budget.objects.filter(voucher_type=voucher_type, year=year).first()
    if existing is not None:
        if existing.amount != wanted:
            raise ConflictError(
                f"{year}年{domain.TYPE_NAMES[voucher_type][0]}预算已下达 "
                f"{format_yuan(existing.amount)}，不能改为 {format_yuan(wanted)}。",
                f"The {year} budget for {domain.TYPE_NAMES[voucher_type][1]}s is already "
                f"{existing.amount:,.2f}; it cannot be changed to {wanted:,.2f}.",
                field="amount",
                code="budget_exists",
            )
        return existing
    code = domain.budget_account(voucher_type, year)
    name = f"{year}年{domain.TYPE_NAMES[voucher_type][0]}预算"
    with transaction.atomic():
        _ensure_account(
            domain.FUNDING_ACCOUNT, "市财政（券资金来源）", AccountKind.FUNDING, allow_negative=True
        )
        _ensure_account(code, name, AccountKind.BUDGET)
        ledger_post(
            key=f"budget:{voucher_type}:{year}",
            entries=[(domain.FUNDING_ACCOUNT, -wanted), (code, wanted)],
            memo=f"{name}下达 / {year} {voucher_type} voucher budget",
            actor=actor,
        )
        budget = Budget.objects.create(
            voucher_type=voucher_type,
            year=year,
            amount=wanted,
            account=LedgerAccount.objects.get(code=code),
            parameters_version=params.label,
            opened_at=_now(now),
        )
        audit_append(
            actor=actor,
            action="vouchers.budget_open",
            subject_type="voucher_budget",
            subject_id=f"{voucher_type}:{year}",
            data={"amount": str(wanted), "parameters": params.label},
        )
    return budget


# --- providers ----------------------------------------------------------------------------


def _voucher_types(values: Sequence[str]) -> list[str]:
    chosen = [domain.validate_voucher_type(v, field="voucher_types") for v in values]
    if not chosen:
        raise ValidationError(
            "请至少选择一类服务（算力、模型或语料）。",
            "Choose at least one kind of service (compute, model or corpus).",
            field="voucher_types",
            code="required",
        )
    return [t for t in domain.VOUCHER_TYPES if t in chosen]


def provider_register(
    *,
    actor: User,
    organisation: Organisation,
    voucher_types: Sequence[str],
    legal_representative: str,
    shareholders: Sequence[tuple[str, Any]],
    services: str,
    price_list: str,
    bank_name: str,
    bank_account: str,
    now: datetime | None = None,
) -> Provider:
    """A provider registers (服务商登记); staff review it within the stage's time limit."""
    if not can_act_for_provider(actor, organisation.pk):
        raise PermissionDeniedError(
            "只有该服务商的经办人可以为其登记。",
            "Only a person acting for this provider may register it.",
            code="forbidden",
        )
    now = _now(now)
    validate_uscc(organisation.uscc, field="organisation")
    data = {
        "voucher_types": _voucher_types(voucher_types),
        "legal_representative": _text(
            legal_representative, "legal_representative", "法定代表人", "legal representative", 100
        ),
        "shareholders": _holders_json(domain.parse_holders(shareholders)),
        "services": _text(services, "services", "服务内容", "services", 4000),
        "price_list": _text(price_list, "price_list", "价格清单", "price list", 4000),
        "bank_name": _text(bank_name, "bank_name", "开户银行", "bank name", 200),
        "bank_account": _bank_account(bank_account),
    }
    if Provider.objects.filter(organisation=organisation).exists():
        raise ConflictError(
            "该机构已提交过服务商登记。",
            "This organisation has already registered as a provider.",
            code="provider_exists",
        )
    with transaction.atomic():
        case = case_open(
            process_code="voucher_provider",
            actor=actor,
            owner_org=organisation,
            title=f"{organisation.name[:180]} 服务商登记",
            now=now,
            data={"voucher_types": data["voucher_types"]},
        )
        provider = Provider.objects.create(
            organisation=organisation, case=case, registered_at=now, **data
        )
        audit_append(
            actor=actor,
            action="vouchers.provider_register",
            subject_type="voucher_provider",
            subject_id=provider.pk,
            data={k: v for k, v in data.items() if k != "bank_account"},
        )
    return provider


def _bank_account(raw: str) -> str:
    clean = "".join((raw or "").split())
    if not clean.isdigit() or not 8 <= len(clean) <= 32:
        raise ValidationError(
            "银行账号应为8至32位数字（可带空格）。",
            "The bank account number must be 8 to 32 digits (spaces allowed).",
            field="bank_account",
            code="bank_account_invalid",
        )
    return clean


def _lock_provider(provider: Provider) -> Provider:
    return (
        Provider.objects.select_for_update()
        .select_related("organisation", "case")
        .get(pk=provider.pk)
    )


def provider_approve(*, provider: Provider, actor: User, now: datetime | None = None) -> Provider:
    now = _now(now)
    with transaction.atomic():
        locked = _lock_provider(provider)
        Case.objects.select_for_update().get(pk=locked.case_id)
        uscc = locked.organisation.uscc
        _ensure_account(
            domain.receivable_account(uscc), f"{locked.organisation.name} 应收", "receivable"
        )
        _ensure_account(
            domain.paid_account(uscc), f"{locked.organisation.name} 已结算", AccountKind.OTHER
        )
        case_transition(case=locked.case, action="approve", actor=actor, now=now)
        locked.status = ProviderStatus.APPROVED
        locked.approved_at = now
        locked.save(update_fields=["status", "approved_at"])
    return locked


def provider_suspend(
    *, provider: Provider, actor: User, reason: str, now: datetime | None = None
) -> Provider:
    """Staff suspend a registered provider: no new applications or invoices with it."""
    _staff_only(actor)
    reason = _text(reason, "reason", "暂停理由", "reason", 2000)
    with transaction.atomic():
        locked = _lock_provider(provider)
        if locked.status != ProviderStatus.APPROVED:
            raise ConflictError(
                "只有已登记的服务商可以暂停。",
                "Only a registered provider can be suspended.",
                code="provider_not_approved",
            )
        locked.status = ProviderStatus.SUSPENDED
        locked.suspended_reason = reason
        locked.save(update_fields=["status", "suspended_reason"])
        audit_append(
            actor=actor,
            action="vouchers.provider_suspend",
            subject_type="voucher_provider",
            subject_id=locked.pk,
            data={"reason": reason},
        )
    return locked


def provider_act(
    *, case: Case, action: str, actor: User, reason: str = "", now: datetime | None = None
) -> Case:
    """The process's action handler (the generic case page and API call it)."""
    provider = Provider.objects.get(case=case)
    if action == "approve":
        provider_approve(provider=provider, actor=actor, now=now)
    else:
        with transaction.atomic():
            locked = _lock_provider(provider)
            case_transition(case=case, action=action, actor=actor, reason=reason, now=now)
            if action in ("reject", "withdraw"):
                locked.status = ProviderStatus.REJECTED
                locked.save(update_fields=["status"])
    return Case.objects.get(pk=case.pk)


# --- applications -------------------------------------------------------------------------


def issued_this_year(enterprise_id: int, voucher_type: str, year: int) -> Decimal:
    """Face value of this kind already issued to the enterprise in ``year``."""
    total = Voucher.objects.filter(
        enterprise_id=enterprise_id, voucher_type=voucher_type, year=year
    ).aggregate(total=Sum("face_value"))["total"]
    return total or ZERO


def on_dishonest_list(uscc: str, today: date) -> bool:
    return (
        DishonestListing.objects.filter(uscc=uscc, listed_on__lte=today)
        .exclude(removed_on__lte=today)
        .exists()
    )


def eligibility_of(
    *,
    enterprise: Organisation,
    provider: Provider,
    voucher_type: str,
    year: int,
    amount: Decimal,
    legal_representative: str,
    holders: tuple[domain.Holder, ...],
    today: date,
) -> domain.EligibilityFacts:
    return domain.EligibilityFacts(
        voucher_type=voucher_type,
        year=year,
        amount=amount,
        enterprise=domain.Party(enterprise.uscc, enterprise.name, legal_representative, holders),
        provider=domain.Party(
            provider.organisation.uscc,
            provider.organisation.name,
            provider.legal_representative,
            _holders(provider.shareholders),
        ),
        on_dishonest_list=on_dishonest_list(enterprise.uscc, today),
        issued_this_year=issued_this_year(enterprise.pk, voucher_type, year),
    )


_RULE_FIELDS = {
    "registered_in_city": "enterprise",
    "not_dishonest": "enterprise",
    "not_related": "provider",
    "within_cap": "amount",
}


def _ineligible(decision: Any, code: str = "not_eligible") -> DomainError:
    failed = decision.facts["failed"]
    n = len(failed)
    error = ValidationError(
        "不符合申领条件：" + "".join(r.zh for r in decision.reasons[:n]),
        "Not eligible: " + " ".join(r.en for r in decision.reasons[:n]),
        field=_RULE_FIELDS[failed[0]],
        code=code,
    )
    return error


def _check_provider_serves(provider: Provider, voucher_type: str, field: str) -> None:
    if provider.status != ProviderStatus.APPROVED:
        raise ConflictError(
            f"服务商「{provider.organisation.name}」不是已登记的服务商（或已被暂停），请选择其他服务商。",
            f"'{provider.organisation.name}' is not a registered provider (or is suspended); "
            "choose another provider.",
            field=field,
            code="provider_not_approved",
        )
    if voucher_type not in provider.voucher_types:
        name = domain.TYPE_NAMES[voucher_type]
        raise ValidationError(
            f"服务商「{provider.organisation.name}」不提供{name[0]}对应的服务。",
            f"'{provider.organisation.name}' does not provide services for {name[1]}s.",
            field=field,
            code="provider_type_mismatch",
        )


def application_check(
    *,
    actor: User,
    enterprise: Organisation,
    provider: Provider,
    voucher_type: str,
    year: int,
    amount: Decimal,
    planned_use: str,
    contract_reference: str,
    legal_representative: str,
    shareholders: Sequence[tuple[str, Any]],
    now: datetime | None = None,
) -> tuple[dict[str, Any], Any]:
    """Every check before anything is written: the clean data and the eligibility decision.

    Raises the first problem with its field; an ineligible application is refused with
    the reasons of every rule it failed.
    """
    if not can_apply_for(actor, enterprise.pk):
        raise PermissionDeniedError(
            "只有该企业的申报人可以为其申领。",
            "Only an applicant of this enterprise may apply for it.",
            code="forbidden",
        )
    now = _now(now)
    today = timezone.localdate(now)
    domain.validate_voucher_type(voucher_type)
    if year not in (today.year, today.year + 1):
        raise ValidationError(
            f"只能申领{today.year}年或{today.year + 1}年的券。",
            f"Vouchers can be applied for {today.year} or {today.year + 1} only.",
            field="year",
            code="year_invalid",
        )
    if not Budget.objects.filter(voucher_type=voucher_type, year=year).exists():
        raise ValidationError(
            f"{year}年{domain.TYPE_NAMES[voucher_type][0]}预算尚未下达，暂不能申领。",
            f"The {year} budget for {domain.TYPE_NAMES[voucher_type][1]}s is not open yet.",
            field="year",
            code="budget_missing",
        )
    amount = _positive(amount, "amount")
    # The row as it is now, not as the caller loaded it: it may have been suspended since.
    provider = Provider.objects.select_related("organisation").get(pk=provider.pk)
    _check_provider_serves(provider, voucher_type, "provider")
    clean = {
        "voucher_type": voucher_type,
        "year": year,
        "amount": amount,
        "planned_use": _text(planned_use, "planned_use", "计划用途", "planned use", 4000),
        "contract_reference": _text(
            contract_reference, "contract_reference", "合同或报价单编号", "contract or quote", 200
        ),
        "legal_representative": _text(
            legal_representative, "legal_representative", "法定代表人", "legal representative", 100
        ),
        "shareholders": _holders_json(domain.parse_holders(shareholders)),
    }
    params = domain.parameters_on(today)
    facts = eligibility_of(
        enterprise=enterprise,
        provider=provider,
        voucher_type=voucher_type,
        year=year,
        amount=amount,
        legal_representative=clean["legal_representative"],
        holders=_holders(clean["shareholders"]),
        today=today,
    )
    return clean, domain.decide_eligibility(facts, params)


def application_submit(
    *,
    actor: User,
    enterprise: Organisation,
    provider: Provider,
    voucher_type: str,
    year: int,
    amount: Decimal,
    planned_use: str,
    contract_reference: str,
    legal_representative: str,
    shareholders: Sequence[tuple[str, Any]],
    now: datetime | None = None,
) -> VoucherApplication:
    """An enterprise applies for a voucher (申领); staff decide within the stage's time limit."""
    now = _now(now)
    clean, decision = application_check(
        actor=actor,
        enterprise=enterprise,
        provider=provider,
        voucher_type=voucher_type,
        year=year,
        amount=amount,
        planned_use=planned_use,
        contract_reference=contract_reference,
        legal_representative=legal_representative,
        shareholders=shareholders,
        now=now,
    )
    if decision.outcome != "eligible":
        raise _ineligible(decision)
    name = domain.TYPE_NAMES[voucher_type][0]
    with transaction.atomic():
        case = case_open(
            process_code="voucher_application",
            actor=actor,
            owner_org=enterprise,
            title=f"{enterprise.name[:170]} {year}年{name}申领",
            now=now,
            data={"voucher_type": voucher_type, "year": year, "amount": str(amount)},
        )
        Case.objects.filter(pk=case.pk).update(decision=decision.to_dict())
        case.decision = decision.to_dict()
        application = VoucherApplication.objects.create(
            case=case,
            enterprise=enterprise,
            provider=provider,
            eligible=True,
            eligibility=decision.to_dict(),
            submitted_at=now,
            **clean,
        )
    return application


def _budget_refusal(budget: Budget, face_value: Decimal) -> ConflictError:
    remaining = LedgerAccount.objects.get(pk=budget.account_id).available
    name = domain.TYPE_NAMES[budget.voucher_type]
    return ConflictError(
        f"{budget.year}年{name[0]}预算余额为 {format_yuan(remaining)}，不足以发放面额 "
        f"{format_yuan(face_value)} 的券。",
        f"The {budget.year} budget for {name[1]}s has {remaining:,.2f} left, not enough for a "
        f"voucher of {face_value:,.2f}.",
        field="amount",
        code="budget_insufficient",
    )


def application_approve(
    *, application: VoucherApplication, actor: User, now: datetime | None = None
) -> Voucher:
    """Staff approve: eligibility is decided again, the voucher issued from the year's budget."""
    _staff_only(actor)
    now = _now(now)
    today = timezone.localdate(now)
    with transaction.atomic():
        app = (
            VoucherApplication.objects.select_for_update()
            .select_related("enterprise", "provider__organisation", "case")
            .get(pk=application.pk)
        )
        Case.objects.select_for_update().get(pk=app.case_id)
        if app.status != ApplicationStatus.REVIEW:
            raise ConflictError(
                "该申领已办结，不能再次批准。",
                "This application is closed and cannot be approved again.",
                code="case_closed",
            )
        budget = Budget.objects.get(voucher_type=app.voucher_type, year=app.year)
        # The budget's row first: see the module docstring on the order of locks. It also
        # serialises every issue of this kind and year, so the per-enterprise cap (per kind
        # and year) is checked below against every voucher committed before ours.
        LedgerAccount.objects.select_for_update().get(pk=budget.account_id)
        _check_provider_serves(app.provider, app.voucher_type, "provider")
        params = domain.parameters_on(today)
        decision = domain.decide_eligibility(
            eligibility_of(
                enterprise=app.enterprise,
                provider=app.provider,
                voucher_type=app.voucher_type,
                year=app.year,
                amount=app.amount,
                legal_representative=app.legal_representative,
                holders=_holders(app.shareholders),
                today=today,
            ),
            params,
        )
        if decision.outcome != "eligible":
            raise _ineligible(decision, code="no_longer_eligible")
        if LedgerAccount.objects.get(pk=budget.account_id).available < app.amount:
            raise _budget_refusal(budget, app.amount)
        number = domain.voucher_number(
            app.voucher_type,
            app.year,
            _next_sequence(domain.TYPE_PREFIX[app.voucher_type], app.year),
        )
        code = domain.voucher_account(number)
        ledger_account_open(
            code=code, name=f"{number} {app.enterprise.name[:150]}", kind=AccountKind.VOUCHER
        )
        try:
            ledger_post(
                key=f"issue:{app.case.number}",
                entries=[(budget.account.code, -app.amount), (code, app.amount)],
                memo=f"发放 {number} / issue {number}",
                actor=actor,
            )
        except InsufficientFunds:
            raise _budget_refusal(budget, app.amount) from None
        voucher = Voucher.objects.create(
            number=number,
            application=app,
            enterprise=app.enterprise,
            provider=app.provider,
            budget=budget,
            voucher_type=app.voucher_type,
            year=app.year,
            face_value=app.amount,
            account=LedgerAccount.objects.get(code=code),
            issued_at=now,
            expires_on=domain.expires_on(today, params),
        )
        case_transition(
            case=app.case,
            action="approve",
            actor=actor,
            now=now,
            data={"voucher": number, "expires_on": voucher.expires_on.isoformat()},
            decision=decision.to_dict(),
        )
        app.status = ApplicationStatus.ISSUED
        app.eligibility = decision.to_dict()
        app.save(update_fields=["status", "eligibility"])
        audit_append(
            actor=actor,
            action="vouchers.issue",
            subject_type="voucher",
            subject_id=number,
            data={
                "application": app.case.number,
                "face_value": str(app.amount),
                "budget": budget.account.code,
                "expires_on": voucher.expires_on,
            },
        )
    return voucher


def application_act(
    *, case: Case, action: str, actor: User, reason: str = "", now: datetime | None = None
) -> Case:
    """The process's action handler: approval issues the voucher."""
    application = VoucherApplication.objects.get(case=case)
    if action == "approve":
        application_approve(application=application, actor=actor, now=now)
    else:
        with transaction.atomic():
            locked = VoucherApplication.objects.select_for_update().get(pk=application.pk)
            case_transition(case=case, action=action, actor=actor, reason=reason, now=now)
            locked.status = (
                ApplicationStatus.REJECTED if action == "reject" else ApplicationStatus.WITHDRAWN
            )
            locked.save(update_fields=["status"])
    return Case.objects.get(pk=case.pk)


# --- redemption ---------------------------------------------------------------------------


def _lock_voucher(pk: int) -> Voucher:
    return (
        Voucher.objects.select_for_update()
        .select_related("provider__organisation", "enterprise", "account", "budget__account")
        .get(pk=pk)
    )


def _same_request(
    r: Redemption, voucher: Voucher, provider: Provider, fields: dict[str, Any]
) -> bool:
    return (
        r.voucher_id == voucher.pk
        and r.provider_id == provider.pk
        and all(getattr(r, k) == v for k, v in fields.items())
    )


def _duplicate_invoice(number: str) -> ConflictError:
    return ConflictError(
        f"发票「{number}」已核销过，同一张发票不能重复核销。",
        f"Invoice {number} has already been redeemed; an invoice can be redeemed only once.",
        field="invoice_number",
        code="invoice_already_redeemed",
    )


def redemption_submit(
    *,
    actor: User,
    voucher: Voucher,
    invoice_number: str,
    invoice_amount: Decimal,
    invoice_date: date,
    period_start: date,
    period_end: date,
    usage_evidence: str,
    now: datetime | None = None,
) -> Redemption:
    """The provider submits an invoice; the voucher's share is held until the enterprise confirms.

    Pays min(subsidised share, remaining value). Retrying the same submission returns the
    first one; the same invoice number with anything else is refused, whichever provider
    sends it.
    """
    now = _now(now)
    today = timezone.localdate(now)
    number = domain.normalise_invoice_number(invoice_number)
    invoice_amount = _positive(invoice_amount, "invoice_amount")
    evidence = _text(usage_evidence, "usage_evidence", "使用情况说明", "usage evidence", 4000)
    if period_start > period_end:
        raise ValidationError(
            "服务期间的开始日期不能晚于结束日期。",
            "The service period cannot start after it ends.",
            field="period_end",
            code="period_invalid",
        )
    if invoice_date > today:
        raise ValidationError(
            "开票日期不能晚于今天。",
            "The invoice date cannot be in the future.",
            field="invoice_date",
            code="invoice_date_future",
        )
    fields = {
        "invoice_amount": invoice_amount,
        "invoice_date": invoice_date,
        "period_start": period_start,
        "period_end": period_end,
    }
    with transaction.atomic():
        v = _lock_voucher(voucher.pk)
        provider = v.provider
        if not can_act_for_provider(actor, provider.organisation_id):
            # Not this voucher's provider: it learns nothing about the voucher.
            raise NotFoundError(
                "未找到该券。", "Voucher not found.", field="voucher", code="not_found"
            )
        earlier = Redemption.objects.filter(invoice_number=number).first()
        if earlier is not None:
            if _same_request(earlier, v, provider, fields):
                return earlier
            raise _duplicate_invoice(number)
        if provider.status != ProviderStatus.APPROVED:
            raise ConflictError(
                "服务商已被暂停，暂不能核销。",
                "The provider is suspended and cannot redeem vouchers.",
                code="provider_not_approved",
            )
        if v.status == VoucherStatus.EXPIRED or domain.is_expired(v.expires_on, today):
            raise ConflictError(
                f"券 {v.number} 已于 {v.expires_on.isoformat()} 到期，不能再核销。",
                f"Voucher {v.number} expired on {v.expires_on.isoformat()}.",
                field="voucher",
                code="voucher_expired",
            )
        issued_on = timezone.localdate(v.issued_at)
        if period_start < issued_on or invoice_date > v.expires_on:
            raise ValidationError(
                f"服务期间和开票日期应在券的有效期内（{issued_on.isoformat()} 至 {v.expires_on.isoformat()}）。",
                f"The service period and the invoice date must fall within the voucher's "
                f"validity ({issued_on.isoformat()} to {v.expires_on.isoformat()}).",
                field="period_start",
                code="outside_validity",
            )
        params = domain.parameters_on(today)
        remaining = v.account.available
        quote = domain.quote_redemption(invoice_amount, remaining, params)
        if quote.pay <= 0:
            raise ConflictError(
                f"券 {v.number} 已无可用余额（待确认的核销除外），不能再核销。",
                f"Voucher {v.number} has nothing left to pay (apart from redemptions awaiting "
                "confirmation).",
                field="voucher",
                code="voucher_used_up",
            )
        try:
            hold = ledger_hold(
                key=f"redeem:{number}", account=v.account.code, amount=quote.pay, actor=actor
            )
        except InsufficientFunds:
            raise ConflictError(
                f"券 {v.number} 余额不足。",
                f"Voucher {v.number} does not have enough left.",
                field="voucher",
                code="voucher_used_up",
            ) from None
        except ConflictError as exc:
            if exc.code == "idempotency_conflict":  # the invoice's key, on another voucher
                raise _duplicate_invoice(number) from None
            raise
        flags = [
            {"code": f.code, "zh": f.reason.zh, "en": f.reason.en}
            for f in domain.invoice_flags(invoice_amount, invoice_date, v.expires_on, params)
        ]
        try:
            with transaction.atomic():
                redemption = Redemption.objects.create(
                    voucher=v,
                    provider=provider,
                    invoice_number=number,
                    usage_evidence=evidence,
                    subsidy=quote.subsidy,
                    amount=quote.pay,
                    hold=hold,
                    flags=flags,
                    submitted_by=actor,
                    submitted_at=now,
                    **fields,
                )
        except IntegrityError:
            earlier = Redemption.objects.filter(invoice_number=number).first()
            if earlier is None:
                raise
            if _same_request(earlier, v, provider, fields):
                return earlier
            raise _duplicate_invoice(number) from None
        audit_append(
            actor=actor,
            action="vouchers.redeem",
            subject_type="voucher",
            subject_id=v.number,
            data={
                "invoice": number,
                "invoice_amount": str(invoice_amount),
                "subsidy": str(quote.subsidy),
                "amount": str(quote.pay),
                "capped": quote.capped,
                "flags": [f["code"] for f in flags],
            },
        )
        for user in User.objects.filter(
            memberships__organisation_id=v.enterprise_id,
            memberships__role=Role.APPLICANT,
            is_active=True,
        ).distinct():
            notify(
                user=user,
                case=None,
                kind="voucher_redeem",
                title=f"{v.number} 待确认核销：{format_yuan(quote.pay)}",
                body=f"服务商「{provider.organisation.name}」提交了发票 {number}，请确认服务已提供。",
                title_en=f"{v.number}: confirm a redemption of {format_yuan(quote.pay)}",
                body_en=f"The provider “{provider.organisation.name}” submitted invoice "
                f"{number}. Please confirm that the service was delivered.",
            )
    return redemption


def _lock_redemption(pk: int) -> Redemption:
    return Redemption.objects.select_for_update().get(pk=pk)


def _enterprise_side(actor: Any, voucher: Voucher) -> None:
    if not can_apply_for(actor, voucher.enterprise_id):
        raise NotFoundError("未找到该核销。", "Redemption not found.", code="not_found")


def redemption_confirm(
    *, redemption: Redemption, actor: User, now: datetime | None = None
) -> Redemption:
    """The enterprise confirms the service was delivered: the held amount becomes payable."""
    now = _now(now)
    with transaction.atomic():
        r = _lock_redemption(redemption.pk)
        v = _lock_voucher(r.voucher_id)
        _enterprise_side(actor, v)
        if r.status == RedemptionStatus.CONFIRMED:
            return r
        if r.status != RedemptionStatus.PENDING:
            raise ConflictError(
                "该核销已被企业拒绝，不能再确认。",
                "This redemption was disputed and cannot be confirmed.",
                code="redemption_closed",
            )
        ledger_capture(
            key=f"redeem-ok:{r.invoice_number}",
            hold=r.hold_id,
            to_account=domain.receivable_account(v.provider.organisation.uscc),
            actor=actor,
        )
        r.status = RedemptionStatus.CONFIRMED
        r.decided_by = actor
        r.decided_at = now
        r.save(update_fields=["status", "decided_by", "decided_at"])
        account = LedgerAccount.objects.get(pk=v.account_id)
        if v.status == VoucherStatus.ACTIVE and account.balance == 0:
            v.status = VoucherStatus.USED_UP
            v.save(update_fields=["status"])
        audit_append(
            actor=actor,
            action="vouchers.redeem_confirm",
            subject_type="voucher",
            subject_id=v.number,
            data={"invoice": r.invoice_number, "amount": str(r.amount)},
        )
    return r


def redemption_dispute(
    *, redemption: Redemption, actor: User, reason: str, now: datetime | None = None
) -> Redemption:
    """The enterprise does not confirm: the hold is released and nothing is paid."""
    now = _now(now)
    reason = _text(reason, "reason", "不予确认的理由", "reason", 2000)
    with transaction.atomic():
        r = _lock_redemption(redemption.pk)
        v = _lock_voucher(r.voucher_id)
        _enterprise_side(actor, v)
        if r.status == RedemptionStatus.DISPUTED:
            return r
        if r.status != RedemptionStatus.PENDING:
            raise ConflictError(
                "该核销已确认，不能再拒绝。",
                "This redemption was confirmed and cannot be disputed.",
                code="redemption_closed",
            )
        ledger_release(key=f"redeem-no:{r.invoice_number}", hold=r.hold_id, actor=actor)
        r.status = RedemptionStatus.DISPUTED
        r.decided_by = actor
        r.decided_at = now
        r.dispute_reason = reason
        r.save(update_fields=["status", "decided_by", "decided_at", "dispute_reason"])
        if v.status == VoucherStatus.EXPIRED:
            # The voucher expired while this invoice waited: what it freed goes back too.
            _return_to_budget(v, key=f"expire-return:{r.invoice_number}", actor=actor)
        audit_append(
            actor=actor,
            action="vouchers.redeem_dispute",
            subject_type="voucher",
            subject_id=v.number,
            data={"invoice": r.invoice_number, "amount": str(r.amount), "reason": reason},
        )
    return r


# --- expiry -------------------------------------------------------------------------------


def _return_to_budget(v: Voucher, *, key: str, actor: Any) -> Decimal:
    posting = ledger_sweep(
        key=key,
        from_account=v.account.code,
        to_account=v.budget.account.code,
        memo=f"到期退回 {v.number} / return of expired {v.number}",
        actor=actor,
    )
    if posting is None:
        return ZERO
    returned = posting.entries.get(account__code=v.budget.account.code).amount
    v.returned_amount += returned
    v.save(update_fields=["returned_amount"])
    return Decimal(returned)


def voucher_expire(*, voucher: Voucher, actor: Any = None, now: datetime | None = None) -> Voucher:
    """After its expiry date the voucher's remainder goes back to its year's budget.

    Invoices still awaiting the enterprise's confirmation keep their hold: they were for
    services within the validity. If one is later disputed, its amount follows.
    """
    now = _now(now)
    today = timezone.localdate(now)
    with transaction.atomic():
        v = _lock_voucher(voucher.pk)
        if v.status == VoucherStatus.EXPIRED:
            return v
        if not domain.is_expired(v.expires_on, today):
            raise ConflictError(
                f"券 {v.number} 的有效期到 {v.expires_on.isoformat()}，尚未到期。",
                f"Voucher {v.number} is valid until {v.expires_on.isoformat()}; it has not expired.",
                field="voucher",
                code="voucher_not_expired",
            )
        returned = _return_to_budget(v, key=f"expire:{v.number}", actor=actor)
        v.status = VoucherStatus.EXPIRED
        v.expired_at = now
        v.save(update_fields=["status", "expired_at"])
        audit_append(
            actor=actor,
            action="vouchers.expire",
            subject_type="voucher",
            subject_id=v.number,
            data={"returned": str(returned), "budget": v.budget.account.code},
        )
    return v


def vouchers_expire_due(*, actor: Any = None, now: datetime | None = None) -> list[Voucher]:
    """Expire every voucher past its date, each in its own transaction."""
    now = _now(now)
    today = timezone.localdate(now)
    due = Voucher.objects.filter(
        status__in=[VoucherStatus.ACTIVE, VoucherStatus.USED_UP], expires_on__lt=today
    ).order_by("expires_on", "id")
    return [voucher_expire(voucher=v, actor=actor, now=now) for v in due]


# --- settlement ---------------------------------------------------------------------------


def settlement_create(
    *,
    provider: Provider,
    period_start: date,
    period_end: date,
    actor: User,
    now: datetime | None = None,
) -> Settlement:
    """A settlement list (结算单): the provider's confirmed, unsettled redemptions in the period."""
    _staff_only(actor)
    now = _now(now)
    if period_start > period_end:
        raise ValidationError(
            "结算期间的开始日期不能晚于结束日期。",
            "The settlement period cannot start after it ends.",
            field="period_end",
            code="period_invalid",
        )
    with transaction.atomic():
        rows = list(
            Redemption.objects.select_for_update()
            .filter(
                provider=provider,
                status=RedemptionStatus.CONFIRMED,
                settlement__isnull=True,
                decided_at__date__gte=period_start,
                decided_at__date__lte=period_end,
            )
            .order_by("decided_at", "id")
        )
        if not rows:
            raise ConflictError(
                "该服务商在此期间没有待结算的已确认核销。",
                "The provider has no confirmed, unsettled redemptions in this period.",
                field="period_start",
                code="nothing_to_settle",
            )
        year = timezone.localtime(now).year
        number = f"VST-{year}-{_next_sequence('VST', year):06d}"
        total = sum((r.amount for r in rows), ZERO)
        settlement = Settlement.objects.create(
            number=number,
            provider=provider,
            period_start=period_start,
            period_end=period_end,
            total=total,
            created_by=actor,
            created_at=now,
        )
        Redemption.objects.filter(pk__in=[r.pk for r in rows]).update(settlement=settlement)
        audit_append(
            actor=actor,
            action="vouchers.settlement_create",
            subject_type="voucher_settlement",
            subject_id=number,
            data={
                "provider": provider.organisation.uscc,
                "period": [period_start, period_end],
                "total": str(total),
                "invoices": [r.invoice_number for r in rows],
            },
        )
    return settlement


def settlement_mark_paid(
    *, settlement: Settlement, reference: str, actor: User, now: datetime | None = None
) -> Settlement:
    """Staff record the payment: the receivable moves to paid, once."""
    _staff_only(actor)
    now = _now(now)
    reference = _text(reference, "reference", "付款凭证号", "payment reference", 100)
    with transaction.atomic():
        s = (
            Settlement.objects.select_for_update()
            .select_related("provider__organisation")
            .get(pk=settlement.pk)
        )
        if s.status == SettlementStatus.PAID:
            if s.paid_reference == reference:
                return s
            raise ConflictError(
                f"结算单 {s.number} 已于付款凭证 {s.paid_reference} 付款。",
                f"Settlement {s.number} was already paid under reference {s.paid_reference}.",
                field="reference",
                code="settlement_paid",
            )
        uscc = s.provider.organisation.uscc
        posting = ledger_post(
            key=f"settle:{s.number}",
            entries=[
                (domain.receivable_account(uscc), -s.total),
                (domain.paid_account(uscc), s.total),
            ],
            memo=f"结算 {s.number} 付款凭证 {reference}"[:500],
            actor=actor,
        )
        s.status = SettlementStatus.PAID
        s.paid_reference = reference
        s.paid_at = now
        s.paid_by = actor
        s.posting = posting
        s.save(update_fields=["status", "paid_reference", "paid_at", "paid_by", "posting"])
        audit_append(
            actor=actor,
            action="vouchers.settlement_paid",
            subject_type="voucher_settlement",
            subject_id=s.number,
            data={"reference": reference, "total": str(s.total)},
        )
    return s
