"""Organisations (统一社会信用代码), people and their roles."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from rainforest.accounts.roles import STAFF_ROLES, Role


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    UNIVERSITY = "university", _("高校")
    INSTITUTE = "institute", _("科研机构")
    AGENCY = "agency", _("政府部门")
    BANK = "bank", _("银行")
    PROVIDER = "provider", _("服务商")
    OTHER = "other", _("其他")


class Organisation(models.Model):
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=OrganisationKind.choices)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("组织")
        verbose_name_plural = _("组织")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Staff roles also need a TOTP second factor."""

    display_name = models.CharField(_("姓名"), max_length=100, blank=True)
    totp_secret = models.CharField(max_length=64, blank=True)
    preferred_language = models.CharField(max_length=10, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def role_set(self) -> frozenset[str]:
        """Every role this person holds in any organisation (cached per instance)."""
        cached: frozenset[str] | None = getattr(self, "_role_set", None)
        if cached is None:
            cached = frozenset(self.memberships.values_list("role", flat=True))
            self._role_set = cached
        return cached

    def needs_second_factor(self) -> bool:
        return bool(self.role_set() & STAFF_ROLES)


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}: {self.role}"


class ApiToken(models.Model):
    """A token for systems calling the API. Only the SHA-256 of the token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class LoginAttempt(models.Model):
    """Every sign-in attempt, kept for rate limiting and for the security log."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    succeeded = models.BooleanField()
    stage = models.CharField(max_length=10, default="password")  # password | totp
    at = models.DateTimeField(auto_now_add=True, db_index=True)
