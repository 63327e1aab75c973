"""What the review API modules share: strict counts, the staff gate, scores as numbers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Schema
from pydantic import BeforeValidator, StrictInt, WithJsonSchema
from pydantic_core import PydanticCustomError

from rainforest.core.errors import ValidationError
from rainforest.review.permissions import can_manage_review


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


Count = Annotated[StrictInt, BeforeValidator(_not_bool)]


def _score_value(value: Any) -> Any:
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise PydanticCustomError("decimal_type", "Input should be an integer or a decimal string")


# A score: an integer or a decimal string ("86.5"); floats are refused (not exact), and an
# error names the field itself rather than each branch of a union.
ScoreValue = Annotated[
    Any,
    BeforeValidator(_score_value),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}, mode="validation"),
]


class ErrorOut(Schema):
    """The one error envelope, for endpoints that answer 422 with several fields."""

    code: str
    message: str
    fields: dict[str, str]


def staff(request: HttpRequest) -> None:
    """Programme officers and administrators only; anybody else is told "not found"."""
    if not can_manage_review(request.user):
        raise Http404


def score_number(field: str, value: Any) -> Decimal:
    """A score given as an integer or a decimal string; floats were refused by the schema."""
    if isinstance(value, bool):
        raise ValidationError("分数应为数字。", "A score must be a number.", field=field)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise ValidationError(
            "分数应为 0 到 100 之间的数字。",
            "A score must be a number from 0 to 100.",
            field=field,
            code="score_invalid",
        )
    return number
