"""Who may see a case. One rule, used by the case list, every case page and endpoint.

- Staff see the cases of the processes their staff roles act in (a programme officer
  sees IP-pledge registrations; a police legal officer sees enforcement requests).
  Administrators also see every process that is not restricted.
- Everybody sees their own organisations' cases.
- A restricted process (``registry.register(..., restricted=True)``) is seen only by
  people holding a role that acts in it: nobody else learns that such a case exists.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db.models import Q

from rainforest.accounts.permissions import org_ids
from rainforest.accounts.roles import STAFF_ROLES, Role
from rainforest.cases import registry


def _roles(user: Any) -> frozenset[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    roles: frozenset[str] = user.role_set()
    return roles


def staff_process_codes(user: Any) -> frozenset[str]:
    """Processes whose every case this person may see in a staff role."""
    return _codes_for(_roles(user), registry.generation())[0]


def hidden_process_codes(user: Any) -> frozenset[str]:
    """Restricted processes this person holds no role in."""
    return _codes_for(_roles(user), registry.generation())[1]


@lru_cache(maxsize=256)
def _codes_for(roles: frozenset[str], generation: int) -> tuple[frozenset[str], frozenset[str]]:
    """(staff-visible, hidden) process codes for a set of roles.

    Cached per set of roles and registry generation: the answer depends on nothing else,
    and every case list and case page asks it.
    """
    staff = roles & STAFF_ROLES
    codes: set[str] = set()
    if staff:
        codes = {c for c in registry.codes() if registry.acting_roles(c) & staff}
        if Role.ADMINISTRATOR in roles:
            codes |= {c for c in registry.codes() if not registry.is_restricted(c)}
    hidden = {
        c
        for c in registry.codes()
        if registry.is_restricted(c) and not (registry.acting_roles(c) & roles)
    }
    return frozenset(codes), frozenset(hidden)


def visibility(user: Any) -> tuple[tuple[str, ...], tuple[int, ...], tuple[str, ...]]:
    """Everything the case filter depends on: (staff codes, own organisations, hidden codes).

    Equal answers give the same filter, so callers may cache work done on the filter
    (the case list caches its compiled SQL) under this key.
    """
    return (
        tuple(sorted(staff_process_codes(user))),
        tuple(sorted(org_ids(user))),
        tuple(sorted(hidden_process_codes(user))),
    )


def visible_cases_q(user: Any) -> Q | None:
    """The filter for the cases this person may see; None when they may see none."""
    staff_codes, own, hidden = visibility(user)
    parts: list[Q] = []
    if staff_codes:
        parts.append(Q(process_code__in=staff_codes))
    if own:
        mine = Q(owner_org_id__in=own)
        if hidden:
            mine &= ~Q(process_code__in=hidden)
        parts.append(mine)
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


def can_view_case(user: Any, case: Any) -> bool:
    if case.process_code in staff_process_codes(user):
        return True
    if case.process_code in hidden_process_codes(user):
        return False
    return case.owner_org_id in org_ids(user)
