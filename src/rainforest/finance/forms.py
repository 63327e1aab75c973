"""The pledge registration form: server-side checks with the core's own messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rainforest.core.errors import DomainError
from rainforest.core.ids import validate_uscc
from rainforest.core.money import parse_yuan
from rainforest.finance import domain
from rainforest.language import english


def _lines(text: str) -> list[str]:
    return [
        line.strip()
        for line in (text or "").replace("；", "\n").replace(";", "\n").splitlines()
        if line.strip()
    ]


class PledgeForm(forms.Form):
    pledgor_uscc = forms.CharField(
        label=_("出质人统一社会信用代码"),
        max_length=40,
        help_text=_("18 位，可带空格，例如 91440300MA5XXXXXXX"),
    )
    pledgor_name = forms.CharField(label=_("出质人名称"), max_length=200)
    patents = forms.CharField(
        label=_("专利号"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个，例如 ZL202310123456.7"),
    )
    trademarks = forms.CharField(
        label=_("商标注册号"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一个"),
    )
    loan_amount = forms.CharField(
        label=_("贷款金额"), max_length=40, help_text=_("单位：元；可写 5,000,000 或 500万")
    )
    term_months = forms.CharField(label=_("贷款期限（月）"), max_length=4)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        required = {
            "pledgor_uscc": _("请填写出质人的统一社会信用代码"),
            "pledgor_name": _("请填写出质人名称"),
            "loan_amount": _("请填写贷款金额"),
            "term_months": _("请填写贷款期限（月）"),
        }
        for name, message in required.items():
            self.fields[name].error_messages["required"] = message

    def _domain(self, field: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            raise forms.ValidationError(
                exc.message_zh if not english() else exc.message_en
            ) from exc

    def clean_pledgor_uscc(self) -> str:
        return str(self._domain("pledgor_uscc", validate_uscc, self.cleaned_data["pledgor_uscc"]))

    def clean_loan_amount(self) -> Any:
        amount = self._domain("loan_amount", parse_yuan, self.cleaned_data["loan_amount"])
        if amount <= 0:
            raise forms.ValidationError(_("贷款金额应大于零"))
        return amount

    def clean_term_months(self) -> int:
        raw = self.cleaned_data["term_months"].strip()
        if not raw.isdigit():
            raise forms.ValidationError(_("贷款期限应为整数个月，例如 12"))
        return int(self._domain("term_months", domain.validate_term_months, int(raw)))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        items = [("patent", n) for n in _lines(data.get("patents", ""))] + [
            ("trademark", n) for n in _lines(data.get("trademarks", ""))
        ]
        try:
            parsed = domain.parse_ip_items(items)
        except DomainError as exc:
            # "Enter at least one" goes to the first of the two fields (its message names
            # both kinds); any other error to the field of the number it names.
            named_trademark = exc.code != "ip_required" and "商标" in exc.message_zh
            target = "trademarks" if named_trademark else "patents"
            self.add_error(target, exc.message_en if english() else exc.message_zh)
        else:
            data["ip_items"] = [(i.kind, i.number) for i in parsed]
        return data
