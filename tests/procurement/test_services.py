"""procurement/services.py: projects, bids with the SME declaration, evaluation, awards."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from rainforest.audit.models import AuditRecord
from rainforest.core.errors import ConflictError, PermissionDeniedError, ValidationError
from rainforest.procurement import services
from rainforest.procurement.models import Award, Bid, Lot, Project
from rainforest.procurement.selectors import yearly_report
from tests.procurement.conftest import item

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int, int]:
    return (
        Project.objects.count(),
        Lot.objects.count(),
        Bid.objects.count(),
        AuditRecord.objects.count(),
    )


def test_project_create_stores_decision_and_one_reserved_lot(make_project: Any) -> None:
    project = make_project(budget=Decimal("2000000.00"))

    lots = list(project.lots.all())
    assert (project.outcome, project.sme_reserved_min, project.small_micro_reserved_min) == (
        "sme_only",
        Decimal("2000000.00"),
        Decimal("0.00"),
    )
    assert [(lot.number, lot.budget, lot.reserved) for lot in lots] == [
        (1, Decimal("2000000.00"), True)
    ]
    assert project.decision["outcome"] == "sme_only"
    assert project.decision["parameters_version"] == "shenzhen-2022"
    assert AuditRecord.objects.filter(action="procurement.project_create").count() == 1


def test_project_create_reserved_share_needs_enough_reserved_lots(make_project: Any) -> None:
    before = _counts()

    with pytest.raises(ValidationError) as caught:
        make_project(
            budget=Decimal("5000000.00"),
            lots=[
                services.LotIn("甲", Decimal("1999999.99"), True),
                services.LotIn("乙", Decimal("3000000.01"), False),
            ],
        )

    assert (caught.value.field, caught.value.code) == ("lots", "reserved_short")
    assert _counts() == before


def test_project_create_reserved_share_with_lot_covering_minimum(make_project: Any) -> None:
    project = make_project(
        budget=Decimal("5000000.00"),
        lots=[
            services.LotIn("甲", Decimal("2000000.00"), True),
            services.LotIn("乙", Decimal("3000000.00"), False),
        ],
    )

    assert [(lot.title, lot.reserved) for lot in project.lots.all()] == [
        ("甲", True),
        ("乙", False),
    ]
    assert project.sme_reserved_min == Decimal("2000000.00")


def test_project_create_not_reserved_reserves_no_lot(make_project: Any) -> None:
    project = make_project(
        budget=Decimal("800000.00"),
        exception="framework_agreement",
        lots=[services.LotIn("甲", Decimal("800000.00"), True)],
    )

    assert (project.outcome, [lot.reserved for lot in project.lots.all()]) == (
        "not_reserved",
        [False],
    )


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"lots": [services.LotIn("甲", Decimal("1"), True)]}, "lots", "lots_total"),
        ({"small_micro_rate": Decimal("0.21")}, "small_micro_rate", "rate_out_of_range"),
        ({"consortium_rate": Decimal("0.03")}, "consortium_rate", "rate_out_of_range"),
        ({"reference": "  "}, "reference", "required"),
        ({"category": "food"}, "category", "unknown_code"),
    ],
)
def test_project_create_bad_input_writes_nothing(
    make_project: Any, change: dict[str, Any], field: str, code: str
) -> None:
    before = _counts()

    with pytest.raises(ValidationError) as caught:
        make_project(**change)

    assert (caught.value.field, caught.value.code) == (field, code)
    assert _counts() == before


def test_project_create_by_other_agency_officer_refused(make_project: Any, buyer_b: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        make_project(actor=buyer_b)


def test_project_reference_used_twice_conflicts(make_project: Any) -> None:
    make_project()

    with pytest.raises(ConflictError) as caught:
        make_project()

    assert caught.value.field == "reference"


# --- the SME declaration ------------------------------------------------------------------


def test_bid_declaration_mismatch_flagged_not_corrected(make_project: Any, make_bid: Any) -> None:
    lot = make_project().lots.get()

    # 350 people and 50,000,000 revenue in industry is medium; the supplier declared small.
    bid = make_bid(lot, 1, items=[item("small", employees=350, revenue="50000000")])

    stored = bid.items.get()
    assert (stored.declared_size, stored.computed_size, stored.mismatch) == (
        "small",
        "medium",
        True,
    )
    assert (bid.declared_scale, bid.has_mismatch) == ("small", True)
    assert stored.size_decision["outcome"] == "medium"


def test_bid_declaration_consistent_not_flagged(make_project: Any, make_bid: Any) -> None:
    lot = make_project().lots.get()

    bid = make_bid(lot, 1, items=[item("micro", employees=19), item("small")])

    assert (bid.declared_scale, bid.has_mismatch) == ("small", False)
    assert [i.computed_size for i in bid.items.all()] == ["micro", "small"]


def test_bid_scale_is_largest_declared_manufacturer(make_project: Any, make_bid: Any) -> None:
    lot = make_project().lots.get()

    bid = make_bid(
        lot, 1, items=[item("small"), item("large", employees=5000, revenue="900000000")]
    )

    assert (bid.declared_scale, bid.is_sme) == ("large", False)


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], "items"),
        ([item("huge")], "items.0.declared_size"),
        ([item("small"), item("small", industry="mining")], "items.1.industry"),
    ],
)
def test_bid_bad_declaration_names_item_field(
    make_project: Any, buyer_a: Any, items: list[Any], field: str
) -> None:
    lot = make_project().lots.get()
    before = _counts()

    with pytest.raises(ValidationError) as caught:
        services.bid_record(
            actor=buyer_a,
            lot=lot,
            supplier_name="投标人",
            supplier_uscc=lot.project.agency.uscc,
            price=Decimal("100"),
            small_micro_share=None,
            items=items,
        )

    assert caught.value.field == field
    assert _counts() == before


# --- evaluation, reversion and award ------------------------------------------------------


def test_reserved_lot_with_two_smes_reverts_and_applies_deductions(
    make_project: Any, make_bid: Any, buyer_a: Any
) -> None:
    lot = make_project().lots.get()
    small = make_bid(lot, 1, price="1000000")
    big = make_bid(
        lot, 2, price="950000", items=[item("large", employees=5000, revenue="900000000")]
    )
    micro = make_bid(lot, 3, price="1040000", items=[item("micro", employees=5)])

    lot = services.lot_evaluate(actor=buyer_a, lot=lot)

    assert (lot.reverted, lot.runs_reserved) == (True, False)
    assert lot.reversion["reasons"][0]["zh"].startswith("预留采购包中符合条件的中小企业只有 2 家")
    rows = {
        b.pk: (b.admissible, b.applied_rate, b.evaluation_price, b.rank) for b in Bid.objects.all()
    }
    assert rows == {
        small.pk: (True, Decimal("0.1000"), Decimal("900000.00"), 1),
        micro.pk: (True, Decimal("0.1000"), Decimal("936000.00"), 2),
        big.pk: (True, Decimal("0.0000"), Decimal("950000.00"), 3),
    }


def test_reserved_lot_with_three_smes_stays_reserved_and_excludes_large(
    make_project: Any, make_bid: Any, buyer_a: Any
) -> None:
    lot = make_project().lots.get()
    for n in (1, 2, 3):
        make_bid(lot, n, price=f"{1000000 + n}")
    big = make_bid(
        lot, 4, price="500000", items=[item("large", employees=5000, revenue="900000000")]
    )

    lot = services.lot_evaluate(actor=buyer_a, lot=lot)

    big.refresh_from_db()
    assert (lot.reverted, lot.runs_reserved) == (False, True)
    assert (big.admissible, big.rank) == (False, None)
    assert list(Bid.objects.filter(admissible=True).values_list("evaluation_price", "rank")) == [
        (Decimal("1000001.00"), 1),
        (Decimal("1000002.00"), 2),
        (Decimal("1000003.00"), 3),
    ]


def test_award_on_reserved_lot_marks_contract(
    make_project: Any, make_bid: Any, buyer_a: Any
) -> None:
    lot = make_project().lots.get()
    bids = [make_bid(lot, n, price=f"{1000000 + n}") for n in (1, 2, 3)]
    lot = services.lot_evaluate(actor=buyer_a, lot=lot)
    bids[0].refresh_from_db()

    award = services.lot_award(actor=buyer_a, lot=lot, bid=bids[0])

    assert (award.reserved, award.mark, award.amount) == (
        True,
        "中小企业预留合同",
        Decimal("1000001.00"),
    )


def test_award_on_non_reserved_lot_has_no_mark_and_contract_is_bid(
    make_project: Any, make_bid: Any, buyer_a: Any
) -> None:
    lot = make_project(exception="framework_agreement").lots.get()
    bid = make_bid(lot, 1, price="1000000")
    lot = services.lot_evaluate(actor=buyer_a, lot=lot)
    bid.refresh_from_db()

    award = services.lot_award(actor=buyer_a, lot=lot, bid=bid)

    assert (award.reserved, award.mark, award.amount, bid.evaluation_price) == (
        False,
        "",
        Decimal("1000000.00"),
        Decimal("900000.00"),
    )


def test_award_before_evaluation_conflicts(make_project: Any, make_bid: Any, buyer_a: Any) -> None:
    lot = make_project().lots.get()
    bid = make_bid(lot, 1)

    with pytest.raises(ConflictError) as caught:
        services.lot_award(actor=buyer_a, lot=lot, bid=bid)

    assert caught.value.code == "not_evaluated"
    assert Award.objects.count() == 0


def test_evaluate_twice_conflicts(make_project: Any, make_bid: Any, buyer_a: Any) -> None:
    lot = make_project().lots.get()
    make_bid(lot, 1)
    services.lot_evaluate(actor=buyer_a, lot=lot)

    with pytest.raises(ConflictError) as caught:
        services.lot_evaluate(actor=buyer_a, lot=Lot.objects.get(pk=lot.pk))

    assert caught.value.code == "lot_evaluated"


# --- the yearly report --------------------------------------------------------------------


def test_yearly_report_sums_reserved_and_awarded(
    make_project: Any, make_bid: Any, buyer_a: Any, buyer_b: Any
) -> None:
    lot = make_project().lots.get()  # 1,500,000 SME only
    bids = [make_bid(lot, n, price=f"{1000000 + n}") for n in (1, 2, 3)]
    services.lot_evaluate(actor=buyer_a, lot=lot)
    bids[0].refresh_from_db()
    services.lot_award(actor=buyer_a, lot=Lot.objects.get(pk=lot.pk), bid=bids[0])
    other = make_project(reference="P-2", exception="framework_agreement").lots.get()
    large = make_bid(
        other, 9, price="700000", items=[item("large", employees=5000, revenue="900000000")]
    )
    services.lot_evaluate(actor=buyer_a, lot=other)
    large.refresh_from_db()
    services.lot_award(actor=buyer_a, lot=Lot.objects.get(pk=other.pk), bid=large)
    year = Project.objects.first().decided_on.year  # type: ignore[union-attr]  # made above

    rows = yearly_report(buyer_a, year)

    assert rows == [
        {
            "agency": "甲区机关事务管理局",
            "year": year,
            "projects": 2,
            "budget": Decimal("3000000.00"),
            "sme_reserved_min": Decimal("1500000.00"),
            "small_micro_reserved_min": Decimal("0.00"),
            "reserved_budget": Decimal("1500000.00"),
            "reverted_budget": Decimal("0.00"),
            "reserved_share": Decimal("50.00"),
            "awarded": Decimal("1700001.00"),
            "awarded_to_sme": Decimal("1000001.00"),
            "awarded_to_small_micro": Decimal("1000001.00"),
            "sme_share": Decimal("58.82"),
            "small_micro_share": Decimal("58.82"),
            "reserved_contracts": 1,
        }
    ]
    assert yearly_report(buyer_b, year) == []
