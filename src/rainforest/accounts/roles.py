"""Roles a person holds in an organisation (机构角色)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("申报人")
    PROGRAMME_OFFICER = "programme_officer", _("项目处工作人员")
    EXPERT = "expert", _("评审专家")
    BANK_OFFICER = "bank_officer", _("银行经办人")
    PROCUREMENT_OFFICER = "procurement_officer", _("采购经办人")
    DATA_OFFICER = "data_officer", _("数据专员")
    POLICE_LEGAL_OFFICER = "police_legal_officer", _("公安法制部门")
    PROVIDER = "provider", _("服务商")
    ADMINISTRATOR = "administrator", _("系统管理员")


# Bureau staff: they act on other people's cases, so they must pass a second factor.
STAFF_ROLES = frozenset(
    {
        Role.PROGRAMME_OFFICER,
        Role.DATA_OFFICER,
        Role.POLICE_LEGAL_OFFICER,
        Role.ADMINISTRATOR,
    }
)
