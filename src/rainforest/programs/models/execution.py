"""What execution to closure (全过程) adds to a project: its payment plan on the ledger,
every tranche decision as it was made, and the milestone reminders already sent.

``PaymentTranche`` (projects.py) is the tranche; ``ExecutionPlan`` keeps which gate
releases which tranche and the schedule's Decision; ``TrancheDecision`` keeps each
``can_release_tranche`` answer, refusals included, so a payment can be explained later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rainforest.programs.models.projects import MilestoneReport, PaymentTranche, Project


class ExecutionPlan(models.Model):
    """A project's payment schedule (拨付计划) and its ledger accounts, set when it starts."""

    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="plan")
    lump_sum = models.BooleanField(_("包干制"), default=False)
    # [{"index": 1, "gate": "contract_signed", "share": "0.40", "amount": "1200000.00"}, ...]
    schedule = models.JSONField(default=list)
    decision = models.JSONField(default=dict)
    budget_account = models.CharField(max_length=64)
    project_account = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Schedule extensions approved so far (进度调整), for the change-routing rule.
    extensions = models.PositiveIntegerField(default=0)


class TrancheDecision(models.Model):
    """One ``can_release_tranche`` answer: release or refused, with its reasons."""

    tranche = models.ForeignKey(PaymentTranche, on_delete=models.PROTECT, related_name="decisions")
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=20)
    decision = models.JSONField()

    class Meta:
        ordering = ["tranche", "-decided_at", "-id"]


class MilestoneReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("到期提醒")
    OVERDUE = "overdue", _("逾期提醒")


class MilestoneReminder(models.Model):
    """A reminder sent for a milestone report; the unique pair makes it once per kind."""

    report = models.ForeignKey(MilestoneReport, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=12, choices=MilestoneReminderKind.choices)
    sent_at = models.DateTimeField()
    decision = models.JSONField()

    class Meta:
        ordering = ["report", "sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["report", "kind"], name="programs_reminder_once")
        ]


__all__ = [
    "ExecutionPlan",
    "MilestoneReminder",
    "MilestoneReminderKind",
    "TrancheDecision",
]
