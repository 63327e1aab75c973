"""Reading vouchers: who sees what, balances from the ledger, oversight figures.

Enterprises see their own applications, vouchers and the redemptions against them;
providers see their registration, the vouchers naming them and their redemptions and
settlements; programme officers see everything. ``access_*`` is the one way to load a
protected row, and answers 404 alike for "not there" and "not yours".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Cast, Round, TruncMonth
from django.http import Http404

from rainforest.ledger.models import LedgerAccount
from rainforest.vouchers import domain
from rainforest.vouchers.models import (
    ApplicationStatus,
    Budget,
    Provider,
    ProviderStatus,
    Redemption,
    RedemptionStatus,
    Settlement,
    Voucher,
    VoucherApplication,
)
from rainforest.vouchers.permissions import enterprise_ids, is_voucher_staff, provider_org_ids

ZERO = Decimal("0.00")


def _fen(path: str) -> Sum:
    """A money column summed in whole fen: exact on SQLite too (see ledger.selectors)."""
    return Sum(Cast(Round(F(path) * 100), output_field=BigIntegerField()))


def _yuan(fen: int | None) -> Decimal:
    return (Decimal(fen or 0) / 100).quantize(Decimal("0.01"))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- providers ----------------------------------------------------------------------------


def visible_providers(user: Any) -> QuerySet[Provider]:
    qs = Provider.objects.select_related("organisation", "case")
    if is_voucher_staff(user):
        return qs
    return qs.filter(organisation_id__in=sorted(provider_org_ids(user)))


def access_provider(user: Any, provider_id: Any) -> Provider:
    try:
        return visible_providers(user).get(pk=_int(provider_id))
    except Provider.DoesNotExist:
        raise Http404 from None


def approved_providers(voucher_type: str | None = None) -> list[Provider]:
    """Providers an enterprise may choose (public facts: name, kinds, services, prices)."""
    rows = Provider.objects.select_related("organisation").filter(status=ProviderStatus.APPROVED)
    return [p for p in rows if voucher_type is None or voucher_type in p.voucher_types]


def choosable_provider(provider_id: Any) -> Provider:
    """An approved provider by id, for an application; anything else is not found."""
    try:
        return Provider.objects.select_related("organisation").get(
            pk=_int(provider_id), status=ProviderStatus.APPROVED
        )
    except Provider.DoesNotExist:
        raise Http404 from None


# --- applications -------------------------------------------------------------------------


def visible_applications(user: Any) -> QuerySet[VoucherApplication]:
    qs = VoucherApplication.objects.select_related(
        "case", "enterprise", "provider__organisation", "voucher__account"
    )
    if is_voucher_staff(user):
        return qs
    return qs.filter(enterprise_id__in=sorted(enterprise_ids(user)))


def access_application(user: Any, application_id: Any) -> VoucherApplication:
    try:
        return visible_applications(user).get(pk=_int(application_id))
    except VoucherApplication.DoesNotExist:
        raise Http404 from None


def pending_applications() -> QuerySet[VoucherApplication]:
    return VoucherApplication.objects.select_related(
        "case", "enterprise", "provider__organisation"
    ).filter(status=ApplicationStatus.REVIEW)


# --- vouchers -----------------------------------------------------------------------------


def visible_vouchers(user: Any) -> QuerySet[Voucher]:
    """Vouchers with their ledger account (balance, held) in the same query."""
    qs = Voucher.objects.select_related(
        "enterprise", "provider__organisation", "account", "application__case"
    )
    if is_voucher_staff(user):
        return qs
    return qs.filter(
        Q(enterprise_id__in=sorted(enterprise_ids(user)))
        | Q(provider__organisation_id__in=sorted(provider_org_ids(user)))
    )


def access_voucher(user: Any, voucher_id: Any) -> Voucher:
    try:
        return visible_vouchers(user).get(pk=_int(voucher_id))
    except Voucher.DoesNotExist:
        raise Http404 from None


def voucher_for_provider(user: Any, number: str) -> Voucher:
    """A voucher by its number, for the provider it names; anyone else gets 404."""
    found = (
        Voucher.objects.select_related("provider__organisation", "account", "enterprise")
        .filter(
            number=(number or "").strip().upper(),
            provider__organisation_id__in=sorted(provider_org_ids(user)),
        )
        .first()
    )
    if found is None:
        raise Http404
    return found


# --- redemptions --------------------------------------------------------------------------


def visible_redemptions(user: Any) -> QuerySet[Redemption]:
    qs = Redemption.objects.select_related(
        "voucher__enterprise", "voucher__account", "provider__organisation", "settlement"
    )
    if is_voucher_staff(user):
        return qs
    return qs.filter(
        Q(voucher__enterprise_id__in=sorted(enterprise_ids(user)))
        | Q(provider__organisation_id__in=sorted(provider_org_ids(user)))
    )


def access_redemption(user: Any, redemption_id: Any) -> Redemption:
    try:
        return visible_redemptions(user).get(pk=_int(redemption_id))
    except Redemption.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class Receivables:
    pending: Decimal  # awaiting the enterprise's confirmation
    confirmed: Decimal  # confirmed, not yet in a paid settlement
    paid: Decimal


def provider_receivables(provider: Provider) -> Receivables:
    """A provider's money in three states, from the ledger (confirmed and paid) and holds."""
    uscc = provider.organisation.uscc
    balances = dict(
        LedgerAccount.objects.filter(
            code__in=[domain.receivable_account(uscc), domain.paid_account(uscc)]
        ).values_list("code", "balance")
    )
    pending = Redemption.objects.filter(
        provider=provider, status=RedemptionStatus.PENDING
    ).aggregate(total=_fen("amount"))["total"]
    return Receivables(
        pending=_yuan(pending),
        confirmed=balances.get(domain.receivable_account(uscc), ZERO),
        paid=balances.get(domain.paid_account(uscc), ZERO),
    )


# --- settlements --------------------------------------------------------------------------


def visible_settlements(user: Any) -> QuerySet[Settlement]:
    qs = Settlement.objects.select_related("provider__organisation").annotate(
        lines=Count("redemptions")
    )
    if is_voucher_staff(user):
        return qs
    return qs.filter(provider__organisation_id__in=sorted(provider_org_ids(user)))


def access_settlement(user: Any, settlement_id: Any) -> Settlement:
    try:
        return visible_settlements(user).get(pk=_int(settlement_id))
    except Settlement.DoesNotExist:
        raise Http404 from None


def settlement_lines(settlement: Settlement) -> list[Redemption]:
    return list(
        settlement.redemptions.select_related("voucher__enterprise").order_by("decided_at", "id")
    )


# --- figures and oversight ----------------------------------------------------------------


@dataclass(frozen=True)
class BudgetFigures:
    voucher_type: str
    year: int
    budget: Decimal  # as opened
    remaining: Decimal  # still in the budget account (expired remainders included)
    issued: Decimal  # face value issued
    outstanding: Decimal  # still on the vouchers (held amounts included)
    redeemed: Decimal  # captured into receivables (confirmed)
    pending: Decimal  # held for invoices awaiting confirmation
    returned: Decimal  # expired remainders returned to the budget
    vouchers: int
    enterprises: int

    @property
    def name_zh(self) -> str:
        return domain.TYPE_NAMES[self.voucher_type][0]

    @property
    def name_en(self) -> str:
        return domain.TYPE_NAMES[self.voucher_type][1]

    @property
    def used_share(self) -> Decimal:
        """Share of the budget committed (issued minus returned), 0 to 1."""
        if not self.budget:
            return ZERO
        return ((self.issued - self.returned) / self.budget).quantize(Decimal("0.0001"))


def budget_figures(year: int | None = None) -> list[BudgetFigures]:
    """Per kind and year: the budget and where its money is. Four queries in all."""
    budgets = list(Budget.objects.select_related("account").order_by("-year", "voucher_type"))
    if year is not None:
        budgets = [b for b in budgets if b.year == year]
    per = {
        (r["voucher_type"], r["year"]): r
        for r in Voucher.objects.values("voucher_type", "year").annotate(
            issued=_fen("face_value"),
            outstanding=_fen("account__balance"),
            returned=_fen("returned_amount"),
            vouchers=Count("id"),
            enterprises=Count("enterprise", distinct=True),
        )
    }
    redeemed = {
        (r["voucher__voucher_type"], r["voucher__year"], r["status"]): r["total"]
        for r in Redemption.objects.filter(
            status__in=[RedemptionStatus.CONFIRMED, RedemptionStatus.PENDING]
        )
        .values("voucher__voucher_type", "voucher__year", "status")
        .annotate(total=_fen("amount"))
    }
    out: list[BudgetFigures] = []
    for b in budgets:
        row = per.get((b.voucher_type, b.year), {})
        out.append(
            BudgetFigures(
                voucher_type=b.voucher_type,
                year=b.year,
                budget=b.amount,
                remaining=b.account.balance,
                issued=_yuan(row.get("issued")),
                outstanding=_yuan(row.get("outstanding")),
                redeemed=_yuan(redeemed.get((b.voucher_type, b.year, RedemptionStatus.CONFIRMED))),
                pending=_yuan(redeemed.get((b.voucher_type, b.year, RedemptionStatus.PENDING))),
                returned=_yuan(row.get("returned")),
                vouchers=row.get("vouchers") or 0,
                enterprises=row.get("enterprises") or 0,
            )
        )
    return out


@dataclass(frozen=True)
class PublicFigures:
    budgets: list[BudgetFigures]
    enterprises: int  # enterprises holding at least one voucher, all kinds and years


def public_figures(year: int | None = None) -> PublicFigures:
    vouchers = Voucher.objects.all()
    if year is not None:
        vouchers = vouchers.filter(year=year)
    return PublicFigures(
        budgets=budget_figures(year),
        enterprises=vouchers.values("enterprise").distinct().count(),
    )


@dataclass(frozen=True)
class BurnPoint:
    month: date
    issued: Decimal  # cumulative face value issued to the end of the month
    redeemed: Decimal  # cumulative confirmed redemptions


def burn_down(voucher_type: str, year: int) -> list[BurnPoint]:
    """Month by month: the budget committed and the money redeemed, cumulative."""
    issued = {
        r["m"].date() if hasattr(r["m"], "date") else r["m"]: r["total"]
        for r in Voucher.objects.filter(voucher_type=voucher_type, year=year)
        .annotate(m=TruncMonth("issued_at"))
        .values("m")
        .annotate(total=_fen("face_value"))
    }
    redeemed = {
        r["m"].date() if hasattr(r["m"], "date") else r["m"]: r["total"]
        for r in Redemption.objects.filter(
            voucher__voucher_type=voucher_type,
            voucher__year=year,
            status=RedemptionStatus.CONFIRMED,
        )
        .annotate(m=TruncMonth("decided_at"))
        .values("m")
        .annotate(total=_fen("amount"))
    }
    months = sorted(set(issued) | set(redeemed))
    points: list[BurnPoint] = []
    run_i, run_r = ZERO, ZERO
    for m in months:
        run_i += _yuan(issued.get(m))
        run_r += _yuan(redeemed.get(m))
        points.append(BurnPoint(m, run_i, run_r))
    return points


def top_enterprises(year: int, limit: int = 10) -> list[dict[str, Any]]:
    rows = (
        Voucher.objects.filter(year=year)
        .values(name=F("enterprise__name"), uscc=F("enterprise__uscc"))
        .annotate(fen=_fen("face_value"), vouchers=Count("id"))
        .order_by("-fen", "uscc")[:limit]
    )
    return [{**r, "issued": _yuan(r.pop("fen"))} for r in rows]


def top_providers(year: int, limit: int = 10) -> list[dict[str, Any]]:
    rows = (
        Redemption.objects.filter(voucher__year=year, status=RedemptionStatus.CONFIRMED)
        .values(name=F("provider__organisation__name"), uscc=F("provider__organisation__uscc"))
        .annotate(fen=_fen("amount"), invoices=Count("id"))
        .order_by("-fen", "uscc")[:limit]
    )
    return [{**r, "redeemed": _yuan(r.pop("fen"))} for r in rows]


@dataclass(frozen=True)
class FlagRow:
    code: str
    zh: str
    en: str
    subject: str  # what the flag is about: a voucher number or an enterprise and provider


def oversight_flags(year: int) -> list[FlagRow]:
    """Near-cap patterns from the vouchers, and the flags stored on each redemption."""
    vouchers = Voucher.objects.filter(year=year).values_list(
        "enterprise__name", "provider__organisation__name", "voucher_type", "year", "face_value"
    )
    params = domain.parameters_on(date(year, 1, 1))
    rows: list[FlagRow] = [
        FlagRow(
            f.code,
            f.reason.zh,
            f.reason.en,
            f"{f.subject['enterprise']} / {f.subject['provider']}",
        )
        for f in domain.near_cap_flags(
            (domain.IssuedVoucher(e, p, t, y, v) for e, p, t, y, v in vouchers), params
        )
    ]
    for r in (
        Redemption.objects.filter(voucher__year=year)
        .exclude(flags=[])
        .select_related("voucher")
        .order_by("submitted_at", "id")
    ):
        for f in r.flags:
            rows.append(
                FlagRow(f["code"], f["zh"], f["en"], f"{r.voucher.number} / {r.invoice_number}")
            )
    return rows


def years_with_budgets() -> list[int]:
    return sorted(set(Budget.objects.values_list("year", flat=True)), reverse=True)
