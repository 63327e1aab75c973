"""The minimal expert-review stage (专家评审): which experts score an application.

Until the ``review`` module draws experts (its assignments then live there and the
results arrive through ``programs.services.review_results_receive``), staff assign the
experts of an application here and record each expert's sheet as ``ExpertScore`` rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rainforest.programs.models.applications import Application


class ExpertAssignment(models.Model):
    """An expert assigned to score one application; the stage ends when all have scored.

    ``expert_name`` is the key scores are recorded under (``ExpertScore.expert_name``);
    ``expert`` is the platform user when the expert has an account.
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="expert_assignments"
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expert_name = models.CharField(_("专家"), max_length=100)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField()
    # "platform" when staff assigned the expert here, "review" when the review module did.
    source = models.CharField(max_length=20, default="platform")

    class Meta:
        ordering = ["application", "expert_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "expert_name"], name="programs_assign_expert_once"
            )
        ]
