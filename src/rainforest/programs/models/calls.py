"""Calls for applications (申请指南): what is funded, who may apply, how it is reviewed."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rainforest.programs.models.proposals import MONEY, Field, Proposal


class OrganisationMode(models.TextChoices):
    STANDARD = "standard", _("常规")
    OWNER = "owner", _("业主制")
    MANAGER = "manager", _("项目经理人制")
    CHALLENGE = "challenge", _("揭榜挂帅")
    LUMP_SUM = "lump_sum", _("包干制")


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    CLOSED = "closed", _("已结束")


class Call(models.Model):
    """A guideline (申请指南); public once published."""

    number = models.CharField(_("指南编号"), max_length=40, unique=True)
    title = models.CharField(_("指南名称"), max_length=200)
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="calls")
    summary = models.TextField(_("指南说明"), blank=True)
    funding_per_project = models.DecimalField(_("单项资助上限（元）"), **MONEY)
    funding_total = models.DecimalField(_("资助总额（元）"), **MONEY)
    projects_planned = models.PositiveIntegerField(_("拟支持项目数"))
    # Eligibility (申报条件)
    require_city_registration = models.BooleanField(_("须在本市注册"), default=True)
    min_self_funding_percent = models.DecimalField(
        _("自筹资金比例不低于（%）"), max_digits=5, decimal_places=2, default=Decimal("0.00")
    )
    max_concurrent_per_pi = models.PositiveIntegerField(_("项目负责人同期主持项目数上限"))
    required_attachments = models.JSONField(_("必须提交的附件"), default=list)
    organisation_mode = models.CharField(
        _("组织方式"),
        max_length=20,
        choices=OrganisationMode.choices,
        default=OrganisationMode.STANDARD,
    )
    opens_at = models.DateTimeField(_("申报开始时间"))
    closes_at = models.DateTimeField(_("申报截止时间"))
    # Stage time limits in working days, copied from the parameters in force when the call
    # was drafted and changed per call; ``limits_version`` names the version copied.
    stage_limits = models.JSONField(default=dict)
    limits_version = models.CharField(max_length=60)
    notice_period_workdays = models.PositiveIntegerField(_("公示期（工作日）"))
    status = models.CharField(max_length=12, choices=CallStatus.choices, default=CallStatus.DRAFT)
    source_proposals = models.ManyToManyField(Proposal, blank=True, related_name="calls")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        indexes = [models.Index(fields=["status", "closes_at"])]
        verbose_name = _("申请指南")
        verbose_name_plural = _("申请指南")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def stage_limit(self, stage: str) -> int | None:
        value = self.stage_limits.get(stage)
        return int(value) if value is not None else None


class CallDirection(models.Model):
    """A research direction of a call (研究方向) with its target indicators (考核指标)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="directions")
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(_("方向名称"), max_length=200)
    content = models.TextField(_("研究内容"), blank=True)
    target_indicators = models.TextField(_("考核指标"))

    class Meta:
        ordering = ["call", "order", "id"]


class ReviewCriterion(models.Model):
    """A review criterion with its weight; a call's weights add up to 100."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveIntegerField(default=0)
    name = models.CharField(_("评审标准"), max_length=100)
    weight = models.PositiveIntegerField(_("权重"))

    class Meta:
        ordering = ["call", "order", "id"]
