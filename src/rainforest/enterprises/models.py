"""The enterprise registry (企业库) and the tiers each enterprise holds (梯度资质).

The registry is its own record of enterprises, whether or not they have an account on
the platform; an enterprise is linked to an ``Organisation`` by its unified social
credit code when one exists, and its people see its page through that link.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rainforest.accounts.models import Organisation
from rainforest.enterprises import domain


def _choices(codes: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    return [(code, names[0]) for code, names in codes.items()]


class Enterprise(models.Model):
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("企业名称"), max_length=200)
    industry = models.CharField(_("行业"), max_length=40, choices=_choices(domain.INDUSTRIES))
    size = models.CharField(_("规模"), max_length=10, choices=_choices(domain.SIZES))
    district = models.CharField(_("所在区"), max_length=20, choices=_choices(domain.DISTRICTS))
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    # Set when an organisation with the same code exists; access also matches the code,
    # so an account opened after the import still reaches its enterprise.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registry_entries",
        verbose_name=_("平台组织"),
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业库")
        indexes = [
            models.Index(fields=["district"]),
            models.Index(fields=["industry"]),
        ]

    def __str__(self) -> str:
        return self.name


class TierHolding(models.Model):
    """One tier an enterprise holds, as its certificate says."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="holdings")
    tier = models.CharField(_("梯度类型"), max_length=20, choices=_choices(domain.TIERS))
    certificate_number = models.CharField(_("证书编号"), max_length=60)
    awarded_on = models.DateField(_("认定日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)

    class Meta:
        ordering = ["tier", "-awarded_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "certificate_number"], name="tier_certificate_unique"
            )
        ]
        indexes = [models.Index(fields=["tier", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_tier_display()} {self.certificate_number}"
