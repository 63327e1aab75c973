"""Reading enforcement requests: police legal officers only; others find nothing."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404

from rainforest.enforcement import domain
from rainforest.enforcement.models import EnforcementRequest
from rainforest.enforcement.permissions import is_police_legal
from rainforest.enforcement.process import OUTCOME_OF_STAGE, OUTCOMES


def visible_requests(user: Any) -> QuerySet[EnforcementRequest]:
    qs = EnforcementRequest.objects.select_related("case", "case__owner_org")
    if not is_police_legal(user):
        return qs.none()
    return qs


def access_request(user: Any, request_id: int | str) -> EnforcementRequest:
    """The one way to load a request; to anyone else it does not exist (404)."""
    if not is_police_legal(user):
        raise Http404
    try:
        return (
            visible_requests(user)
            .select_related("case__created_by")
            .prefetch_related("persons", "case__attachments")
            .get(pk=int(request_id))
        )
    except (EnforcementRequest.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def require_police(user: Any) -> None:
    """Pages and endpoints of the module: 404 to anyone but a police legal officer."""
    if not is_police_legal(user):
        raise Http404


def monthly_report(user: Any, *, year: int | None = None) -> list[dict[str, Any]]:
    """Requests received per month, by approval level and outcome; latest month first.

    Each row: ``{"month": "2026-09", "total": n, "by_level": {level: {outcome: n}}}`` with
    every level and outcome present (zeros included), so the table has no gaps.
    """
    qs = visible_requests(user)
    if year is not None:
        qs = qs.filter(received_at__year=year)
    rows = (
        qs.annotate(month=TruncMonth("received_at"))
        .values("month", "level", "case__stage")
        .annotate(n=Count("id"))
        .order_by()
    )
    months: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: {level: dict.fromkeys(OUTCOMES, 0) for level in reversed(domain.LEVELS)}
    )
    for row in rows:
        month = row["month"].strftime("%Y-%m")
        outcome = OUTCOME_OF_STAGE.get(row["case__stage"], "pending")
        months[month][row["level"]][outcome] += row["n"]
    return [
        {
            "month": month,
            "total": sum(sum(v.values()) for v in by_level.values()),
            "by_level": by_level,
        }
        for month, by_level in sorted(months.items(), reverse=True)
    ]
