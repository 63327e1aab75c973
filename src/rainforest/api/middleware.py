"""Errors raised outside the API's own handlers still get the envelope under /api/.

django-ninja answers a wrong method with a plain 405, and Django answers an unknown
path with an HTML 404; a client of the API should see one error shape for everything.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from rainforest.language import english

_MESSAGES = {
    404: ("not_found", "未找到该接口", "No such endpoint"),
    405: (
        "method_not_allowed",
        "该接口不支持此请求方法",
        "This endpoint does not accept this method",
    ),
}


class ApiErrorEnvelopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in _MESSAGES
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code, zh, en = _MESSAGES[response.status_code]
            body = {"code": code, "message": en if english() else zh, "fields": {}}
            replaced = HttpResponse(
                json.dumps(body, ensure_ascii=False),
                status=response.status_code,
                content_type="application/json",
            )
            if "Allow" in response:
                replaced["Allow"] = response["Allow"]
            return replaced
        return response
