"""Staff must pass the TOTP second factor before any other page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

SESSION_KEY = "rainforest_second_factor"
OPEN_PATHS = ("/accounts/", "/static/", "/i18n/", "/api/", "/public/")


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.session.get(SESSION_KEY)
            and user.needs_second_factor()
            and not request.path.startswith(OPEN_PATHS)
        ):
            return redirect("accounts:second_factor")
        return self.get_response(request)
