"""The ledger (账本) in the database: accounts, postings, entries, holds, operations.

Rows are written only by ``rainforest.ledger.services``; postings and entries are never
updated or deleted. An account's ``balance`` and ``held`` are caches of its entries and
open holds, kept under a row lock and checked by ``selectors.verify_ledger``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from rainforest.core.ledger import ACCOUNT_CODE_MAX_LENGTH, KEY_MAX_LENGTH, MEMO_MAX_LENGTH

ZERO = Decimal("0.00")


def _money(verbose_name: Any, **options: Any) -> Any:
    """Yuan to the fen, up to 10^18: room above core.money.MAX_YUAN (10^15)."""
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=2, **options)


class AccountKind(models.TextChoices):
    BUDGET = "budget", _("预算")
    VOUCHER = "voucher", _("券")
    RECEIVABLE = "receivable", _("应收")
    FUNDING = "funding", _("资金来源")
    BANK = "bank", _("银行")
    OTHER = "other", _("其他")


class LedgerAccount(models.Model):
    code = models.CharField(_("账户代码"), max_length=ACCOUNT_CODE_MAX_LENGTH, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=AccountKind.choices)
    allow_negative = models.BooleanField(_("允许负余额"), default=False)
    balance = _money(_("余额"), default=ZERO)
    held = _money(_("冻结金额"), default=ZERO)
    created_at = models.DateTimeField(_("开立时间"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("账户")
        verbose_name_plural = _("账户")
        constraints = [
            # The last line of defence behind check_available: a non-negative account's
            # available amount never drops below zero, whatever the code above does.
            models.CheckConstraint(
                condition=Q(allow_negative=True) | Q(balance__gte=F("held")),
                name="ledger_account_available_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(held__gte=0), name="ledger_account_held_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def available(self) -> Decimal:
        return self.balance - self.held


class LedgerPosting(models.Model):
    """One balanced movement of money (记账凭证). ``key`` is its idempotency key."""

    key = models.CharField(_("幂等键"), max_length=KEY_MAX_LENGTH, unique=True)
    memo = models.CharField(_("摘要"), max_length=MEMO_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("记账时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")

    def __str__(self) -> str:
        return self.key


class LedgerEntry(models.Model):
    """One line of a posting: a positive amount increases the account's balance."""

    posting = models.ForeignKey(LedgerPosting, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount = _money(_("金额"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        indexes = [models.Index(fields=["account", "id"], name="ledger_entry_account_id")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_not_zero"),
            models.UniqueConstraint(
                fields=["posting", "account"], name="ledger_entry_one_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount}"


class HoldStatus(models.TextChoices):
    OPEN = "open", _("冻结中")
    CAPTURED = "captured", _("已扣划")
    RELEASED = "released", _("已解冻")


class LedgerHold(models.Model):
    """An amount reserved on an account (冻结), later captured or released exactly once."""

    key = models.CharField(_("幂等键"), max_length=KEY_MAX_LENGTH, unique=True)
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="holds")
    amount = _money(_("冻结金额"))
    captured_amount = _money(_("扣划金额"), default=ZERO)
    status = models.CharField(
        _("状态"), max_length=10, choices=HoldStatus.choices, default=HoldStatus.OPEN
    )
    capture_posting = models.OneToOneField(
        LedgerPosting, null=True, blank=True, on_delete=models.PROTECT, related_name="captured_hold"
    )
    created_at = models.DateTimeField(_("冻结时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("完结时间"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("冻结")
        verbose_name_plural = _("冻结")
        indexes = [models.Index(fields=["account", "status"], name="ledger_hold_account_status")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_hold_amount_positive"),
            models.CheckConstraint(
                condition=Q(captured_amount__gte=0) & Q(captured_amount__lte=F("amount")),
                name="ledger_hold_captured_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class OperationKind(models.TextChoices):
    POST = "post", _("记账")
    HOLD = "hold", _("冻结")
    CAPTURE = "capture", _("扣划")
    RELEASE = "release", _("解冻")


class LedgerOperation(models.Model):
    """Every idempotency key ever accepted, with the fingerprint of its request.

    One table for all four operations, so a key is unique across them and a retry is
    recognised (or refused) by the same lookup whichever operation it is.
    """

    key = models.CharField(_("幂等键"), max_length=KEY_MAX_LENGTH, unique=True)
    kind = models.CharField(_("操作"), max_length=10, choices=OperationKind.choices)
    fingerprint = models.CharField(max_length=64)
    posting = models.ForeignKey(
        LedgerPosting, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hold = models.ForeignKey(
        LedgerHold, null=True, blank=True, on_delete=models.PROTECT, related_name="operations"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("账本操作")
        verbose_name_plural = _("账本操作")

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
