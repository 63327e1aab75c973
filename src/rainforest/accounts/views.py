"""Sign in (password, then TOTP for staff) and sign out."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from rainforest.accounts.middleware import SESSION_KEY
from rainforest.accounts.services import (
    login_attempt_record,
    login_locked,
    totp_current,
    totp_verify,
)


class LoginForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    password = forms.CharField(label=gettext_lazy("密码"), widget=forms.PasswordInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = gettext_lazy("请输入用户名")
        self.fields["password"].error_messages["required"] = gettext_lazy("请输入密码")


class SecondFactorForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("动态验证码"), max_length=12)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].error_messages["required"] = gettext_lazy(
            "请输入身份验证器显示的 6 位验证码"
        )


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return "/"


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        if login_locked(username=username, ip=_ip(request)):
            form.add_error(
                None,
                _("登录失败次数过多，请 %(minutes)d 分钟后再试")
                % {"minutes": settings.LOGIN_FAILURE_WINDOW_SECONDS // 60},
            )
            login_attempt_record(
                username=username, ip=_ip(request), succeeded=False, stage="locked"
            )
            status = 429
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                login_attempt_record(
                    username=username, ip=_ip(request), succeeded=False, stage="password"
                )
                form.add_error("password", _("用户名或密码不正确，请重新输入"))
            else:
                login_attempt_record(
                    username=username, ip=_ip(request), succeeded=True, stage="password"
                )
                login(request, user)
                if user.needs_second_factor():
                    return redirect(f"/accounts/second-factor/?next={_next(request)}")
                return redirect(_next(request))
    return render(
        request, "accounts/login.html", {"form": form, "next": _next(request)}, status=status
    )


@require_http_methods(["GET", "POST"])
def second_factor_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    user = request.user
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if login_locked(username=user.username, ip=_ip(request)):
            form.add_error("code", _("验证失败次数过多，请稍后再试"))
        elif totp_verify(user, form.cleaned_data["code"]):
            login_attempt_record(
                username=user.username, ip=_ip(request), succeeded=True, stage="totp"
            )
            request.session.cycle_key()
            request.session[SESSION_KEY] = True
            return redirect(_next(request))
        else:
            login_attempt_record(
                username=user.username, ip=_ip(request), succeeded=False, stage="totp"
            )
            form.add_error("code", _("验证码不正确或已过期，请输入身份验证器当前显示的 6 位数字"))
    demo_code = totp_current(user) if settings.DEMO_MODE and user.totp_secret else None
    return render(
        request,
        "accounts/second_factor.html",
        {"form": form, "next": _next(request), "demo_code": demo_code},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("/")
