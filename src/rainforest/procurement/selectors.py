"""Reading procurement projects: only an agency's own procurement officers see them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, DecimalField, Prefetch, Q, QuerySet, Sum, When
from django.http import Http404

from rainforest.procurement.models import Award, Bid, Lot, Project
from rainforest.procurement.permissions import procurement_agency_ids

ZERO = Decimal("0.00")


def visible_projects(user: Any) -> QuerySet[Project]:
    return (
        Project.objects.select_related("agency")
        .filter(agency_id__in=procurement_agency_ids(user))
        .annotate(
            lot_count=Count("lots", distinct=True), bid_count=Count("lots__bids", distinct=True)
        )
    )


def access_project(user: Any, project_id: object) -> Project:
    """The one way to load a project; another agency cannot tell it exists."""
    try:
        return Project.objects.select_related("agency").get(
            pk=int(str(project_id)), agency_id__in=procurement_agency_ids(user)
        )
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def project_lots(project: Project) -> list[Lot]:
    """The lots with their bids, declaration items and award, in a fixed number of queries."""
    bids = Bid.objects.select_related("award").prefetch_related("items")
    lots = list(
        Lot.objects.filter(project=project)
        .select_related("award", "award__bid")
        .prefetch_related(Prefetch("bids", queryset=bids))
    )
    for lot in lots:
        lot.project = project
    return lots


def access_lot(user: Any, project_id: object, lot_id: object) -> Lot:
    project = access_project(user, project_id)
    try:
        lot = Lot.objects.get(pk=int(str(lot_id)), project=project)
    except (Lot.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    lot.project = project
    return lot


def access_bid(lot: Lot, bid_id: object) -> Bid:
    try:
        return Bid.objects.get(pk=int(str(bid_id)), lot=lot)
    except (Bid.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if not whole else (part / whole * 100).quantize(Decimal("0.01"))


def _sum_if(field: str, condition: Q) -> Sum:
    # Sum(field, filter=...) on a DecimalField fails on SQLite ("misuse of aggregate
    # function SUM()": Django casts the filtered aggregate); a CASE inside works on both.
    return Sum(Case(When(condition, then=field), output_field=DecimalField()))


def yearly_report(user: Any, year: int) -> list[dict[str, Any]]:
    """Per agency of the officer, for projects decided in ``year``: budgets, the shares
    reserved for SMEs, and the amounts awarded to SMEs and to small and micro firms."""
    agencies = procurement_agency_ids(user)
    projects = (
        Project.objects.filter(agency_id__in=agencies, decided_on__year=year)
        .values("agency_id", "agency__name")
        .annotate(
            project_count=Count("id"),
            budget_sum=Sum("budget"),
            sme_min_sum=Sum("sme_reserved_min"),
            small_min_sum=Sum("small_micro_reserved_min"),
        )
        .order_by("agency__name")
    )
    reserved = {
        r["project__agency_id"]: r
        for r in Lot.objects.filter(project__agency_id__in=agencies, project__decided_on__year=year)
        .values("project__agency_id")
        .annotate(
            reserved_sum=_sum_if("budget", Q(reserved=True, reverted=False)),
            reverted_sum=_sum_if("budget", Q(reserved=True, reverted=True)),
        )
    }
    sme = Q(bid__declared_scale__in=["micro", "small", "medium"])
    small = Q(bid__declared_scale__in=["micro", "small"])
    awards = {
        r["lot__project__agency_id"]: r
        for r in Award.objects.filter(
            lot__project__agency_id__in=agencies, lot__project__decided_on__year=year
        )
        .values("lot__project__agency_id")
        .annotate(
            awarded_sum=Sum("amount"),
            to_sme=_sum_if("amount", sme),
            to_small_micro=_sum_if("amount", small),
            reserved_count=Count("id", filter=Q(reserved=True)),
        )
    }
    rows = []
    for p in projects:
        lots = reserved.get(p["agency_id"], {})
        a = awards.get(p["agency_id"], {})
        awarded = a.get("awarded_sum") or ZERO
        to_sme = a.get("to_sme") or ZERO
        to_small = a.get("to_small_micro") or ZERO
        reserved_budget = lots.get("reserved_sum") or ZERO
        rows.append(
            {
                "agency": p["agency__name"],
                "year": year,
                "projects": p["project_count"],
                "budget": p["budget_sum"] or ZERO,
                "sme_reserved_min": p["sme_min_sum"] or ZERO,
                "small_micro_reserved_min": p["small_min_sum"] or ZERO,
                "reserved_budget": reserved_budget,
                "reverted_budget": lots.get("reverted_sum") or ZERO,
                "reserved_share": _share(reserved_budget, p["budget_sum"] or ZERO),
                "awarded": awarded,
                "awarded_to_sme": to_sme,
                "awarded_to_small_micro": to_small,
                "sme_share": _share(to_sme, awarded),
                "small_micro_share": _share(to_small, awarded),
                "reserved_contracts": a.get("reserved_count") or 0,
            }
        )
    return rows
