"""Forms for police legal officers: record a request, the process controls, an action."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rainforest.core.errors import DomainError
from rainforest.core.ids import validate_uscc
from rainforest.core.money import parse_yuan
from rainforest.enforcement.models import PersonMeasure
from rainforest.enforcement.services import PersonIn, clean_persons
from rainforest.language import english

MEASURE_BY_NAME = {str(m.label): m.value for m in PersonMeasure} | {
    m.value: m.value for m in PersonMeasure
}


def _message(exc: DomainError) -> str:
    return exc.message_en if english() else exc.message_zh


def _count(raw: str, what: str) -> int:
    text = (raw or "").strip().replace(",", "").replace("，", "")
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise forms.ValidationError(
            _("%(what)s应为零或正整数，例如 12") % {"what": what}, code="count_invalid"
        )
    return int(text)


class RequestForm(forms.Form):
    agency_name = forms.CharField(
        label=_("协作请求机关"),
        max_length=200,
        help_text=_("外地公安机关名称，例如 某某市公安局经济犯罪侦查支队"),
    )
    agency_region = forms.CharField(
        label=_("请求机关所在地区"), max_length=100, help_text=_("例如 湖南省长沙市")
    )
    agency_letter_no = forms.CharField(label=_("协作函文号"), max_length=100, required=False)
    enterprise_name = forms.CharField(label=_("涉及企业名称"), max_length=200)
    enterprise_uscc = forms.CharField(
        label=_("涉及企业统一社会信用代码"), max_length=40, help_text=_("18 位，可带空格")
    )
    persons_count = forms.CharField(
        label=_("传唤、拘传、拘留、逮捕、讯问人数"), max_length=12, help_text=_("没有则填 0")
    )
    property_value = forms.CharField(
        label=_("查封、扣押、冻结财物价值"),
        max_length=40,
        help_text=_("单位：元；可写 10,000,000 或 1000万；没有则填 0"),
    )
    bank_accounts = forms.CharField(
        label=_("冻结银行账户数"), max_length=12, help_text=_("没有则填 0")
    )
    persons = forms.CharField(
        label=_("涉案人员"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一人：姓名，身份证号码，措施（传唤、拘传、拘留、逮捕或讯问）"),
    )
    measures_note = forms.CharField(
        label=_("协作事项说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    document = forms.FileField(
        label=_("法律文书"),
        required=False,
        help_text=_("协作函、法律手续等，PDF 或图片；更多文书可在登记后上传"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        required = {
            "agency_name": _("请填写协作请求机关"),
            "agency_region": _("请填写请求机关所在地区"),
            "enterprise_name": _("请填写涉及企业名称"),
            "enterprise_uscc": _("请填写涉及企业的统一社会信用代码"),
            "persons_count": _("请填写人数，没有则填 0"),
            "property_value": _("请填写财物价值，没有则填 0"),
            "bank_accounts": _("请填写冻结银行账户数，没有则填 0"),
        }
        for name, message in required.items():
            self.fields[name].error_messages["required"] = message

    def clean_enterprise_uscc(self) -> str:
        try:
            return validate_uscc(self.cleaned_data["enterprise_uscc"], field="enterprise_uscc")
        except DomainError as exc:
            raise forms.ValidationError(_message(exc)) from exc

    def clean_persons_count(self) -> int:
        return _count(self.cleaned_data["persons_count"], str(_("人数")))

    def clean_bank_accounts(self) -> int:
        return _count(self.cleaned_data["bank_accounts"], str(_("冻结银行账户数")))

    def clean_property_value(self) -> Any:
        try:
            return parse_yuan(self.cleaned_data["property_value"], field="property_value")
        except DomainError as exc:
            raise forms.ValidationError(_message(exc)) from exc

    def clean_persons(self) -> list[PersonIn]:
        people: list[PersonIn] = []
        lines = [
            line.strip()
            for line in (self.cleaned_data["persons"] or "").splitlines()
            if line.strip()
        ]
        for number, line in enumerate(lines, start=1):
            parts = [p.strip() for p in re.split(r"[,，、\t]+", line) if p.strip()]
            if len(parts) != 3:
                raise forms.ValidationError(
                    _("第 %(n)s 行应为：姓名，身份证号码，措施") % {"n": number}
                )
            name, id_number, measure = parts
            if measure not in MEASURE_BY_NAME:
                raise forms.ValidationError(
                    _("第 %(n)s 行的措施应为传唤、拘传、拘留、逮捕或讯问") % {"n": number}
                )
            people.append(PersonIn(name, id_number, MEASURE_BY_NAME[measure]))
        try:
            return clean_persons(people)
        except DomainError as exc:
            line = ""
            if exc.field and exc.field.startswith("persons."):
                line = str(_("第 %(n)s 行：") % {"n": int(exc.field.split(".")[1]) + 1})
            raise forms.ValidationError(f"{line}{_message(exc)}") from exc


class ControlsForm(forms.Form):
    two_way_notice = forms.BooleanField(label=_("已双向告知"), required=False)
    instruction_sheet_no = forms.CharField(label=_("指令单编号"), max_length=60, required=False)
    accompanying_officers = forms.CharField(
        label=_("协作民警"),
        max_length=200,
        required=False,
        help_text=_("本地协作民警的姓名和警号"),
    )
    body_camera_ref = forms.CharField(label=_("执法记录仪记录编号"), max_length=100, required=False)
    case_centre = forms.BooleanField(label=_("嫌疑人已进执法办案管理中心"), required=False)


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("法律文书"))
    purpose = forms.CharField(label=_("文书名称或用途"), max_length=40, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages["required"] = _("请选择要上传的文件")
