"""Who sees the leadership dashboard, and of which processes.

The dashboard shows figures over every case of a process, so only people who may see
every case of that process see it (``cases.permissions.staff_process_codes``), and only
in a leadership role: administrators (the bureau's leadership accounts) and programme
officers. Applicants, banks, experts and providers never see it: for them the page and
the API answer "not found", as for any object they may not see.
"""

from __future__ import annotations

from typing import Any

from rainforest.accounts.roles import Role
from rainforest.cases.permissions import staff_process_codes

DASHBOARD_ROLES = frozenset({Role.ADMINISTRATOR, Role.PROGRAMME_OFFICER})


def dashboard_process_codes(user: Any) -> frozenset[str]:
    """Processes whose cycle times this person may see; empty when none."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if not (user.role_set() & DASHBOARD_ROLES):
        return frozenset()
    return staff_process_codes(user)


def can_see_dashboard(user: Any) -> bool:
    return bool(dashboard_process_codes(user))
