"""What a process module adds to the leadership dashboard: spans and dimensions.

The dashboard knows every process from the case engine (stages, time limits, who acts)
and needs nothing more to show time per stage and overdue cases. A module adds two kinds
of figure of its own, in its ``AppConfig.ready`` after registering its processes:

**Spans (时段)**: the working days from one milestone of a case to another, e.g. for R&D
programmes "from the application deadline to approval" (申请截止至立项)::

    from rainforest.insights.registry import register_span

    register_span(
        "programs_application",
        "deadline_to_approval",
        "申请截止至立项",
        "From the application deadline to approval",
        start_field="programme_application__call__closes_at",
        end_stage="approval_contract",
    )

The start is either ``start_stage`` (the first time the case entered that stage) or
``start_field`` (a datetime reached from ``Case`` by a Django lookup path, read in the
same query: ``"created_at"``, or ``"programme_application__call__closes_at"``). The end
is ``end_stage`` (first entry) or ``end_field``. A case whose start is known and whose
end is not yet reached counts as in progress while it is open. Spans count working days
between the two local dates like the stage clocks do, including time waiting on the
applicant. A callable per case is deliberately not offered: it would load every case as
an object, which the dashboard never does (100,000 cases).

**Dimensions (维度)**: an extra filter for one process, e.g. the call or the field of
programme applications::

    register_dimension(
        "programs_application",
        "call",
        "申报指南",
        values_fn=lambda qs: [(str(c.pk), c.title) for c in Call.objects.filter(
            applications__case__in=qs).distinct()],
        filter_fn=lambda qs, value: qs.filter(programme_application__call_id=value),
        name_en="Call",
    )

``values_fn(cases)`` gets the cases the person may see in the chosen process and year (a
``QuerySet[Case]``) and returns ``[(value, label), ...]``; ``filter_fn(cases, value)``
narrows such a queryset to one value. Values are strings (they travel in a URL); a value
not in ``values_fn``'s list is refused. Each should take a fixed number of queries.

**Shares (占比)**: a headline ratio a module counts over its own records, e.g. for R&D
programmes the share of approved projects led by an innovation consortium (创新联合体
牵头项目占比)::

    register_share(
        "programs_application",
        "consortium_led",
        "创新联合体牵头项目占比",
        "Share of projects led by an innovation consortium",
        numerator_zh="创新联合体牵头的立项项目",
        numerator_en="Approved projects led by a consortium",
        denominator_zh="立项项目",
        denominator_en="Approved projects",
        counts_fn=consortium_led_counts,
        percent_fn=consortium_percent,
    )

``counts_fn(cases, year)`` gets the process's cases the person may see, narrowed by the
chosen dimension but not by the year (a ``QuerySet[Case]``), and returns one
``ShareCount(year, numerator, denominator)`` per year, oldest first, only ``year``'s
when it is given: the module says which year a record belongs to (a project's year is
the year it was approved, not the year its application was filed). The dashboard adds
the years up for the total. ``percent_fn(numerator, denominator)`` gives the percentage
(None when the denominator is 0) by the module's own rounding rule; ``note_zh`` and
``note_en`` say what is counted and by which year, under the figures. ``counts_fn``
should take a fixed number of queries.

Registering the same code twice with the same definition is harmless (``ready`` may run
again in tests); differently, it is an error, as in ``cases.registry``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rainforest.cases import registry as cases_registry

__all__ = [
    "Dimension",
    "Share",
    "ShareCount",
    "Span",
    "dimension",
    "dimensions",
    "register_dimension",
    "register_share",
    "register_span",
    "shares",
    "spans",
]

ValuesFn = Callable[[Any], list[tuple[str, str]]]
FilterFn = Callable[[Any, str], Any]


@dataclass(frozen=True)
class ShareCount:
    """One year's numerator and denominator of a share (``year`` None: all years)."""

    year: int | None
    numerator: int
    denominator: int


CountsFn = Callable[[Any, int | None], list[ShareCount]]
PercentFn = Callable[[int, int], Decimal | None]


@dataclass(frozen=True)
class Span:
    process_code: str
    code: str
    name_zh: str
    name_en: str
    start_stage: str | None = None
    start_field: str | None = None
    end_stage: str | None = None
    end_field: str | None = None


@dataclass(frozen=True)
class Dimension:
    process_code: str
    code: str
    name_zh: str
    values_fn: ValuesFn
    filter_fn: FilterFn
    name_en: str = ""


@dataclass(frozen=True)
class Share:
    process_code: str
    code: str
    name_zh: str
    name_en: str
    numerator_zh: str
    numerator_en: str
    denominator_zh: str
    denominator_en: str
    counts_fn: CountsFn
    percent_fn: PercentFn
    note_zh: str = ""
    note_en: str = ""


_spans: dict[tuple[str, str], Span] = {}
_dimensions: dict[tuple[str, str], Dimension] = {}
_shares: dict[tuple[str, str], Share] = {}


def _stages_of(process_code: str) -> set[str]:
    found = [
        d
        for d in cases_registry.all_definitions()
        if d.code == process_code  # every version: an old case keeps its stages
    ]
    if not found:
        raise ValueError(
            f"process {process_code!r} is not registered with the case engine; "
            "register the process before its spans and dimensions"
        )
    return {s.code for d in found for s in d.stages}


def _one_of(kind: str, stage: str | None, field: str | None) -> None:
    if (stage is None) == (field is None):
        raise ValueError(f"a span needs exactly one of {kind}_stage and {kind}_field")
    if field is not None and (not field or not field.replace("_", "").isalnum()):
        raise ValueError(f"{kind}_field must be a lookup path such as 'created_at'")


def register_span(
    process_code: str,
    code: str,
    name_zh: str,
    name_en: str,
    *,
    start_stage: str | None = None,
    start_field: str | None = None,
    end_stage: str | None = None,
    end_field: str | None = None,
) -> Span:
    """Add a span (from one milestone to another) to ``process_code``'s dashboard."""
    if not code or not name_zh:
        raise ValueError("a span needs a code and a Chinese name")
    _one_of("start", start_stage, start_field)
    _one_of("end", end_stage, end_field)
    stages = _stages_of(process_code)
    for stage in (start_stage, end_stage):
        if stage is not None and stage not in stages:
            raise ValueError(f"process {process_code!r} has no stage {stage!r}")
    span = Span(
        process_code, code, name_zh, name_en, start_stage, start_field, end_stage, end_field
    )
    existing = _spans.get((process_code, code))
    if existing is not None and existing != span:
        raise ValueError(f"span {code!r} of {process_code!r} registered twice, differently")
    _spans[(process_code, code)] = span
    return span


def register_dimension(
    process_code: str,
    code: str,
    name_zh: str,
    values_fn: ValuesFn,
    filter_fn: FilterFn,
    *,
    name_en: str = "",
) -> Dimension:
    """Add a filter dimension (e.g. call, field) to ``process_code``'s dashboard."""
    if not code or not name_zh:
        raise ValueError("a dimension needs a code and a Chinese name")
    _stages_of(process_code)
    dim = Dimension(process_code, code, name_zh, values_fn, filter_fn, name_en or code)
    existing = _dimensions.get((process_code, code))
    if existing is not None and (existing.name_zh, existing.name_en) != (dim.name_zh, dim.name_en):
        raise ValueError(f"dimension {code!r} of {process_code!r} registered twice, differently")
    _dimensions[(process_code, code)] = dim
    return dim


def spans(process_code: str) -> list[Span]:
    return [s for (p, _c), s in sorted(_spans.items(), key=lambda kv: kv[0]) if p == process_code]


def dimensions(process_code: str) -> list[Dimension]:
    return [
        d for (p, _c), d in sorted(_dimensions.items(), key=lambda kv: kv[0]) if p == process_code
    ]


def dimension(process_code: str, code: str) -> Dimension | None:
    return _dimensions.get((process_code, code))


def register_share(
    process_code: str,
    code: str,
    name_zh: str,
    name_en: str,
    *,
    numerator_zh: str,
    numerator_en: str,
    denominator_zh: str,
    denominator_en: str,
    counts_fn: CountsFn,
    percent_fn: PercentFn,
    note_zh: str = "",
    note_en: str = "",
) -> Share:
    """Add a share (a ratio with its numerator and denominator) to ``process_code``'s
    dashboard."""
    if not code or not name_zh or not numerator_zh or not denominator_zh:
        raise ValueError("a share needs a code and Chinese names for it and its two counts")
    _stages_of(process_code)
    share = Share(
        process_code,
        code,
        name_zh,
        name_en or code,
        numerator_zh,
        numerator_en or numerator_zh,
        denominator_zh,
        denominator_en or denominator_zh,
        counts_fn,
        percent_fn,
        note_zh,
        note_en or note_zh,
    )
    existing = _shares.get((process_code, code))
    names = (share.name_zh, share.name_en, share.numerator_zh, share.denominator_zh)
    if (
        existing is not None
        and (
            existing.name_zh,
            existing.name_en,
            existing.numerator_zh,
            existing.denominator_zh,
        )
        != names
    ):
        raise ValueError(f"share {code!r} of {process_code!r} registered twice, differently")
    _shares[(process_code, code)] = share
    return share


def shares(process_code: str) -> list[Share]:
    return [s for (p, _c), s in sorted(_shares.items(), key=lambda kv: kv[0]) if p == process_code]
