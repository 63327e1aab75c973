"""Requests from other regions' police to act in Shenzhen (异地公安机关办案协作申请)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rainforest.cases.models import Case
from rainforest.enforcement import domain


class PersonMeasure(models.TextChoices):
    SUMMON = "summon", _("传唤")
    COMPEL = "compel", _("拘传")
    DETAIN = "detain", _("拘留")
    ARREST = "arrest", _("逮捕")
    QUESTION = "question", _("讯问")


class EnforcementRequest(models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="enforcement")
    # The requesting agency: police of another region (not an organisation on the platform).
    agency_name = models.CharField(_("协作请求机关"), max_length=200)
    agency_region = models.CharField(_("所在地区"), max_length=100)
    agency_letter_no = models.CharField(_("协作函文号"), max_length=100, blank=True)
    enterprise_name = models.CharField(_("涉及企业名称"), max_length=200)
    enterprise_uscc = models.CharField(_("涉及企业统一社会信用代码"), max_length=18, db_index=True)
    # The measures asked for: these feed the approval-level rule.
    persons_count = models.PositiveIntegerField(_("传唤、拘传、拘留、逮捕、讯问人数"))
    property_value = models.DecimalField(
        _("查封、扣押、冻结财物价值（元）"), max_digits=18, decimal_places=2
    )
    bank_accounts = models.PositiveIntegerField(_("冻结银行账户数"))
    measures_note = models.TextField(_("协作事项说明"), blank=True)
    level = models.CharField(_("审批层级"), max_length=20, db_index=True)
    level_decision = models.JSONField(default=dict)
    received_at = models.DateTimeField()
    # Process controls (执法管控措施); each filled in as it is put in place.
    two_way_notice = models.BooleanField(_("双向告知"), default=False)
    instruction_sheet_no = models.CharField(_("指令单编号"), max_length=60, blank=True)
    accompanying_officers = models.CharField(_("协作民警"), max_length=200, blank=True)
    body_camera_ref = models.CharField(_("执法记录仪记录编号"), max_length=100, blank=True)
    case_centre = models.BooleanField(_("嫌疑人进执法办案管理中心"), default=False)
    approval_reference = models.CharField(_("审批文号"), max_length=100, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    irregularity = models.TextField(_("异常情况"), blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    info_report = models.TextField(_("信息报告"), blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["received_at"])]

    def __str__(self) -> str:
        return f"{self.case.number} {self.agency_name}"

    def controls_done(self) -> dict[str, bool]:
        return {
            "two_way_notice": self.two_way_notice,
            "instruction_sheet": bool(self.instruction_sheet_no.strip()),
            "accompanying_officers": bool(self.accompanying_officers.strip()),
            "body_camera": bool(self.body_camera_ref.strip()),
            "case_centre": self.case_centre,
        }

    def missing_controls(self) -> list[str]:
        return domain.missing_controls(self.controls_done(), persons=self.persons_count)


class EnforcementPerson(models.Model):
    """A person concerned (涉案人员), identified by the resident ID number."""

    request = models.ForeignKey(
        EnforcementRequest, on_delete=models.CASCADE, related_name="persons"
    )
    name = models.CharField(_("姓名"), max_length=100)
    id_number = models.CharField(_("居民身份证号码"), max_length=18)
    measure = models.CharField(_("拟采取措施"), max_length=20, choices=PersonMeasure.choices)

    class Meta:
        ordering = ["id"]
