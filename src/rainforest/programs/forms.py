"""Forms for the programme's pages: server-side checks with the core's own messages."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rainforest.core.errors import DomainError
from rainforest.core.money import parse_yuan
from rainforest.language import english
from rainforest.programs import domain, domain_formal_review
from rainforest.programs.models import Field, OrganisationMode


def _message(exc: DomainError) -> str:
    return exc.message_en if english() else exc.message_zh


def _required(form: forms.Form, messages: dict[str, Any]) -> None:
    for name, message in messages.items():
        form.fields[name].error_messages["required"] = message


class _DomainForm(forms.Form):
    def _amount(self, name: str, *, positive: bool = True) -> Decimal:
        try:
            amount = parse_yuan(self.cleaned_data[name], field=name)
        except DomainError as exc:
            raise forms.ValidationError(_message(exc)) from exc
        if amount < 0 or (positive and amount == 0):
            raise forms.ValidationError(_("金额应大于零"))
        return amount


def _date_field(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=_("格式：2026-10-31"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("请按 2026-10-31 的格式填写日期")},
        **kwargs,
    )


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0, 0)))


def day_end(day: date) -> datetime:
    """Closing times are the last second of the day (23:59:59), as calls state them."""
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


class WindowForm(forms.Form):
    field = forms.ModelChoiceField(
        label=_("领域"), queryset=Field.objects.filter(active=True), empty_label=None
    )
    title = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    opens_on = _date_field(_("开始日期"))
    closes_on = _date_field(_("截止日期"))
    review_limit_workdays = forms.IntegerField(
        label=_("评审时限（工作日）"),
        required=False,
        min_value=1,
        max_value=250,
        help_text=_("不填则用默认值 10 个工作日"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _required(
            self,
            {
                "title": _("请填写标题"),
                "opens_on": _("请填写开始日期"),
                "closes_on": _("请填写截止日期"),
            },
        )


class ProposalForm(_DomainForm):
    title = forms.CharField(label=_("建议名称"), max_length=200)
    problem = forms.CharField(
        label=_("拟解决的问题"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    target_indicators = forms.CharField(
        label=_("目标指标"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("可量化的指标，如能效比、良率、成本"),
    )
    why_now = forms.CharField(
        label=_("必要性与紧迫性"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    suggested_budget = forms.CharField(
        label=_("建议经费"), max_length=40, help_text=_("单位：元；可写 5,000,000 或 500万")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _required(
            self,
            {
                "title": _("请填写建议名称"),
                "problem": _("请填写拟解决的问题"),
                "target_indicators": _("请填写目标指标"),
                "why_now": _("请填写必要性与紧迫性"),
                "suggested_budget": _("请填写建议经费"),
            },
        )

    def clean_suggested_budget(self) -> Decimal:
        return self._amount("suggested_budget")


class ProposalDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("评审结论"),
        choices=[("accept", _("采纳")), ("decline", _("不予采纳"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择采纳或不予采纳")},
    )
    group = forms.CharField(label=_("分组"), max_length=100, required=False)
    reason = forms.CharField(
        label=_("理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写理由")},
    )


class CallForm(_DomainForm):
    """A staff screen: the guideline's fields grouped on one page."""

    title = forms.CharField(label=_("指南名称"), max_length=200)
    field = forms.ModelChoiceField(
        label=_("领域"), queryset=Field.objects.filter(active=True), empty_label=None
    )
    summary = forms.CharField(
        label=_("指南说明"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    directions = forms.CharField(
        label=_("研究方向及考核指标"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一个方向：方向名称｜考核指标"),
    )
    funding_per_project = forms.CharField(
        label=_("单项资助上限"), max_length=40, help_text=_("单位：元；可写 500万")
    )
    funding_total = forms.CharField(
        label=_("资助总额"), max_length=40, help_text=_("单位：元；可写 2000万")
    )
    projects_planned = forms.IntegerField(label=_("拟支持项目数"), min_value=1, max_value=10000)
    require_city_registration = forms.BooleanField(
        label=_("申报单位须在本市注册"), required=False, initial=True
    )
    min_self_funding_percent = forms.CharField(
        label=_("自筹资金比例不低于（%）"), max_length=10, initial="0"
    )
    max_concurrent_per_pi = forms.IntegerField(
        label=_("项目负责人同期主持项目数上限"), min_value=1, max_value=20, initial=2
    )
    required_attachments = forms.MultipleChoiceField(
        label=_("必须提交的附件"),
        required=False,
        choices=[(k, v[0]) for k, v in domain_formal_review.ATTACHMENT_KINDS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    criteria = forms.CharField(
        label=_("评审标准及权重"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一项：标准名称｜权重；权重合计 100"),
    )
    organisation_mode = forms.ChoiceField(label=_("组织方式"), choices=OrganisationMode.choices)
    opens_on = _date_field(_("申报开始日期"))
    closes_on = _date_field(
        _("申报截止日期"),
    )
    notice_period_workdays = forms.IntegerField(
        label=_("公示期（工作日）"),
        required=False,
        min_value=1,
        max_value=60,
        help_text=_("不填则用默认值 5 个工作日"),
    )
    formal_review_limit = forms.IntegerField(
        label=_("形式审查时限（工作日）"),
        required=False,
        min_value=1,
        max_value=250,
        help_text=_("不填则用默认值 5 个工作日"),
    )
    expert_review_limit = forms.IntegerField(
        label=_("专家评审时限（工作日）"),
        required=False,
        min_value=1,
        max_value=250,
        help_text=_("不填则用默认值 15 个工作日"),
    )
    source_proposals = forms.MultipleChoiceField(
        label=_("依据的已采纳建议"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, proposals: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source_proposals"].choices = [
            (str(p.pk), f"{p.case.number} {p.title}") for p in (proposals or [])
        ]
        _required(
            self,
            {
                "title": _("请填写指南名称"),
                "directions": _("请至少填写一个研究方向及其考核指标"),
                "funding_per_project": _("请填写单项资助上限"),
                "funding_total": _("请填写资助总额"),
                "projects_planned": _("请填写拟支持项目数"),
                "min_self_funding_percent": _("请填写自筹资金比例，不要求时填 0"),
                "max_concurrent_per_pi": _("请填写项目负责人同期主持项目数上限"),
                "criteria": _("请填写评审标准及权重"),
                "opens_on": _("请填写申报开始日期"),
                "closes_on": _("请填写申报截止日期"),
            },
        )

    def clean_funding_per_project(self) -> Decimal:
        return self._amount("funding_per_project")

    def clean_funding_total(self) -> Decimal:
        return self._amount("funding_total")

    def clean_min_self_funding_percent(self) -> Decimal:
        try:
            return domain.parse_percent(
                self.cleaned_data["min_self_funding_percent"], field="min_self_funding_percent"
            )
        except DomainError as exc:
            raise forms.ValidationError(_message(exc)) from exc

    def _pairs(self, name: str, message: Any) -> list[tuple[str, str]]:
        rows = []
        for line in self.cleaned_data[name].splitlines():
            if not line.strip():
                continue
            left, sep, right = line.replace("|", "｜").partition("｜")
            if not sep or not left.strip() or not right.strip():
                raise forms.ValidationError(message)
            rows.append((left.strip(), right.strip()))
        return rows

    def clean_directions(self) -> list[tuple[str, str]]:
        return self._pairs("directions", _("每行写一个方向，名称和考核指标之间用“｜”隔开"))

    def clean_criteria(self) -> list[tuple[str, int]]:
        pairs = self._pairs("criteria", _("每行写一项标准，名称和权重之间用“｜”隔开"))
        out: list[tuple[str, int]] = []
        for name, weight in pairs:
            if not weight.isdigit():
                raise forms.ValidationError(_("权重应为整数，例如 40"))
            out.append((name, int(weight)))
        try:
            domain.check_weights([w for _n, w in out])
        except DomainError as exc:
            raise forms.ValidationError(_message(exc)) from exc
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("申报截止日期不能早于开始日期"))
        return data


class BasicForm(forms.Form):
    title = forms.CharField(label=_("项目名称"), max_length=200)
    direction = forms.ChoiceField(label=_("研究方向"), required=False)
    summary = forms.CharField(
        label=_("项目摘要"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    start_date = _date_field(_("开始日期"))
    end_date = _date_field(_("结束日期"))

    def __init__(self, *args: Any, directions: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(d.pk), d.title) for d in (directions or [])]
        self.fields["direction"].choices = choices
        self.fields["direction"].required = bool(choices)
        _required(
            self,
            {
                "title": _("请填写项目名称"),
                "direction": _("请选择研究方向"),
                "summary": _("请填写项目摘要"),
                "start_date": _("请填写开始日期"),
                "end_date": _("请填写结束日期"),
            },
        )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("需要补正的内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请写明需要补正的内容")},
    )
    correction_due = _date_field(_("补正期限"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写理由")},
    )
