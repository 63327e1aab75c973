"""Fields (学科/领域), proposal windows (项目建议征集) and proposals (项目建议)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rainforest.accounts.models import Organisation
from rainforest.cases.models import Case

MONEY = {"max_digits": 16, "decimal_places": 2}


class Field(models.Model):
    """A field of science or a key industry area (学科/领域), reference data."""

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name_zh = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("领域")
        verbose_name_plural = _("领域")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class ProposalWindow(models.Model):
    """A period in which anyone registered may propose projects for a field."""

    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="windows")
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    # Working days staff have to review each proposal (项目建议评审), set per window.
    review_limit_workdays = models.PositiveIntegerField(_("评审时限（工作日）"))
    limits_version = models.CharField(max_length=60)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("项目建议征集")
        verbose_name_plural = _("项目建议征集")

    def __str__(self) -> str:
        return self.title


class Proposal(models.Model):
    """A project proposal; its review runs as a case (process ``programs_proposal``)."""

    window = models.ForeignKey(ProposalWindow, on_delete=models.PROTECT, related_name="proposals")
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="proposals")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="proposal")
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="programme_proposals"
    )
    proposer_org = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="programme_proposals"
    )
    title = models.CharField(_("建议名称"), max_length=200)
    problem = models.TextField(_("拟解决的问题"))
    target_indicators = models.TextField(_("目标指标"))
    why_now = models.TextField(_("必要性与紧迫性"))
    suggested_budget = models.DecimalField(_("建议经费（元）"), **MONEY)
    submitted_at = models.DateTimeField()
    # Staff group related proposals under one label before drafting a guideline.
    group = models.CharField(_("分组"), max_length=100, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["field", "submitted_at"])]
        verbose_name = _("项目建议")
        verbose_name_plural = _("项目建议")

    def __str__(self) -> str:
        return self.title

    @property
    def text(self) -> str:
        """What near-duplicate detection compares."""
        return f"{self.title}\n{self.problem}\n{self.target_indicators}"


class ProposalSimilarity(models.Model):
    """A flag for staff: ``proposal`` reads much like the earlier ``similar_to``.

    Never shown to applicants: only staff selectors read this table.
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="similar")
    similar_to = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField(max_digits=5, decimal_places=4)
    parameters_version = models.CharField(max_length=60)

    class Meta:
        ordering = ["-score", "similar_to_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "similar_to"], name="programs_similarity_unique"
            )
        ]
