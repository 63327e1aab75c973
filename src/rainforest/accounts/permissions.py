"""Permission predicates. Each is a plain function of the person and the object.

They are tested as truth tables (tests/accounts/test_permissions.py); views, API
endpoints and selectors call them rather than repeating the conditions.
"""

from __future__ import annotations

from typing import Any

from rainforest.accounts.roles import STAFF_ROLES, Role


def _roles(user: Any) -> frozenset[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    roles: frozenset[str] = user.role_set()
    return roles


def is_staff(user: Any) -> bool:
    """Bureau staff act on everyone's cases (after the second factor)."""
    return bool(_roles(user) & STAFF_ROLES)


def has_role(user: Any, role: str) -> bool:
    return role in _roles(user)


def org_ids(user: Any) -> frozenset[int]:
    """The organisations a person belongs to, in any role."""
    if not _roles(user):
        return frozenset()
    cached: frozenset[int] | None = getattr(user, "_org_ids", None)
    if cached is None:
        cached = frozenset(user.memberships.values_list("organisation_id", flat=True))
        user._org_ids = cached
    return cached


def roles_in_org(user: Any, organisation_id: int) -> frozenset[str]:
    if not _roles(user):
        return frozenset()
    return frozenset(
        user.memberships.filter(organisation_id=organisation_id).values_list("role", flat=True)
    )


def case_roles(user: Any, case: Any) -> frozenset[str]:
    """The roles a person acts in on this case: staff roles anywhere, others in the owner org."""
    staff = _roles(user) & STAFF_ROLES
    return frozenset(staff | roles_in_org(user, case.owner_org_id))


def can_file_pledge(user: Any) -> bool:
    return has_role(user, Role.BANK_OFFICER)


def can_review_pledge(user: Any) -> bool:
    return has_role(user, Role.PROGRAMME_OFFICER)
