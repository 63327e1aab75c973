"""Voucher forms: server-side checks with the core's own messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rainforest.core.errors import DomainError
from rainforest.core.money import parse_yuan
from rainforest.language import english
from rainforest.vouchers import domain

TYPE_CHOICES = [(t, domain.TYPE_NAMES[t][0]) for t in domain.VOUCHER_TYPES]


def _message(exc: DomainError) -> str:
    return exc.message_en if english() else exc.message_zh


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_holder_lines(text: str) -> list[tuple[str, str]]:
    """「名称, 比例」 one per line; a comma, a full-width comma or a tab between them."""
    out: list[tuple[str, str]] = []
    for line in _lines(text):
        for sep in ("，", ",", "\t", " "):
            if sep in line:
                name, _, percent = line.rpartition(sep)
                out.append((name.strip(), percent.strip()))
                break
        else:
            out.append((line, ""))
    return out


class _Form(forms.Form):
    required_messages: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, message in self.required_messages.items():
            self.fields[name].error_messages["required"] = message
            self.fields[name].error_messages["invalid"] = message

    def _amount(self, name: str) -> Any:
        try:
            amount = parse_yuan(self.cleaned_data[name], field=name)
        except DomainError as exc:
            raise forms.ValidationError(_message(exc)) from exc
        if amount <= 0:
            raise forms.ValidationError(_("金额应大于零"))
        return amount


class DateInput(forms.DateInput):
    input_type = "text"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d", attrs={"placeholder": "2026-03-31"})


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label, widget=DateInput(), input_formats=["%Y-%m-%d"], help_text=_("例如 2026-03-31")
    )


class ApplicationForm(_Form):
    voucher_type = forms.ChoiceField(
        label=_("券种"), choices=TYPE_CHOICES, widget=forms.RadioSelect
    )
    provider = forms.TypedChoiceField(label=_("服务商"), coerce=int)
    amount = forms.CharField(
        label=_("申领金额"), max_length=40, help_text=_("单位：元；可写 1,000,000 或 100万")
    )
    planned_use = forms.CharField(
        label=_("计划用途"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    contract_reference = forms.CharField(label=_("合同或报价单编号"), max_length=200)
    legal_representative = forms.CharField(label=_("企业法定代表人"), max_length=100)
    shareholders = forms.CharField(
        label=_("持股超过5%的股东"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一位：名称，持股比例（%），例如：张三，60"),
    )
    required_messages = {
        "voucher_type": _("请选择券种"),
        "provider": _("请选择服务商"),
        "amount": _("请填写申领金额"),
        "planned_use": _("请填写计划用途"),
        "contract_reference": _("请填写合同或报价单编号"),
        "legal_representative": _("请填写企业法定代表人"),
    }

    def __init__(self, *args: Any, providers: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]  # a tuple default is never mutated
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "—")] + [
            (
                p.pk,
                f"{p.organisation.name}（{'、'.join(domain.TYPE_NAMES[t][0] for t in p.voucher_types)}）",
            )
            for p in providers
        ]

    def clean_amount(self) -> Any:
        return self._amount("amount")

    def clean_shareholders(self) -> list[tuple[str, str]]:
        lines = parse_holder_lines(self.cleaned_data.get("shareholders", ""))
        try:
            domain.parse_holders(lines)
        except DomainError as exc:
            raise forms.ValidationError(_message(exc)) from exc
        return lines


class ProviderForm(_Form):
    voucher_types = forms.MultipleChoiceField(
        label=_("服务类别"), choices=TYPE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=100)
    shareholders = forms.CharField(
        label=_("持股超过5%的股东"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一位：名称，持股比例（%），例如：张三，60"),
    )
    services = forms.CharField(
        label=_("服务内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    price_list = forms.CharField(
        label=_("价格清单"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    bank_name = forms.CharField(label=_("开户银行"), max_length=200)
    bank_account = forms.CharField(label=_("银行账号"), max_length=40)
    required_messages = {
        "voucher_types": _("请至少选择一类服务"),
        "legal_representative": _("请填写法定代表人"),
        "services": _("请填写服务内容"),
        "price_list": _("请填写价格清单"),
        "bank_name": _("请填写开户银行"),
        "bank_account": _("请填写银行账号"),
    }

    def clean_shareholders(self) -> list[tuple[str, str]]:
        lines = parse_holder_lines(self.cleaned_data.get("shareholders", ""))
        try:
            domain.parse_holders(lines)
        except DomainError as exc:
            raise forms.ValidationError(_message(exc)) from exc
        return lines


class RedeemForm(_Form):
    voucher_number = forms.CharField(
        label=_("券号"), max_length=40, help_text=_("企业提供的券号，例如 XLQ-2026-000001")
    )
    invoice_number = forms.CharField(label=_("发票号码"), max_length=60)
    invoice_amount = forms.CharField(
        label=_("发票金额（含税）"), max_length=40, help_text=_("单位：元")
    )
    invoice_date = _date_field(_("开票日期"))
    period_start = _date_field(_("服务期间起"))
    period_end = _date_field(_("服务期间止"))
    usage_evidence = forms.CharField(
        label=_("使用情况说明"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：A800 训练 120 卡时，附用量明细编号"),
    )
    required_messages = {
        "voucher_number": _("请填写券号"),
        "invoice_number": _("请填写发票号码"),
        "invoice_amount": _("请填写发票金额"),
        "invoice_date": _("请按 YYYY-MM-DD 填写开票日期"),
        "period_start": _("请按 YYYY-MM-DD 填写服务期间起始日"),
        "period_end": _("请按 YYYY-MM-DD 填写服务期间截止日"),
        "usage_evidence": _("请填写使用情况说明"),
    }

    def clean_invoice_amount(self) -> Any:
        return self._amount("invoice_amount")

    def clean_invoice_number(self) -> str:
        try:
            return domain.normalise_invoice_number(self.cleaned_data["invoice_number"])
        except DomainError as exc:
            raise forms.ValidationError(_message(exc)) from exc


class SettlementForm(_Form):
    provider = forms.TypedChoiceField(label=_("服务商"), coerce=int)
    period_start = _date_field(_("结算期间起"))
    period_end = _date_field(_("结算期间止"))
    required_messages = {
        "provider": _("请选择服务商"),
        "period_start": _("请按 YYYY-MM-DD 填写结算期间起始日"),
        "period_end": _("请按 YYYY-MM-DD 填写结算期间截止日"),
    }

    def __init__(self, *args: Any, providers: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]  # a tuple default is never mutated
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "—")] + [
            (p.pk, p.organisation.name) for p in providers
        ]


class PaidForm(_Form):
    reference = forms.CharField(label=_("付款凭证号"), max_length=100)
    required_messages = {"reference": _("请填写付款凭证号")}


class DisputeForm(_Form):
    reason = forms.CharField(
        label=_("不予确认的理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    required_messages = {"reason": _("请填写不予确认的理由")}
