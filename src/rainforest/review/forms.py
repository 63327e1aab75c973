"""Forms for expert review pages; rules are checked by the services, forms only parse."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rainforest.core.errors import DomainError
from rainforest.review.domain_scoring import CriterionWeight
from rainforest.review.models import (
    AggregationMethod,
    QualityFlag,
    Recommendation,
    RelationKind,
)


def add_domain_error(form: forms.Form, exc: DomainError, language: str = "zh-hans") -> None:
    """Show a service's error against its field when the form has it, else on the form.

    A :class:`Rejected` error carries several problems: each goes to its own field.
    """
    problems = getattr(exc, "problems", None)
    if problems:
        en = language.startswith("en")
        for name, zh, en_text in problems:
            form.add_error(name if name in form.fields else None, en_text if en else zh)
        return
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message(language))


class DrawForm(forms.Form):
    """k, L and q; the page fills in the call's review settings."""

    k = forms.IntegerField(label=_("每个申请的专家人数 k"), min_value=1, max_value=50)
    load = forms.IntegerField(label=_("每位专家评审数上限 L"), min_value=1, max_value=500)
    q = forms.CharField(
        label=_("概率上限 q"),
        max_length=20,
        help_text=_(
            "任何专家被分到某一申请的概率不超过 q；q = k ÷ 专家池人数且匹配度相同时即为现行的随机抽签，q = 1 为最优匹配。"
        ),
    )


class SettingsForm(DrawForm):
    """A call's review settings, set before the draw."""

    method = forms.ChoiceField(
        label=_("汇总方法"), choices=AggregationMethod.choices, widget=forms.RadioSelect
    )
    normalise = forms.BooleanField(
        label=_("按专家标准化评分（消除个别专家普遍偏高或偏低的影响）"), required=False
    )
    blind = forms.BooleanField(
        label=_("盲审：评审专家看不到申请单位、联合申报单位和团队成员"), required=False
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("未通过的原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("申请人会看到这段话，并可修改后重新申请。"),
    )


class FlagsForm(forms.Form):
    flags = forms.MultipleChoiceField(
        label=_("质量标记"),
        choices=QualityFlag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("有质量标记的专家不会被抽取；全部取消即恢复。"),
    )
    note = forms.CharField(
        label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class AvailabilityForm(forms.Form):
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class PanelForm(forms.Form):
    """A meeting-review panel: the shortlist, the members with their chair, the session."""

    def __init__(
        self,
        *args: Any,
        experts: list[tuple[str, str]],
        items: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"] = forms.MultipleChoiceField(
            label=_("入围会评的申请"),
            choices=items,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("按勾选的先后（即下列顺序）安排答辩。"),
        )
        self.fields["chair"] = forms.ChoiceField(
            label=_("专家组组长"), choices=[("", "—"), *experts]
        )
        self.fields["members"] = forms.MultipleChoiceField(
            label=_("专家组成员"),
            choices=experts,
            widget=forms.CheckboxSelectMultiple,
            help_text=_(
                "组长自动计入成员；同一单位的专家不超过 1 人；与入围申请有利害关系的专家不能入选。"
            ),
        )
        self.order_fields(["name", "items", "chair", "members", "session_at", "place"])

    name = forms.CharField(label=_("会评组名称"), max_length=100)
    session_at = forms.DateTimeField(
        label=_("会评开始时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place = forms.CharField(label=_("地点"), max_length=200)
    minutes_per_item = forms.IntegerField(
        label=_("每项答辩及质询时长（分钟）"), min_value=5, max_value=240, initial=20
    )


class PanelScoreForm(forms.Form):
    item = forms.CharField(widget=forms.HiddenInput)
    score = forms.CharField(label=_("会评得分"), max_length=10, help_text=_("0–100 分"))
    comment = forms.CharField(label=_("专家组意见"), widget=forms.Textarea(attrs={"rows": 3}))

    def score_value(self) -> Decimal | None:
        raw = (self.cleaned_data.get("score") or "").strip()
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            self.add_error("score", _("请填写 0 到 100 之间的分数。"))
            return None
        return value


class ExpertForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=100)
    id_number = forms.CharField(label=_("身份证号码"), max_length=30)
    employer_name = forms.CharField(label=_("工作单位"), max_length=200)
    employer_uscc = forms.CharField(label=_("工作单位统一社会信用代码"), max_length=30)
    title = forms.CharField(label=_("职称"), max_length=100)
    fields = forms.CharField(
        label=_("学科/领域代码"), max_length=300, help_text=_("可填多个，用逗号分隔，如 AI, F06")
    )
    keywords = forms.CharField(
        label=_("研究方向关键词"), max_length=500, required=False, help_text=_("用逗号或顿号分隔")
    )
    email = forms.EmailField(label=_("电子邮箱"), required=False)


class ProfileForm(forms.Form):
    title = forms.CharField(label=_("职称"), max_length=100)
    fields = forms.CharField(label=_("学科/领域代码"), max_length=300)
    keywords = forms.CharField(label=_("研究方向关键词"), max_length=500, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)


class RelationForm(forms.Form):
    kind = forms.ChoiceField(label=_("关系"), choices=RelationKind.choices)
    person_id_number = forms.CharField(label=_("对方身份证号码"), max_length=30, required=False)
    uscc = forms.CharField(label=_("对方单位统一社会信用代码"), max_length=30, required=False)
    last_year = forms.IntegerField(
        label=_("最近合作年份"), required=False, help_text=_("合作发表、项目合作须填写")
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class ConflictForm(forms.Form):
    call = forms.IntegerField(label=_("申请指南编号"), min_value=1)
    item = forms.IntegerField(label=_("申请编号"), min_value=1, required=False)
    note = forms.CharField(label=_("情况说明"), max_length=500, widget=forms.Textarea)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("专家名单（.xlsx）"))


class WithdrawForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("原因"),
        choices=[("recused", _("存在利害关系，申请回避")), ("declined", _("无法按时评审，谢绝"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("说明"), max_length=500, widget=forms.Textarea)


class SheetForm(forms.Form):
    """One score (or "n/a") and one comment per criterion, a recommendation, a summary."""

    def __init__(self, *args: Any, criteria: tuple[CriterionWeight, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for c in criteria:
            self.fields[f"score_{c.code}"] = forms.CharField(
                label=f"{c.name_zh}（{_('权重')} {c.weight}）",
                required=False,
                max_length=10,
                help_text=_("0–100 分；不适用时勾选下方“不适用”"),
            )
            self.fields[f"na_{c.code}"] = forms.BooleanField(label=_("不适用"), required=False)
            self.fields[f"comment_{c.code}"] = forms.CharField(
                label=_("评审意见：%(name)s") % {"name": c.name_zh},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.fields["recommendation"] = forms.ChoiceField(
            label=_("总体意见"), choices=Recommendation.choices, widget=forms.RadioSelect
        )
        self.fields["overall_comment"] = forms.CharField(
            label=_("总体评审意见"), widget=forms.Textarea(attrs={"rows": 4})
        )

    def scores(self) -> dict[str, Decimal | None]:
        out: dict[str, Decimal | None] = {}
        for c in self.criteria:
            if self.cleaned_data.get(f"na_{c.code}"):
                out[c.code] = None
                continue
            raw = (self.cleaned_data.get(f"score_{c.code}") or "").strip()
            try:
                value = Decimal(raw)
            except InvalidOperation:
                self.add_error(
                    f"score_{c.code}",
                    _("请为「%(name)s」填写 0 到 100 之间的分数，或勾选“不适用”。")
                    % {"name": c.name_zh},
                )
                continue
            out[c.code] = value
        return out

    def comments(self) -> dict[str, str]:
        return {c.code: self.cleaned_data.get(f"comment_{c.code}", "") for c in self.criteria}
