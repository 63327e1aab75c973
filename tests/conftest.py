"""Shared fixtures: a bureau officer, two banks with an officer each, an enterprise."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from tests.factories import OrganisationFactory, person

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """An instant in Shanghai time: at("2026-09-30 10:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Any:
    # The calendar is cached per process; a test that adds a year must not leak it.
    from rainforest.cases.calendar import invalidate_calendar

    invalidate_calendar()
    yield
    invalidate_calendar()


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Any) -> None:
    settings.ATTACHMENT_ROOT = tmp_path / "attachments"
    # Real hashing is slow by design; tests check who may sign in, not the hash's strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def bureau(db: None) -> Any:
    return OrganisationFactory(name="科技局", kind=OrganisationKind.AGENCY)


@pytest.fixture
def officer(bureau: Any) -> Any:
    return person(Role.PROGRAMME_OFFICER, bureau, username="officer")


@pytest.fixture
def bank_a(db: None) -> Any:
    return OrganisationFactory(name="甲银行", kind=OrganisationKind.BANK)


@pytest.fixture
def bank_b(db: None) -> Any:
    return OrganisationFactory(name="乙银行", kind=OrganisationKind.BANK)


@pytest.fixture
def banker_a(bank_a: Any) -> Any:
    return person(Role.BANK_OFFICER, bank_a, username="banker_a")


@pytest.fixture
def banker_b(bank_b: Any) -> Any:
    return person(Role.BANK_OFFICER, bank_b, username="banker_b")


@pytest.fixture
def firm(db: None) -> Any:
    return OrganisationFactory(name="雨林科技有限公司", kind=OrganisationKind.ENTERPRISE)


def _pledge_maker(firm: Any) -> Any:
    from rainforest.finance.services import pledge_file

    def _file(
        banker: Any,
        bank: Any,
        *,
        now: datetime | None = None,
        amount: str = "1000000.00",
        items: list[tuple[str, str]] | None = None,
    ) -> Any:
        return pledge_file(
            actor=banker,
            bank=bank,
            pledgor_uscc=firm.uscc,
            pledgor_name=firm.name,
            ip_items=items or [("trademark", "12345678")],
            loan_amount=Decimal(amount),
            term_months=12,
            now=now,
        )

    return _file


@pytest.fixture
def file_pledge(firm: Any) -> Any:
    """File a pledge: file_pledge(banker, bank, now=at(...), amount="1000000")."""
    return _pledge_maker(firm)


@pytest.fixture
def new_pledge(firm: Any) -> Any:
    """The same as ``file_pledge``, under a name no folder's conftest overrides."""
    return _pledge_maker(firm)


def sign_in(client: Any, user: Any) -> Any:
    """Sign ``user`` in, second factor passed, as the login pages would."""
    from rainforest.accounts.middleware import SESSION_KEY

    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = True
    session.save()
    return client
