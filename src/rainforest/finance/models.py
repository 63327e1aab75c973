"""IP-pledge registrations (知识产权质押登记)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rainforest.accounts.models import Organisation
from rainforest.cases.models import Case


class PledgeRegistration(models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="pledge")
    # The bank that files (质权人) owns the case; the pledgor is the enterprise (出质人).
    pledgee_bank = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="pledges_as_bank",
        verbose_name=_("质权人（银行）"),
    )
    pledgor_uscc = models.CharField(_("出质人统一社会信用代码"), max_length=18, db_index=True)
    pledgor_name = models.CharField(_("出质人名称"), max_length=200)
    ip_items = models.JSONField(_("质押的知识产权"), default=list)  # [{"kind", "number"}]
    loan_amount = models.DecimalField(_("贷款金额（元）"), max_digits=16, decimal_places=2)
    term_months = models.PositiveIntegerField(_("贷款期限（月）"))
    inclusive = models.BooleanField(_("普惠贷款"), default=False)
    inclusive_decision = models.JSONField(default=dict)
    filed_at = models.DateTimeField()
    registration_number = models.CharField(max_length=30, unique=True, null=True, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    certificate_pdf = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-filed_at"]
        indexes = [models.Index(fields=["registered_at"])]

    def __str__(self) -> str:
        return f"{self.case.number} {self.pledgor_name}"
