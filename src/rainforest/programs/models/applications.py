"""Applications (项目申请): the draft an applicant fills in, then the case it becomes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rainforest.accounts.models import Organisation
from rainforest.cases.models import Case
from rainforest.programs.models.calls import Call, CallDirection, ReviewCriterion
from rainforest.programs.models.proposals import MONEY


class ApplicationStatus(models.TextChoices):
    # Drafting is not a case: the case starts when the application is submitted.
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class Application(models.Model):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    applicant_org = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="programme_applications"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="programme_application"
    )
    status = models.CharField(
        max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    # Basic information (基本信息)
    title = models.CharField(_("项目名称"), max_length=200, blank=True)
    direction = models.ForeignKey(
        CallDirection, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    summary = models.TextField(_("项目摘要"), blank=True)
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    # The budget totals the applicant states; checked against the lines.
    fiscal_total = models.DecimalField(_("申请财政资金（元）"), null=True, blank=True, **MONEY)
    self_total = models.DecimalField(_("自筹资金（元）"), null=True, blank=True, **MONEY)
    # Sections the applicant marked complete (task list); the draft is saved at every step.
    sections_done = models.JSONField(default=list)
    # The principal investigator's ID number, kept here for the concurrent-projects rule.
    pi_id_number = models.CharField(max_length=18, blank=True, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # While returned for correction (补正) the formal-review clock stands still and the
    # applicant must resubmit by this instant; the engine's own due date stays paused.
    correction_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["call", "status"])]
        verbose_name = _("项目申请")
        verbose_name_plural = _("项目申请")

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.summary}"


class TeamMember(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="team")
    order = models.PositiveIntegerField(default=0)
    is_pi = models.BooleanField(_("项目负责人"), default=False)
    name = models.CharField(_("姓名"), max_length=100)
    id_number = models.CharField(_("身份证号码"), max_length=18)
    organisation_name = models.CharField(_("工作单位"), max_length=200)
    role = models.CharField(_("项目分工"), max_length=200)

    class Meta:
        ordering = ["application", "-is_pi", "order", "id"]


class ConsortiumRole(models.TextChoices):
    LEAD = "lead", _("牵头单位")
    MEMBER = "member", _("参与单位")


class ConsortiumMember(models.Model):
    """An organisation applying together (联合申报); the lead is listed first."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="consortium"
    )
    order = models.PositiveIntegerField(default=0)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    name = models.CharField(_("单位名称"), max_length=200)
    role = models.CharField(_("角色"), max_length=10, choices=ConsortiumRole.choices)

    class Meta:
        ordering = ["application", "order", "id"]


class BudgetCategory(models.TextChoices):
    EQUIPMENT = "equipment", _("设备费")
    MATERIALS = "materials", _("业务费：材料")
    TESTING = "testing", _("业务费：测试化验加工")
    TRAVEL = "travel", _("业务费：差旅会议")
    PUBLICATION = "publication", _("业务费：出版文献知识产权")
    LABOUR = "labour", _("劳务费")
    CONSULTING = "consulting", _("专家咨询费")
    INDIRECT = "indirect", _("间接费用")
    OTHER = "other", _("其他支出")


class BudgetLine(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget")
    category = models.CharField(_("科目"), max_length=20, choices=BudgetCategory.choices)
    fiscal_amount = models.DecimalField(_("财政资金（元）"), **MONEY)
    self_raised_amount = models.DecimalField(_("自筹资金（元）"), **MONEY)

    class Meta:
        ordering = ["application", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "category"], name="programs_budget_one_line_per_category"
            )
        ]


class Milestone(models.Model):
    """A planned milestone (里程碑) with its deliverables (交付物)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="milestones"
    )
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(_("里程碑"), max_length=200)
    due_date = models.DateField(_("计划完成日期"))
    deliverables = models.TextField(_("交付物"))

    class Meta:
        ordering = ["application", "due_date", "order", "id"]


class DraftAttachment(models.Model):
    """A file attached to an application before it has a case.

    Stored like case attachments (random name under ATTACHMENT_ROOT, type from its bytes);
    on submission each becomes a case attachment pointing at the same stored file.
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("附件类型"), max_length=40)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField()
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["application", "kind", "id"]


class FormalReviewCheck(models.Model):
    """One run of the formal-review rules, kept as the Decision it produced."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="formal_checks"
    )
    run_at = models.DateTimeField()
    trigger = models.CharField(max_length=20)  # submit | resubmit | rerun
    outcome = models.CharField(max_length=20)
    decision = models.JSONField()

    class Meta:
        ordering = ["application", "-run_at", "-id"]


class ExpertScore(models.Model):
    """An expert's score on one criterion (the minimal expert-review stage).

    ``expert`` is the platform user when the expert has an account (the ``review``
    module's draw); ``expert_name`` is what staff typed when recording a paper score.
    ``score`` is None when the expert marked the criterion "n/a" (不适用).
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="expert_scores"
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expert_name = models.CharField(_("专家"), max_length=100)
    criterion = models.ForeignKey(ReviewCriterion, on_delete=models.PROTECT, related_name="scores")
    # None: the expert marked the criterion "n/a" (不适用); never counted as zero
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("意见"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["application", "expert_name", "criterion__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "expert_name", "criterion"],
                name="programs_score_once_per_expert_criterion",
            )
        ]
