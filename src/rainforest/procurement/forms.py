"""Forms for the set-aside calculator, projects and bids: server-side checks with the
core's own messages, money typed as 2,000,000 or 200万, rates as 0.15 or 15%."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rainforest.core.errors import DomainError
from rainforest.core.ids import validate_uscc
from rainforest.core.money import parse_yuan
from rainforest.language import english
from rainforest.procurement import domain

CATEGORY_CHOICES = [
    ("", _("请选择")),
    ("goods", _("货物")),
    ("services", _("服务")),
    ("works", _("工程")),
]
EXCEPTION_CHOICES = [
    ("", _("无（适用预留规定）")),
    ("non_enterprise_required", _("法律法规规定应当面向非企业主体采购")),
    ("irreplaceable_supplier", _("不可替代的专利、专有技术等，只能从中小企业之外采购")),
    ("insufficient_supply", _("预留份额无法确保充分供应、充分竞争")),
    ("framework_agreement", _("框架协议采购项目")),
    ("provincial_other", _("省级以上财政部门规定的其他情形")),
]
SUITABLE_CHOICES = [("", _("请选择")), ("yes", _("适宜")), ("no", _("不适宜"))]
SCALE_CHOICES = [
    ("micro", _("微型企业")),
    ("small", _("小型企业")),
    ("medium", _("中型企业")),
    ("large", _("大型企业")),
]
INDUSTRY_CHOICES = [(code, names[0]) for code, names in domain.INDUSTRY_NAMES.items()]


def _message(exc: DomainError) -> str:
    return exc.message("en" if english() else "zh")


def _money(raw: str, field: str) -> Decimal:
    try:
        amount = parse_yuan(raw, field=field)
    except DomainError as exc:
        raise forms.ValidationError(_message(exc)) from exc
    if amount <= 0:
        raise forms.ValidationError(_("金额应大于零"))
    return amount


def _fraction(raw: str, field: str) -> Decimal:
    text = (raw or "").strip().replace("％", "%")
    try:
        value = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except InvalidOperation:
        raise forms.ValidationError(
            _("请填写 0 到 1 之间的小数（如 0.15）或百分数（如 15%）")
        ) from None
    try:
        return domain.check_fraction(value, field=field)
    except DomainError as exc:
        raise forms.ValidationError(_message(exc)) from exc


class SetAsideForm(forms.Form):
    category = forms.ChoiceField(label=_("采购类别"), choices=CATEGORY_CHOICES)
    budget = forms.CharField(
        label=_("采购预算"), max_length=40, help_text=_("单位：元；可写 2,000,000 或 200万")
    )
    suitable_for_sme = forms.ChoiceField(
        label=_("是否适宜由中小企业提供"), choices=SUITABLE_CHOICES
    )
    exception = forms.ChoiceField(
        label=_("不预留份额的情形"), choices=EXCEPTION_CHOICES, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].error_messages["required"] = _("请选择采购类别")
        self.fields["budget"].error_messages["required"] = _("请填写采购预算")
        self.fields["suitable_for_sme"].error_messages["required"] = _(
            "请选择是否适宜由中小企业提供"
        )

    def clean_budget(self) -> Decimal:
        return _money(self.cleaned_data["budget"], "budget")


class ProjectForm(SetAsideForm):
    reference = forms.CharField(label=_("项目编号"), max_length=60)
    title = forms.CharField(label=_("项目名称"), max_length=200)
    lots = forms.CharField(
        label=_("采购包"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "每行一个：名称，预算，是否预留（预留／不预留）。例如：服务器，150万，预留。"
            "不填则整个项目为一个采购包"
        ),
    )
    small_micro_rate = forms.CharField(
        label=_("小微企业价格扣除比例"),
        max_length=10,
        help_text=_("采购文件确定的比例，货物服务 10%–20%，工程 3%–5%"),
    )
    consortium_rate = forms.CharField(
        label=_("联合体或分包价格扣除比例"),
        max_length=10,
        help_text=_("小微企业合同份额达到 30% 的联合体或分包，货物服务 4%–6%，工程 1%–2%"),
    )

    field_order = [
        "reference",
        "title",
        "category",
        "budget",
        "suitable_for_sme",
        "exception",
        "lots",
        "small_micro_rate",
        "consortium_rate",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reference"].error_messages["required"] = _("请填写项目编号")
        self.fields["title"].error_messages["required"] = _("请填写项目名称")
        self.fields["small_micro_rate"].error_messages["required"] = _("请填写小微企业价格扣除比例")
        self.fields["consortium_rate"].error_messages["required"] = _(
            "请填写联合体或分包价格扣除比例"
        )

    def clean_small_micro_rate(self) -> Decimal:
        return _fraction(self.cleaned_data["small_micro_rate"], "small_micro_rate")

    def clean_consortium_rate(self) -> Decimal:
        return _fraction(self.cleaned_data["consortium_rate"], "consortium_rate")

    def clean_lots(self) -> list[tuple[str, Decimal, bool]]:
        lots: list[tuple[str, Decimal, bool]] = []
        text = self.cleaned_data.get("lots") or ""
        for number, line in enumerate((ln for ln in text.splitlines() if ln.strip()), start=1):
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) not in (2, 3) or not parts[0]:
                raise forms.ValidationError(
                    _("第 %(n)s 行应写为：名称，预算，预留或不预留") % {"n": number}
                )
            try:
                budget = parse_yuan(parts[1], field="lots")
            except DomainError as exc:
                raise forms.ValidationError(
                    _("第 %(n)s 行：%(m)s") % {"n": number, "m": _message(exc)}
                ) from exc
            reserved = len(parts) == 3 and parts[2] in ("预留", "是", "reserved", "yes")
            lots.append((parts[0], budget, reserved))
        return lots


class DeclarationItemForm(forms.Form):
    item_name = forms.CharField(label=_("标的名称"), max_length=200)
    manufacturer = forms.CharField(label=_("制造商或承接企业"), max_length=200)
    industry = forms.ChoiceField(label=_("所属行业"), choices=INDUSTRY_CHOICES)
    employees = forms.IntegerField(label=_("从业人员（人）"), min_value=0, required=False)
    revenue = forms.CharField(label=_("营业收入（元）"), max_length=40, required=False)
    assets = forms.CharField(label=_("资产总额（元）"), max_length=40, required=False)
    declared_size = forms.ChoiceField(label=_("声明的企业规模"), choices=SCALE_CHOICES)

    def _optional_money(self, name: str) -> Decimal | None:
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw:
            return None
        try:
            return parse_yuan(raw, field=name)
        except DomainError as exc:
            raise forms.ValidationError(_message(exc)) from exc

    def clean_revenue(self) -> Decimal | None:
        return self._optional_money("revenue")

    def clean_assets(self) -> Decimal | None:
        return self._optional_money("assets")


class BidForm(forms.Form):
    supplier_name = forms.CharField(label=_("供应商名称"), max_length=200)
    supplier_uscc = forms.CharField(label=_("供应商统一社会信用代码"), max_length=40)
    price = forms.CharField(label=_("投标报价（元）"), max_length=40)
    small_micro_share = forms.CharField(
        label=_("联合体或分包中小微企业的合同份额"),
        max_length=10,
        required=False,
        help_text=_("如 0.3 或 30%"),
    )

    def clean_supplier_uscc(self) -> str:
        try:
            return str(validate_uscc(self.cleaned_data["supplier_uscc"]))
        except DomainError as exc:
            raise forms.ValidationError(_message(exc)) from exc

    def clean_price(self) -> Decimal:
        return _money(self.cleaned_data["price"], "price")

    def clean_small_micro_share(self) -> Decimal | None:
        raw = self.cleaned_data.get("small_micro_share") or ""
        return _fraction(raw, "small_micro_share") if raw.strip() else None


ItemFormSet = forms.formset_factory(
    DeclarationItemForm, extra=2, min_num=1, validate_min=True, max_num=20
)
