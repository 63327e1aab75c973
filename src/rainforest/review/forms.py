"""Forms for expert review pages; rules are checked by the services, forms only parse."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rainforest.core.errors import DomainError
from rainforest.review.domain_scoring import CriterionWeight
from rainforest.review.models import Recommendation, RelationKind


def add_domain_error(form: forms.Form, exc: DomainError, language: str = "zh-hans") -> None:
    """Show a service's error against its field when the form has it, else on the form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message(language))


class DrawForm(forms.Form):
    k = forms.IntegerField(label=_("每个申请的专家人数 k"), min_value=1, max_value=50, initial=5)
    load = forms.IntegerField(
        label=_("每位专家评审数上限 L"), min_value=1, max_value=500, initial=10
    )
    q = forms.CharField(
        label=_("概率上限 q"),
        max_length=20,
        initial="1/2",
        help_text=_(
            "任何专家被分到某一申请的概率不超过 q；q = k ÷ 专家池人数且匹配度相同时即为现行的随机抽签，q = 1 为最优匹配。"
        ),
    )


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
