"""insights/selectors.py: exact cycle times over IP-pledge cases, overdue, spans, filters,
who sees what, and a query count that does not grow with the cases."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rainforest.accounts.roles import Role
from rainforest.cases import registry as cases_registry
from rainforest.cases.services import case_transition
from rainforest.core.errors import ValidationError
from rainforest.insights.domain import Summary
from rainforest.insights.selectors import (
    Dashboard,
    Filters,
    ProcessBlock,
    StageRow,
    cycle_times,
    resolve_filters,
)
from tests.conftest import at
from tests.factories import person
from tests.insights.conftest import NOW, Pledges

pytestmark = pytest.mark.django_db


def _process(board: Dashboard, code: str = "ip_pledge") -> ProcessBlock:
    (found,) = [p for p in board.processes if p.code == code]
    return found


def _stage(board: Dashboard, stage: str, code: str = "ip_pledge") -> StageRow:
    (version,) = _process(board, code).versions
    (found,) = [s for s in version.stages if s.stage == stage]
    return found


def _span(board: Dashboard, span: str, code: str = "ip_pledge") -> Summary:
    (found,) = [s for s in _process(board, code).spans if s.code == span]
    return found.summary


def _board(user: Any, **filters: Any) -> Dashboard:
    resolved, _options = resolve_filters(user, **filters)
    return cycle_times(user, resolved, now=NOW)


def test_cycle_times_stage_medians_are_exact(pledges: Pledges, leader: Any) -> None:
    board = _board(leader)

    review = _stage(board, "review")
    correction = _stage(board, "correction")

    # Finished review visits 1, 3, 2, 4; D is still in review (not in the median).
    assert review.summary == Summary(4, Decimal("2.5"), Decimal("3.7"), in_progress=1)
    assert correction.summary == Summary(1, Decimal("3"), Decimal("3"), in_progress=0)
    assert (review.time_limit_workdays, correction.time_limit_workdays) == (2, None)
    assert (review.kind, correction.kind) == ("task", "wait_applicant")


def test_cycle_times_names_responsible_office_from_definition(
    pledges: Pledges, leader: Any
) -> None:
    board = _board(leader)

    offices = [
        (s.stage, s.office.roles, s.office.name_zh) for s in _process(board).versions[0].stages
    ]

    assert offices == [
        ("review", ("programme_officer",), "项目处工作人员"),
        ("correction", ("bank_officer",), "银行经办人"),
    ]


def test_cycle_times_overdue_by_stage_and_office(pledges: Pledges, leader: Any) -> None:
    board = _board(leader)

    process = _process(board)

    # D was due Wed 11-04 and is still in review on 11-16.
    assert [(s.stage, s.current, s.overdue) for s in process.versions[0].stages] == [
        ("review", 1, 1),
        ("correction", 0, 0),
    ]
    assert [(r.office.name_zh, r.overdue) for r in process.overdue_by_office] == [
        ("项目处工作人员", 1)
    ]
    assert [(r.office.name_zh, r.overdue) for r in board.overdue_by_office] == [
        ("项目处工作人员", 1)
    ]
    assert (process.cases, process.open_cases, process.overdue) == (4, 1, 1)


def test_cycle_times_case_in_time_is_not_overdue(pledges: Pledges, leader: Any) -> None:
    resolved, _ = resolve_filters(leader)

    # On Wed 11-04 at noon D is still within its 2 working days.
    board = cycle_times(leader, resolved, now=at("2026-11-04 12:00"))

    assert _stage(board, "review").overdue == 0


def test_cycle_times_paused_case_is_not_overdue(
    file_pledge: Any, banker_a: Any, bank_a: Any, officer: Any, leader: Any
) -> None:
    case = file_pledge(banker_a, bank_a, now=at("2026-11-02 09:00")).case
    case_transition(
        case=case, action="return", actor=officer, reason="缺页", now=at("2026-11-03 09:00")
    )

    board = _board(leader)

    assert [(s.stage, s.current, s.overdue) for s in _process(board).versions[0].stages] == [
        ("review", 0, 0),
        ("correction", 1, 0),
    ]
    assert _stage(board, "correction").summary == Summary(0, None, None, in_progress=1)


def test_cycle_times_outcomes_count_closed_cases(pledges: Pledges, leader: Any) -> None:
    board = _board(leader)

    outcomes = [(o.stage, o.cases) for o in _process(board).versions[0].outcomes]

    assert outcomes == [("registered", 3), ("rejected", 0), ("withdrawn", 0)]


def test_cycle_times_filing_to_closing_span(pledges: Pledges, leader: Any) -> None:
    board = _board(leader)

    # A 1, B 3, C 9 working days; D is open.
    assert _span(board, "open_to_close") == Summary(3, Decimal("3"), Decimal("7.8"), 1)


def test_cycle_times_registered_span_from_stage_to_stage(
    pledges: Pledges, leader: Any, insights_registry: Any
) -> None:
    insights_registry.register_span(
        "ip_pledge", "correction_to_registered", "补正至登记", "Correction to registration",
        start_stage="correction", end_stage="registered",
    )  # fmt: skip

    board = _board(leader)

    # Only C was returned: Wed 11-04 to Fri 11-13 is 7 working days.
    assert _span(board, "correction_to_registered") == Summary(1, Decimal("7"), Decimal("7"), 0)


def test_cycle_times_registered_span_from_field_counts_open_cases_in_progress(
    pledges: Pledges, leader: Any, insights_registry: Any
) -> None:
    insights_registry.register_span(
        "ip_pledge", "filing_to_return", "受理至退回", "Filing to return",
        start_field="created_at", end_stage="correction",
    )  # fmt: skip

    board = _board(leader)

    # C: Mon 11-02 to Wed 11-04 is 2; D is open without a return; A and B closed without.
    assert _span(board, "filing_to_return") == Summary(1, Decimal("2"), Decimal("2"), 1)
    names = [(s.code, s.name_zh) for s in _process(board).spans]
    assert names == [("open_to_close", "受理至办结"), ("filing_to_return", "受理至退回")]


def test_cycle_times_year_filter_uses_year_of_filing(
    pledges: Pledges,
    leader: Any,
    file_pledge: Any,
    banker_a: Any,
    bank_a: Any,
    officer: Any,
) -> None:
    old = file_pledge(banker_a, bank_a, now=at("2025-11-03 09:00")).case
    case_transition(case=old, action="register", actor=officer, now=at("2025-11-05 09:00"))

    this_year = _board(leader, year=2026)
    last_year = _board(leader, year=2025)
    every_year = _board(leader)
    no_cases = _board(leader, year=2024)

    assert _stage(this_year, "review").summary == Summary(4, Decimal("2.5"), Decimal("3.7"), 1)
    assert _stage(last_year, "review").summary == Summary(1, Decimal("2"), Decimal("2"), 0)
    assert _stage(every_year, "review").summary.completed == 5
    assert _stage(no_cases, "review").summary == Summary(0, None, None, 0)
    assert _process(no_cases).cases == 0


def test_cycle_times_year_boundary_is_local_midnight(
    file_pledge: Any, banker_a: Any, bank_a: Any, leader: Any
) -> None:
    # 00:30 on 1 January in Shanghai is still 31 December in UTC.
    file_pledge(banker_a, bank_a, now=at("2026-01-01 00:30"))
    file_pledge(banker_a, bank_a, now=at("2025-12-31 23:30"))

    assert _process(_board(leader, year=2026)).cases == 1
    assert _process(_board(leader, year=2025)).cases == 1


def test_cycle_times_process_filter_shows_only_that_process(pledges: Pledges, leader: Any) -> None:
    board = _board(leader, process="ip_pledge")

    assert [p.code for p in board.processes] == ["ip_pledge"]


def test_cycle_times_dimension_filter_narrows_cases(
    pledges: Pledges,
    leader: Any,
    bank_dimension: Any,
    file_pledge: Any,
    bank_a: Any,
    banker_b: Any,
    bank_b: Any,
    officer: Any,
) -> None:
    other = file_pledge(banker_b, bank_b, now=at("2026-11-02 09:00")).case
    case_transition(case=other, action="register", actor=officer, now=at("2026-11-12 09:00"))

    resolved, options = resolve_filters(
        leader, process="ip_pledge", dimension="bank", value=str(bank_b.pk)
    )
    board = cycle_times(leader, resolved, now=NOW)

    assert [(o.value, o.label) for o in options.dimensions] == [("bank", "质权银行")]
    assert sorted((o.value, o.label) for o in options.values) == sorted(
        [(str(bank_a.pk), bank_a.name), (str(bank_b.pk), bank_b.name)]
    )
    assert resolved.value_label == bank_b.name
    # Only bank B's case: Mon 11-02 to Thu 11-12, 8 working days, overdue nowhere.
    assert _stage(board, "review").summary == Summary(1, Decimal("8"), Decimal("8"), 0)
    assert _span(board, "open_to_close") == Summary(1, Decimal("8"), Decimal("8"), 0)
    assert _process(board).cases == 1


@pytest.mark.parametrize(
    ("filters", "field", "code"),
    [
        ({"year": 1999}, "year", "invalid"),
        ({"year": 2101}, "year", "invalid"),
        ({"process": "no_such"}, "process", "unknown_process"),
        ({"dimension": "bank"}, "dimension", "process_required"),
        ({"process": "ip_pledge", "dimension": "colour"}, "dimension", "unknown_dimension"),
        ({"process": "ip_pledge", "value": "1"}, "value", "dimension_required"),
        ({"process": "ip_pledge", "dimension": "bank", "value": "0"}, "value", "unknown_value"),
    ],
)
def test_resolve_filters_refuses_with_field(
    pledges: Pledges,
    leader: Any,
    bank_dimension: Any,
    filters: dict[str, Any],
    field: str,
    code: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        resolve_filters(leader, **filters)

    assert (caught.value.field, caught.value.code) == (field, code)


@pytest.mark.parametrize("year", [2000, 2100])
def test_resolve_filters_accepts_year_bounds(leader: Any, year: int) -> None:
    resolved, _ = resolve_filters(leader, year=year)

    assert resolved == Filters(year=year)


def test_dashboard_processes_for_programme_officer_are_those_they_act_in(
    pledges: Pledges, officer: Any
) -> None:
    board = _board(officer)

    expected = sorted(
        c
        for c in cases_registry.codes()
        if Role.PROGRAMME_OFFICER in cases_registry.acting_roles(c)
    )
    assert [p.code for p in board.processes] == expected
    assert _process(board).cases == 4


def test_dashboard_processes_for_administrator_leave_out_restricted(
    pledges: Pledges, leader: Any
) -> None:
    board = _board(leader)

    expected = sorted(c for c in cases_registry.codes() if not cases_registry.is_restricted(c))
    assert [p.code for p in board.processes] == expected


@pytest.mark.parametrize(
    "role",
    [Role.APPLICANT, Role.BANK_OFFICER, Role.EXPERT, Role.POLICE_LEGAL_OFFICER, Role.DATA_OFFICER],
)
def test_dashboard_shows_nothing_outside_leadership_roles(
    pledges: Pledges, bank_a: Any, role: str
) -> None:
    # A bank officer of the bank that filed every case still sees no figures.
    user = person(role, bank_a)

    board = _board(user)

    assert board.processes == []
    with pytest.raises(ValidationError):
        resolve_filters(user, process="ip_pledge")


def test_cycle_times_query_count_does_not_grow_with_cases(
    make_pledges: Any, leader: Any, insights_registry: Any, bank_dimension: Any
) -> None:
    insights_registry.register_span(
        "ip_pledge", "review_to_registered", "审查至登记", "Review to registration",
        start_stage="review", end_stage="registered",
    )  # fmt: skip
    make_pledges(year=2025)
    resolved, _ = resolve_filters(leader)
    cycle_times(leader, resolved, now=NOW)  # the calendar is read once and cached

    with CaptureQueriesContext(connection) as few:
        cycle_times(leader, resolved, now=NOW)
    make_pledges(year=2026)
    make_pledges(year=2027)
    with CaptureQueriesContext(connection) as many:
        cycle_times(leader, resolved, now=NOW)

    assert len(many) == len(few)


def test_cycle_times_span_counts_local_dates(
    file_pledge: Any, banker_a: Any, bank_a: Any, officer: Any, leader: Any
) -> None:
    # 07:00 on Monday in Shanghai is still Sunday in UTC; the registration at 10:00 is on
    # Monday in both. Counted on local dates it took 0 working days, on UTC dates 1.
    case = file_pledge(banker_a, bank_a, now=at("2026-11-09 07:00")).case
    case_transition(case=case, action="register", actor=officer, now=at("2026-11-09 10:00"))

    board = _board(leader)

    assert _span(board, "open_to_close") == Summary(1, Decimal("0"), Decimal("0"), 0)
    assert _stage(board, "review").summary == Summary(1, Decimal("0"), Decimal("0"), 0)
