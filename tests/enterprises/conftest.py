"""Fixtures of the enterprise registry: enterprises, their people, a staff officer."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from openpyxl import Workbook

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.core.ids import make_uscc
from rainforest.enterprises.importer import COLUMNS
from tests.factories import OrganisationFactory, person

HEADERS = [c.header for c in COLUMNS]


def registry_uscc(n: int) -> str:
    return make_uscc(f"91440300MA5TET{n:03d}")


def xlsx(rows: list[list[Any]], headers: list[str] | None = None) -> io.BytesIO:
    """A workbook with the header row and ``rows``, as a file to upload."""
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(headers or HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "registry.xlsx"
    return out


def row(n: int, **change: Any) -> list[Any]:
    """One good spreadsheet row for enterprise ``n`` with an HNTE certificate."""
    values = {
        "uscc": registry_uscc(n),
        "name": f"测试企业{n}有限公司",
        "industry": "制造业",
        "size": "小型",
        "district": "南山区",
        "founded_on": date(2015, 3, 1),
        "tier": "国家高新技术企业",
        "certificate_number": f"GR202444030{n:04d}",
        "awarded_on": date(2024, 12, 1),
        "valid_until": date(2027, 11, 30),
    }
    values.update(change)
    return [values[c.key] for c in COLUMNS]


@pytest.fixture
def make_enterprise(db: None) -> Any:
    """make_enterprise(n, tiers=[("hnte", "GR..", date, date|None)], **fields)."""
    from django.utils import timezone

    from rainforest.enterprises.models import Enterprise, TierHolding

    def make(
        n: int, tiers: list[tuple[str, str, date, date | None]] | None = None, **kw: Any
    ) -> Any:
        now = timezone.now()
        fields = {
            "uscc": registry_uscc(n),
            "name": f"测试企业{n}有限公司",
            "industry": "manufacturing",
            "size": "small",
            "district": "nanshan",
            "founded_on": date(2015, 3, 1),
            "created_at": now,
            "updated_at": now,
            **kw,
        }
        enterprise = Enterprise.objects.create(**fields)
        for tier, number, awarded, until in tiers or []:
            TierHolding.objects.create(
                enterprise=enterprise,
                tier=tier,
                certificate_number=number,
                awarded_on=awarded,
                valid_until=until,
            )
        return enterprise

    return make


@pytest.fixture
def firm_a_org(db: None) -> Any:
    return OrganisationFactory(
        name="甲企业有限公司", kind=OrganisationKind.ENTERPRISE, uscc=registry_uscc(901)
    )


@pytest.fixture
def firm_b_org(db: None) -> Any:
    return OrganisationFactory(
        name="乙企业有限公司", kind=OrganisationKind.ENTERPRISE, uscc=registry_uscc(902)
    )


@pytest.fixture
def firm_a_user(firm_a_org: Any) -> Any:
    return person(Role.APPLICANT, firm_a_org, username="firm_a_user")


@pytest.fixture
def firm_b_user(firm_b_org: Any) -> Any:
    return person(Role.APPLICANT, firm_b_org, username="firm_b_user")


@pytest.fixture
def firm_a(make_enterprise: Any, firm_a_org: Any) -> Any:
    return make_enterprise(
        901,
        name="甲企业有限公司",
        organisation=firm_a_org,
        tiers=[("sme_specialised", "ZJTX-A-0001", date(2024, 7, 1), date(2099, 6, 30))],
    )


@pytest.fixture
def firm_b(make_enterprise: Any, firm_b_org: Any) -> Any:
    return make_enterprise(
        902,
        name="乙企业有限公司",
        organisation=firm_b_org,
        tiers=[("hnte", "GR-SECRET-0002", date(2024, 12, 1), date(2099, 11, 30))],
    )
