"""Procurement for SMEs: the only writers. Each runs in one transaction with its audit entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Organisation, User
from rainforest.audit.services import audit_append
from rainforest.core.errors import ConflictError, PermissionDeniedError, ValidationError
from rainforest.core.ids import validate_uscc
from rainforest.core.money import format_yuan, format_yuan_plain
from rainforest.procurement import domain
from rainforest.procurement.models import Award, Bid, DeclarationItem, Lot, Project
from rainforest.procurement.permissions import is_procurement_officer_of


@dataclass(frozen=True)
class LotIn:
    title: str
    budget: Decimal
    reserved: bool


@dataclass(frozen=True)
class ItemIn:
    """One line of the 中小企业声明函 as the supplier declared it."""

    item_name: str
    manufacturer: str
    industry: str
    employees: int | None
    revenue: Decimal | None
    assets: Decimal | None
    declared_size: str


def _require(text: str, field: str, zh: str, en: str, limit: int = 200) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(f"请填写{zh}", f"Enter the {en}", field=field, code="required")
    if len(text) > limit:
        raise ValidationError(
            f"{zh}不能超过 {limit} 个字",
            f"The {en} must be at most {limit} characters",
            field=field,
            code="too_long",
        )
    return text


def _check_officer(actor: User, agency: Organisation) -> None:
    if not is_procurement_officer_of(actor, agency.pk):
        raise PermissionDeniedError(
            "只有该单位的采购经办人可以办理",
            "Only a procurement officer of this agency may do this",
            code="forbidden",
        )


def _check_rate(
    rate: Decimal | None, key: str, params: Any, *, field: str, zh: str, en: str
) -> Decimal:
    if rate is None:
        raise ValidationError(
            f"请填写采购文件确定的{zh}", f"Enter the {en} fixed in the tender", field=field
        )
    domain.check_fraction(rate, field=field)
    low, high = domain.rate_range(params, key)
    if not low <= rate <= high:
        raise ValidationError(
            f"{zh}应在 {domain.percent(low)}–{domain.percent(high)} 之间",
            f"The {en} must be from {domain.percent(low)} to {domain.percent(high)}",
            field=field,
            code="rate_out_of_range",
        )
    return rate


def project_create(
    *,
    actor: User,
    agency: Organisation,
    reference: str,
    title: str,
    category: str,
    budget: Decimal,
    suitable_for_sme: bool,
    exception: str | None,
    lots: list[LotIn],
    small_micro_rate: Decimal | None,
    consortium_rate: Decimal | None,
    now: datetime | None = None,
) -> Project:
    """Record a project with the set-aside decision in force today and its lots."""
    _check_officer(actor, agency)
    now = now or timezone.now()
    today = timezone.localdate(now)
    reference = _require(reference, "reference", "项目编号", "project reference", 60)
    title = _require(title, "title", "项目名称", "project title")
    set_aside = domain.decide_set_aside(
        category=category,
        budget=budget,
        suitable_for_sme=suitable_for_sme,
        exception=exception,
        params=domain.parameters_on(domain.SET_ASIDE, today),
    )
    deduction = domain.parameters_on(domain.PRICE_DEDUCTION, today)
    prefix = "works" if category == "works" else "goods_services"
    small_rate = _check_rate(
        small_micro_rate,
        f"{prefix}_small_micro",
        deduction,
        field="small_micro_rate",
        zh="小微企业价格扣除比例",
        en="price deduction for small and micro bidders",
    )
    group_rate = _check_rate(
        consortium_rate,
        f"{prefix}_consortium",
        deduction,
        field="consortium_rate",
        zh="联合体或分包价格扣除比例",
        en="price deduction for consortia and subcontracting",
    )
    lots = lots or [LotIn(title, budget, set_aside.outcome != "not_reserved")]
    for index, lot in enumerate(lots, start=1):
        _require(lot.title, "lots", f"第 {index} 包的名称", f"name of lot {index}")
        domain.check_positive_amount(lot.budget, field="lots")
    if sum((lot.budget for lot in lots), Decimal("0.00")) != budget:
        raise ValidationError(
            f"各采购包预算之和应等于项目预算 {format_yuan(budget)}",
            f"The lots' budgets must add up to the project budget, {format_yuan(budget)}",
            field="lots",
            code="lots_total",
        )
    # The decision sets which lots may be reserved: all (SME only), none, or enough to
    # cover the reserved minimum.
    if set_aside.outcome == "sme_only":
        reserved = [True] * len(lots)
    elif set_aside.outcome == "not_reserved":
        reserved = [False] * len(lots)
    else:
        reserved = [lot.reserved for lot in lots]
        covered = sum((lot.budget for lot in lots if lot.reserved), Decimal("0.00"))
        if covered < set_aside.sme_reserved_min:
            raise ValidationError(
                f"预留给中小企业的采购包预算合计 {format_yuan(covered)}，少于应预留的 {format_yuan(set_aside.sme_reserved_min)}，请再预留采购包",
                f"The lots reserved for SMEs add up to {format_yuan(covered)}, less than the "
                f"{format_yuan(set_aside.sme_reserved_min)} to reserve; reserve more lots",
                field="lots",
                code="reserved_short",
            )
    with transaction.atomic():
        if Project.objects.filter(agency=agency, reference=reference).exists():
            raise ConflictError(
                f"项目编号 {reference} 已使用",
                f"The project reference {reference} is already used",
                field="reference",
                code="reference_taken",
            )
        project = Project.objects.create(
            agency=agency,
            reference=reference,
            title=title,
            category=category,
            budget=budget,
            suitable_for_sme=suitable_for_sme,
            exception=exception or "",
            decided_on=today,
            outcome=set_aside.outcome,
            sme_reserved_min=set_aside.sme_reserved_min,
            small_micro_reserved_min=set_aside.small_micro_reserved_min,
            decision=set_aside.decision.to_dict(),
            small_micro_rate=small_rate,
            consortium_rate=group_rate,
            created_by=actor,
            created_at=now,
        )
        Lot.objects.bulk_create(
            Lot(project=project, number=i, title=lot.title.strip(), budget=lot.budget, reserved=r)
            for i, (lot, r) in enumerate(zip(lots, reserved, strict=True), start=1)
        )
        audit_append(
            actor=actor,
            action="procurement.project_create",
            subject_type="procurement.project",
            subject_id=project.pk,
            data={
                "reference": reference,
                "budget": format_yuan_plain(budget),
                "outcome": set_aside.outcome,
            },
        )
    return project


def _largest(sizes: list[str]) -> str:
    return max(sizes, key=domain.scale_rank)


def bid_record(
    *,
    actor: User,
    lot: Lot,
    supplier_name: str,
    supplier_uscc: str,
    price: Decimal,
    small_micro_share: Decimal | None,
    items: list[ItemIn],
    now: datetime | None = None,
) -> Bid:
    """Record a bid received with its declaration; each item's size is recomputed and a
    difference from the declared size is flagged, never corrected (the declaration is what
    the supplier answers for)."""
    project = lot.project
    _check_officer(actor, project.agency)
    if lot.evaluated_at is not None:
        raise ConflictError(
            "该采购包已评审，不能再录入投标",
            "This lot has been evaluated; no more bids can be recorded",
            code="lot_evaluated",
        )
    now = now or timezone.now()
    name = _require(supplier_name, "supplier_name", "供应商名称", "supplier's name")
    uscc = validate_uscc(supplier_uscc, field="supplier_uscc")
    domain.check_positive_amount(price, field="price")
    if small_micro_share is not None:
        domain.check_fraction(small_micro_share, field="small_micro_share")
    if not items:
        raise ValidationError(
            "请至少填写声明函中的一项标的",
            "Enter at least one item of the SME declaration",
            field="items",
            code="required",
        )
    size_params = domain.parameters_on(domain.ENTERPRISE_SIZE, project.decided_on)
    rows: list[DeclarationItem] = []
    for position, item in enumerate(items, start=1):
        field = f"items.{position - 1}"
        domain.check_code(item.declared_size, domain.SCALES, field=f"{field}.declared_size")
        try:
            size = domain.classify_enterprise(
                industry=item.industry,
                employees=item.employees,
                revenue=item.revenue,
                assets=item.assets,
                params=size_params,
            )
        except ValidationError as exc:
            raise exc.with_field(f"{field}.{exc.field}") from None
        rows.append(
            DeclarationItem(
                position=position,
                item_name=_require(item.item_name, f"{field}.item_name", "标的名称", "item"),
                manufacturer=_require(
                    item.manufacturer, f"{field}.manufacturer", "制造商", "manufacturer"
                ),
                industry=item.industry,
                employees=item.employees,
                revenue=item.revenue,
                assets=item.assets,
                declared_size=item.declared_size,
                computed_size=size.size,
                size_decision=size.decision.to_dict(),
            )
        )
    with transaction.atomic():
        bid = Bid.objects.create(
            lot=lot,
            supplier_name=name,
            supplier_uscc=uscc,
            price=price,
            small_micro_share=small_micro_share,
            declared_scale=_largest([r.declared_size for r in rows]),
            has_mismatch=any(r.declared_size != r.computed_size for r in rows),
            submitted_at=now,
        )
        for row in rows:
            row.bid = bid
        DeclarationItem.objects.bulk_create(rows)
        audit_append(
            actor=actor,
            action="procurement.bid_record",
            subject_type="procurement.bid",
            subject_id=bid.pk,
            data={"lot": lot.pk, "price": format_yuan_plain(price), "mismatch": bid.has_mismatch},
        )
    return bid


def lot_evaluate(*, actor: User, lot: Lot, now: datetime | None = None) -> Lot:
    """Evaluate the bids: revert a reserved lot with fewer than 3 qualified SMEs, apply the
    price deductions of a non-reserved lot and rank by evaluation price (lowest first)."""
    project = lot.project
    _check_officer(actor, project.agency)
    now = now or timezone.now()
    with transaction.atomic():
        lot = Lot.objects.select_for_update().get(pk=lot.pk)
        lot.project = project
        if lot.evaluated_at is not None:
            raise ConflictError(
                "该采购包已评审", "This lot has already been evaluated", code="lot_evaluated"
            )
        bids = list(lot.bids.order_by("submitted_at", "id"))
        if not bids:
            raise ConflictError(
                "该采购包还没有投标，不能评审",
                "This lot has no bids to evaluate",
                code="no_bids",
            )
        set_aside = domain.parameters_on(domain.SET_ASIDE, project.decided_on)
        if lot.reserved:
            qualified = sum(1 for b in bids if b.is_sme)
            reversion = domain.decide_lot_reversion(qualified_smes=qualified, params=set_aside)
            if reversion is not None:
                lot.reverted = True
                lot.reversion = reversion.to_dict()
        deduction = domain.parameters_on(domain.PRICE_DEDUCTION, project.decided_on)
        for bid in bids:
            bid.admissible = bid.is_sme or not lot.runs_reserved
            rate = project.small_micro_rate if bid.is_small_micro else project.consortium_rate
            result = domain.decide_price_deduction(
                category=project.category,
                bidder_scale=bid.declared_scale,
                bid_price=bid.price,
                rate=rate if rate is not None else Decimal("0"),
                small_micro_share=bid.small_micro_share,
                lot_reserved=lot.runs_reserved,
                params=deduction,
            )
            bid.applied_rate = result.applied_rate
            bid.evaluation_price = result.evaluation_price
            bid.deduction = result.decision.to_dict()
        ranked = sorted(
            (b for b in bids if b.admissible),
            key=lambda b: (b.evaluation_price, b.submitted_at, b.pk),
        )
        for bid in bids:
            bid.rank = None
        for position, bid in enumerate(ranked, start=1):
            bid.rank = position
        Bid.objects.bulk_update(
            bids, ["admissible", "applied_rate", "evaluation_price", "deduction", "rank"]
        )
        lot.evaluated_at = now
        lot.save(update_fields=["reverted", "reversion", "evaluated_at"])
        audit_append(
            actor=actor,
            action="procurement.lot_evaluate",
            subject_type="procurement.lot",
            subject_id=lot.pk,
            data={"reverted": lot.reverted, "bids": len(bids), "admissible": len(ranked)},
        )
    return lot


def lot_award(*, actor: User, lot: Lot, bid: Bid, now: datetime | None = None) -> Award:
    """Award the lot and record the contract; a reserved lot's contract carries the mark."""
    project = lot.project
    _check_officer(actor, project.agency)
    now = now or timezone.now()
    if bid.lot_id != lot.pk:
        raise ValidationError(
            "该投标不属于此采购包", "This bid is not for this lot", field="bid", code="wrong_lot"
        )
    if lot.evaluated_at is None:
        raise ConflictError(
            "请先评审该采购包再确定成交供应商",
            "Evaluate the lot before awarding it",
            code="not_evaluated",
        )
    if not bid.admissible:
        raise ConflictError(
            "该投标未通过评审，不能成交",
            "This bid did not pass the evaluation and cannot be awarded",
            code="bid_not_admissible",
        )
    mark = domain.parameters_on(domain.SET_ASIDE, project.decided_on).value(
        "reserved_contract_mark"
    )
    with transaction.atomic():
        if Award.objects.filter(lot=lot).exists():
            raise ConflictError("该采购包已成交", "This lot is already awarded", code="awarded")
        award = Award.objects.create(
            lot=lot,
            bid=bid,
            amount=bid.price,  # the contract price stays the bid (第九条)
            reserved=lot.runs_reserved,
            mark=str(mark) if lot.runs_reserved else "",
            contract_number=f"HT-{project.agency_id}-{project.reference}-{lot.number:02d}",
            awarded_at=now,
            awarded_by=actor,
        )
        audit_append(
            actor=actor,
            action="procurement.lot_award",
            subject_type="procurement.lot",
            subject_id=lot.pk,
            data={
                "bid": bid.pk,
                "amount": format_yuan_plain(bid.price),
                "reserved": award.reserved,
            },
        )
    return award
