"""Forms of the calculators and the registry: server-side checks with the core's messages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rainforest.core.errors import DomainError
from rainforest.core.money import parse_yuan
from rainforest.enterprises import domain
from rainforest.language import english

YES_NO = [("yes", _("是")), ("no", _("否"))]
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]


def _names(codes: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    index = 1 if english() else 0
    return [(code, names[index]) for code, names in codes.items()]


def _message(exc: DomainError) -> str:
    return exc.message_en if english() else exc.message_zh


class _DomainForm(forms.Form):
    """Field errors from the core go to the field they name; what was typed stays."""

    def add_domain_error(self, exc: DomainError) -> None:
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, _message(exc))

    def _amount(self, name: str) -> Decimal:
        try:
            return parse_yuan(self.cleaned_data[name], field=name)
        except DomainError as exc:
            raise forms.ValidationError(_message(exc)) from exc

    def _count(self, name: str) -> int:
        raw = self.cleaned_data[name].strip().replace(",", "").replace("，", "")
        if not raw.isdigit():
            raise forms.ValidationError(_("请填写整数，例如 120"))
        return int(raw)


def _date_field(label: Any, required_message: Any, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        help_text=help_text or _("例如 2024-03-15"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": required_message,
            "invalid": _("请按 年-月-日 填写日期，例如 2024-03-15"),
        },
    )


def _yes_no(label: Any, required_message: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": required_message},
    )


def _amount_field(label: Any, required_message: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=40,
        help_text=_("单位：元；可写 5,000,000 或 500万"),
        error_messages={"required": required_message},
    )


def _count_field(label: Any, required_message: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=12,
        error_messages={"required": required_message},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


class HnteForm(_DomainForm):
    registered_on = _date_field(_("注册成立日期"), _("请填写注册成立日期"))
    assessed_on = _date_field(
        _("评价日期"), _("请填写评价日期"), _("按申请认定的日期评价，例如 2025-06-30")
    )
    owns_core_ip = _yes_no(
        _("是否拥有对主要产品（服务）发挥核心支持作用的知识产权"),
        _("请选择是否拥有核心知识产权"),
    )
    tech_in_key_fields = _yes_no(
        _("主要产品（服务）的核心技术是否属于《国家重点支持的高新技术领域》"),
        _("请选择核心技术是否属于国家重点支持的高新技术领域"),
    )
    staff_total = _count_field(_("当年职工总数（人）"), _("请填写职工总数"))
    staff_rd = _count_field(_("其中科技人员（人）"), _("请填写科技人员数"))
    sales_last_year = _amount_field(_("最近一年销售收入"), _("请填写最近一年销售收入"))
    sales_3y_total = _amount_field(_("近三年销售收入合计"), _("请填写近三年销售收入合计"))
    rd_3y_total = _amount_field(_("近三年研发费用合计"), _("请填写近三年研发费用合计"))
    rd_3y_domestic = _amount_field(
        _("其中在中国境内发生的研发费用"), _("请填写在中国境内发生的研发费用")
    )
    high_tech_revenue_last_year = _amount_field(
        _("最近一年高新技术产品（服务）收入"), _("请填写最近一年高新技术产品（服务）收入")
    )
    revenue_last_year = _amount_field(_("最近一年总收入"), _("请填写最近一年总收入"))
    innovation_score = _count_field(_("创新能力评价得分（0–100）"), _("请填写创新能力评价得分"))
    major_violation_last_year = _yes_no(
        _("申请前一年内是否发生重大安全、重大质量事故或严重环境违法行为"),
        _("请选择申请前一年内是否发生重大安全、质量事故或严重环境违法行为"),
    )

    def clean_staff_total(self) -> int:
        return self._count("staff_total")

    def clean_staff_rd(self) -> int:
        return self._count("staff_rd")

    def clean_innovation_score(self) -> int:
        return self._count("innovation_score")

    def clean_sales_last_year(self) -> Decimal:
        return self._amount("sales_last_year")

    def clean_sales_3y_total(self) -> Decimal:
        return self._amount("sales_3y_total")

    def clean_rd_3y_total(self) -> Decimal:
        return self._amount("rd_3y_total")

    def clean_rd_3y_domestic(self) -> Decimal:
        return self._amount("rd_3y_domestic")

    def clean_high_tech_revenue_last_year(self) -> Decimal:
        return self._amount("high_tech_revenue_last_year")

    def clean_revenue_last_year(self) -> Decimal:
        return self._amount("revenue_last_year")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        facts = domain.HnteFacts(
            registered_on=data["registered_on"],
            assessed_on=data["assessed_on"],
            owns_core_ip=data["owns_core_ip"] == "yes",
            tech_in_key_fields=data["tech_in_key_fields"] == "yes",
            staff_total=data["staff_total"],
            staff_rd=data["staff_rd"],
            sales_last_year=data["sales_last_year"],
            sales_3y_total=data["sales_3y_total"],
            rd_3y_total=data["rd_3y_total"],
            rd_3y_domestic=data["rd_3y_domestic"],
            high_tech_revenue_last_year=data["high_tech_revenue_last_year"],
            revenue_last_year=data["revenue_last_year"],
            innovation_score=data["innovation_score"],
            major_violation_last_year=data["major_violation_last_year"] == "yes",
        )
        try:
            domain.check_hnte_facts(facts)
        except DomainError as exc:
            self.add_domain_error(exc)
        else:
            data["facts"] = facts
        return data


class RdForm(_DomainForm):
    tax_year = forms.CharField(
        label=_("纳税年度"),
        max_length=4,
        help_text=_("2023 年及以后，例如 2025"),
        error_messages={"required": _("请填写纳税年度")},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    industry = forms.ChoiceField(
        label=_("所属行业"), error_messages={"required": _("请选择所属行业")}
    )
    special_sector = forms.ChoiceField(
        label=_("是否为集成电路企业或工业母机企业"),
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择是否为集成电路企业或工业母机企业")},
    )
    expensed_rd = _amount_field(
        _("未形成无形资产、计入当期损益的研发费用"), _("请填写计入当期损益的研发费用")
    )
    capitalised_rd_cost = _amount_field(
        _("形成无形资产的研发成本"), _("请填写形成无形资产的研发成本（没有请填 0）")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        industry = self.fields["industry"]
        assert isinstance(industry, forms.ChoiceField)
        industry.choices = [("", _("请选择")), *_names(domain.INDUSTRIES)]
        sector = self.fields["special_sector"]
        assert isinstance(sector, forms.ChoiceField)
        sector.choices = _names(domain.SPECIAL_SECTORS)

    def clean_tax_year(self) -> int:
        raw = self.cleaned_data["tax_year"].strip()
        if not raw.isdigit():
            raise forms.ValidationError(_("请填写四位数的年份，例如 2025"))
        return int(raw)

    def clean_expensed_rd(self) -> Decimal:
        return self._amount("expensed_rd")

    def clean_capitalised_rd_cost(self) -> Decimal:
        return self._amount("capitalised_rd_cost")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        facts = domain.RdFacts(
            tax_year=data["tax_year"],
            industry=data["industry"],
            special_sector=data["special_sector"],
            expensed_rd=data["expensed_rd"],
            capitalised_rd_cost=data["capitalised_rd_cost"],
        )
        try:
            domain.check_rd_facts(facts)
            domain.rd_parameters_for(facts.tax_year)
        except DomainError as exc:
            self.add_domain_error(exc)
        else:
            data["facts"] = facts
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("企业库导入表（.xlsx）"),
        help_text=_("第一行为表头；有任何一行出错时整表不导入，并列出每处问题。"),
        error_messages={
            "required": _("请选择要上传的 .xlsx 文件"),
            "empty": _("上传的文件是空的，请检查后重新选择"),
        },
    )


class RegistryFilterForm(forms.Form):
    q = forms.CharField(label=_("名称或代码"), required=False, max_length=100)
    district = forms.ChoiceField(label=_("所在区"), required=False)
    industry = forms.ChoiceField(label=_("行业"), required=False)
    tier = forms.ChoiceField(label=_("梯度"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, codes in (
            ("district", domain.DISTRICTS),
            ("industry", domain.INDUSTRIES),
            ("tier", domain.TIERS),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", _("全部")), *_names(codes)]


def initial_from(query: dict[str, str], form_class: type[forms.Form]) -> dict[str, Any]:
    """Values a link may fill in (``?registered_on=2018-05-20``), only for known fields."""
    initial: dict[str, Any] = {}
    for name in form_class.base_fields:
        value = query.get(name)
        if value:
            initial[name] = value[:40]
    return initial


def today_initial() -> dict[str, Any]:
    return {"assessed_on": timezone.localdate().isoformat()}
