"""Expert review (专家评审): the expert pool, draws, assignments, score sheets, panels.

Review items (applications of ``programs``) are referred to by ``item_ref`` and calls by
``call_ref`` (their primary keys as text), resolved through ``review.adapters``, so this
module's tables do not depend on the shape of ``programs``' tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExpertStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    ACTIVE = "active", _("在库")
    SUSPENDED = "suspended", _("暂停")
    REJECTED = "rejected", _("未通过")


class QualityFlag(models.TextChoices):
    """What staff may flag about an expert's work; a flagged expert is not drawn."""

    LATE = "late", _("多次逾期")
    LOW_QUALITY = "low_quality", _("评审意见质量不高")
    MISCONDUCT = "misconduct", _("违反评审纪律")
    COMPLAINT = "complaint", _("被投诉，待核实")


class Expert(models.Model):
    """An expert of the pool (专家库); identity is the resident ID number."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expert_profile",
    )
    name = models.CharField(_("姓名"), max_length=100)
    id_number = models.CharField(_("身份证号码"), max_length=18, unique=True)
    employer_uscc = models.CharField(_("工作单位统一社会信用代码"), max_length=18, db_index=True)
    employer_name = models.CharField(_("工作单位"), max_length=200)
    title = models.CharField(_("职称"), max_length=100)
    fields = models.JSONField(_("学科/领域代码"), default=list)
    keywords = models.JSONField(_("研究方向关键词"), default=list)
    email = models.EmailField(_("电子邮箱"), blank=True)
    status = models.CharField(
        max_length=12, choices=ExpertStatus.choices, default=ExpertStatus.PENDING
    )
    # Quality flags staff set (e.g. "late", "low_quality"); a flagged expert is not drawn.
    quality_flags = models.JSONField(default=list, blank=True)  # QualityFlag values
    quality_note = models.CharField(_("质量标记说明"), max_length=500, blank=True)
    # Why staff did not approve a registration (shown to the person who registered).
    status_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    created_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status"])]
        verbose_name = _("评审专家")
        verbose_name_plural = _("评审专家")

    def __str__(self) -> str:
        return self.name


class Availability(models.Model):
    """A period the expert is NOT available (出差、休假); a draw skips such experts."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="unavailable")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["expert", "starts_on"]


class RelationKind(models.TextChoices):
    RELATIVE = "relative", _("亲属")
    TEACHER_STUDENT = "teacher_student", _("师生")
    COAUTHOR = "coauthor", _("合作发表")
    COLLABORATOR = "collaborator", _("项目合作")


class DeclaredRelation(models.Model):
    """A relation the expert declared with a person (ID number) or organisation (USCC)."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="relations")
    kind = models.CharField(_("关系"), max_length=20, choices=RelationKind.choices)
    person_id_number = models.CharField(_("对方身份证号码"), max_length=18, blank=True)
    uscc = models.CharField(_("对方单位统一社会信用代码"), max_length=18, blank=True)
    last_year = models.PositiveIntegerField(_("最近合作年份"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    declared_at = models.DateTimeField()

    class Meta:
        ordering = ["expert", "id"]


class StaffConflict(models.Model):
    """A conflict staff recorded: for one item, or for a whole call when item_ref is empty."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="staff_conflicts")
    call_ref = models.CharField(max_length=40)
    item_ref = models.CharField(max_length=40, blank=True)
    note = models.CharField(_("情况说明"), max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["call_ref"])]


class DrawStatus(models.TextChoices):
    COMMITTED = "committed", _("已公布承诺值，待抽取")
    DRAWN = "drawn", _("已抽取")


class Draw(models.Model):
    """One draw for a call: commitment first, then the assignment and the revealed seed."""

    call_ref = models.CharField(max_length=40, db_index=True)
    status = models.CharField(max_length=12, choices=DrawStatus.choices)
    k = models.PositiveIntegerField(_("每项专家人数"))
    load = models.PositiveIntegerField(_("每位专家评审数上限"))
    q = models.CharField(_("概率上限"), max_length=20)
    parameters = models.JSONField()
    inputs = models.JSONField()  # problem_to_dict: the published inputs
    exclusions = models.JSONField(default=list)  # every avoidance reason, for the record
    commitment = models.CharField(max_length=64)
    seed_sha256 = models.CharField(max_length=64)
    # The seed stays secret until the draw; shown only once status is DRAWN.
    seed = models.CharField(max_length=64)
    fractional_flow = models.JSONField(null=True, blank=True)
    fractional_fit = models.CharField(max_length=40, blank=True)
    sampled_fit = models.CharField(max_length=40, blank=True)
    fraction_of_optimum = models.CharField(max_length=20, blank=True)
    review_due_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    drawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("待确认无利害关系")
    DECLARED = "declared", _("评审中")
    SUBMITTED = "submitted", _("已提交评分")
    RECUSED = "recused", _("已回避")
    DECLINED = "declined", _("已谢绝")
    OVERDUE = "overdue", _("逾期已替换")


OPEN_STATUSES = (AssignmentStatus.ASSIGNED, AssignmentStatus.DECLARED)
ACTIVE_STATUSES = (*OPEN_STATUSES, AssignmentStatus.SUBMITTED)


class Assignment(models.Model):
    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="assignments")
    item_ref = models.CharField(max_length=40)
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="assignments")
    origin = models.CharField(max_length=12, default="draw")  # draw | replacement
    probability = models.CharField(max_length=30)  # x (or the replacement's offer), a fraction
    status = models.CharField(
        max_length=12, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED
    )
    due_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    declaration = models.TextField(blank=True)  # the text the expert confirmed, as shown
    withdrawn_reason = models.CharField(max_length=500, blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces"
    )

    class Meta:
        ordering = ["draw", "item_ref", "id"]
        indexes = [
            models.Index(fields=["expert", "status"]),
            models.Index(fields=["draw", "item_ref"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["draw", "item_ref", "expert"], name="review_assignment_once"
            )
        ]


class Replacement(models.Model):
    """An alternate drawn for a withdrawn assignment, with the offer that kept the cap."""

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="replacements")
    withdrawn = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="+")
    chosen = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="+")
    offered = models.JSONField()  # expert id → probability (fraction text)
    seed = models.CharField(max_length=64)
    reason = models.CharField(max_length=20)  # recused | declined | overdue
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["draw", "created_at", "id"]


class Recommendation(models.TextChoices):
    FUND = "fund", _("建议资助")
    FUND_IF_REVISED = "fund_if_revised", _("修改后资助")
    NOT_FUND = "not_fund", _("不建议资助")


class ScoreSheet(models.Model):
    """An expert's scores: per criterion a score or null ("n/a"), with a comment each."""

    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="sheet")
    scores = models.JSONField()  # criterion code → "85" or null
    comments = models.JSONField()  # criterion code → text
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices)
    overall_comment = models.TextField()
    submitted_at = models.DateTimeField()


class Panel(models.Model):
    """A meeting-review panel (会评) for shortlisted items of a call."""

    call_ref = models.CharField(max_length=40, db_index=True)
    name = models.CharField(_("评审组"), max_length=100)
    chair = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="chaired_panels")
    members = models.ManyToManyField(Expert, related_name="panels")
    session_at = models.DateTimeField(_("会评时间"))
    place = models.CharField(_("地点"), max_length=200)
    # The schedule: items in ``item_refs`` order from ``session_at``, this long each.
    minutes_per_item = models.PositiveIntegerField(_("每项答辩时长（分钟）"), default=20)
    item_refs = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["session_at", "id"]


class PanelScore(models.Model):
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="scores")
    item_ref = models.CharField(max_length=40)
    score = models.DecimalField(max_digits=5, decimal_places=2)
    comment = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["panel", "item_ref"]
        constraints = [
            models.UniqueConstraint(fields=["panel", "item_ref"], name="review_panel_score_once")
        ]


class AggregationMethod(models.TextChoices):
    TRIMMED_MEAN = "trimmed_mean", _("去掉最高分和最低分后平均")
    MEAN = "mean", _("平均")
    MEDIAN = "median", _("中位数")


class CallSettings(models.Model):
    """A call's review settings, set by staff before the draw (评审设置).

    The draw defaults to them; the draw's record keeps the values actually used.
    """

    call_ref = models.CharField(max_length=40, unique=True)
    k = models.PositiveIntegerField(_("每个申请的专家人数 k"))
    load = models.PositiveIntegerField(_("每位专家评审数上限 L"))
    q = models.CharField(_("概率上限 q"), max_length=20)  # a fraction, "1/2"
    method = models.CharField(_("汇总方法"), max_length=20, choices=AggregationMethod.choices)
    normalise = models.BooleanField(_("按专家标准化评分"), default=False)
    blind = models.BooleanField(_("盲审（专家看不到申请单位和团队）"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("评审设置")
        verbose_name_plural = _("评审设置")
