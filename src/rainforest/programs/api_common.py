"""What every programme API module shares: amounts and integers as the API reads them,
the page language, the decision and list schemas, the organisation a person acts for and
the programme officer check. One place, so the bad-input answers are the same everywhere.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Schema
from pydantic import BeforeValidator, StrictBool, WithJsonSchema
from pydantic_core import PydanticCustomError

from rainforest.accounts.models import Organisation
from rainforest.accounts.permissions import org_ids
from rainforest.accounts.roles import Role
from rainforest.core.errors import PermissionDeniedError, ValidationError
from rainforest.core.ids import normalise_uscc
from rainforest.core.money import parse_yuan
from rainforest.programs import selectors
from rainforest.programs.models import Field as ProgrammeField
from rainforest.programs.permissions import can_run_programme

# A string or an integer of yuan, parsed by parse_yuan so a float is refused with a reason.
AmountIn = Annotated[
    Any, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}, mode="validation")
]


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# An integer that refuses true/false (pydantic would read them as 1 and 0).
Int = Annotated[int, BeforeValidator(_not_bool)]


def amount(value: Any, field: str, *, positive: bool = False) -> Decimal:
    parsed = parse_yuan(value, field=field)
    if parsed < 0 or (positive and parsed == 0):
        raise ValidationError(
            "金额应大于零" if positive else "金额不能为负数",
            "The amount must be more than zero" if positive else "The amount cannot be negative",
            field=field,
            code="amount_invalid",
        )
    return parsed


def language(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", "zh-hans") or "zh-hans"


def require_officer(request: HttpRequest) -> None:
    if not can_run_programme(request.user):
        raise PermissionDeniedError(
            "只有项目处工作人员可以办理此事项",
            "Only programme officers may do this",
            code="forbidden",
        )


def officer_or_404(request: HttpRequest) -> None:
    """Staff-only reads (scores, rankings) answer 404 to anyone else, like the staff loaders."""
    if not can_run_programme(request.user):
        raise Http404


class DecisionOut(Schema):
    outcome: str
    reasons: list[str]
    citations: list[str]
    parameters_version: str


class ListFilters(Schema):
    limit: int = Field(50, ge=1, le=200)


def programme_field(code: str) -> ProgrammeField:
    found = selectors.active_fields().filter(code=code.strip().upper()).first()
    if found is None:
        raise ValidationError(
            f"领域代码“{code}”不存在",
            f"There is no field with code {code!r}",
            field="field_code",
            code="unknown_field",
        )
    return found


def own_org(request: HttpRequest, uscc: str | None, *, role: str | None) -> Organisation:
    """The organisation the person acts for: named by USCC, or the only one they have."""
    ids = org_ids(request.user)
    qs = Organisation.objects.filter(pk__in=ids)
    if role is not None:
        qs = qs.filter(memberships__user=request.user, memberships__role=role).distinct()
    if uscc:
        found = qs.filter(uscc=normalise_uscc(uscc)).first()
        if found is None:
            raise ValidationError(
                "您不能以该单位的名义办理",
                "You cannot act for this organisation",
                field="organisation_uscc",
                code="not_member",
            )
        return found
    orgs = list(qs[:2])
    if len(orgs) != 1:
        raise ValidationError(
            "请填写代表的单位的统一社会信用代码" if orgs else "您没有可以代表申报的单位",
            "Give the organisation's unified social credit code"
            if orgs
            else "You have no organisation to act for",
            field="organisation_uscc",
            code="organisation_required",
        )
    return orgs[0]


def applicant_org(request: HttpRequest, uscc: str | None) -> Organisation:
    """The organisation the organisation modes act for: the one named, else the person's
    first as an applicant (unlike ``own_org``, several are no error)."""
    mine = Organisation.objects.filter(
        pk__in=org_ids(request.user),
        memberships__user=request.user,
        memberships__role=Role.APPLICANT,
    ).order_by("pk")
    if uscc:
        found = mine.filter(uscc=normalise_uscc(uscc)).first()
        if found is None:
            raise ValidationError(
                "您不是该单位的申报人",
                "You are not an applicant of this organisation",
                field="organisation_uscc",
                code="not_member",
            )
        return found
    first = mine.first()
    if first is None:
        raise ValidationError(
            "请以单位申报人的身份办理",
            "Act as an applicant of an organisation",
            field="organisation_uscc",
            code="organisation_required",
        )
    return first


class DecideIn(Schema):
    """A staff decision: approve or not, with the reason (required to refuse)."""

    approve: StrictBool
    reason: str = Field("", max_length=2000)
