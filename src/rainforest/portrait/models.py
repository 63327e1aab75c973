"""Portraits (科技初创通), their runs, consent, reads, bank decisions and link reviews."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rainforest.accounts.models import Organisation, User


class PortraitRun(models.Model):
    """One run of the pipeline: what it read, what it rejected, how long it took."""

    class Status(models.TextChoices):
        RUNNING = "running", _("运行中")
        SUCCEEDED = "succeeded", _("成功")
        FAILED = "failed", _("失败")

    run_id = models.CharField(max_length=40, blank=True)
    engine = models.CharField(max_length=10)
    data_dir = models.CharField(max_length=500)
    code_version = models.CharField(max_length=60)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    mode = models.CharField(max_length=12, blank=True)  # full | incremental | unchanged
    as_of_month = models.DateField(null=True, blank=True)
    # inputs, row_counts, quarantined, links, freshness, timings: see run.RunResult.summary
    report = models.JSONField(default=dict)
    scorecard_version = models.CharField(max_length=60, blank=True)
    portraits = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    is_current = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="portrait_one_current_run",
            )
        ]


class Portrait(models.Model):
    """An enterprise's portrait from one run: aggregates only, never department records."""

    run = models.ForeignKey(PortraitRun, on_delete=models.CASCADE, related_name="rows")
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    name = models.CharField(_("企业名称"), max_length=200)
    month = models.DateField(_("画像月份"))
    score = models.IntegerField(_("评分"))
    grade = models.CharField(_("等级"), max_length=2)
    features = models.JSONField(default=dict)  # the scorecard's features
    contributions = models.JSONField(default=list)  # [{feature, value, points, zh, en}]
    trends = models.JSONField(default=dict)  # {"months": [...], series: [...]}, 24 months

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["run", "uscc"], name="portrait_one_per_run")]
        indexes = [models.Index(fields=["uscc", "run"])]

    def __str__(self) -> str:
        return f"{self.name} {self.month:%Y-%m}"


class ScorecardFit(models.Model):
    """A scorecard fitted on labelled outcomes, with its discrimination on held-out data."""

    version = models.CharField(max_length=60, unique=True)
    values = models.JSONField()
    auc_test = models.FloatField()
    ks_test = models.FloatField()
    auc_test_before = models.FloatField()
    n_train = models.PositiveIntegerField()
    n_test = models.PositiveIntegerField()
    fitted_at = models.DateTimeField()
    active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-fitted_at"]


class Consent(models.Model):
    """An enterprise authorises a named bank to read its portrait, for a purpose and period."""

    class Purpose(models.TextChoices):
        CREDIT = "credit", _("授信审批")
        LOAN_REVIEW = "loan_review", _("贷后管理")
        PLEDGE = "pledge", _("知识产权质押融资")

    enterprise = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="portrait_consents"
    )
    bank = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="portrait_consents_received"
    )
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    valid_from = models.DateField(_("起始日期"))
    valid_until = models.DateField(_("截止日期"))
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["bank", "enterprise"])]


class PortraitRead(models.Model):
    """Every time someone outside the enterprise opened its portrait."""

    enterprise = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reader = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, blank=True)
    channel = models.CharField(max_length=10)  # web | api
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["enterprise", "at"])]


class CreditDecision(models.Model):
    """A bank's credit decision taken on the strength of a portrait, and the loan granted."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("批准")
        DECLINED = "declined", _("拒绝")

    bank = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT)
    portrait = models.ForeignKey(Portrait, on_delete=models.SET_NULL, null=True, blank=True)
    score = models.IntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    amount = models.DecimalField(_("授信金额（元）"), max_digits=16, decimal_places=2)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-decided_at", "-id"]


class LinkReview(models.Model):
    """A court record's party name the linker was unsure about, for a person to decide."""

    class State(models.TextChoices):
        OPEN = "open", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("非同一企业")

    party_name = models.CharField(max_length=300)
    party_address = models.CharField(max_length=300, blank=True)
    candidate_uscc = models.CharField(max_length=18, blank=True)
    candidate_name = models.CharField(max_length=200, blank=True)
    confidence = models.FloatField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-confidence", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["party_name", "party_address"], name="link_review_unique_party"
            )
        ]
