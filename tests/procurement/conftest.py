"""Procurement fixtures: two agencies with a procurement officer each, and a project maker."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.procurement import services
from tests.factories import OrganisationFactory, person


@pytest.fixture
def agency_a(db: None) -> Any:
    return OrganisationFactory(name="甲区机关事务管理局", kind=OrganisationKind.AGENCY)


@pytest.fixture
def agency_b(db: None) -> Any:
    return OrganisationFactory(name="乙区机关事务管理局", kind=OrganisationKind.AGENCY)


@pytest.fixture
def buyer_a(agency_a: Any) -> Any:
    return person(Role.PROCUREMENT_OFFICER, agency_a, username="buyer_a")


@pytest.fixture
def buyer_b(agency_b: Any) -> Any:
    return person(Role.PROCUREMENT_OFFICER, agency_b, username="buyer_b")


def item(
    declared: str = "small",
    *,
    employees: int = 50,
    revenue: str = "10000000",
    industry: str = "industry",
    name: str = "服务器",
) -> services.ItemIn:
    """A declaration line; the defaults (50 people, 1000万元, industry) compute to small."""
    return services.ItemIn(
        item_name=name,
        manufacturer=f"{name}制造有限公司",
        industry=industry,
        employees=employees,
        revenue=Decimal(revenue),
        assets=None,
        declared_size=declared,
    )


@pytest.fixture
def make_project(agency_a: Any, buyer_a: Any) -> Any:
    """make_project(reference="P-1", budget="5000000", lots=[...]) for agency A."""

    def _make(**kw: Any) -> Any:
        args: dict[str, Any] = {
            "actor": buyer_a,
            "agency": agency_a,
            "reference": "P-1",
            "title": "服务器采购",
            "category": "goods",
            "budget": Decimal("1500000.00"),
            "suitable_for_sme": True,
            "exception": None,
            "lots": [],
            "small_micro_rate": Decimal("0.10"),
            "consortium_rate": Decimal("0.04"),
        }
        args.update(kw)
        return services.project_create(**args)

    return _make


@pytest.fixture
def make_bid(buyer_a: Any) -> Any:
    """make_bid(lot, n, price="1000000", items=[item("small")], share=None)."""

    def _make(
        lot: Any, n: int, price: str = "1000000", items: Any = None, share: Any = None
    ) -> Any:
        from rainforest.core.ids import make_uscc

        return services.bid_record(
            actor=buyer_a,
            lot=lot,
            supplier_name=f"投标人{n}有限公司",
            supplier_uscc=make_uscc(f"91440300MA5BDD{n:03d}"),
            price=Decimal(price),
            small_micro_share=None if share is None else Decimal(share),
            items=items or [item("small")],
        )

    return _make
