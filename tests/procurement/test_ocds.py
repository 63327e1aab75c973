"""procurement/ocds.py: a demo project's export validates against the OCDS 1.1 schema
(with the partyScale, lots and suitability extensions) using jsonschema."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from rainforest.accounts.models import User
from rainforest.procurement.demo import seed_procurement_demo
from rainforest.procurement.models import Project
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).parent / "ocds"
RELEASE_URI = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch, as OCDS applies an extension to the release schema."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key == "$comment":
            continue
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _closed(schema: Any) -> Any:
    """Every object schema with properties refuses others: nothing we emit goes unchecked."""
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


def validator(*, closed: bool = False) -> Draft4Validator:
    release = json.loads((SCHEMAS / "release-schema.json").read_text(encoding="utf-8"))
    for extension in ("partyScale", "lots", "suitability"):
        release = merge_patch(
            release, json.loads((SCHEMAS / f"{extension}.json").read_text(encoding="utf-8"))
        )
    package = json.loads((SCHEMAS / "release-package-schema.json").read_text(encoding="utf-8"))
    if closed:
        release, package = _closed(release), _closed(package)
    registry: Registry = Registry().with_resource(
        RELEASE_URI, Resource.from_contents(release, default_specification=DRAFT4)
    )
    return Draft4Validator(package, registry=registry, format_checker=FormatChecker())


@pytest.fixture
def demo(client: Client) -> dict[str, Any]:
    seed_procurement_demo()
    sign_in(client, User.objects.get(username="buyer"))
    return {
        p.reference: client.get(f"/api/v1/procurement/projects/{p.pk}/ocds").json()
        for p in Project.objects.all()
    }


@pytest.mark.parametrize("reference", ["NS-2026-001", "NS-2026-002"])
@pytest.mark.parametrize("closed", [False, True], ids=["schema", "no-unknown-fields"])
def test_demo_project_export_validates_against_ocds(
    demo: dict[str, Any], reference: str, closed: bool
) -> None:
    errors = sorted(validator(closed=closed).iter_errors(demo[reference]), key=str)

    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []


def test_schema_refuses_a_wrong_scale_and_currency(demo: dict[str, Any]) -> None:
    package = copy.deepcopy(demo["NS-2026-001"])
    release = package["releases"][0]
    release["parties"][1]["details"]["scale"] = "small"
    release["tender"]["value"]["currency"] = "USD"

    messages = sorted(e.message for e in validator().iter_errors(package))

    assert messages == ["'USD' is not one of ['CNY', None]", "'small' is not one of ['micro', 'sme', 'large', 'selfEmployed', None]"]  # fmt: skip


def test_export_identifies_parties_by_uscc_and_marks_reserved_contract(
    demo: dict[str, Any],
) -> None:
    release = demo["NS-2026-001"]["releases"][0]
    agency = Project.objects.get(reference="NS-2026-001").agency

    assert release["buyer"] == {"id": f"CN-USCI-{agency.uscc}", "name": agency.name}
    assert {p["identifier"]["scheme"] for p in release["parties"]} == {"CN-USCI"}
    assert [(p["name"], p.get("details", {}).get("scale"), p["roles"]) for p in release["parties"][1:]] == [
        ("深圳雨林办公设备有限公司（演示）", "sme", ["tenderer", "supplier"]),
        ("深圳北环信息设备有限公司（演示）", "sme", ["tenderer"]),
        ("深圳海岸科技有限公司（演示）", "micro", ["tenderer"]),
    ]  # fmt: skip
    assert release["tender"]["lots"] == [
        {
            "id": "lot-1",
            "title": "办公设备采购（演示）",
            "description": "预留给中小企业",
            "value": {"amount": 1800000, "currency": "CNY"},
            "status": "complete",
            "suitability": {"sme": True},
        }
    ]
    assert [(c["description"], c["value"]) for c in release["contracts"]] == [
        ("中小企业预留合同", {"amount": 1650000, "currency": "CNY"})
    ]
    assert release["tag"] == ["tender", "award", "contract"]


def test_export_of_reverted_lot_says_so(demo: dict[str, Any]) -> None:
    release = demo["NS-2026-002"]["releases"][0]

    assert [(lot["id"], lot["description"]) for lot in release["tender"]["lots"]] == [
        ("lot-1", "原预留，因符合条件的中小企业不足3家转为非预留"),
        ("lot-2", "非预留"),
    ]
    assert (release["tag"], release["awards"], release["contracts"]) == (["tender"], [], [])
