"""Forms of the portrait pages: authorising a bank, recording a credit decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rainforest.accounts.models import Organisation, OrganisationKind
from rainforest.core.errors import DomainError
from rainforest.core.money import parse_yuan
from rainforest.portrait.models import Consent, CreditDecision


class ConsentForm(forms.Form):
    bank_uscc = forms.ChoiceField(label=_("授权银行"))
    purpose = forms.ChoiceField(label=_("用途"), choices=Consent.Purpose.choices)
    valid_from = forms.DateField(label=_("起始日期"), help_text=_("例如 2026-07-01"))
    valid_until = forms.DateField(label=_("截止日期"), help_text=_("单次授权不超过一年"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        banks = Organisation.objects.filter(kind=OrganisationKind.BANK).order_by("name")
        self.fields["bank_uscc"].choices = [("", _("请选择"))] + [(b.uscc, b.name) for b in banks]
        self.fields["bank_uscc"].error_messages["required"] = _("请选择要授权的银行")
        self.fields["purpose"].error_messages["required"] = _("请选择授权用途")
        for name in ("valid_from", "valid_until"):
            self.fields[name].error_messages["required"] = _("请填写日期，例如 2026-07-01")
            self.fields[name].error_messages["invalid"] = _(
                "日期格式应为 年-月-日，例如 2026-07-01"
            )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("授信结果"), choices=CreditDecision.Outcome.choices, widget=forms.RadioSelect
    )
    amount = forms.CharField(
        label=_("授信金额"),
        max_length=40,
        required=False,
        help_text=_("单位：元；可写 5,000,000 或 500万"),
    )
    note = forms.CharField(label=_("备注"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].error_messages["required"] = _("请选择批准或拒绝")

    def clean_amount(self) -> Any:
        raw = self.cleaned_data.get("amount", "").strip()
        if not raw:
            return None
        try:
            return parse_yuan(raw, field="amount")
        except DomainError as exc:
            raise forms.ValidationError(exc.message_zh) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == CreditDecision.Outcome.APPROVED and not data.get("amount"):
            self.add_error("amount", _("批准授信时请填写授信金额"))
        return data
