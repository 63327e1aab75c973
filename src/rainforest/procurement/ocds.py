"""A project as an OCDS 1.1 release package (Open Contracting Data Standard).

With the partyScale (``parties[].details.scale``), lots (``tender.lots``,
``relatedLot(s)``) and suitability (``lots[].suitability.sme``) extensions. Parties are
identified by their unified social credit code under the scheme ``CN-USCI`` (org-id.guide);
amounts are in ``CNY``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from rainforest.procurement import domain
from rainforest.procurement.models import Lot, Project

# A publisher registers its ocid prefix with the OCDS Data Support Team; until the bureau
# has one, this placeholder marks the identifiers as ours.
OCID_PREFIX = "ocds-rnfrst"
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_partyScale_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_suitability_extension/master/extension.json",
]
SCHEME = "CN-USCI"


def _amount(value: Decimal) -> int | float:
    # OCDS amounts are JSON numbers. Yuan with two decimals below 10^13 survive a float
    # (at most 15 significant digits), and json writes the shortest form that reads back.
    return int(value) if value == value.to_integral_value() else float(value)


def _value(amount: Decimal) -> dict[str, Any]:
    return {"amount": _amount(amount), "currency": "CNY"}


def _party_id(uscc: str) -> str:
    return f"{SCHEME}-{uscc}"


def release_package(
    project: Project, lots: list[Lot], *, now: datetime, uri: str
) -> dict[str, Any]:
    """The package: one release with the project's current tender, awards and contracts."""
    agency = project.agency
    buyer = {"id": _party_id(agency.uscc), "name": agency.name}
    parties: dict[str, dict[str, Any]] = {
        buyer["id"]: {
            **buyer,
            "identifier": {"scheme": SCHEME, "id": agency.uscc, "legalName": agency.name},
            "roles": ["buyer", "procuringEntity"],
        }
    }
    tenderers: dict[str, dict[str, str]] = {}
    awards: list[dict[str, Any]] = []
    contracts: list[dict[str, Any]] = []
    ocds_lots: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for lot in lots:
        lot_id = f"lot-{lot.number}"
        if lot.runs_reserved:
            state = "预留给中小企业"
        elif lot.reverted:
            state = "原预留，因符合条件的中小企业不足3家转为非预留"
        else:
            state = "非预留"
        ocds_lots.append(
            {
                "id": lot_id,
                "title": lot.title,
                "description": state,
                "value": _value(lot.budget),
                "status": "complete" if getattr(lot, "award", None) else "active",
                "suitability": {"sme": project.suitable_for_sme},
            }
        )
        items.append(
            {
                "id": f"{lot_id}-1",
                "description": lot.title,
                "quantity": 1,
                "relatedLot": lot_id,
            }
        )
        for bid in lot.bids.all():
            party_id = _party_id(bid.supplier_uscc)
            party = parties.setdefault(
                party_id,
                {
                    "id": party_id,
                    "name": bid.supplier_name,
                    "identifier": {
                        "scheme": SCHEME,
                        "id": bid.supplier_uscc,
                        "legalName": bid.supplier_name,
                    },
                    "roles": ["tenderer"],
                    "details": {"scale": domain.OCDS_SCALE[bid.declared_scale]},
                },
            )
            tenderers[party_id] = {"id": party_id, "name": bid.supplier_name}
            if getattr(bid, "award", None) and "supplier" not in party["roles"]:
                party["roles"].append("supplier")
        award = getattr(lot, "award", None)
        if award is not None:
            award_id = f"award-{lot.number}"
            supplier = {
                "id": _party_id(award.bid.supplier_uscc),
                "name": award.bid.supplier_name,
            }
            awards.append(
                {
                    "id": award_id,
                    "title": lot.title,
                    "description": award.mark or "非预留合同",
                    "status": "active",
                    "date": award.awarded_at.isoformat(),
                    "value": _value(award.amount),
                    "suppliers": [supplier],
                    "relatedLots": [lot_id],
                }
            )
            contracts.append(
                {
                    "id": award.contract_number,
                    "awardID": award_id,
                    "title": lot.title,
                    "description": award.mark or "非预留合同",
                    "status": "active",
                    "value": _value(award.amount),
                    "dateSigned": award.awarded_at.isoformat(),
                }
            )
    tag = ["tender"] + (["award", "contract"] if awards else [])
    decision = project.decision
    release: dict[str, Any] = {
        "ocid": f"{OCID_PREFIX}-{agency.uscc}-{project.pk}",
        "id": f"{project.reference}-{now.strftime('%Y%m%dT%H%M%S')}",
        "date": now.isoformat(),
        "tag": tag,
        "initiationType": "tender",
        "language": "zh",
        "parties": list(parties.values()),
        "buyer": buyer,
        "tender": {
            "id": project.reference,
            "title": project.title,
            "description": "；".join(r["zh"] for r in decision.get("reasons", [])),
            "status": "complete"
            if lots and all(getattr(lot, "award", None) for lot in lots)
            else "active",
            "mainProcurementCategory": project.category,
            "value": _value(project.budget),
            "items": items,
            "lots": ocds_lots,
            "numberOfTenderers": len(tenderers),
            "tenderers": list(tenderers.values()),
            "procuringEntity": buyer,
        },
        "awards": awards,
        "contracts": contracts,
    }
    return {
        "uri": uri,
        "version": "1.1",
        "publishedDate": now.isoformat(),
        "publisher": {"name": agency.name, "scheme": SCHEME, "uid": agency.uscc},
        "extensions": EXTENSIONS,
        "releases": [release],
    }
