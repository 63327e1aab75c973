"""AI vouchers (训力券 / 模型券 / 语料券): providers, applications, vouchers, redemptions,
settlements. Money lives on the ledger; these rows say what each posting was for.

Written only by ``rainforest.vouchers.services``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rainforest.accounts.models import Organisation
from rainforest.cases.models import Case
from rainforest.ledger.models import LedgerAccount, LedgerHold, LedgerPosting


def _money(verbose_name: Any, **options: Any) -> Any:
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=2, **options)


class VoucherType(models.TextChoices):
    COMPUTE = "compute", _("训力券")
    MODEL = "model", _("模型券")
    CORPUS = "corpus", _("语料券")


class Budget(models.Model):
    """One kind of voucher's budget for one year (年度预算), held on a ledger account."""

    voucher_type = models.CharField(_("券种"), max_length=10, choices=VoucherType.choices)
    year = models.PositiveIntegerField(_("年度"))
    amount = _money(_("年度预算"))
    account = models.OneToOneField(LedgerAccount, on_delete=models.PROTECT, related_name="+")
    parameters_version = models.CharField(max_length=60)
    opened_at = models.DateTimeField()

    class Meta:
        ordering = ["-year", "voucher_type"]
        constraints = [
            models.UniqueConstraint(fields=["voucher_type", "year"], name="voucher_budget_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_voucher_type_display()}"


class DishonestListing(models.Model):
    """失信被执行人名单: reference data kept by staff (admin), read by the eligibility rule."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    listed_on = models.DateField(_("列入日期"))
    removed_on = models.DateField(_("移出日期"), null=True, blank=True)

    class Meta:
        ordering = ["uscc"]
        verbose_name = _("失信被执行人名单")
        verbose_name_plural = _("失信被执行人名单")

    def __str__(self) -> str:
        return f"{self.uscc} {self.name}"


class ProviderStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已登记")
    REJECTED = "rejected", _("不予登记")
    SUSPENDED = "suspended", _("已暂停")


class Provider(models.Model):
    """A compute, model or corpus provider (服务商), registered through a case."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="voucher_provider"
    )
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="voucher_provider")
    voucher_types = models.JSONField(_("服务类别"), default=list)  # ["compute", ...]
    legal_representative = models.CharField(_("法定代表人"), max_length=100)
    shareholders = models.JSONField(_("股东"), default=list)  # [{"name", "percent"}]
    services = models.TextField(_("服务内容"))
    price_list = models.TextField(_("价格清单"))
    bank_name = models.CharField(_("开户银行"), max_length=200)
    bank_account = models.CharField(_("银行账号"), max_length=40)
    status = models.CharField(
        _("状态"), max_length=10, choices=ProviderStatus.choices, default=ProviderStatus.PENDING
    )
    registered_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    suspended_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return self.organisation.name


class ApplicationStatus(models.TextChoices):
    REVIEW = "review", _("审核中")
    ISSUED = "issued", _("已发券")
    REJECTED = "rejected", _("不予发券")
    WITHDRAWN = "withdrawn", _("已撤回")


class VoucherApplication(models.Model):
    """An enterprise's application for one voucher (申领)."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="voucher_application")
    enterprise = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="voucher_applications"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="applications")
    voucher_type = models.CharField(_("券种"), max_length=10, choices=VoucherType.choices)
    year = models.PositiveIntegerField(_("年度"))
    amount = _money(_("申领金额"))
    planned_use = models.TextField(_("计划用途"))
    contract_reference = models.CharField(_("合同或报价单编号"), max_length=200)
    legal_representative = models.CharField(_("法定代表人"), max_length=100)
    shareholders = models.JSONField(_("股东"), default=list)
    eligible = models.BooleanField(default=False)
    eligibility = models.JSONField(default=dict)  # Decision.to_dict()
    status = models.CharField(
        max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.REVIEW
    )
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "voucher_type", "year"])]

    def __str__(self) -> str:
        return self.case.number


class VoucherStatus(models.TextChoices):
    ACTIVE = "active", _("可使用")
    USED_UP = "used_up", _("已用完")
    EXPIRED = "expired", _("已到期")


class Voucher(models.Model):
    """An issued voucher. Its remaining value is its ledger account's balance."""

    number = models.CharField(_("券号"), max_length=30, unique=True)
    application = models.OneToOneField(
        VoucherApplication, on_delete=models.PROTECT, related_name="voucher"
    )
    enterprise = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="vouchers")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="vouchers")
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="vouchers")
    voucher_type = models.CharField(_("券种"), max_length=10, choices=VoucherType.choices)
    year = models.PositiveIntegerField(_("年度"))
    face_value = _money(_("面额"))
    account = models.OneToOneField(LedgerAccount, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    expires_on = models.DateField(_("到期日"))
    status = models.CharField(
        max_length=10, choices=VoucherStatus.choices, default=VoucherStatus.ACTIVE
    )
    expired_at = models.DateTimeField(null=True, blank=True)
    returned_amount = _money(_("到期退回预算"), default=0)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "voucher_type", "year"]),
            models.Index(fields=["status", "expires_on"]),
        ]

    def __str__(self) -> str:
        return self.number


class RedemptionStatus(models.TextChoices):
    PENDING = "pending", _("待企业确认")
    CONFIRMED = "confirmed", _("已确认")
    DISPUTED = "disputed", _("企业不予确认")


class Redemption(models.Model):
    """A provider's invoice paid (in part) by a voucher (核销).

    The invoice number is unique across all providers, for ever: an invoice pays once.
    A disputed invoice is not paid, and its number stays used (发票红冲后重开会有新号码).
    """

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="redemptions")
    invoice_number = models.CharField(_("发票号码"), max_length=30, unique=True)
    invoice_amount = _money(_("发票金额"))
    invoice_date = models.DateField(_("开票日期"))
    period_start = models.DateField(_("服务期间起"))
    period_end = models.DateField(_("服务期间止"))
    usage_evidence = models.TextField(_("使用情况说明"))
    subsidy = _money(_("按比例补贴"))
    amount = _money(_("券支付金额"))
    hold = models.OneToOneField(LedgerHold, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=RedemptionStatus.choices, default=RedemptionStatus.PENDING
    )
    flags = models.JSONField(default=list)  # [{"code", "zh", "en"}]
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.TextField(blank=True)
    settlement = models.ForeignKey(
        "Settlement", null=True, blank=True, on_delete=models.PROTECT, related_name="redemptions"
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["provider", "status", "decided_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="redemption_amount_positive"),
            models.CheckConstraint(
                condition=Q(settlement__isnull=True) | Q(status="confirmed"),
                name="redemption_settled_only_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return self.invoice_number


class SettlementStatus(models.TextChoices):
    OPEN = "open", _("待付款")
    PAID = "paid", _("已付款")


class Settlement(models.Model):
    """A batch of a provider's confirmed redemptions for one period (结算单)."""

    number = models.CharField(_("结算单号"), max_length=30, unique=True)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="settlements")
    period_start = models.DateField(_("结算期间起"))
    period_end = models.DateField(_("结算期间止"))
    total = _money(_("结算金额"))
    status = models.CharField(
        max_length=10, choices=SettlementStatus.choices, default=SettlementStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    paid_reference = models.CharField(_("付款凭证号"), max_length=100, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posting = models.OneToOneField(
        LedgerPosting, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number
