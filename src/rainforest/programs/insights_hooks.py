"""What programmes add to the leadership dashboard (insights): a span, two dimensions
and a share.

- Span 「申请截止至立项」: working days from the call's application deadline
  (``Call.closes_at``, reached from the case as ``programme_application__call__closes_at``)
  to the first entry into 「立项及签订任务书」 (``approval_contract``).
- Dimensions 「指南」 (the call) and 「领域」 (the call's field) for application cases.
- Share 「创新联合体牵头项目占比」: of the approved projects (a ``Project`` exists once
  approved) whose application is among the cases in view, how many were applied for by a
  registered innovation consortium (``ApplicationConsortium``), per year of approval.
  The seed reports 95.9% for 2024; the rounding is ``domain_modes.consortium_share``'s.

The dimension and share functions take a fixed number of queries whatever the number of
cases.
Called once from ``ProgramsConfig.ready`` after the processes are registered.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rainforest.programs.process import APPLICATION

SPAN_DEADLINE_TO_APPROVAL = "deadline_to_approval"
DIMENSION_CALL = "call"
DIMENSION_FIELD = "field"
SHARE_CONSORTIUM_LED = "consortium_led"


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


def consortium_led_counts(cases: Any, year: int | None) -> list[Any]:
    """Per year of approval: consortium-led approved projects of the given application
    cases, and all approved projects of them."""
    from rainforest.insights.registry import ShareCount
    from rainforest.programs.models import Project
    from rainforest.programs.selectors_execution import consortium_led_by_year

    projects = Project.objects.filter(application__case__in=cases.values("pk"))
    return [ShareCount(y, led, total) for y, led, total in consortium_led_by_year(projects, year)]


def consortium_percent(led: int, total: int) -> Decimal | None:
    from django.utils import timezone

    from rainforest.programs import domain_modes as dm

    params = dm.modes_parameters(timezone.localdate())
    return dm.consortium_share(led, total, params=params).percent


def register_insights() -> None:
    from rainforest.insights.registry import register_dimension, register_share, register_span

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
    register_share(
        APPLICATION,
        SHARE_CONSORTIUM_LED,
        "创新联合体牵头项目占比",
        "Share of approved projects led by an innovation consortium",
        numerator_zh="联合体牵头项目数",
        numerator_en="Led by a consortium",
        denominator_zh="立项项目数",
        denominator_en="Approved projects",
        counts_fn=consortium_led_counts,
        percent_fn=consortium_percent,
        note_zh="按立项年份统计；联合体牵头指由已登记的创新联合体以联合体名义申报并立项的项目。",
        note_en=(
            "By year of approval; consortium-led means applied for as a registered "
            "innovation consortium and approved."
        ),
    )
