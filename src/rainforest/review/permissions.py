"""Who may do what in expert review; plain predicates of the person (truth-table tested)."""

from __future__ import annotations

from typing import Any

from rainforest.accounts.permissions import has_role
from rainforest.accounts.roles import Role


def can_manage_review(user: Any) -> bool:
    """Programme officers and administrators run the pool, draws and rankings."""
    return has_role(user, Role.PROGRAMME_OFFICER) or has_role(user, Role.ADMINISTRATOR)


def expert_of(user: Any) -> Any:
    """The user's active expert profile, or None (pending and suspended experts act on nothing)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    from rainforest.review.models import Expert, ExpertStatus

    cached = getattr(user, "_review_expert", False)
    if cached is False:
        cached = Expert.objects.filter(user=user, status=ExpertStatus.ACTIVE).first()
        user._review_expert = cached
    return cached


def is_expert(user: Any) -> bool:
    return expert_of(user) is not None


def can_score_panel(user: Any, panel: Any) -> bool:
    """Staff (the meeting's secretary) and the panel's chair record the panel's scores."""
    if can_manage_review(user):
        return True
    return bool(getattr(user, "is_authenticated", False) and panel.chair.user_id == user.pk)
