"""Helpers the programme's pages share: errors as (anchor, message), rows of inputs."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest

from rainforest.accounts.models import Organisation
from rainforest.accounts.permissions import org_ids
from rainforest.accounts.roles import Role
from rainforest.cases import registry
from rainforest.core.errors import DomainError, ValidationError
from rainforest.core.money import parse_yuan
from rainforest.language import english
from rainforest.programs.permissions import can_run_programme


def message(exc: DomainError) -> str:
    return exc.message_en if english() else exc.message_zh


def anchor(field: str | None) -> str:
    """``team.0.id_number`` → ``team-0-id_number``, the id of the input on the page."""
    return (field or "main").replace(".", "-")


def error_list(exc: DomainError) -> list[tuple[str, str]]:
    return [(anchor(exc.field), message(exc))]


def error_status(exc: DomainError) -> int:
    """The page's status for a refused action: 403, 409 or 422 as the error says."""
    return exc.http_status if exc.http_status in (403, 409, 422) else 422


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


def stage_name(case: Any) -> str:
    """The name of a case's current stage in the page's language (its code if unknown)."""
    if case is None:
        return ""
    try:
        stage = registry.get(case.process_code, case.process_version).stage(case.stage)
    except (KeyError, ValueError):
        return str(case.stage)
    return stage.name_en if english() else stage.name_zh


def reasons(stored: dict[str, Any] | None) -> list[str]:
    """A stored Decision's reasons in the page's language."""
    if not stored:
        return []
    key = "en" if english() else "zh"
    return [str(r.get(key, "")) for r in stored.get("reasons", [])]


def applicant_org(request: HttpRequest) -> Organisation | None:
    """The first organisation the person acts for as an applicant (申报人), if any."""
    return (
        Organisation.objects.filter(
            pk__in=org_ids(request.user),
            memberships__user=request.user,
            memberships__role=Role.APPLICANT,
        )
        .order_by("pk")
        .first()
    )


def money(raw: str, field: str) -> Decimal:
    """An amount typed as 100万 or 1,000,000; more than zero."""
    amount = parse_yuan(raw.strip(), field=field)
    if amount <= 0:
        raise ValidationError("金额应大于零", "The amount must be more than zero", field=field)
    return amount
