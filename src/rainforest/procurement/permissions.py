"""Who may act on procurement projects: an agency's own procurement officers (采购经办人)."""

from __future__ import annotations

from typing import Any

from rainforest.accounts.roles import Role


def procurement_agency_ids(user: Any) -> frozenset[int]:
    """The agencies in which ``user`` is a procurement officer (cached per instance)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached: frozenset[int] | None = getattr(user, "_procurement_agency_ids", None)
    if cached is None:
        cached = frozenset(
            user.memberships.filter(role=Role.PROCUREMENT_OFFICER).values_list(
                "organisation_id", flat=True
            )
        )
        user._procurement_agency_ids = cached
    return cached


def is_procurement_officer(user: Any) -> bool:
    return bool(procurement_agency_ids(user))


def is_procurement_officer_of(user: Any, agency_id: int) -> bool:
    return agency_id in procurement_agency_ids(user)
