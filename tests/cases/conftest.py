"""Data for the case tests, built through the services (until tests/factories.py exists)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from rainforest.accounts.models import Membership, Organisation, OrganisationKind, User
from rainforest.accounts.roles import Role
from rainforest.cases import calendar as cases_calendar
from rainforest.cases.models import Case
from rainforest.core.ids import make_uscc
from rainforest.finance.services import pledge_file

SHANGHAI = ZoneInfo("Asia/Shanghai")
_serial = itertools.count(1)


def at(text: str) -> datetime:
    """A Shanghai wall-clock time, e.g. at("2026-09-30 10:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    # get_calendar() caches by CalendarYear ids; a rolled-back test can leave the same id
    # behind for different data on SQLite, so each test starts without the cache.
    cases_calendar._cache = None
    yield
    cases_calendar._cache = None


@pytest.fixture
def make_org() -> Callable[..., Organisation]:
    def make(name: str = "", kind: str = OrganisationKind.BANK) -> Organisation:
        n = next(_serial)
        return Organisation.objects.create(
            name=name or f"测试银行{n}", kind=kind, uscc=make_uscc(f"91110000{n:09d}")
        )

    return make


@pytest.fixture
def make_user() -> Callable[..., User]:
    def make(org: Organisation, role: str, email: str = "") -> User:
        n = next(_serial)
        user = User.objects.create_user(username=f"user{n}", password=None, email=email)
        Membership.objects.create(user=user, organisation=org, role=role)
        return user

    return make


@pytest.fixture
def bank(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("城东银行")


@pytest.fixture
def bank_officer(bank: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(bank, Role.BANK_OFFICER)


@pytest.fixture
def bureau(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("市科技局", OrganisationKind.AGENCY)


@pytest.fixture
def programme_officer(bureau: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(bureau, Role.PROGRAMME_OFFICER)


@pytest.fixture
def file_pledge() -> Callable[..., Case]:
    def make(actor: User, bank: Organisation, now: datetime) -> Case:
        pledge = pledge_file(
            actor=actor,
            bank=bank,
            pledgor_uscc=make_uscc("91310000MA1K00001"),
            pledgor_name="雨林科技有限公司",
            ip_items=[("trademark", "12345678")],
            loan_amount=Decimal("1000000.00"),
            term_months=12,
            now=now,
        )
        return Case.objects.get(pk=pledge.case_id)

    return make
