"""Reading the enterprise registry: lists, counts for the charts, one enterprise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from rainforest.accounts.models import Organisation
from rainforest.enterprises import domain
from rainforest.enterprises.models import Enterprise, TierHolding
from rainforest.enterprises.permissions import can_view_registry


def _valid_on(today: date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": today})


@dataclass(frozen=True)
class RegistryFilters:
    q: str = ""
    district: str = ""
    industry: str = ""
    tier: str = ""


def registry_list(filters: RegistryFilters, today: date) -> QuerySet[Enterprise]:
    """Enterprises matching the filters, each with its holdings (two queries in all)."""
    qs = Enterprise.objects.prefetch_related(
        Prefetch("holdings", queryset=TierHolding.objects.order_by("tier", "-awarded_on"))
    )
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(uscc__icontains=filters.q.upper()))
    if filters.district:
        qs = qs.filter(district=filters.district)
    if filters.industry:
        qs = qs.filter(industry=filters.industry)
    if filters.tier:
        held = TierHolding.objects.filter(_valid_on(today), tier=filters.tier)
        qs = qs.filter(pk__in=held.values("enterprise_id"))
    return qs.order_by("name", "id")


def _user_usccs(user: Any) -> QuerySet[Organisation, Any]:
    return Organisation.objects.filter(memberships__user=user).values("uscc")


def enterprises_of(user: Any) -> list[Enterprise]:
    """The registry entries of the organisations a person belongs to."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Enterprise.objects.filter(uscc__in=_user_usccs(user)).order_by("name", "id"))


def access_enterprise(user: Any, enterprise_id: int) -> Enterprise:
    """Staff see any enterprise, its own people see it; nobody else learns it exists."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    qs = Enterprise.objects.select_related("organisation").prefetch_related(
        Prefetch("holdings", queryset=TierHolding.objects.order_by("tier", "-awarded_on"))
    )
    if not can_view_registry(user):
        qs = qs.filter(uscc__in=_user_usccs(user))
    try:
        return qs.get(pk=int(enterprise_id))
    except (Enterprise.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def tier_counts(today: date) -> list[tuple[str, int]]:
    """Enterprises holding each tier today, top of the pyramid first (one query)."""
    rows = dict(
        TierHolding.objects.filter(_valid_on(today))
        .values("tier")
        .annotate(n=Count("enterprise_id", distinct=True))
        .values_list("tier", "n")
    )
    return [(tier, rows.get(tier, 0)) for tier in domain.TIERS]


def counts_by(field: str, today: date, tier: str = "") -> list[tuple[str, int]]:
    """Enterprises by district or industry, every code listed (zero too), one query."""
    if field not in ("district", "industry"):
        raise ValueError(f"cannot count enterprises by {field!r}")
    qs = Enterprise.objects.all()
    if tier:
        held = TierHolding.objects.filter(_valid_on(today), tier=tier)
        qs = qs.filter(pk__in=held.values("enterprise_id"))
    rows = dict(qs.values(field).annotate(n=Count("id")).values_list(field, "n"))
    codes = domain.DISTRICTS if field == "district" else domain.INDUSTRIES
    return [(code, rows.get(code, 0)) for code in codes]


def holdings_of(enterprise: Enterprise) -> list[domain.Holding]:
    return [domain.Holding(h.tier, h.valid_until) for h in enterprise.holdings.all()]
