"""Who may do what with vouchers. Plain predicates of the person (and an object)."""

from __future__ import annotations

from typing import Any

from rainforest.accounts.permissions import has_role
from rainforest.accounts.roles import Role


def _active(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def is_voucher_staff(user: Any) -> bool:
    """Bureau programme officers approve, settle and oversee vouchers."""
    return has_role(user, Role.PROGRAMME_OFFICER)


def org_ids_in_role(user: Any, role: str) -> frozenset[int]:
    """The organisations in which the person holds ``role`` (cached per user and role)."""
    if not _active(user) or not has_role(user, role):
        return frozenset()
    cache: dict[str, frozenset[int]] = user.__dict__.setdefault("_voucher_org_cache", {})
    if role not in cache:
        cache[role] = frozenset(
            user.memberships.filter(role=role).values_list("organisation_id", flat=True)
        )
    return cache[role]


def enterprise_ids(user: Any) -> frozenset[int]:
    """Enterprises the person applies for (申报人)."""
    return org_ids_in_role(user, Role.APPLICANT)


def provider_org_ids(user: Any) -> frozenset[int]:
    """Providers the person acts for (服务商)."""
    return org_ids_in_role(user, Role.PROVIDER)


def can_apply_for(user: Any, organisation_id: int) -> bool:
    return organisation_id in enterprise_ids(user)


def can_act_for_provider(user: Any, organisation_id: int) -> bool:
    return organisation_id in provider_org_ids(user)
