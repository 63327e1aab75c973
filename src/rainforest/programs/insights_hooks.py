"""What programmes add to the leadership dashboard (insights): one span, two dimensions.

- Span 「申请截止至立项」: working days from the call's application deadline
  (``Call.closes_at``, reached from the case as ``programme_application__call__closes_at``)
  to the first entry into 「立项及签订任务书」 (``approval_contract``).
- Dimensions 「指南」 (the call) and 「领域」 (the call's field) for application cases.

Both dimension functions take a fixed number of queries whatever the number of cases.
Called once from ``ProgramsConfig.ready`` after the processes are registered.
"""

from __future__ import annotations

from typing import Any

from rainforest.programs.process import APPLICATION

SPAN_DEADLINE_TO_APPROVAL = "deadline_to_approval"
DIMENSION_CALL = "call"
DIMENSION_FIELD = "field"


def call_values(cases: Any) -> list[tuple[str, str]]:
    """The calls the given application cases belong to, as ``(id, "number title")``."""
    from rainforest.programs.models import Call

    calls = Call.objects.filter(applications__case__in=cases).distinct().order_by("number")
    return [(str(c.pk), f"{c.number} {c.title}") for c in calls.only("pk", "number", "title")]


def call_filter(cases: Any, value: str) -> Any:
    return cases.filter(programme_application__call_id=int(value))


def field_values(cases: Any) -> list[tuple[str, str]]:
    """The fields of the calls the given application cases belong to."""
    from rainforest.programs.models import Field

    fields = Field.objects.filter(calls__applications__case__in=cases).distinct().order_by("code")
    return [(str(f.pk), f.name_zh) for f in fields.only("pk", "name_zh")]


def field_filter(cases: Any, value: str) -> Any:
    return cases.filter(programme_application__call__field_id=int(value))


def register_insights() -> None:
    from rainforest.insights.registry import register_dimension, register_span

    register_span(
        APPLICATION,
        SPAN_DEADLINE_TO_APPROVAL,
        "申请截止至立项",
        "From the application deadline to approval",
        start_field="programme_application__call__closes_at",
        end_stage="approval_contract",
    )
    register_dimension(
        APPLICATION, DIMENSION_CALL, "指南", call_values, call_filter, name_en="Call"
    )
    register_dimension(
        APPLICATION, DIMENSION_FIELD, "领域", field_values, field_filter, name_en="Field"
    )
