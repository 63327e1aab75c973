"""Fixtures for enforcement collaboration: police legal officers and requests at each level."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.core.ids import make_resident_id
from tests.factories import OrganisationFactory, person

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def resident_id(n: int = 1) -> str:
    """A valid resident ID number (Shenzhen Futian, born 1985-06-15), different per n."""
    return make_resident_id(f"44030419850615{n:03d}")


@pytest.fixture
def police_org(db: None) -> Any:
    return OrganisationFactory(name="深圳市公安局法制支队", kind=OrganisationKind.AGENCY)


@pytest.fixture
def police(police_org: Any) -> Any:
    return person(Role.POLICE_LEGAL_OFFICER, police_org, username="police")


@pytest.fixture
def police_b(police_org: Any) -> Any:
    return person(Role.POLICE_LEGAL_OFFICER, police_org, username="police_b")


def pdf(name: str = "协作函.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def make_request(police: Any) -> Any:
    """make_request(persons=3, property_value="0", bank_accounts=0, actor=police, **kw)."""
    from rainforest.enforcement.services import PersonIn, request_file

    def _make(
        *,
        persons: int = 3,
        property_value: str = "0",
        bank_accounts: int = 0,
        actor: Any = None,
        named: int = 1,
        people: list[Any] | None = None,
        **kw: Any,
    ) -> Any:
        defaults: dict[str, Any] = {
            "agency_name": "长沙市公安局经济犯罪侦查支队",
            "agency_region": "湖南省长沙市",
            "enterprise_name": "深圳雨林科技有限公司",
            "enterprise_uscc": OrganisationFactory.build().uscc,
            "persons": people
            if people is not None
            else [PersonIn(f"张{i}", resident_id(i), "summon") for i in range(1, named + 1)],
        }
        defaults.update(kw)
        return request_file(
            actor=actor or police,
            persons_count=persons,
            property_value=Decimal(property_value),
            bank_accounts=bank_accounts,
            **defaults,
        )

    return _make


def complete_controls(request: Any, actor: Any) -> Any:
    from rainforest.enforcement.services import controls_update

    return controls_update(
        request=request,
        actor=actor,
        changes={
            "two_way_notice": True,
            "instruction_sheet_no": "ZLD-2026-001",
            "accompanying_officers": "李警官（警号 012345）",
            "body_camera_ref": "JLY-20260930-01",
            "case_centre": True,
        },
    )
