"""Reading pledge registrations: only through case visibility."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404

from rainforest.cases.selectors import visible_cases
from rainforest.finance.models import PledgeRegistration


def visible_pledges(user: Any) -> QuerySet[PledgeRegistration]:
    return PledgeRegistration.objects.select_related("case", "pledgee_bank").filter(
        case__in=visible_cases(user)
    )


def access_pledge(user: Any, pledge_id: int) -> PledgeRegistration:
    """The one way to load a registration; a stranger cannot tell it exists."""
    try:
        return visible_pledges(user).get(pk=int(pledge_id))
    except (PledgeRegistration.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def monthly_totals(user: Any) -> list[dict[str, Any]]:
    """Registered pledges by month: count, amount, inclusive (普惠) count and amount."""
    rows = (
        visible_pledges(user)
        .filter(registered_at__isnull=False)
        .annotate(month=TruncMonth("registered_at"))
        .values("month")
        .annotate(
            count=Count("id"),
            amount=Sum("loan_amount"),
            inclusive_count=Count("id", filter=Q(inclusive=True)),
            inclusive_amount=Sum("loan_amount", filter=Q(inclusive=True)),
        )
        .order_by("-month")
    )
    return [
        {
            "month": r["month"].strftime("%Y-%m"),
            "count": r["count"],
            "amount": r["amount"] or Decimal("0.00"),
            "inclusive_count": r["inclusive_count"],
            "inclusive_amount": r["inclusive_amount"] or Decimal("0.00"),
        }
        for r in rows
    ]
