"""vouchers/services.py: budgets, eligibility, issue, redemption, expiry, settlement."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.audit.models import AuditRecord
from rainforest.audit.services import audit_verify
from rainforest.cases.models import Case
from rainforest.core.errors import (
    ConflictError,
    DomainError,
    PermissionDeniedError,
    ValidationError,
)
from rainforest.ledger.models import LedgerAccount, LedgerHold, LedgerPosting
from rainforest.ledger.selectors import account_available, account_balance, verify_ledger
from rainforest.vouchers import domain, services
from rainforest.vouchers.models import (
    ApplicationStatus,
    DishonestListing,
    ProviderStatus,
    Redemption,
    RedemptionStatus,
    Voucher,
    VoucherApplication,
    VoucherStatus,
)
from tests.factories import OrganisationFactory, person
from tests.vouchers.conftest import uscc_in

D = Decimal
pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int, int]:
    return (
        VoucherApplication.objects.count(),
        Voucher.objects.count(),
        Redemption.objects.count(),
        LedgerPosting.objects.count(),
        AuditRecord.objects.count(),
    )


def balance(voucher: Voucher) -> Decimal:
    return account_balance(voucher.account.code)


# --- budgets ------------------------------------------------------------------------------


def test_budget_open_posts_the_parameter_amount(open_budget: Any, this_year: int) -> None:
    budget = open_budget("model")

    assert budget.amount == D("100000000.00")
    assert account_balance(domain.budget_account("model", this_year)) == D("100000000.00")
    assert account_balance(domain.FUNDING_ACCOUNT) == D("-100000000.00")
    assert verify_ledger() == []


def test_budget_open_twice_returns_it_and_other_amount_refused(open_budget: Any) -> None:
    first = open_budget("corpus", "1000")
    postings = LedgerPosting.objects.count()

    again = open_budget("corpus", "1000")
    with pytest.raises(ConflictError) as info:
        open_budget("corpus", "2000")

    assert again.pk == first.pk
    assert info.value.code == "budget_exists"
    assert LedgerPosting.objects.count() == postings


# --- providers ----------------------------------------------------------------------------


def test_provider_register_opens_case_in_review(
    provider_user: Any, provider_org: Any, make_provider: Any
) -> None:
    provider = make_provider(provider_user, provider_org, approve=False)

    assert provider.status == ProviderStatus.PENDING
    assert provider.case.stage == "review"
    assert provider.case.due_at is not None
    assert provider.bank_account == "6225881234567890"


def test_provider_register_by_someone_else_refused(
    applicant: Any, provider_org: Any, make_provider: Any
) -> None:
    with pytest.raises(PermissionDeniedError):
        make_provider(applicant, provider_org, approve=False)

    assert Case.objects.count() == 0


def test_provider_approve_opens_receivable_accounts(provider: Any) -> None:
    uscc = provider.organisation.uscc

    assert provider.status == ProviderStatus.APPROVED
    assert provider.case.stage == "approved"
    assert set(
        LedgerAccount.objects.filter(code__contains=uscc).values_list("code", flat=True)
    ) == {
        domain.receivable_account(uscc),
        domain.paid_account(uscc),
    }


def test_provider_suspended_cannot_be_chosen_or_redeem(
    provider: Any,
    officer: Any,
    applicant: Any,
    enterprise: Any,
    open_budget: Any,
    issue: Any,
    redeem: Any,
    apply: Any,
) -> None:
    open_budget("compute", "5000")
    voucher = issue(applicant, enterprise, provider, "1000")

    services.provider_suspend(provider=provider, actor=officer, reason="价格清单与实际收费不符")
    with pytest.raises(ConflictError) as applying:
        apply(applicant, enterprise, provider, "100")
    with pytest.raises(ConflictError) as redeeming:
        redeem(voucher, amount="100")

    assert (applying.value.code, redeeming.value.code) == (
        "provider_not_approved",
        "provider_not_approved",
    )


def test_provider_suspend_only_by_staff(provider: Any, provider_user: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.provider_suspend(provider=provider, actor=provider_user, reason="x")


# --- applications and eligibility ---------------------------------------------------------


def test_application_submit_stores_eligibility_decision(
    open_budget: Any, provider: Any, applicant: Any, enterprise: Any, apply: Any
) -> None:
    open_budget("compute")

    application = apply(applicant, enterprise, provider, "1000000")

    assert application.eligible is True
    assert application.eligibility["outcome"] == "eligible"
    assert application.case.stage == "review"
    assert application.case.decision["outcome"] == "eligible"
    assert application.eligibility["citations"][0]["article"] == "二（一）三是"


@pytest.mark.parametrize(
    ("already", "amount", "ok"),
    [("9000000", "1000000.00", True), ("9000000", "1000000.01", False)],
)
def test_application_cap_counts_vouchers_issued_this_year(
    open_budget: Any,
    provider: Any,
    applicant: Any,
    enterprise: Any,
    apply: Any,
    issue: Any,
    already: str,
    amount: str,
    ok: bool,
) -> None:
    open_budget("compute")
    issue(applicant, enterprise, provider, already)
    before = counts()

    if ok:
        apply(applicant, enterprise, provider, amount)
        assert counts()[0] == before[0] + 1
    else:
        with pytest.raises(ValidationError) as info:
            apply(applicant, enterprise, provider, amount)
        assert (info.value.code, info.value.field) == ("not_eligible", "amount")
        assert counts() == before


@pytest.mark.parametrize(("percent", "ok"), [("25", True), ("25.01", False)])
def test_application_related_by_shared_shareholder(
    open_budget: Any,
    make_provider: Any,
    provider_user: Any,
    provider_org: Any,
    applicant: Any,
    enterprise: Any,
    apply: Any,
    percent: str,
    ok: bool,
) -> None:
    open_budget("compute")
    provider = make_provider(provider_user, provider_org, holders=[("共同投资有限公司", percent)])
    holders = [("张三", "90"), ("共同投资有限公司", "10")]

    if ok:
        assert apply(applicant, enterprise, provider, "1000", holders=holders).eligible is True
    else:
        with pytest.raises(ValidationError) as info:
            apply(applicant, enterprise, provider, "1000", holders=holders)
        assert (info.value.code, info.value.field) == ("not_eligible", "provider")
        assert "共同投资有限公司" in info.value.message_zh


def test_application_related_by_legal_representative_refused(
    open_budget: Any, provider: Any, applicant: Any, enterprise: Any, apply: Any
) -> None:
    open_budget("compute")

    with pytest.raises(ValidationError) as info:
        apply(applicant, enterprise, provider, "1000", legal_rep=provider.legal_representative)

    assert info.value.field == "provider"


@pytest.mark.parametrize(("division", "ok"), [("440305", True), ("440105", False)])
def test_application_registered_in_city(
    open_budget: Any, provider: Any, apply: Any, division: str, ok: bool
) -> None:
    open_budget("compute")
    org = OrganisationFactory(uscc=uscc_in(division, 555))
    user = person(Role.APPLICANT, org)

    if ok:
        assert apply(user, org, provider, "1000").eligible is True
    else:
        with pytest.raises(ValidationError) as info:
            apply(user, org, provider, "1000")
        assert (info.value.code, info.value.field) == ("not_eligible", "enterprise")


@pytest.mark.parametrize(
    ("listed_days_ago", "removed_days_ago", "ok"),
    [(None, None, True), (10, None, False), (10, 1, True), (-1, None, True)],
)
def test_application_dishonest_list(
    open_budget: Any,
    provider: Any,
    applicant: Any,
    enterprise: Any,
    apply: Any,
    listed_days_ago: int | None,
    removed_days_ago: int | None,
    ok: bool,
) -> None:
    open_budget("compute")
    today = timezone.localdate()
    if listed_days_ago is not None:
        DishonestListing.objects.create(
            uscc=enterprise.uscc,
            name=enterprise.name,
            listed_on=today - timedelta(days=listed_days_ago),
            removed_on=None
            if removed_days_ago is None
            else today - timedelta(days=removed_days_ago),
        )

    if ok:
        assert apply(applicant, enterprise, provider, "1000").eligible is True
    else:
        with pytest.raises(ValidationError) as info:
            apply(applicant, enterprise, provider, "1000")
        assert "失信被执行人" in info.value.message_zh


def test_application_by_another_enterprise_refused(
    open_budget: Any, provider: Any, enterprise: Any, apply: Any
) -> None:
    open_budget("compute")
    stranger = person(Role.APPLICANT)

    with pytest.raises(PermissionDeniedError):
        apply(stranger, enterprise, provider, "1000")


def test_application_without_budget_refused(
    provider: Any, applicant: Any, enterprise: Any, apply: Any
) -> None:
    with pytest.raises(ValidationError) as info:
        apply(applicant, enterprise, provider, "1000")

    assert (info.value.code, info.value.field) == ("budget_missing", "year")


def test_application_provider_not_serving_type_refused(
    open_budget: Any, make_provider: Any, applicant: Any, enterprise: Any, apply: Any
) -> None:
    open_budget("corpus")
    org = OrganisationFactory(kind=OrganisationKind.PROVIDER)
    compute_only = make_provider(person(Role.PROVIDER, org), org, types=("compute",))

    with pytest.raises(ValidationError) as info:
        apply(applicant, enterprise, compute_only, "1000", voucher_type="corpus")

    assert info.value.code == "provider_type_mismatch"


# --- issue --------------------------------------------------------------------------------


def test_approve_issues_voucher_from_budget(
    open_budget: Any, provider: Any, applicant: Any, enterprise: Any, issue: Any, this_year: int
) -> None:
    open_budget("compute", "5000")

    voucher = issue(applicant, enterprise, provider, "1000")

    assert voucher.number == f"XLQ-{this_year}-000001"
    assert balance(voucher) == D("1000.00")
    assert account_balance(domain.budget_account("compute", this_year)) == D("4000.00")
    assert voucher.expires_on == timezone.localdate() + timedelta(days=365)
    assert voucher.application.status == ApplicationStatus.ISSUED
    assert voucher.application.case.stage == "issued"
    assert verify_ledger() == []
    assert audit_verify() is None


def test_approve_beyond_budget_refused_with_remaining_amount(
    open_budget: Any,
    provider: Any,
    applicant: Any,
    enterprise: Any,
    apply: Any,
    issue: Any,
    officer: Any,
) -> None:
    open_budget("compute", "1500")
    issue(applicant, enterprise, provider, "1000")
    application = apply(applicant, enterprise, provider, "500.01")
    before = counts()

    with pytest.raises(ConflictError) as info:
        services.application_approve(application=application, actor=officer)

    assert info.value.code == "budget_insufficient"
    assert info.value.message_zh == (
        f"{timezone.localdate().year}年训力券预算余额为 500.00元，不足以发放面额 500.01元 的券。"
    )
    assert counts() == before
    application.refresh_from_db()
    assert (application.status, application.case.stage) == ("review", "review")


def test_approve_exactly_the_remaining_budget(
    open_budget: Any, provider: Any, applicant: Any, enterprise: Any, issue: Any, this_year: int
) -> None:
    open_budget("compute", "1500")
    issue(applicant, enterprise, provider, "1000")

    issue(applicant, enterprise, provider, "500")

    assert account_available(domain.budget_account("compute", this_year)) == D("0.00")


def test_approve_rechecks_cap_against_vouchers_issued_since(
    open_budget: Any, provider: Any, applicant: Any, enterprise: Any, apply: Any, officer: Any
) -> None:
    open_budget("model")
    first = apply(applicant, enterprise, provider, "1500000", voucher_type="model")
    second = apply(applicant, enterprise, provider, "500000.01", voucher_type="model")
    services.application_approve(application=first, actor=officer)

    with pytest.raises(ValidationError) as info:
        services.application_approve(application=second, actor=officer)

    assert info.value.code == "no_longer_eligible"


def test_approve_twice_refused(
    open_budget: Any, provider: Any, applicant: Any, enterprise: Any, apply: Any, officer: Any
) -> None:
    open_budget("compute")
    application = apply(applicant, enterprise, provider, "100")
    services.application_approve(application=application, actor=officer)

    with pytest.raises(DomainError) as info:
        services.application_approve(application=application, actor=officer)

    assert info.value.code == "case_closed"
    assert Voucher.objects.count() == 1


def test_approve_by_applicant_refused(
    open_budget: Any, provider: Any, applicant: Any, enterprise: Any, apply: Any
) -> None:
    open_budget("compute")
    application = apply(applicant, enterprise, provider, "100")

    with pytest.raises(PermissionDeniedError):
        services.application_approve(application=application, actor=applicant)


def test_reject_through_handler_closes_application(
    open_budget: Any, provider: Any, applicant: Any, enterprise: Any, apply: Any, officer: Any
) -> None:
    open_budget("compute")
    application = apply(applicant, enterprise, provider, "100")

    services.application_act(
        case=application.case, action="reject", actor=officer, reason="用途不清"
    )

    application.refresh_from_db()
    assert (application.status, application.case.stage) == ("rejected", "rejected")
    assert Voucher.objects.count() == 0


# --- redemption ---------------------------------------------------------------------------


@pytest.fixture
def voucher(
    open_budget: Any, provider: Any, applicant: Any, enterprise: Any, issue: Any
) -> Voucher:
    open_budget("compute", "5000")
    return issue(applicant, enterprise, provider, "1000")  # type: ignore[no-any-return]


def test_redeem_holds_subsidised_share_until_confirmed(
    voucher: Voucher, redeem: Any, applicant: Any
) -> None:
    r = redeem(voucher, amount="600")

    assert (r.subsidy, r.amount, r.status) == (D("300.00"), D("300.00"), "pending")
    assert (balance(voucher), account_available(voucher.account.code)) == (
        D("1000.00"),
        D("700.00"),
    )

    services.redemption_confirm(redemption=r, actor=applicant)

    uscc = voucher.provider.organisation.uscc
    assert balance(voucher) == D("700.00")
    assert account_balance(domain.receivable_account(uscc)) == D("300.00")
    assert verify_ledger() == []


def test_redeem_partial_until_used_up(voucher: Voucher, redeem: Any, applicant: Any) -> None:
    paid = []
    for amount in ("600", "800", "2000"):
        r = redeem(voucher, amount=amount)
        services.redemption_confirm(redemption=r, actor=applicant)
        paid.append(r.amount)

    with pytest.raises(ConflictError) as info:
        redeem(voucher, amount="100")

    assert paid == [D("300.00"), D("400.00"), D("300.00")]  # the last capped by what was left
    assert info.value.code == "voucher_used_up"
    voucher.refresh_from_db()
    assert (voucher.status, balance(voucher)) == (VoucherStatus.USED_UP, D("0.00"))


def test_redeem_pending_holds_count_against_remaining(voucher: Voucher, redeem: Any) -> None:
    redeem(voucher, amount="1800")  # holds 900

    second = redeem(voucher, amount="1000")  # 500 asked, 100 left

    assert second.amount == D("100.00")
    with pytest.raises(ConflictError):
        redeem(voucher, amount="10")


def test_redeem_retry_returns_first_and_pays_once(voucher: Voucher, redeem: Any) -> None:
    first = redeem(voucher, "25442000000000000001", "600")
    before = counts()

    again = redeem(voucher, "2544 2000 0000 0000 0001", "600")

    assert again.pk == first.pk
    assert counts() == before
    assert account_available(voucher.account.code) == D("700.00")


def test_redeem_same_invoice_other_amount_refused(voucher: Voucher, redeem: Any) -> None:
    redeem(voucher, "25442000000000000001", "600")
    before = counts()

    with pytest.raises(ConflictError) as info:
        redeem(voucher, "25442000000000000001", "601")

    assert (info.value.code, info.value.field) == ("invoice_already_redeemed", "invoice_number")
    assert counts() == before


def test_redeem_same_invoice_by_another_provider_refused(
    voucher: Voucher, redeem: Any, make_provider: Any, issue: Any, applicant: Any, enterprise: Any
) -> None:
    org = OrganisationFactory(kind=OrganisationKind.PROVIDER, uscc=uscc_in("440300", 902))
    other_user = person(Role.PROVIDER, org)
    other = make_provider(other_user, org, legal_rep="赵六")
    other_voucher = issue(applicant, enterprise, other, "1000")
    redeem(voucher, "25442000000000000001", "600")
    before = counts()

    with pytest.raises(ConflictError) as info:
        redeem(other_voucher, "25442000000000000001", "600", user=other_user)

    assert info.value.code == "invoice_already_redeemed"
    assert counts() == before
    assert account_available(other_voucher.account.code) == D("1000.00")


def test_redeem_invoice_of_disputed_redemption_stays_used(
    voucher: Voucher, redeem: Any, applicant: Any
) -> None:
    r = redeem(voucher, "25442000000000000001", "600")
    services.redemption_dispute(redemption=r, actor=applicant, reason="服务未提供")

    with pytest.raises(ConflictError) as info:
        redeem(voucher, "25442000000000000001", "601")

    assert info.value.code == "invoice_already_redeemed"
    assert account_available(voucher.account.code) == D("1000.00")


def test_redeem_by_another_provider_not_found(voucher: Voucher, redeem: Any) -> None:
    stranger = person(Role.PROVIDER, OrganisationFactory(kind=OrganisationKind.PROVIDER))

    with pytest.raises(DomainError) as info:
        redeem(voucher, amount="100", user=stranger)

    assert (info.value.http_status, info.value.code) == (404, "not_found")
    assert Redemption.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"invoice_date": "tomorrow"}, "invoice_date_future"),
        ({"period_start": "tomorrow"}, "period_invalid"),
        ({"period_start": "last_year"}, "outside_validity"),
    ],
)
def test_redeem_dates_checked(
    voucher: Voucher, redeem: Any, change: dict[str, str], code: str
) -> None:
    today = timezone.localdate()
    days = {"tomorrow": today + timedelta(days=1), "last_year": today - timedelta(days=400)}

    with pytest.raises(ValidationError) as info:
        redeem(voucher, amount="100", **{k: days[v] for k, v in change.items()})

    assert info.value.code == code


def test_confirm_by_another_enterprise_not_found(voucher: Voucher, redeem: Any) -> None:
    r = redeem(voucher, amount="100")
    stranger = person(Role.APPLICANT)

    with pytest.raises(DomainError) as info:
        services.redemption_confirm(redemption=r, actor=stranger)

    assert info.value.http_status == 404
    r.refresh_from_db()
    assert r.status == RedemptionStatus.PENDING


def test_confirm_twice_is_a_retry_and_dispute_after_confirm_refused(
    voucher: Voucher, redeem: Any, applicant: Any
) -> None:
    r = redeem(voucher, amount="100")
    services.redemption_confirm(redemption=r, actor=applicant)
    before = counts()

    services.redemption_confirm(redemption=r, actor=applicant)
    with pytest.raises(ConflictError) as info:
        services.redemption_dispute(redemption=r, actor=applicant, reason="x")

    assert counts() == before
    assert info.value.code == "redemption_closed"


def test_redeem_flags_round_number_invoice(voucher: Voucher, redeem: Any) -> None:
    r = redeem(voucher, amount="20000")

    assert [f["code"] for f in r.flags] == ["round_number"]


# --- expiry -------------------------------------------------------------------------------


def _after_expiry(voucher: Voucher) -> Any:
    return timezone.now() + timedelta(days=(voucher.expires_on - timezone.localdate()).days + 1)


def test_expire_returns_remainder_to_budget(
    voucher: Voucher, redeem: Any, applicant: Any, this_year: int
) -> None:
    r = redeem(voucher, amount="600")
    services.redemption_confirm(redemption=r, actor=applicant)

    expired = services.voucher_expire(voucher=voucher, now=_after_expiry(voucher))

    assert (expired.status, expired.returned_amount) == (VoucherStatus.EXPIRED, D("700.00"))
    assert balance(voucher) == D("0.00")
    assert account_balance(domain.budget_account("compute", this_year)) == D("4700.00")
    assert verify_ledger() == []


def test_expire_before_date_refused(voucher: Voucher) -> None:
    on_last_day = timezone.now() + timedelta(days=(voucher.expires_on - timezone.localdate()).days)

    with pytest.raises(ConflictError) as info:
        services.voucher_expire(voucher=voucher, now=on_last_day)

    assert info.value.code == "voucher_not_expired"


def test_expire_twice_returns_once(voucher: Voucher, this_year: int) -> None:
    later = _after_expiry(voucher)
    services.voucher_expire(voucher=voucher, now=later)

    services.voucher_expire(voucher=voucher, now=later)

    assert account_balance(domain.budget_account("compute", this_year)) == D("5000.00")


def test_expire_keeps_pending_invoice_and_returns_it_if_disputed(
    voucher: Voucher, redeem: Any, applicant: Any, this_year: int
) -> None:
    pending = redeem(voucher, amount="600")
    later = _after_expiry(voucher)

    services.voucher_expire(voucher=voucher, now=later)
    assert (balance(voucher), account_available(voucher.account.code)) == (D("300.00"), D("0.00"))
    services.redemption_dispute(redemption=pending, actor=applicant, reason="未提供服务")

    voucher.refresh_from_db()
    assert balance(voucher) == D("0.00")
    assert voucher.returned_amount == D("1000.00")
    assert account_balance(domain.budget_account("compute", this_year)) == D("5000.00")
    assert verify_ledger() == []


def test_redeem_after_expiry_refused(voucher: Voucher, redeem: Any) -> None:
    services.voucher_expire(voucher=voucher, now=_after_expiry(voucher))

    with pytest.raises(ConflictError) as info:
        redeem(voucher, amount="100")

    assert info.value.code == "voucher_expired"


def test_expire_due_expires_only_past_vouchers(
    voucher: Voucher, open_budget: Any, issue: Any, applicant: Any, enterprise: Any, provider: Any
) -> None:
    later = _after_expiry(voucher)

    done = services.vouchers_expire_due(now=later)

    assert [v.number for v in done] == [voucher.number]


# --- settlement ---------------------------------------------------------------------------


def test_settlement_lists_confirmed_and_moves_receivable_to_paid(
    voucher: Voucher, redeem: Any, applicant: Any, officer: Any, provider: Any
) -> None:
    confirmed = [redeem(voucher, amount=a) for a in ("600", "400")]
    for r in confirmed:
        services.redemption_confirm(redemption=r, actor=applicant)
    redeem(voucher, amount="100")  # pending: not settled
    today = timezone.localdate()

    s = services.settlement_create(
        provider=provider, period_start=today, period_end=today, actor=officer
    )
    services.settlement_mark_paid(settlement=s, reference="GK-2026-0001", actor=officer)

    uscc = provider.organisation.uscc
    assert s.total == D("500.00")
    assert sorted(s.redemptions.values_list("invoice_number", flat=True)) == sorted(
        r.invoice_number for r in confirmed
    )
    assert account_balance(domain.receivable_account(uscc)) == D("0.00")
    assert account_balance(domain.paid_account(uscc)) == D("500.00")
    with pytest.raises(ConflictError) as nothing:
        services.settlement_create(
            provider=provider, period_start=today, period_end=today, actor=officer
        )
    assert nothing.value.code == "nothing_to_settle"
    assert verify_ledger() == []


def test_settlement_paid_twice_same_reference_is_retry_other_refused(
    voucher: Voucher, redeem: Any, applicant: Any, officer: Any, provider: Any
) -> None:
    services.redemption_confirm(redemption=redeem(voucher, amount="600"), actor=applicant)
    today = timezone.localdate()
    s = services.settlement_create(
        provider=provider, period_start=today, period_end=today, actor=officer
    )
    services.settlement_mark_paid(settlement=s, reference="GK-1", actor=officer)
    postings = LedgerPosting.objects.count()

    services.settlement_mark_paid(settlement=s, reference="GK-1", actor=officer)
    with pytest.raises(ConflictError) as info:
        services.settlement_mark_paid(settlement=s, reference="GK-2", actor=officer)

    assert info.value.code == "settlement_paid"
    assert LedgerPosting.objects.count() == postings


def test_settlement_by_provider_refused(
    voucher: Voucher, provider: Any, provider_user: Any
) -> None:
    today = timezone.localdate()

    with pytest.raises(PermissionDeniedError):
        services.settlement_create(
            provider=provider, period_start=today, period_end=today, actor=provider_user
        )


# --- the invariant, over random sequences -------------------------------------------------

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("issue"), st.integers(1, 30_00)),
        st.tuples(st.just("redeem"), st.integers(0, 5), st.integers(1, 2_000_00)),
        st.tuples(st.just("retry"), st.integers(0, 9)),
        st.tuples(st.just("confirm"), st.integers(0, 9)),
        st.tuples(st.just("dispute"), st.integers(0, 9)),
        st.tuples(st.just("expire"), st.integers(0, 5)),
        st.tuples(
            st.just("settle"),
        ),
    ),
    max_size=14,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS)
def test_any_sequence_keeps_accounts_consistent_and_budget_conserved(
    ops: list[tuple[Any, ...]],
    open_budget: Any,
    provider: Any,
    applicant: Any,
    enterprise: Any,
    apply: Any,
    officer: Any,
    redeem: Any,
    this_year: int,
) -> None:
    from django.db import transaction

    with transaction.atomic():
        budget = open_budget("compute", "5000")
        vouchers: list[Voucher] = []
        redemptions: list[Redemption] = []
        refusals: list[int] = []
        today = timezone.localdate()
        for op in ops:
            try:
                if op[0] == "issue":
                    app = apply(applicant, enterprise, provider, str(D(op[1]) / 100))
                    vouchers.append(services.application_approve(application=app, actor=officer))
                elif op[0] == "redeem" and vouchers:
                    v = vouchers[op[1] % len(vouchers)]
                    redemptions.append(redeem(v, amount=str(D(op[2]) / 100)))
                elif op[0] == "retry" and redemptions:
                    r = redemptions[op[1] % len(redemptions)]
                    again = redeem(r.voucher, r.invoice_number, str(r.invoice_amount))
                    assert again.pk == r.pk
                elif op[0] == "confirm" and redemptions:
                    services.redemption_confirm(
                        redemption=redemptions[op[1] % len(redemptions)], actor=applicant
                    )
                elif op[0] == "dispute" and redemptions:
                    services.redemption_dispute(
                        redemption=redemptions[op[1] % len(redemptions)],
                        actor=applicant,
                        reason="不认可",
                    )
                elif op[0] == "expire" and vouchers:
                    v = vouchers[op[1] % len(vouchers)]
                    services.voucher_expire(voucher=v, now=_after_expiry(v))
                elif op[0] == "settle":
                    s = services.settlement_create(
                        provider=provider, period_start=today, period_end=today, actor=officer
                    )
                    services.settlement_mark_paid(
                        settlement=s, reference=f"GK-{s.pk}", actor=officer
                    )
            except DomainError as exc:
                refusals.append(exc.http_status)

        assert set(refusals) <= {409, 422}  # refusals are answers, never errors
        assert verify_ledger() == []
        remaining = account_balance(budget.account.code)
        outstanding = sum((balance(v) for v in Voucher.objects.all()), D("0.00"))
        redeemed = sum(
            (r.amount for r in Redemption.objects.filter(status=RedemptionStatus.CONFIRMED)),
            D("0.00"),
        )
        uscc = provider.organisation.uscc
        assert remaining + outstanding + redeemed == D("5000.00")
        assert (
            account_balance(domain.receivable_account(uscc))
            + account_balance(domain.paid_account(uscc))
            == redeemed
        )
        for v in Voucher.objects.all():
            mine = Redemption.objects.filter(voucher=v)
            confirmed = sum((r.amount for r in mine.filter(status="confirmed")), D("0.00"))
            pending = sum((r.amount for r in mine.filter(status="pending")), D("0.00"))
            assert balance(v) == v.face_value - confirmed - v.returned_amount
            assert LedgerAccount.objects.get(pk=v.account_id).held == pending
            assert balance(v) >= pending
        assert (
            LedgerHold.objects.filter(status="open").count()
            == Redemption.objects.filter(status="pending").count()
        )
        transaction.set_rollback(True)
