"""SLA states are queries; my tasks come overdue first."""

from __future__ import annotations

from typing import Any

from rainforest.cases.models import Case
from rainforest.cases.selectors import Sla, case_list, my_tasks, sla_of
from rainforest.cases.services import case_transition
from tests.conftest import at

NOW = at("2026-11-05 12:00")  # a Thursday


def _world(new_pledge: Any, banker_a: Any, bank_a: Any, officer: Any) -> dict[str, Case]:
    cases = {
        # due Thu Nov 5 23:59 → today → due soon
        "due_today": new_pledge(banker_a, bank_a, now=at("2026-11-03 10:00")).case,
        # due Fri Nov 6 → the next working day → due soon
        "due_tomorrow": new_pledge(banker_a, bank_a, now=at("2026-11-04 10:00")).case,
        # due Mon Nov 9 → on time
        "on_time": new_pledge(banker_a, bank_a, now=at("2026-11-05 10:00")).case,
        # due Tue Nov 3 → overdue
        "overdue_old": new_pledge(banker_a, bank_a, now=at("2026-10-29 10:00")).case,
        # due Wed Nov 4 → overdue
        "overdue": new_pledge(banker_a, bank_a, now=at("2026-11-02 10:00")).case,
        "paused": new_pledge(banker_a, bank_a, now=at("2026-10-29 10:00")).case,
        "closed": new_pledge(banker_a, bank_a, now=at("2026-10-29 10:00")).case,
    }
    case_transition(
        case=cases["paused"],
        action="return",
        actor=officer,
        reason="补正",
        now=at("2026-10-29 11:00"),
    )
    case_transition(
        case=cases["closed"],
        action="reject",
        actor=officer,
        reason="不予登记",
        now=at("2026-10-29 11:00"),
    )
    return {k: Case.objects.get(pk=v.pk) for k, v in cases.items()}


def test_sla_query_matches_sla_of_each_case(
    new_pledge: Any, banker_a: Any, bank_a: Any, officer: Any
) -> None:
    cases = _world(new_pledge, banker_a, bank_a, officer)

    by_query = {state: [c.number for c in case_list(officer, sla=state, now=NOW)] for state in Sla}

    numbers = {k: c.number for k, c in cases.items()}
    assert by_query == {
        Sla.OVERDUE: [numbers["overdue_old"], numbers["overdue"]],
        Sla.DUE_SOON: [numbers["due_today"], numbers["due_tomorrow"]],
        Sla.ON_TIME: [numbers["on_time"]],
        Sla.PAUSED: [numbers["paused"]],
        Sla.CLOSED: [numbers["closed"]],
    }
    for state, listed in by_query.items():
        for number in listed:
            assert sla_of(Case.objects.get(number=number), NOW) is state


def test_case_list_other_bank_sees_nothing(
    new_pledge: Any, banker_a: Any, bank_a: Any, banker_b: Any, officer: Any
) -> None:
    _world(new_pledge, banker_a, bank_a, officer)

    assert list(case_list(banker_b, now=NOW)) == []
    assert len(list(case_list(banker_a, now=NOW))) == 7


def test_my_tasks_overdue_first_then_by_due_date(
    new_pledge: Any, banker_a: Any, bank_a: Any, officer: Any
) -> None:
    cases = _world(new_pledge, banker_a, bank_a, officer)

    officer_tasks = [c.number for c in my_tasks(officer, now=NOW)]
    bank_tasks = [c.number for c in my_tasks(banker_a, now=NOW)]

    assert officer_tasks == [
        cases[k].number for k in ("overdue_old", "overdue", "due_today", "due_tomorrow", "on_time")
    ]
    # The bank acts only where the case waits on it: the one returned for correction.
    assert bank_tasks == [cases["paused"].number]
