"""From ranking to closure: funding line, public notice, objections, the approved project,
its task contract (任务书), milestone reports, payments, changes and acceptance (验收).

These tables are filled by the services of stages 6-10; they are defined now so the data
model of a project's whole life is settled in one migration.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rainforest.accounts.models import Organisation
from rainforest.cases.models import Case
from rainforest.programs.models.applications import Application, Milestone
from rainforest.programs.models.calls import Call, OrganisationMode
from rainforest.programs.models.proposals import MONEY


class RankingDecision(models.Model):
    """The ranked list of a call and where the funding line is drawn (排序及资助线)."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="rankings")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    budget_total = models.DecimalField(**MONEY)
    funded_total = models.DecimalField(**MONEY)
    decision = models.JSONField(default=dict)
    # Only the latest ranking of a call counts; an adjustment makes a new one.
    superseded = models.BooleanField(default=False)

    class Meta:
        ordering = ["call", "-decided_at", "-id"]


class FundingLine(models.Model):
    """One application's place in a ranking: rank, score, amount, above or below the line."""

    ranking = models.ForeignKey(RankingDecision, on_delete=models.CASCADE, related_name="lines")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="funding_lines"
    )
    rank = models.PositiveIntegerField()
    score = models.DecimalField(max_digits=7, decimal_places=3)
    amount = models.DecimalField(**MONEY)
    funded = models.BooleanField()
    adjusted = models.BooleanField(default=False)
    adjustment_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["ranking", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["ranking", "application"], name="programs_line_once_per_ranking"
            )
        ]


class PublicNotice(models.Model):
    """The proposed list published for the notice period (社会公示)."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="notices")
    ranking = models.ForeignKey(RankingDecision, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    period_workdays = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closes_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]


class ObjectionOutcome(models.TextChoices):
    PENDING = "pending", _("处理中")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")


class Objection(models.Model):
    """An objection to a notice (异议), named, with contact and grounds; each is a case."""

    notice = models.ForeignKey(PublicNotice, on_delete=models.PROTECT, related_name="objections")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, null=True, blank=True, related_name="objections"
    )
    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="programme_objection"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("姓名或单位"), max_length=200)
    contact = models.CharField(_("联系方式"), max_length=200)
    grounds = models.TextField(_("异议理由"))
    submitted_at = models.DateTimeField()
    outcome = models.CharField(
        max_length=12, choices=ObjectionOutcome.choices, default=ObjectionOutcome.PENDING
    )
    outcome_text = models.TextField(blank=True)
    outcome_published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]


class ProjectStatus(models.TextChoices):
    CONTRACTING = "contracting", _("签订任务书")
    EXECUTING = "executing", _("执行中")
    CLOSED = "closed", _("已结题")
    TERMINATED = "terminated", _("已终止")


class Project(models.Model):
    """An approved project (立项). Its case is the application's case, continued."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="project"
    )
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="projects")
    number = models.CharField(_("项目编号"), max_length=40, unique=True)
    title = models.CharField(_("项目名称"), max_length=200)
    lead_org = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    organisation_mode = models.CharField(max_length=20, choices=OrganisationMode.choices)
    pi_name = models.CharField(max_length=100)
    pi_id_number = models.CharField(max_length=18, db_index=True)
    approved_amount = models.DecimalField(**MONEY)
    approved_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(
        max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.CONTRACTING
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Money recovered on termination (追回资金), when any.
    recovered_amount = models.DecimalField(null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["-approved_at", "-id"]
        indexes = [models.Index(fields=["pi_id_number", "status"])]


class TaskContract(models.Model):
    """The task contract (任务书) generated as a PDF and signed by both sides.

    Signatures are recorded in the platform (person and time). An electronic seal would
    hook in where a ``Signature`` is created: sign the PDF's hash and keep the seal's
    certificate serial in ``seal_reference``.
    """

    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="contract")
    number = models.CharField(max_length=40, unique=True)
    generated_at = models.DateTimeField()
    content = models.JSONField(default=dict)  # what the PDF says, as data
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)


class SignatureSide(models.TextChoices):
    BUREAU = "bureau", _("甲方（科技主管部门）")
    UNDERTAKER = "undertaker", _("乙方（项目承担单位）")


class Signature(models.Model):
    contract = models.ForeignKey(TaskContract, on_delete=models.PROTECT, related_name="signatures")
    side = models.CharField(max_length=12, choices=SignatureSide.choices)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()
    pdf_sha256 = models.CharField(max_length=64)
    seal_reference = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["contract", "signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "side"], name="programs_sign_once_per_side")
        ]


class MilestoneReportStatus(models.TextChoices):
    DUE = "due", _("待提交")
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已通过")
    RETURNED = "returned", _("已退回")


class MilestoneReport(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="reports")
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="reports")
    due_date = models.DateField()
    status = models.CharField(
        max_length=12, choices=MilestoneReportStatus.choices, default=MilestoneReportStatus.DUE
    )
    report = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_reason = models.TextField(blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"])]


class PaymentTranche(models.Model):
    """A payment (拨款) released against an accepted milestone, posted through the ledger."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tranches")
    order = models.PositiveIntegerField()
    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount = models.DecimalField(**MONEY)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ledger_key = models.CharField(max_length=100, blank=True)  # the posting's idempotency key

    class Meta:
        ordering = ["project", "order"]
        constraints = [
            models.UniqueConstraint(fields=["project", "order"], name="programs_tranche_order")
        ]


class ChangeKind(models.TextChoices):
    TEAM = "team", _("团队变更")
    BUDGET = "budget", _("预算调剂")
    SCHEDULE = "schedule", _("进度调整")


class ChangeRequest(models.Model):
    """A change to a running project (项目变更); each is a case."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="changes")
    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="programme_change"
    )
    kind = models.CharField(max_length=12, choices=ChangeKind.choices)
    description = models.TextField()
    data = models.JSONField(default=dict)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(null=True)

    class Meta:
        ordering = ["-requested_at", "-id"]


class AcceptanceKind(models.TextChoices):
    MID_TERM = "mid_term", _("中期检查")
    FINAL = "final", _("结题验收")


class Acceptance(models.Model):
    """A mid-term check or the final acceptance (验收) with the experts' opinions."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="acceptances")
    kind = models.CharField(max_length=12, choices=AcceptanceKind.choices)
    requested_at = models.DateTimeField()
    opinions = models.JSONField(default=list)  # [{"expert", "opinion", "passed"}]
    passed = models.BooleanField(null=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["project", "-requested_at"]
