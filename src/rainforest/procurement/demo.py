"""Demo data for procurement: one agency, its officer "buyer", two projects with bids.

Everything goes through the services, so decisions, evaluation and audit are as in real
use. Running it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from rainforest.accounts.models import Membership, Organisation, OrganisationKind, User
from rainforest.accounts.roles import Role
from rainforest.core.ids import make_uscc
from rainforest.procurement import services
from rainforest.procurement.models import Lot, Project

DEMO_PASSWORD = "rainforest-demo"
AGENCY_USCC = make_uscc("11440305MB2PRC001")


def _supplier(n: int) -> str:
    return make_uscc(f"91440300MA5CUP{n:03d}")


def _item(name: str, maker: str, employees: int, revenue: str, declared: str) -> services.ItemIn:
    return services.ItemIn(
        item_name=name,
        manufacturer=maker,
        industry="industry",
        employees=employees,
        revenue=Decimal(revenue),
        assets=None,
        declared_size=declared,
    )


def _bid(
    buyer: User,
    lot: Lot,
    n: int,
    name: str,
    price: str,
    items: list[services.ItemIn],
    share: str | None = None,
) -> None:
    services.bid_record(
        actor=buyer,
        lot=lot,
        supplier_name=name,
        supplier_uscc=_supplier(n),
        price=Decimal(price),
        small_micro_share=None if share is None else Decimal(share),
        items=items,
    )


def seed_procurement_demo(progress: Callable[[str], None] = lambda _msg: None) -> dict[str, int]:
    """Create the demo agency, officer and projects unless they are there."""
    with transaction.atomic():
        agency, _ = Organisation.objects.get_or_create(
            uscc=AGENCY_USCC,
            defaults={
                "name": "深圳市南山区机关事务管理局（演示）",
                "kind": OrganisationKind.AGENCY,
            },
        )
        buyer, created = User.objects.get_or_create(
            username="buyer", defaults={"display_name": "陈采购"}
        )
        if created:
            buyer.set_password(DEMO_PASSWORD)
            buyer.save()
        Membership.objects.get_or_create(
            user=buyer, organisation=agency, role=Role.PROCUREMENT_OFFICER
        )
        if Project.objects.filter(agency=agency).exists():
            return {"projects": 0}
        progress("procurement agency and officer")

        # 1. Goods under 2,000,000: SME only; one bidder's declaration does not add up.
        office = services.project_create(
            actor=buyer,
            agency=agency,
            reference="NS-2026-001",
            title="办公设备采购（演示）",
            category="goods",
            budget=Decimal("1800000.00"),
            suitable_for_sme=True,
            exception=None,
            lots=[],
            small_micro_rate=Decimal("0.15"),
            consortium_rate=Decimal("0.05"),
        )
        lot = office.lots.get()
        _bid(
            buyer,
            lot,
            1,
            "深圳雨林办公设备有限公司（演示）",
            "1650000.00",
            [_item("台式计算机", "深圳雨林电子制造有限公司（演示）", 80, "30000000", "small")],
        )
        _bid(
            buyer,
            lot,
            2,
            "深圳海岸科技有限公司（演示）",
            "1700000.00",
            [_item("打印机", "深圳海岸打印设备有限公司（演示）", 15, "2000000", "micro")],
        )
        # Declares small, but 350 employees and 50,000,000 revenue make it medium: flagged.
        _bid(
            buyer,
            lot,
            3,
            "深圳北环信息设备有限公司（演示）",
            "1680000.00",
            [_item("显示器", "深圳北环显示技术有限公司（演示）", 350, "50000000", "small")],
        )
        services.lot_evaluate(actor=buyer, lot=lot)
        lot.refresh_from_db()
        best = lot.bids.get(rank=1)
        services.lot_award(actor=buyer, lot=lot, bid=best)
        progress(f"project {office.reference} (SME only)")

        # 2. Services above 2,000,000: 40% reserved by lot; the reserved lot gets only
        # two SMEs and reverts; the other lot applies price deductions.
        cloud = services.project_create(
            actor=buyer,
            agency=agency,
            reference="NS-2026-002",
            title="政务云运维与安全测评服务（演示）",
            category="services",
            budget=Decimal("5000000.00"),
            suitable_for_sme=True,
            exception=None,
            lots=[
                services.LotIn("政务云运维", Decimal("2500000.00"), True),
                services.LotIn("网络安全测评", Decimal("2500000.00"), False),
            ],
            small_micro_rate=Decimal("0.10"),
            consortium_rate=Decimal("0.04"),
        )
        reserved, open_lot = list(cloud.lots.order_by("number"))
        _bid(
            buyer,
            reserved,
            4,
            "深圳云杉运维服务有限公司（演示）",
            "2300000.00",
            [_item("运维服务", "深圳云杉运维服务有限公司（演示）", 60, "12000000", "small")],
        )
        _bid(
            buyer,
            reserved,
            5,
            "深圳星河数据服务有限公司（演示）",
            "2350000.00",
            [_item("运维服务", "深圳星河数据服务有限公司（演示）", 8, "2500000", "micro")],
        )
        _bid(
            buyer,
            open_lot,
            6,
            "深圳安测网络安全有限公司（演示）",
            "2400000.00",
            [_item("安全测评", "深圳安测网络安全有限公司（演示）", 45, "9000000", "small")],
        )
        _bid(buyer, open_lot, 7, "华南大型信息集团有限公司（演示）", "2200000.00",
             [_item("安全测评", "华南大型信息集团有限公司（演示）", 5000, "900000000", "large")],
             share="0.30")  # fmt: skip
        for each in (reserved, open_lot):
            services.lot_evaluate(actor=buyer, lot=each)
        progress(f"project {cloud.reference} (reserved share)")
    return {"projects": 2}
