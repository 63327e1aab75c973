"""API authentication: the browser's session, or a bearer token for systems."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from rainforest.accounts.middleware import SESSION_KEY
from rainforest.accounts.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # One query for the token, its user and the user's roles (one row per role).
        rows = list(
            ApiToken.objects.select_related("user")
            .filter(
                key_hash=ApiToken.hash_key(token), revoked_at__isnull=True, user__is_active=True
            )
            .annotate(member_role=F("user__memberships__role"))
        )
        if not rows:
            return None
        found = rows[0]
        user = found.user
        user._role_set = frozenset(r.member_role for r in rows if r.member_role)
        now = timezone.now()
        # Record use at most once a minute: a write on every request would serialise readers.
        if found.last_used_at is None or now - found.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; staff only after the second factor."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if user.needs_second_factor() and not request.session.get(SESSION_KEY):
            return None
        return user


token_auth = TokenAuth()
session_auth = SessionAuth()
AUTH = [token_auth, session_auth]
