"""Who may see a case. One rule, used by the case list, every case page and endpoint.

- Staff see the cases of the processes their staff roles act in (a programme officer
  sees IP-pledge registrations; a police legal officer sees enforcement requests).
  Administrators also see every process that is not restricted.
- Everybody sees their own organisations' cases.
- A restricted process (``registry.register(..., restricted=True)``) is seen only by
  people holding a role that acts in it: nobody else learns that such a case exists.
"""

from __future__ import annotations

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
    roles = _roles(user)
    staff = roles & STAFF_ROLES
    if not staff:
        return frozenset()
    codes = {c for c in registry.codes() if registry.acting_roles(c) & staff}
    if Role.ADMINISTRATOR in roles:
        codes |= {c for c in registry.codes() if not registry.is_restricted(c)}
    return frozenset(codes)


def hidden_process_codes(user: Any) -> frozenset[str]:
    """Restricted processes this person holds no role in."""
    roles = _roles(user)
    return frozenset(
        c
        for c in registry.codes()
        if registry.is_restricted(c) and not (registry.acting_roles(c) & roles)
    )


def visible_cases_q(user: Any) -> Q | None:
    """The filter for the cases this person may see; None when they may see none."""
    staff_codes = staff_process_codes(user)
    own = org_ids(user)
    parts: list[Q] = []
    if staff_codes:
        parts.append(Q(process_code__in=sorted(staff_codes)))
    if own:
        mine = Q(owner_org_id__in=sorted(own))
        hidden = hidden_process_codes(user)
        if hidden:
            mine &= ~Q(process_code__in=sorted(hidden))
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
