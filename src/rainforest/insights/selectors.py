"""Cycle times for leadership (周期分析): per process, per stage, overdue cases, spans.

Generic over the case engine: every registered process appears with the stages of each
of its versions, named, limited and acted on as its definition says. Nothing here loads
a case or a stage visit as an object. The figures come from a fixed number of aggregate
queries whatever the number of cases:

1. cases grouped by (process, version, current stage): how many, how many open, how many
   overdue (the SLA rule ``sla_q`` as a filtered count);
2. stage visits grouped by (process, version, stage, working days used): a histogram per
   stage, from which the median and 90th percentile are exact (``domain``); open visits
   fall in the "in progress" count and not in the percentiles;
3. one query per span: cases grouped by (local start date, local end date), each date's
   working-day index counted once with the calendar; a stage's first entry per case is
   a MIN over the visits grouped by case, inside that query.

The histogram is the database's work; the percentiles are read off a few hundred rows
instead of every visit's number (``benchmarks/programs_dashboard.py`` measures both).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Count, F, Min, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone, translation

from rainforest.accounts.roles import STAFF_ROLES, Role
from rainforest.cases import registry as cases_registry
from rainforest.cases.calendar import get_calendar
from rainforest.cases.models import Case, CaseStatus, StageVisit
from rainforest.cases.selectors import Sla, sla_q
from rainforest.core.errors import ValidationError
from rainforest.core.workflow import ProcessDefinition, StageKind
from rainforest.insights import registry
from rainforest.insights.domain import Summary, summarise
from rainforest.insights.permissions import dashboard_process_codes

YEAR_MIN = 2000
YEAR_MAX = 2100

# The span every process has: from filing (受理) to closing (办结), whatever the outcome.
TOTAL_SPAN = registry.Span(
    process_code="*",
    code="open_to_close",
    name_zh="受理至办结",
    name_en="From filing to closing",
    start_field="created_at",
    end_field="closed_at",
)


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    process: str | None = None
    dimension: str | None = None
    value: str | None = None
    value_label: str | None = None


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class FilterOptions:
    processes: list[Option]
    dimensions: list[Option]
    values: list[Option]


@dataclass(frozen=True)
class Office:
    roles: tuple[str, ...]
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class StageRow:
    stage: str
    name_zh: str
    name_en: str
    kind: str
    time_limit_workdays: int | None
    office: Office
    summary: Summary
    current: int  # cases in this stage now
    overdue: int  # of which overdue


@dataclass(frozen=True)
class OutcomeRow:
    stage: str
    name_zh: str
    name_en: str
    cases: int


@dataclass(frozen=True)
class VersionBlock:
    version: int
    stages: list[StageRow]
    outcomes: list[OutcomeRow]


@dataclass(frozen=True)
class SpanRow:
    code: str
    name_zh: str
    name_en: str
    summary: Summary


@dataclass(frozen=True)
class OfficeRow:
    office: Office
    overdue: int


@dataclass(frozen=True)
class ShareRow:
    year: int | None  # None: every year in the figures
    numerator: int
    denominator: int
    percent: Decimal | None  # None when the denominator is 0


@dataclass(frozen=True)
class ShareBlock:
    code: str
    name_zh: str
    name_en: str
    numerator_zh: str
    numerator_en: str
    denominator_zh: str
    denominator_en: str
    note_zh: str
    note_en: str
    years: list[ShareRow]
    total: ShareRow


@dataclass(frozen=True)
class ProcessBlock:
    code: str
    name_zh: str
    name_en: str
    cases: int
    open_cases: int
    overdue: int
    versions: list[VersionBlock]
    spans: list[SpanRow]
    overdue_by_office: list[OfficeRow]
    shares: list[ShareBlock] = field(default_factory=list)


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    now: datetime
    processes: list[ProcessBlock] = field(default_factory=list)
    overdue_by_office: list[OfficeRow] = field(default_factory=list)


# -- filters --------------------------------------------------------------------------------


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(date(year, 1, 1), time.min, tzinfo=tz),
        datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=tz),
    )


def _codes(user: Any, filters: Filters) -> list[str]:
    visible = dashboard_process_codes(user)
    if filters.process:
        return [filters.process] if filters.process in visible else []
    return sorted(visible)


def cases_in_scope(user: Any, filters: Filters) -> QuerySet[Case]:
    """The cases the figures are about: visible processes, the year, the dimension."""
    qs = Case.objects.filter(process_code__in=_codes(user, filters))
    if filters.year is not None:
        start, end = _year_bounds(filters.year)
        qs = qs.filter(created_at__gte=start, created_at__lt=end)
    if filters.process and filters.dimension and filters.value is not None:
        dim = registry.dimension(filters.process, filters.dimension)
        if dim is not None:
            qs = dim.filter_fn(qs, filters.value)
    return qs.order_by()


def _process_name(code: str) -> str:
    return cases_registry.get(code).name_zh


def resolve_filters(
    user: Any,
    *,
    year: int | None = None,
    process: str | None = None,
    dimension: str | None = None,
    value: str | None = None,
) -> tuple[Filters, FilterOptions]:
    """Check the filters against what this person may see; the options for a form.

    Raises ``ValidationError`` naming the field. A process the person may not see is
    refused with the same words as one that does not exist.
    """
    visible = sorted(dashboard_process_codes(user))
    processes = [Option(c, _process_name(c)) for c in visible]
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(
            f"年份应在 {YEAR_MIN} 至 {YEAR_MAX} 之间",
            f"The year must be from {YEAR_MIN} to {YEAR_MAX}",
            field="year",
        )
    process = process or None
    dimension = dimension or None
    if process is not None and process not in visible:
        raise ValidationError(
            "没有这个事项，请从列表中选择",
            "There is no such process; choose one from the list",
            field="process",
            code="unknown_process",
        )
    dims = registry.dimensions(process) if process else []
    dimension_options = [Option(d.code, d.name_zh) for d in dims]
    if dimension is not None and not process:
        raise ValidationError(
            "请先选择事项，再选择维度",
            "Choose a process before a dimension",
            field="dimension",
            code="process_required",
        )
    if dimension is not None and dimension not in {d.code for d in dims}:
        raise ValidationError(
            "这个事项没有这个维度，请从列表中选择",
            "This process has no such dimension; choose one from the list",
            field="dimension",
            code="unknown_dimension",
        )
    value = value if value not in (None, "") else None
    if value is not None and dimension is None:
        raise ValidationError(
            "请先选择维度，再选择取值",
            "Choose a dimension before a value",
            field="value",
            code="dimension_required",
        )
    value_options: list[Option] = []
    label: str | None = None
    if process and dimension is not None:
        dim = registry.dimension(process, dimension)
        assert dim is not None  # checked above
        scope = cases_in_scope(user, Filters(year=year, process=process))
        value_options = [Option(str(v), str(lbl)) for v, lbl in dim.values_fn(scope)]
        if value is not None:
            label = next((o.label for o in value_options if o.value == value), None)
            if label is None:
                raise ValidationError(
                    "这个维度没有这个取值，请从列表中选择",
                    "This dimension has no such value; choose one from the list",
                    field="value",
                    code="unknown_value",
                )
    filters = Filters(year, process, dimension, value, label)
    return filters, FilterOptions(processes, dimension_options, value_options)


def year_options(user: Any, now: datetime | None = None) -> list[int]:
    """Years in which visible cases were filed, newest first (one aggregate query)."""
    codes = sorted(dashboard_process_codes(user))
    now = now or timezone.now()
    if not codes:
        return []
    dates = Case.objects.filter(process_code__in=codes).order_by().dates("created_at", "year")
    years = {d.year for d in dates}
    years.add(timezone.localtime(now).year)
    return sorted(years, reverse=True)


# -- the figures ----------------------------------------------------------------------------


def _office(defn: ProcessDefinition, stage: str) -> Office:
    """Who acts in a stage: its staff roles, or (waiting on the applicant) the others."""
    acting = {r for t in defn.transitions_from(stage) for r in t.roles}
    chosen = tuple(sorted((acting & STAFF_ROLES) or acting))

    def label(role: str) -> str:
        return str(Role(role).label) if role in Role.values else role

    with translation.override("zh-hans"):
        zh = "、".join(label(r) for r in chosen)
    with translation.override("en"):
        en = ", ".join(label(r) for r in chosen)
    return Office(chosen, zh or "—", en or "—")


def _stage_counts(cases: QuerySet[Case], now: datetime) -> dict[tuple[str, int, str], Any]:
    rows = (
        cases.values("process_code", "process_version", "stage")
        .annotate(
            n=Count("id"),
            open=Count("id", filter=Q(status=CaseStatus.OPEN)),
            overdue=Count("id", filter=sla_q(Sla.OVERDUE, now)),
        )
        .order_by()
    )
    return {(r["process_code"], r["process_version"], r["stage"]): r for r in rows}


def _visit_histograms(
    user: Any, filters: Filters
) -> tuple[dict[tuple[str, int, str], dict[int, int]], dict[tuple[str, int, str], int]]:
    visits = StageVisit.objects.filter(case__process_code__in=_codes(user, filters))
    if filters.year is not None:
        start, end = _year_bounds(filters.year)
        visits = visits.filter(case__created_at__gte=start, case__created_at__lt=end)
    if filters.dimension is not None:
        visits = visits.filter(case__in=cases_in_scope(user, filters).values("pk"))
    rows = (
        visits.values("case__process_code", "case__process_version", "stage", "workdays_used")
        .annotate(
            done=Count("id", filter=Q(left_at__isnull=False)),
            open=Count("id", filter=Q(left_at__isnull=True)),
        )
        .order_by()
    )
    hist: dict[tuple[str, int, str], dict[int, int]] = defaultdict(dict)
    running: dict[tuple[str, int, str], int] = defaultdict(int)
    for r in rows:
        key = (r["case__process_code"], r["case__process_version"], r["stage"])
        if r["done"] and r["workdays_used"] is not None:
            bucket = hist[key]
            bucket[r["workdays_used"]] = bucket.get(r["workdays_used"], 0) + r["done"]
        running[key] += r["open"]
    return hist, running


@cache
def _fixed_offset_seconds(zone: tzinfo) -> int | None:
    """The zone's UTC offset if it is the same all through 2000-2100, else None."""
    offsets = {
        zone.utcoffset(datetime(year, month, 1, 12))  # noqa: DTZ001 -- probing the zone itself
        for year in range(YEAR_MIN, YEAR_MAX + 1)
        for month in (1, 4, 7, 10)
    }
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    return None if offset is None else int(offset.total_seconds())


class LocalDate(TruncDate):
    """``TruncDate`` in the current time zone, without a Python function per row on SQLite.

    Django's SQLite backend converts every datetime to a date by calling back into Python,
    which costs seconds over 100,000 cases. Where the zone keeps one offset (Asia/Shanghai
    since 1991) SQLite's own ``date(value, '+28800 seconds')`` gives the same date.
    """

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        offset = _fixed_offset_seconds(timezone.get_current_timezone())
        if offset is None:
            return self.as_sql(compiler, connection, **extra)
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, %s)", (*params, f"{offset:+d} seconds")


def _day(value: Any, seen: dict[Any, date]) -> date | None:
    """A date from a raw row: SQLite gives 'YYYY-MM-DD' text, PostgreSQL a date."""
    if value is None:
        return None
    found = seen.get(value)
    if found is None:
        found = date.fromisoformat(value) if isinstance(value, str) else value
        seen[value] = found
    return found


def _span_query(cases: QuerySet[Case], span: registry.Span, by_process: bool) -> tuple[str, Any]:
    """SQL giving rows (process_code?, start day, end day, cases, open cases).

    A span with a stage in it is computed from the stage visits: the first entry into a
    stage per case is a MIN over that case's visits (one pass over the visits, grouped by
    case), and the per-case rows are then grouped by their two dates. Django has no
    subquery in FROM, so the outer grouping is written here around Django's own SQL.
    A span of case fields only is one grouped query on the cases.
    """
    if span.start_stage is None and span.end_stage is None:
        keys = ["process_code", "start_day", "end_day"] if by_process else ["start_day", "end_day"]
        qs = (
            cases.annotate(
                start_day=LocalDate(F(span.start_field or "")),
                end_day=LocalDate(F(span.end_field or "")),
            )
            .values(*keys)
            .annotate(n=Count("id"), open=Count("id", filter=Q(status=CaseStatus.OPEN)))
            .order_by()
        )
        return qs.query.sql_with_params()

    def first(stage: str | None, field_path: str | None) -> Any:
        if stage is not None:
            return Min("entered_at", filter=Q(stage=stage))
        return Min(f"case__{field_path}")

    visits = StageVisit.objects.filter(case__in=cases.values("pk"))
    if span.start_field is None and span.end_field is None:
        visits = visits.filter(stage__in=[span.start_stage, span.end_stage])
    # else every case counts from its field, and every case has a visit (its first stage).
    inner = (
        visits.values("case_id", "case__process_code", "case__status")
        .annotate(
            start_day=LocalDate(first(span.start_stage, span.start_field)),
            end_day=LocalDate(first(span.end_stage, span.end_field)),
        )
        .order_by()
    )
    sql, params = inner.query.sql_with_params()
    q = connection.ops.quote_name
    group = (
        [f"t.{q('case__process_code')}", f"t.{q('start_day')}", f"t.{q('end_day')}"]
        if by_process
        else [f"t.{q('start_day')}", f"t.{q('end_day')}"]
    )
    # Only quoted fixed aliases and Django's compiled SQL go in; values go as parameters.
    outer = (
        f"SELECT {', '.join(group)}, COUNT(*), "  # noqa: S608 -- no outside text in the SQL
        f"SUM(CASE WHEN t.{q('case__status')} = %s THEN 1 ELSE 0 END) "
        f"FROM ({sql}) t GROUP BY {', '.join(group)}"
    )
    return outer, (CaseStatus.OPEN.value, *params)


def _span_histograms(
    cases: QuerySet[Case], span: registry.Span, by_process: bool
) -> dict[str, tuple[dict[int, int], int]]:
    """Working days from start to end per case, as a histogram; open cases midway apart.

    The database groups the cases by (local start date, local end date); each date's
    working-day index is counted once, so a pair's working days are a subtraction. The
    rows are read off the cursor: tens of thousands of date pairs over 100,000 cases, and
    Django's per-row conversion would cost more than the query.
    """
    sql, params = _span_query(cases, span, by_process)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    seen: dict[Any, date] = {}
    rows = [
        (
            r[0] if by_process else span.process_code,
            _day(r[-4], seen),
            _day(r[-3], seen),
            r[-2],
            r[-1],
        )
        for r in raw
    ]
    index: dict[date, int] = {}
    days = set(seen.values())
    if days:
        calendar = get_calendar()
        tz = timezone.get_current_timezone()
        base = datetime.combine(min(days), time(12), tzinfo=tz)
        index = {
            d: calendar.workdays_between(base, datetime.combine(d, time(12), tzinfo=tz)).value
            for d in days
        }
    out: dict[str, tuple[dict[int, int], int]] = {}
    for code, start_day, end_day, n, running_n in rows:
        if start_day is None:  # never reached the start
            continue
        hist, running = out.get(code, ({}, 0))
        if end_day is None:
            running += int(running_n or 0)
        else:
            worked = index[end_day] - index[start_day]
            hist[worked] = hist.get(worked, 0) + int(n)
        out[code] = (hist, running)
    return out


def _shares(user: Any, filters: Filters, code: str) -> list[ShareBlock]:
    """The shares ``code`` registered, over its cases narrowed by the dimension chosen;
    each share counts its own records by year (the year filter is passed to it)."""
    found = registry.shares(code)
    if not found:
        return []
    scope = cases_in_scope(
        user, Filters(process=code, dimension=filters.dimension, value=filters.value)
    )
    blocks = []
    for share in found:
        counts = share.counts_fn(scope, filters.year)
        years = [
            ShareRow(
                c.year, c.numerator, c.denominator, share.percent_fn(c.numerator, c.denominator)
            )
            for c in counts
        ]
        numerator = sum(c.numerator for c in counts)
        denominator = sum(c.denominator for c in counts)
        blocks.append(
            ShareBlock(
                code=share.code,
                name_zh=share.name_zh,
                name_en=share.name_en,
                numerator_zh=share.numerator_zh,
                numerator_en=share.numerator_en,
                denominator_zh=share.denominator_zh,
                denominator_en=share.denominator_en,
                note_zh=share.note_zh,
                note_en=share.note_en,
                years=years,
                total=ShareRow(
                    filters.year, numerator, denominator, share.percent_fn(numerator, denominator)
                ),
            )
        )
    return blocks


def _sum_offices(rows: list[OfficeRow]) -> list[OfficeRow]:
    totals: dict[Office, int] = defaultdict(int)
    for row in rows:
        totals[row.office] += row.overdue
    return sorted(
        (OfficeRow(o, n) for o, n in totals.items() if n),
        key=lambda r: (-r.overdue, r.office.name_zh),
    )


def cycle_times(user: Any, filters: Filters, now: datetime | None = None) -> Dashboard:
    """The dashboard's numbers for ``filters`` (already checked by ``resolve_filters``)."""
    now = now or timezone.now()
    codes = _codes(user, filters)
    dashboard = Dashboard(filters=filters, now=now)
    if not codes:
        return dashboard
    cases = cases_in_scope(user, filters)
    counts = _stage_counts(cases, now)
    hist, running = _visit_histograms(user, filters)
    totals = _span_histograms(cases, TOTAL_SPAN, by_process=True)
    versions_with_cases: dict[str, set[int]] = defaultdict(set)
    for code, version, _stage in counts:
        versions_with_cases[code].add(version)

    for code in codes:
        latest = cases_registry.get(code)
        versions = sorted(versions_with_cases.get(code) or {latest.version}, reverse=True)
        blocks: list[VersionBlock] = []
        office_rows: list[OfficeRow] = []
        for version in versions:
            try:
                defn = cases_registry.get(code, version)
            except KeyError:  # a version no longer registered: show what the cases say
                continue
            stages: list[StageRow] = []
            outcomes: list[OutcomeRow] = []
            for stage in defn.stages:
                key = (code, version, stage.code)
                row = counts.get(key) or {"n": 0, "overdue": 0}
                if stage.kind is StageKind.FINAL:
                    outcomes.append(OutcomeRow(stage.code, stage.name_zh, stage.name_en, row["n"]))
                    continue
                office = _office(defn, stage.code)
                stages.append(
                    StageRow(
                        stage=stage.code,
                        name_zh=stage.name_zh,
                        name_en=stage.name_en,
                        kind=stage.kind.value,
                        time_limit_workdays=stage.time_limit_workdays,
                        office=office,
                        summary=summarise(hist.get(key, {}), running.get(key, 0)),
                        current=row["n"],
                        overdue=row["overdue"],
                    )
                )
                office_rows.append(OfficeRow(office, row["overdue"]))
            blocks.append(VersionBlock(version, stages, outcomes))
        spans = [
            SpanRow(
                TOTAL_SPAN.code,
                TOTAL_SPAN.name_zh,
                TOTAL_SPAN.name_en,
                summarise(*totals.get(code, ({}, 0))),
            )
        ]
        for span in registry.spans(code):
            found = _span_histograms(cases.filter(process_code=code), span, by_process=False)
            spans.append(
                SpanRow(span.code, span.name_zh, span.name_en, summarise(*found.get(code, ({}, 0))))
            )
        mine = [r for k, r in counts.items() if k[0] == code]
        dashboard.processes.append(
            ProcessBlock(
                code=code,
                name_zh=latest.name_zh,
                name_en=latest.name_en,
                cases=sum(r["n"] for r in mine),
                open_cases=sum(r["open"] for r in mine),
                overdue=sum(r["overdue"] for r in mine),
                versions=blocks,
                spans=spans,
                overdue_by_office=_sum_offices(office_rows),
                shares=_shares(user, filters, code),
            )
        )
    dashboard.overdue_by_office.extend(
        _sum_offices([r for p in dashboard.processes for r in p.overdue_by_office])
    )
    return dashboard
