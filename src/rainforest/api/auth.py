"""API authentication: the browser's session, or a bearer token for systems."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from rainforest.accounts.middleware import SESSION_KEY
from rainforest.accounts.models import ApiToken, User
from rainforest.compiled import cached_values

_USER_FIELDS = [f.attname for f in User._meta.concrete_fields]


def _token_rows(key_hash: str) -> list[dict[str, Any]]:
    """The live token, its active user and the user's memberships, one row per membership.

    Every API call by a system asks this, so its SQL is compiled once (``rainforest.compiled``);
    the roles and organisations that every permission check needs come with it.
    """

    def build() -> Any:
        return ApiToken.objects.filter(
            key_hash=key_hash, revoked_at__isnull=True, user__is_active=True
        ).values(
            "id",
            "last_used_at",
            *(f"user__{f}" for f in _USER_FIELDS),
            member_role=F("user__memberships__role"),
            member_org=F("user__memberships__organisation_id"),
        )

    return cached_values("api_token_auth", build, varying=(key_hash,))


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        rows = _token_rows(ApiToken.hash_key(token))
        if not rows:
            return None
        found = rows[0]
        user = User.from_db("default", _USER_FIELDS, [found[f"user__{f}"] for f in _USER_FIELDS])
        user._role_set = frozenset(r["member_role"] for r in rows if r["member_role"])
        user._org_ids = frozenset(r["member_org"] for r in rows if r["member_org"] is not None)
        now = timezone.now()
        # Record use at most once a minute: a write on every request would serialise readers.
        last_used = found["last_used_at"]
        if last_used is None or now - last_used > timedelta(minutes=1):
            ApiToken.objects.filter(pk=found["id"]).update(last_used_at=now)
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
