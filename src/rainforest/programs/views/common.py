"""Helpers the programme's pages share: errors as (anchor, message), rows of inputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import get_language

from rainforest.core.errors import DomainError
from rainforest.programs.permissions import can_run_programme


def language_en() -> bool:
    return (get_language() or "").startswith("en")


def message(exc: DomainError) -> str:
    return exc.message_en if language_en() else exc.message_zh


def anchor(field: str | None) -> str:
    """``team.0.id_number`` → ``team-0-id_number``, the id of the input on the page."""
    return (field or "main").replace(".", "-")


def error_list(exc: DomainError) -> list[tuple[str, str]]:
    return [(anchor(exc.field), message(exc))]


def rows(
    request: HttpRequest, prefix: str, names: Sequence[str], count: int
) -> list[dict[str, str]]:
    """Rows typed as ``<prefix>-<i>-<name>``; rows left wholly blank are kept (shown again)."""
    out = []
    for i in range(count):
        out.append({name: request.POST.get(f"{prefix}-{i}-{name}", "").strip() for name in names})
    return out


def filled(row: dict[str, str], names: Sequence[str]) -> bool:
    return any(row.get(n) for n in names)


def require_officer(request: HttpRequest) -> None:
    if not can_run_programme(request.user):
        raise Http404


def page_context(**values: Any) -> dict[str, Any]:
    return values


def with_row_errors(
    typed: list[dict[str, Any]], prefix: str, errors: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Put each ``<prefix>-<i>-<name>`` error on row i as ``row["errors"][name]``."""
    out = [{**row, "errors": {}} for row in typed]
    for where, text in errors:
        parts = where.split("-", 2)
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit():
            index = int(parts[1])
            if index < len(out):
                out[index]["errors"][parts[2]] = text
    return out
