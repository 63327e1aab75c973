"""The public notice (社会公示) and its objection form: anyone, without signing in.

An objection is named, with a contact and grounds; every problem is shown at once, at
its field, with what was typed. The confirmation gives the objection's number. The
objectors' names and contacts are never shown here; outcomes are.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from rainforest.core.errors import DomainError
from rainforest.programs import selectors_decision as sel
from rainforest.programs.models import PublicNotice
from rainforest.programs.services import notice as notice_services
from rainforest.programs.views.common import message


class ObjectionForm(forms.Form):
    application_number = forms.ChoiceField(label=_("异议涉及的项目"))
    objector_name = forms.CharField(
        label=_("您的姓名或单位名称"),
        max_length=200,
        required=False,
        help_text=_("异议须实名提出，姓名和联系方式不会公开"),
    )
    contact = forms.CharField(
        label=_("联系电话或电子邮箱"),
        max_length=200,
        required=False,
        help_text=_("用于告知处理结果，如 13800138000 或 name@example.cn"),
    )
    grounds = forms.CharField(
        label=_("异议的事实和理由"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        required=False,
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["application_number"])
        field.choices = [("", _("请选择")), *choices]
        field.error_messages["required"] = _("请选择异议涉及的公示项目")
        field.error_messages["invalid_choice"] = _("请选择公示名单中的项目")
        # The rules say which are required and why; the form only collects.
        for name in ("objector_name", "contact", "grounds"):
            self.fields[name].required = False


# The rule's field names → the form's.
_FIELD = {
    "objector_name": "objector_name",
    "contact": "contact",
    "grounds": "grounds",
    "application_number": "application_number",
}


@require_safe
def notice_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "programs/public/notice_list.html",
        {"notices": list(sel.public_notices()[:200]), "now": timezone.now()},
    )


def _detail_context(notice: PublicNotice) -> dict[str, Any]:
    now = timezone.now()
    return {
        "notice": notice,
        "listed": list(sel.notice_listed(notice)),
        "outcomes": list(sel.notice_outcomes(notice)),
        "now": now,
        "is_open": notice.published_at <= now <= notice.closes_at,
    }


@require_safe
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = sel.public_notice(notice_id)
    return render(request, "programs/public/notice_detail.html", _detail_context(notice))


@require_http_methods(["GET", "POST"])
def notice_object(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = sel.public_notice(notice_id)
    listed = list(sel.notice_listed(notice))
    choices = [
        (fl.application.case.number, f"{fl.application.case.number} {fl.application.title}")
        for fl in listed
        if fl.application.case
    ]
    form = ObjectionForm(request.POST or None, choices=choices)
    context = {**_detail_context(notice), "form": form}
    if request.method == "POST":
        typed = {k: request.POST.get(k, "") for k in _FIELD}
        form.is_valid()
        problems = notice_services.objection_problems(
            notice=notice,
            application_number=typed["application_number"],
            name=typed["objector_name"],
            contact=typed["contact"],
            grounds=typed["grounds"],
        )
        for problem in problems:
            target = _FIELD.get(problem.field or "")
            if target and not form.has_error(target):
                form.add_error(target, message(problem))
            elif not target:
                form.add_error(None, message(problem))
        if not form.errors:
            try:
                objection = notice_services.objection_lodge(
                    notice=notice,
                    application_number=typed["application_number"],
                    name=typed["objector_name"],
                    contact=typed["contact"],
                    grounds=typed["grounds"],
                    user=request.user if request.user.is_authenticated else None,  # type: ignore[arg-type]  # a signed-in user is a User
                )
            except DomainError as exc:
                form.add_error(_FIELD.get(exc.field or "") or None, message(exc))
            else:
                return render(
                    request,
                    "programs/public/notice_objection_done.html",
                    {"notice": notice, "objection": objection},
                )
        return render(request, "programs/public/notice_objection.html", context, status=422)
    return render(request, "programs/public/notice_objection.html", context)
