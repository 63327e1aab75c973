"""Who may see and change the enterprise registry. Plain predicates, tested as a table."""

from __future__ import annotations

from typing import Any

from rainforest.accounts.permissions import has_role, is_staff
from rainforest.accounts.roles import Role


def can_view_registry(user: Any) -> bool:
    """Bureau staff read the whole registry and its charts."""
    return is_staff(user)


def can_manage_registry(user: Any) -> bool:
    """Programme officers and administrators import into it."""
    return has_role(user, Role.PROGRAMME_OFFICER) or has_role(user, Role.ADMINISTRATOR)
