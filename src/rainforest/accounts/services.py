"""Signing in: password, rate limit on failures, TOTP second factor for staff."""

from __future__ import annotations

import logging
from datetime import timedelta

import pyotp
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from rainforest.accounts.models import LoginAttempt, User

security_log = logging.getLogger("rainforest.security")


def login_locked(*, username: str, ip: str | None) -> bool:
    """Too many recent failures for this username or from this address."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    who = Q(username__iexact=username)
    if ip:
        who |= Q(ip_address=ip)
    failures = LoginAttempt.objects.filter(who, succeeded=False, at__gte=since).count()
    return failures >= settings.LOGIN_FAILURE_LIMIT


def login_attempt_record(*, username: str, ip: str | None, succeeded: bool, stage: str) -> None:
    LoginAttempt.objects.create(
        username=username[:150], ip_address=ip, succeeded=succeeded, stage=stage
    )
    level = logging.INFO if succeeded else logging.WARNING
    security_log.log(
        level,
        "login %s stage=%s user=%r ip=%s",
        "ok" if succeeded else "failed",
        stage,
        username,
        ip,
    )


def totp_verify(user: User, code: str) -> bool:
    if not user.totp_secret:
        return False
    code = "".join(code.split())
    return pyotp.TOTP(user.totp_secret).verify(code, valid_window=1)


def totp_current(user: User) -> str:
    """The code an authenticator shows now (used by demo mode and tests)."""
    return pyotp.TOTP(user.totp_secret).now()
