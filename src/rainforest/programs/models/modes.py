"""Organisation modes (组织方式) and the registrations beside a call.

- 揭榜挂帅 (challenge): a published challenge list (榜单) with gates; teams take it up, are
  selected after a defence, paid per gate passed and stopped at the first gate missed.
- 业主制 (owner): an owner enterprise's plan approved by the bureau; the owner reviews
  and manages its sub-projects; the bureau audits.
- 项目经理人制 (manager): a project manager's portfolio; the manager decides stage gates.
- 配套资助 (national matching funds): a national project an organisation won, registered
  for matching funds.
- 创新联合体 (innovation consortium): a lead enterprise with members, registered so it
  can apply as one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rainforest.accounts.models import Organisation
from rainforest.cases.models import Case
from rainforest.programs.models.applications import Application
from rainforest.programs.models.projects import Project
from rainforest.programs.models.proposals import MONEY, Field

# --- 揭榜挂帅 ----------------------------------------------------------------------------


class ChallengeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发榜")
    CLOSED = "closed", _("已结束")


class Challenge(models.Model):
    """A challenge list (榜单): the goal, the funding per team and the milestone gates."""

    number = models.CharField(_("榜单编号"), max_length=40, unique=True)
    title = models.CharField(_("榜单名称"), max_length=200)
    field = models.ForeignKey(
        Field, on_delete=models.PROTECT, null=True, blank=True, related_name="challenges"
    )
    goal = models.TextField(_("攻关目标"))
    funding_per_team = models.DecimalField(_("每个团队的资助（元）"), **MONEY)
    max_teams = models.PositiveIntegerField(_("最多支持团队数"))
    takeup_closes_at = models.DateTimeField(_("揭榜截止时间"))
    status = models.CharField(
        max_length=12, choices=ChallengeStatus.choices, default=ChallengeStatus.DRAFT
    )
    budget_account = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ChallengeGate(models.Model):
    """A milestone gate (考核节点): a deadline (inclusive) and its share of the funding."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="gates")
    order = models.PositiveIntegerField()
    code = models.CharField(max_length=20)
    title = models.CharField(_("节点"), max_length=200)
    deadline = models.DateTimeField(_("截止时间"))
    share = models.DecimalField(_("拨付比例"), max_digits=5, decimal_places=4)

    class Meta:
        ordering = ["challenge", "deadline", "order"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "code"], name="programs_gate_code")
        ]


class TeamStatus(models.TextChoices):
    DEFENCE = "defence", _("待答辩遴选")
    ACTIVE = "active", _("攻关中")
    NOT_SELECTED = "not_selected", _("未入选")
    STOPPED = "stopped", _("已停止支持")
    COMPLETED = "completed", _("已完成全部节点")
    WITHDRAWN = "withdrawn", _("已撤回")


class ChallengeTeam(models.Model):
    """A team that took up a challenge (揭榜团队); its way through is a case."""

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="teams")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="challenge_team")
    leader_name = models.CharField(_("团队负责人"), max_length=100)
    plan = models.TextField(_("攻关方案"))
    taken_up_at = models.DateTimeField()
    taken_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=14, choices=TeamStatus.choices, default=TeamStatus.DEFENCE)
    defence_reason = models.TextField(blank=True)
    selected_at = models.DateTimeField(null=True, blank=True)
    stopped_at_gate = models.ForeignKey(
        ChallengeGate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    standing = models.JSONField(null=True, blank=True)  # the latest challenge_standings Decision
    account = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["challenge", "taken_up_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "organisation"], name="programs_team_once_per_org"
            )
        ]


class GateReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("审核中")
    ACCEPTED = "accepted", _("通过")
    REJECTED = "rejected", _("未通过")


class GateReport(models.Model):
    """A team's report for one gate; the bureau accepts or rejects it."""

    team = models.ForeignKey(ChallengeTeam, on_delete=models.PROTECT, related_name="reports")
    gate = models.ForeignKey(ChallengeGate, on_delete=models.PROTECT, related_name="reports")
    report = models.TextField(_("节点报告"))
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=GateReportStatus.choices, default=GateReportStatus.SUBMITTED
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["team", "gate__deadline", "submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["team", "gate"], name="programs_gate_report_once")
        ]


class ChallengeTranche(models.Model):
    """A team's payment for a gate passed, posted through the ledger once."""

    team = models.ForeignKey(ChallengeTeam, on_delete=models.PROTECT, related_name="tranches")
    gate = models.ForeignKey(ChallengeGate, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    released_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ledger_key = models.CharField(max_length=100)
    decision = models.JSONField()

    class Meta:
        ordering = ["team", "gate__deadline"]
        constraints = [
            models.UniqueConstraint(fields=["team", "gate"], name="programs_challenge_pay_once")
        ]


# --- 业主制 ------------------------------------------------------------------------------


class OwnerPlan(models.Model):
    """An owner enterprise's plan (业主制实施方案): sub-projects within a budget.

    Drafting is not a case (as with applications): the owner saves the plan as often as
    it likes; submitting opens the case the bureau approves. A draft has no case.
    """

    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="owner_plan"
    )
    title = models.CharField(_("方案名称"), max_length=200)
    plan = models.TextField(_("实施方案"), blank=True)
    budget_total = models.DecimalField(_("财政资金总额（元）"), null=True, blank=True, **MONEY)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.case_id is None


class SubProjectStatus(models.TextChoices):
    PROPOSED = "proposed", _("待业主评审")
    APPROVED = "approved", _("业主已批准")
    REJECTED = "rejected", _("业主未批准")


class OwnerSubProject(models.Model):
    """A sub-project the owner reviews and manages (子课题)."""

    plan = models.ForeignKey(OwnerPlan, on_delete=models.PROTECT, related_name="subprojects")
    title = models.CharField(_("子课题名称"), max_length=200)
    undertaker = models.CharField(_("承担单位"), max_length=200)
    amount = models.DecimalField(_("财政资金（元）"), **MONEY)
    status = models.CharField(
        max_length=12, choices=SubProjectStatus.choices, default=SubProjectStatus.PROPOSED
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    decision = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "id"]


# --- 项目经理人制 ------------------------------------------------------------------------


class Portfolio(models.Model):
    """A project manager's portfolio (项目经理人负责的项目群)."""

    title = models.CharField(_("项目群名称"), max_length=200)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="portfolios"
    )
    budget_total = models.DecimalField(_("财政资金总额（元）"), **MONEY)
    projects = models.ManyToManyField(Project, blank=True, related_name="portfolios")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]


class StageGate(models.Model):
    """A stage gate of a project in a portfolio, decided by the portfolio's manager."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="gates")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="stage_gates")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="stage_gate")
    gate = models.CharField(max_length=30)
    report = models.TextField(_("阶段报告"))
    requested_at = models.DateTimeField()
    passed = models.BooleanField(null=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]


# --- 配套资助 ----------------------------------------------------------------------------


class NationalProject(models.Model):
    """A national project an organisation won, registered for matching funds (配套资助)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="national_project")
    programme = models.CharField(_("国家计划名称"), max_length=200)
    number = models.CharField(_("国家项目编号"), max_length=60)
    title = models.CharField(_("项目名称"), max_length=200)
    national_funding = models.DecimalField(_("国家资助金额（元）"), **MONEY)
    period_start = models.DateField(_("执行期开始"))
    period_end = models.DateField(_("执行期结束"))
    landed_in_shenzhen = models.BooleanField(_("在深圳落地实施"))
    registered_at = models.DateTimeField()
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    matching_amount = models.DecimalField(_("配套金额（元）"), **MONEY)
    decision = models.JSONField()
    approved_amount = models.DecimalField(null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "number"], name="programs_national_project_once"
            )
        ]


# --- 创新联合体 --------------------------------------------------------------------------


class Consortium(models.Model):
    """An innovation consortium (创新联合体): a lead enterprise with members."""

    name = models.CharField(_("联合体名称"), max_length=200)
    lead = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="consortium")
    registered_at = models.DateTimeField()
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-registered_at", "-id"]


class ConsortiumPartner(models.Model):
    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="partners")
    order = models.PositiveIntegerField()
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    name = models.CharField(_("单位名称"), max_length=200)
    kind = models.CharField(_("单位类型"), max_length=20)

    class Meta:
        ordering = ["consortium", "order"]


class ApplicationConsortium(models.Model):
    """An application made by a registered consortium (联合体申报)."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="as_consortium"
    )
    consortium = models.ForeignKey(
        Consortium, on_delete=models.PROTECT, related_name="applications"
    )
    linked_at = models.DateTimeField()
