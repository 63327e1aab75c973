"""An agency's procurement projects (采购项目), lots, bids with the SME declaration, awards.

Each stored decision (set-aside, reversion of a lot, price deduction, enterprise size) is
the ``Decision.to_dict()`` it was made with, so it can be shown again as it was made.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rainforest.accounts.models import Organisation, User


class Category(models.TextChoices):
    GOODS = "goods", _("货物")
    SERVICES = "services", _("服务")
    WORKS = "works", _("工程")


class Outcome(models.TextChoices):
    SME_ONLY = "sme_only", _("专门面向中小企业采购")
    RESERVED_SHARE = "reserved_share", _("预留份额专门面向中小企业")
    NOT_RESERVED = "not_reserved", _("不预留份额")


class Scale(models.TextChoices):
    MICRO = "micro", _("微型企业")
    SMALL = "small", _("小型企业")
    MEDIUM = "medium", _("中型企业")
    LARGE = "large", _("大型企业")


class Project(models.Model):
    """采购项目: the buyer's project with the set-aside decision made for it."""

    agency = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="procurement_projects"
    )
    reference = models.CharField(_("项目编号"), max_length=60)
    title = models.CharField(_("项目名称"), max_length=200)
    category = models.CharField(_("采购品目类别"), max_length=10, choices=Category.choices)
    budget = models.DecimalField(_("预算金额（元）"), max_digits=16, decimal_places=2)
    suitable_for_sme = models.BooleanField(_("适宜由中小企业提供"))
    exception = models.CharField(_("不预留情形"), max_length=40, blank=True)
    decided_on = models.DateField(_("决定日期"))
    outcome = models.CharField(_("预留结论"), max_length=20, choices=Outcome.choices)
    sme_reserved_min = models.DecimalField(max_digits=16, decimal_places=2)
    small_micro_reserved_min = models.DecimalField(max_digits=16, decimal_places=2)
    decision = models.JSONField(default=dict)
    # Rates fixed in the tender documents for non-reserved lots (财库〔2020〕46号 第九条).
    small_micro_rate = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)
    consortium_rate = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "reference"], name="procurement_project_reference_unique"
            )
        ]
        indexes = [models.Index(fields=["agency", "decided_on"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class Lot(models.Model):
    """采购包. ``reserved`` is as planned; ``reverted`` when fewer than 3 SMEs qualified."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("包号"))
    title = models.CharField(_("采购包名称"), max_length=200)
    budget = models.DecimalField(_("预算金额（元）"), max_digits=16, decimal_places=2)
    reserved = models.BooleanField(_("预留给中小企业"), default=False)
    reverted = models.BooleanField(_("已转为非预留"), default=False)
    reversion = models.JSONField(default=dict, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="procurement_lot_number")
        ]

    def __str__(self) -> str:
        return f"{self.project.reference} 第{self.number}包"

    @property
    def runs_reserved(self) -> bool:
        return self.reserved and not self.reverted


class Bid(models.Model):
    """投标 with its 中小企业声明函 (items below); sizes declared are kept as declared."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="bids")
    supplier_name = models.CharField(_("供应商名称"), max_length=200)
    supplier_uscc = models.CharField(_("供应商统一社会信用代码"), max_length=18)
    price = models.DecimalField(_("投标报价（元）"), max_digits=16, decimal_places=2)
    # Share of the contract for small/micro consortium members or subcontractors (0..1).
    small_micro_share = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)
    declared_scale = models.CharField(max_length=10, choices=Scale.choices)
    has_mismatch = models.BooleanField(_("声明与测算不符"), default=False)
    submitted_at = models.DateTimeField()
    # Filled in by the evaluation.
    admissible = models.BooleanField(null=True)
    evaluation_price = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    applied_rate = models.DecimalField(max_digits=6, decimal_places=4, null=True)
    deduction = models.JSONField(default=dict, blank=True)
    rank = models.PositiveSmallIntegerField(null=True)

    class Meta:
        ordering = ["lot_id", "rank", "id"]

    def __str__(self) -> str:
        return f"{self.supplier_name} {self.price}"

    @property
    def is_sme(self) -> bool:
        return self.declared_scale != Scale.LARGE

    @property
    def is_small_micro(self) -> bool:
        return self.declared_scale in (Scale.SMALL, Scale.MICRO)


class DeclarationItem(models.Model):
    """One line of the 中小企业声明函: who makes or provides the item and how large it is."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    item_name = models.CharField(_("标的名称"), max_length=200)
    manufacturer = models.CharField(_("制造商或承接企业"), max_length=200)
    industry = models.CharField(_("所属行业"), max_length=40)
    employees = models.PositiveIntegerField(_("从业人员"), null=True, blank=True)
    revenue = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    assets = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    declared_size = models.CharField(max_length=10, choices=Scale.choices)
    computed_size = models.CharField(max_length=10, choices=Scale.choices)
    size_decision = models.JSONField(default=dict)

    class Meta:
        ordering = ["bid_id", "position"]

    def __str__(self) -> str:
        return f"{self.item_name} {self.manufacturer}"

    @property
    def mismatch(self) -> bool:
        return self.declared_size != self.computed_size


class Award(models.Model):
    """成交/中标 and the contract (采购合同); marked 「中小企业预留合同」 when reserved."""

    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="award")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="award")
    amount = models.DecimalField(_("合同金额（元）"), max_digits=16, decimal_places=2)
    reserved = models.BooleanField(_("中小企业预留合同"))
    mark = models.CharField(max_length=40, blank=True)
    contract_number = models.CharField(_("合同编号"), max_length=60, unique=True)
    awarded_at = models.DateTimeField()
    awarded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-awarded_at"]

    def __str__(self) -> str:
        return self.contract_number
