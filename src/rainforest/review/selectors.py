"""Reading review data: experts see only what they were drawn for; applicants see nothing."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from rainforest.review.models import Assignment, Draw, Expert, ExpertStatus, Panel
from rainforest.review.permissions import can_manage_review, expert_of


def visible_assignments(user: Any) -> QuerySet[Assignment]:
    base = Assignment.objects.select_related("expert", "draw", "sheet").order_by("due_at", "id")
    if can_manage_review(user):
        return base
    expert = expert_of(user)
    if expert is None:
        return base.none()
    return base.filter(expert=expert)


def access_assignment(user: Any, assignment_id: object) -> Assignment:
    """The one way to load an assignment; others cannot tell whether it exists (404)."""
    try:
        return visible_assignments(user).get(pk=int(str(assignment_id)))
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def my_assignments(user: Any) -> QuerySet[Assignment]:
    expert = expert_of(user)
    if expert is None:
        return Assignment.objects.none()
    return (
        Assignment.objects.filter(expert=expert)
        .select_related("draw")
        .order_by("status", "due_at", "id")
    )


def access_draw(user: Any, draw_id: object) -> Draw:
    if not can_manage_review(user):
        raise Http404
    try:
        return Draw.objects.get(pk=int(str(draw_id)))
    except (Draw.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_expert(user: Any, expert_id: object) -> Expert:
    if not can_manage_review(user):
        raise Http404
    try:
        return Expert.objects.get(pk=int(str(expert_id)))
    except (Expert.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def expert_pool(user: Any, *, status: str = "") -> QuerySet[Expert]:
    if not can_manage_review(user):
        return Expert.objects.none()
    qs = Expert.objects.all().order_by("status", "name", "id")
    if status in ExpertStatus.values:
        qs = qs.filter(status=status)
    return qs


def draw_assignments(draw: Draw) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(draw=draw)
        .select_related("expert", "sheet", "replaced_by__expert")
        .order_by("item_ref", "id")
    )


def visible_panels(user: Any) -> QuerySet[Panel]:
    """Staff see every panel; an expert the panels they sit on; anybody else none."""
    base = Panel.objects.select_related("chair").order_by("session_at", "id")
    if can_manage_review(user):
        return base
    expert = expert_of(user)
    if expert is None:
        return base.none()
    return base.filter(members=expert)


def access_panel(user: Any, panel_id: object) -> Panel:
    """The one way to load a panel; an expert not on it cannot tell it exists (404)."""
    try:
        return visible_panels(user).get(pk=int(str(panel_id)))
    except (Panel.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def my_expert(user: Any) -> Expert:
    """The signed-in person's own expert record, whatever its status, or 404."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise Http404
    expert = Expert.objects.filter(user=user).first()
    if expert is None:
        raise Http404
    return expert
