"""Voucher fixtures: budgets, an approved provider with its person, an enterprise applicant."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.core.ids import make_uscc
from rainforest.vouchers import services
from tests.factories import OrganisationFactory, person

D = Decimal


def uscc_in(division: str, n: int) -> str:
    """A valid credit code registered in ``division`` (6 digits), the n-th of its kind."""
    return make_uscc(f"91{division}{n:09d}")


@pytest.fixture
def this_year() -> int:
    return timezone.localdate().year


@pytest.fixture
def open_budget(officer: Any, this_year: int) -> Callable[..., Any]:
    """open_budget("compute", "1000") opens this year's budget of that kind and amount."""

    def _open(
        voucher_type: str = "compute", amount: str | None = None, year: int | None = None
    ) -> Any:
        return services.budget_open(
            voucher_type=voucher_type,
            year=year or this_year,
            amount=D(amount) if amount is not None else None,
            actor=officer,
        )

    return _open


@pytest.fixture
def provider_org(db: None) -> Any:
    return OrganisationFactory(
        name="鹏城算力服务有限公司", kind=OrganisationKind.PROVIDER, uscc=uscc_in("440300", 901)
    )


@pytest.fixture
def provider_user(provider_org: Any) -> Any:
    return person(Role.PROVIDER, provider_org, username="provider_x")


@pytest.fixture
def make_provider(officer: Any) -> Callable[..., Any]:
    """make_provider(user, org, approve=True, legal_rep="王五", holders=[...])."""

    def _make(
        user: Any,
        org: Any,
        *,
        approve: bool = True,
        legal_rep: str = "王五",
        holders: list[tuple[str, str]] | None = None,
        types: tuple[str, ...] = ("compute", "model", "corpus"),
    ) -> Any:
        provider = services.provider_register(
            actor=user,
            organisation=org,
            voucher_types=list(types),
            legal_representative=legal_rep,
            shareholders=holders if holders is not None else [("深圳市算力投资有限公司", "60")],
            services="GPU 训练与推理算力",
            price_list="A800 每卡时 8 元",
            bank_name="招商银行深圳分行",
            bank_account="6225 8812 3456 7890",
        )
        if approve:
            provider = services.provider_approve(provider=provider, actor=officer)
        return provider

    return _make


@pytest.fixture
def provider(make_provider: Any, provider_user: Any, provider_org: Any) -> Any:
    return make_provider(provider_user, provider_org)


@pytest.fixture
def enterprise(db: None) -> Any:
    return OrganisationFactory(name="前海智能科技有限公司", uscc=uscc_in("440300", 101))


@pytest.fixture
def applicant(enterprise: Any) -> Any:
    return person(Role.APPLICANT, enterprise, username="applicant_a")


@pytest.fixture
def apply(this_year: int) -> Callable[..., Any]:
    """apply(user, enterprise, provider, amount="1000", voucher_type="compute", ...)."""

    def _apply(
        user: Any,
        org: Any,
        provider: Any,
        amount: str = "1000",
        *,
        voucher_type: str = "compute",
        legal_rep: str = "张三",
        holders: list[tuple[str, str]] | None = None,
        now: Any = None,
    ) -> Any:
        return services.application_submit(
            actor=user,
            enterprise=org,
            provider=provider,
            voucher_type=voucher_type,
            year=this_year,
            amount=D(amount),
            planned_use="训练行业大模型",
            contract_reference="HT-2026-001",
            legal_representative=legal_rep,
            shareholders=holders if holders is not None else [("张三", "70"), ("李四", "30")],
            now=now,
        )

    return _apply


@pytest.fixture
def issue(apply: Any, officer: Any) -> Callable[..., Any]:
    """issue(user, enterprise, provider, amount) applies and approves: the voucher."""

    def _issue(user: Any, org: Any, provider: Any, amount: str = "1000", **kw: Any) -> Any:
        application = apply(user, org, provider, amount, **kw)
        return services.application_approve(application=application, actor=officer)

    return _issue


@pytest.fixture
def redeem(provider_user: Any) -> Callable[..., Any]:
    """redeem(voucher, invoice_number, invoice_amount, user=provider_user)."""
    counter = iter(range(10**6))

    def _redeem(
        voucher: Any, invoice: str | None = None, amount: str = "100", user: Any = None, **kw: Any
    ) -> Any:
        today = timezone.localdate()
        return services.redemption_submit(
            actor=user or provider_user,
            voucher=voucher,
            invoice_number=invoice or f"2544200000{next(counter):010d}",
            invoice_amount=D(amount),
            invoice_date=kw.pop("invoice_date", today),
            period_start=kw.pop("period_start", today),
            period_end=kw.pop("period_end", today),
            usage_evidence="A800 训练 120 卡时",
            **kw,
        )

    return _redeem
