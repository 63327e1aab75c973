"""One error envelope for every API error: ``{"code", "message", "fields"}``.

Every exception an endpoint can raise is mapped here, in one place, so a client
never sees a 500 page or a framework's own error shape.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from rainforest.core.errors import DomainError
from rainforest.language import english

log = logging.getLogger("rainforest.api")


def envelope(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message_zh: str,
    message_en: str,
    fields: dict[str, str] | None = None,
) -> HttpResponse:
    body = {
        "code": code,
        "message": message_en if english() else message_zh,
        "fields": fields or {},
    }
    return api.create_response(request, body, status=status)


_TYPE_MESSAGES = {
    # pydantic error type -> (zh, en)
    "missing": ("必须填写", "is required"),
    "json_invalid": ("不是有效的 JSON", "is not valid JSON"),
    "int_parsing": ("应为整数", "must be a whole number"),
    "int_type": ("应为整数", "must be a whole number"),
    "decimal_parsing": ("应为数字", "must be a number"),
    "decimal_type": ("应为数字或数字字符串", "must be a number or a decimal string"),
    "string_type": ("应为文字", "must be text"),
    "bool_parsing": ("应为 true 或 false", "must be true or false"),
    "bool_type": ("应为 true 或 false", "must be true or false"),
    "date_from_datetime_parsing": ("应为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD"),
    "date_parsing": ("应为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD"),
    "enum": ("不是可选的值之一", "is not one of the allowed values"),
    "literal_error": ("不是可选的值之一", "is not one of the allowed values"),
    "list_type": ("应为列表", "must be a list"),
    "model_type": ("应为对象", "must be an object"),
    "dict_type": ("应为对象", "must be an object"),
    "extra_forbidden": ("不是可接受的字段", "is not an accepted field"),
}


_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}
_WRAPPERS = {"payload", "filters"}


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "payload", "loan_amount")`` -> ``loan_amount``; ``("file", "file")`` -> ``file``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if parts and parts[0] in _WRAPPERS:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _validation_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    en = english()
    for err in errors:
        name = _field_name(err.get("loc", ()))
        kind = err.get("type", "")
        ctx = err.get("ctx") or {}
        zh_en = _TYPE_MESSAGES.get(kind)
        if isinstance(ctx.get("error"), DomainError):
            dom: DomainError = ctx["error"]
            text = dom.message("en" if en else "zh")
        elif zh_en:
            text = zh_en[1] if en else zh_en[0]
        elif kind.startswith(("greater_than", "less_than")) or "too_long" in kind:
            text = (
                f"is out of range ({err.get('msg', '')})"
                if en
                else f"超出允许范围（{err.get('msg', '')}）"
            )
        else:
            msg = str(err.get("msg", ""))
            text = msg if en else f"格式不正确：{msg}"
        fields.setdefault(name, text)
    return fields


def install(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = _validation_fields(list(exc.errors))
        return envelope(
            api,
            request,
            422,
            "invalid",
            "提交的内容有误，请按字段说明修改",
            "Some of the input cannot be accepted; see the fields",
            fields,
        )

    @api.exception_handler(DomainError)
    def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        fields = {exc.field: exc.message("en" if english() else "zh")} if exc.field else {}
        return envelope(
            api, request, exc.http_status, exc.code, exc.message_zh, exc.message_en, fields
        )

    @api.exception_handler(AuthenticationError)
    def _auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return envelope(
            api,
            request,
            401,
            "unauthenticated",
            "请先登录或提供有效的令牌",
            "Sign in or send a valid token",
        )

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return envelope(api, request, 403, "forbidden", "无权执行此操作", "Not allowed")

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return envelope(api, request, 404, "not_found", "未找到", "Not found")

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            return envelope(
                api,
                request,
                400,
                "bad_request",
                "请求格式不正确：正文须为有效的 JSON",
                "Malformed request: the body must be valid JSON",
            )
        if exc.status_code == 403 and "CSRF" in str(exc):
            # django-ninja's session auth raises this with an English-only text.
            return envelope(
                api,
                request,
                403,
                "csrf_failed",
                "请求未通过 CSRF 校验：请刷新页面后重试",
                "The request failed the CSRF check: reload the page and try again",
            )
        return envelope(api, request, exc.status_code, "error", str(exc), str(exc))

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("unexpected API error")
        return envelope(
            api,
            request,
            500,
            "server_error",
            "服务器内部错误，已记录，请稍后再试",
            "Internal error; it has been logged, please try again later",
        )
