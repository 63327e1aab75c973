"""Cycle times over the API: the numbers the leadership dashboard shows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from rainforest.api.auth import AUTH
from rainforest.insights import selectors
from rainforest.insights.domain import METHOD_EN, METHOD_ZH, Summary
from rainforest.insights.permissions import can_see_dashboard

router = Router(tags=["insights"], auth=AUTH)


class CycleTimeFilters(Schema):
    year: int | None = Field(None, description="办件受理（创建）年份，如 2026；不填为全部年份")
    process: str | None = Field(None, max_length=60, description="事项代码，如 ip_pledge")
    dimension: str | None = Field(None, max_length=60, description="事项登记的维度代码")
    value: str | None = Field(None, max_length=200, description="维度的取值")


class FiltersOut(Schema):
    year: int | None
    process: str | None
    dimension: str | None
    value: str | None
    value_label: str | None


class OfficeOut(Schema):
    roles: list[str]
    name_zh: str
    name_en: str


class StageOut(Schema):
    stage: str
    name_zh: str
    name_en: str
    kind: str
    time_limit_workdays: int | None
    office: OfficeOut
    completed: int = Field(description="已离开该环节的次数")
    median_workdays: float | None
    p90_workdays: float | None
    in_progress: int = Field(description="仍在该环节的次数（不计入中位数）")
    current: int = Field(description="当前停留在该环节的办件数")
    overdue: int = Field(description="其中已超过时限的办件数")


class OutcomeOut(Schema):
    stage: str
    name_zh: str
    name_en: str
    cases: int


class VersionOut(Schema):
    version: int
    stages: list[StageOut]
    outcomes: list[OutcomeOut]


class SpanOut(Schema):
    code: str
    name_zh: str
    name_en: str
    completed: int
    median_workdays: float | None
    p90_workdays: float | None
    in_progress: int


class OfficeOverdueOut(Schema):
    office: OfficeOut
    overdue: int


class ShareRowOut(Schema):
    year: int | None = Field(description="年份；合计行为所选年份，未选年份时为 null")
    numerator: int
    denominator: int
    percent: float | None = Field(description="占比（%），分母为 0 时为 null")


class ShareOut(Schema):
    code: str
    name_zh: str
    name_en: str
    numerator_zh: str
    numerator_en: str
    denominator_zh: str
    denominator_en: str
    note_zh: str
    note_en: str
    years: list[ShareRowOut] = Field(description="每年一行，按年份先后")
    total: ShareRowOut


class ProcessOut(Schema):
    process: str
    name_zh: str
    name_en: str
    cases: int
    open_cases: int
    overdue: int
    versions: list[VersionOut]
    spans: list[SpanOut]
    overdue_by_office: list[OfficeOverdueOut]
    shares: list[ShareOut] = Field(description="事项登记的占比指标，如创新联合体牵头项目占比")


class CycleTimesOut(Schema):
    filters: FiltersOut
    as_of: datetime
    method: str
    processes: list[ProcessOut]
    overdue_by_office: list[OfficeOverdueOut]


def _number(value: Decimal | None) -> float | None:
    # Exact to two decimals (integer days, whole percentages), so a float shows it exactly.
    return None if value is None else float(value)


def _summary(s: Summary) -> dict[str, Any]:
    return {
        "completed": s.completed,
        "median_workdays": _number(s.median),
        "p90_workdays": _number(s.p90),
        "in_progress": s.in_progress,
    }


def _office(o: selectors.Office) -> dict[str, Any]:
    return {"roles": list(o.roles), "name_zh": o.name_zh, "name_en": o.name_en}


def _offices(rows: list[selectors.OfficeRow]) -> list[dict[str, Any]]:
    return [{"office": _office(r.office), "overdue": r.overdue} for r in rows]


def _share_row(r: selectors.ShareRow) -> dict[str, Any]:
    return {
        "year": r.year,
        "numerator": r.numerator,
        "denominator": r.denominator,
        "percent": _number(r.percent),
    }


def _share(sh: selectors.ShareBlock) -> dict[str, Any]:
    return {
        "code": sh.code,
        "name_zh": sh.name_zh,
        "name_en": sh.name_en,
        "numerator_zh": sh.numerator_zh,
        "numerator_en": sh.numerator_en,
        "denominator_zh": sh.denominator_zh,
        "denominator_en": sh.denominator_en,
        "note_zh": sh.note_zh,
        "note_en": sh.note_en,
        "years": [_share_row(r) for r in sh.years],
        "total": _share_row(sh.total),
    }


def cycle_times_out(data: selectors.Dashboard, language: str) -> dict[str, Any]:
    f = data.filters
    return {
        "filters": {
            "year": f.year,
            "process": f.process,
            "dimension": f.dimension,
            "value": f.value,
            "value_label": f.value_label,
        },
        "as_of": data.now,
        "method": METHOD_EN if language.startswith("en") else METHOD_ZH,
        "processes": [
            {
                "process": p.code,
                "name_zh": p.name_zh,
                "name_en": p.name_en,
                "cases": p.cases,
                "open_cases": p.open_cases,
                "overdue": p.overdue,
                "versions": [
                    {
                        "version": v.version,
                        "stages": [
                            {
                                "stage": s.stage,
                                "name_zh": s.name_zh,
                                "name_en": s.name_en,
                                "kind": s.kind,
                                "time_limit_workdays": s.time_limit_workdays,
                                "office": _office(s.office),
                                **_summary(s.summary),
                                "current": s.current,
                                "overdue": s.overdue,
                            }
                            for s in v.stages
                        ],
                        "outcomes": [
                            {
                                "stage": o.stage,
                                "name_zh": o.name_zh,
                                "name_en": o.name_en,
                                "cases": o.cases,
                            }
                            for o in v.outcomes
                        ],
                    }
                    for v in p.versions
                ],
                "spans": [
                    {
                        "code": s.code,
                        "name_zh": s.name_zh,
                        "name_en": s.name_en,
                        **_summary(s.summary),
                    }
                    for s in p.spans
                ],
                "overdue_by_office": _offices(p.overdue_by_office),
                "shares": [_share(sh) for sh in p.shares],
            }
            for p in data.processes
        ],
        "overdue_by_office": _offices(data.overdue_by_office),
    }


@router.get(
    "/cycle-times",
    response=CycleTimesOut,
    summary="各事项各环节用时、逾期件数和时段（领导驾驶舱）",
)
def cycle_times(request: HttpRequest, filters: Query[CycleTimeFilters]) -> dict[str, Any]:
    """Median and 90th-percentile working days per stage, overdue cases by stage and office,
    and spans, for the processes the caller may see (administrators and programme
    officers only; anyone else gets 404)."""
    user = request.user
    if not can_see_dashboard(user):
        raise Http404
    resolved, _options = selectors.resolve_filters(
        user,
        year=filters.year,
        process=filters.process,
        dimension=filters.dimension,
        value=filters.value,
    )
    data = selectors.cycle_times(user, resolved)
    language = getattr(request, "LANGUAGE_CODE", "zh-hans") or "zh-hans"
    return cycle_times_out(data, language)
