"""The API's case list runs SQL compiled once per shape; it must answer as the ORM does.

The compiled query is reused with fresh clock values, so these tests move the clock
across due dates, change who asks, and check that every page equals the plain query's.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rainforest import compiled
from rainforest.cases.api import _LIST_COLUMNS
from rainforest.cases.selectors import Sla, case_list, case_list_rows
from rainforest.cases.services import case_transition
from tests.conftest import at

MOMENTS = [at(t) for t in ("2026-11-02 09:00", "2026-11-04 18:00", "2026-11-05 12:00")]


@pytest.fixture
def pledges(new_pledge: Any, banker_a: Any, bank_a: Any, banker_b: Any, bank_b: Any) -> None:
    for day in ("2026-10-27", "2026-10-29", "2026-11-02", "2026-11-03", "2026-11-04"):
        new_pledge(banker_a, bank_a, now=at(f"{day} 10:00"))
        new_pledge(banker_b, bank_b, now=at(f"{day} 11:00"))


def _plain(user: Any, sla: Sla | None, now: Any, start: int = 0, stop: int = 51) -> list[Any]:
    qs = case_list(user, sla=sla, now=now).values(*_LIST_COLUMNS)
    return list(qs[start:stop])


@pytest.mark.parametrize("who", ["officer", "banker_a", "banker_b"])
@pytest.mark.parametrize("sla", [None, *Sla])
def test_compiled_page_equals_the_orm_as_the_clock_moves(
    request: pytest.FixtureRequest, pledges: None, who: str, sla: Sla | None
) -> None:
    user = request.getfixturevalue(who)
    for now in MOMENTS:  # the same shape each time: compiled once, then re-run
        assert case_list_rows(user, _LIST_COLUMNS, start=0, stop=51, sla=sla, now=now) == (
            _plain(user, sla, now)
        )


def test_overdue_page_follows_the_clock(pledges: None, officer: Any) -> None:
    def overdue(now: Any) -> list[str]:
        rows = case_list_rows(officer, _LIST_COLUMNS, start=0, stop=51, sla=Sla.OVERDUE, now=now)
        return [r["number"] for r in rows]

    early, late = overdue(MOMENTS[0]), overdue(MOMENTS[2])

    # Review takes 2 working days: on Mon Nov 2 only the two filed Tue Oct 27 are
    # overdue (Oct 29's are due that evening); by Thu Nov 5 noon those filed Oct 29 and
    # Nov 2 are too. A stale clock would repeat the first list.
    assert len(early) == 2
    assert len(late) == 6
    assert set(early) < set(late)


def test_a_bank_never_gets_another_banks_compiled_page(
    pledges: None, banker_a: Any, banker_b: Any, bank_a: Any
) -> None:
    now = MOMENTS[2]
    first = case_list_rows(banker_a, _LIST_COLUMNS, start=0, stop=51, now=now)
    second = case_list_rows(banker_b, _LIST_COLUMNS, start=0, stop=51, now=now)

    assert {r["owner_org__name"] for r in first} == {bank_a.name}
    assert first
    assert second
    assert not {r["id"] for r in first} & {r["id"] for r in second}


def test_pages_do_not_share_sql(pledges: None, officer: Any) -> None:
    now = MOMENTS[2]
    page1 = case_list_rows(officer, _LIST_COLUMNS, start=0, stop=4, now=now)
    page2 = case_list_rows(officer, _LIST_COLUMNS, start=4, stop=8, now=now)

    assert page1 == _plain(officer, None, now, 0, 4)
    assert page2 == _plain(officer, None, now, 4, 8)


def test_a_closed_case_leaves_the_compiled_overdue_list(
    pledges: None, officer: Any, banker_a: Any
) -> None:
    now = MOMENTS[2]
    before = case_list_rows(officer, _LIST_COLUMNS, start=0, stop=51, sla=Sla.OVERDUE, now=now)
    from rainforest.cases.models import Case

    case = Case.objects.get(pk=before[0]["id"])
    case_transition(case=case, action="reject", actor=officer, reason="不予登记", now=now)

    after = case_list_rows(officer, _LIST_COLUMNS, start=0, stop=51, sla=Sla.OVERDUE, now=now)

    assert [r["id"] for r in after] == [r["id"] for r in before[1:]]


def test_text_search_bypasses_the_cache_and_still_filters(pledges: None, officer: Any) -> None:
    now = MOMENTS[2]
    number = _plain(officer, None, now)[3]["number"]

    rows = case_list_rows(officer, _LIST_COLUMNS, start=0, stop=51, query=number, now=now)

    assert [r["number"] for r in rows] == [number]


def test_the_second_run_compiles_nothing_and_runs_one_query(pledges: None, officer: Any) -> None:
    case_list_rows(officer, _LIST_COLUMNS, start=0, stop=51, sla=Sla.OVERDUE, now=MOMENTS[0])
    with CaptureQueriesContext(connection) as queries:
        case_list_rows(officer, _LIST_COLUMNS, start=0, stop=51, sla=Sla.OVERDUE, now=MOMENTS[2])

    assert len(queries) == 1  # logged like any Django query


def test_cache_is_bounded(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from rainforest.accounts.models import Organisation

    monkeypatch.setattr(compiled, "CACHE_SIZE", 3)
    for n in range(6):
        compiled.cached_values(("bounded", n), lambda n=n: Organisation.objects.values("id")[n:])

    cache = getattr(connection, compiled._ATTRIBUTE)
    assert list(cache) == [("bounded", 3), ("bounded", 4), ("bounded", 5)]


@pytest.mark.parametrize("value", ["open'; DROP TABLE cases_case; --", "a b", "", "开放"])
def test_constant_takes_only_plain_words(value: str) -> None:
    with pytest.raises(ValueError, match="safe SQL constant"):
        compiled.Constant(value)
