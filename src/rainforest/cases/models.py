"""Cases (办件): one run of a versioned process for one subject."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rainforest.accounts.models import Organisation
from rainforest.language import english


class CaseStatus(models.TextChoices):
    OPEN = "open", _("办理中")
    CLOSED = "closed", _("已办结")


class Case(models.Model):
    number = models.CharField(_("办件编号"), max_length=40, unique=True)
    process_code = models.CharField(max_length=60, db_index=True)
    process_version = models.PositiveIntegerField()
    process_fingerprint = models.CharField(max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    owner_org = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="cases", verbose_name=_("申请方")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases_created"
    )
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    stage = models.CharField(max_length=60)
    stage_entered_at = models.DateTimeField()
    # Due date of the current stage, stored so that "overdue" is an indexed query.
    due_at = models.DateTimeField(null=True, blank=True)
    due_provisional = models.BooleanField(default=False)
    # While the case waits on the applicant (补正) the clock stands still.
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_from = models.CharField(max_length=60, blank=True)
    paused_workdays_total = models.PositiveIntegerField(default=0)
    due_soon_notified_at = models.DateTimeField(null=True, blank=True)
    overdue_marked_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=40, blank=True)
    # The last decision taken on the case: outcome, reasons, citations, parameter version.
    decision = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The SLA lists: open cases with a running clock, by due date.
            models.Index(fields=["status", "paused_at", "due_at"], name="case_sla_idx"),
            models.Index(fields=["owner_org", "status", "due_at"], name="case_owner_sla_idx"),
            # Cases whose clock runs, in due-date order: the overdue, due-soon and on-time
            # lists read the first page straight off this index without sorting.
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(status="open", paused_at__isnull=True),
                name="case_running_due_idx",
            ),
        ]
        verbose_name = _("办件")
        verbose_name_plural = _("办件")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class TimelineEntry(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    action = models.CharField(max_length=60)
    from_stage = models.CharField(max_length=60, blank=True)
    to_stage = models.CharField(max_length=60)
    reason = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]


class StageVisit(models.Model):
    """A stay of a case in one stage: when it came, when it left, working days used."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits")
    stage = models.CharField(max_length=60)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    workdays_used = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["entered_at", "id"]


class CalendarYear(models.Model):
    """A year of holidays an administrator entered before ``chinesecalendar`` knows it."""

    year = models.PositiveIntegerField(unique=True)
    holidays = models.JSONField(default=list)  # ISO dates off work
    workdays = models.JSONField(default=list)  # ISO weekend dates worked (调休)
    source = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year"]


class Notification(models.Model):
    """An in-app message (站内信); the e-mail copy goes out on commit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True)
    kind = models.CharField(max_length=30)
    # Written in both languages when sent; a page shows the one the reader has chosen.
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    title_en = models.CharField(max_length=300, blank=True)
    body_en = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def shown_title(self) -> str:
        return self.title_en if self.title_en and english() else self.title

    def shown_body(self) -> str:
        return self.body_en if self.body_en and english() else self.body


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # A random name under ATTACHMENT_ROOT; the original name is never used as a path.
    storage_name = models.CharField(max_length=80, unique=True)
    purpose = models.CharField(max_length=40, blank=True)


class CaseCounter(models.Model):
    """Next case number per prefix and year, locked when taken."""

    prefix = models.CharField(max_length=20)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="case_counter_unique")
        ]
