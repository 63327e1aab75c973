"""Template context: the navigation a person sees follows their roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rainforest.web.navigation import links_for, public_links


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    roles: frozenset[str] = frozenset()
    if user is not None and user.is_authenticated:
        roles = user.role_set()
    unread = 0
    if roles or (user is not None and user.is_authenticated):
        from rainforest.cases.models import Notification

        unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {
        "nav_roles": roles,
        "unread_count": unread,
        "nav_links": links_for(roles),
        "public_links": public_links(),
    }
