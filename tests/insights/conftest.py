"""A handful of IP-pledge cases moved through their stages at known instants.

November 2026 has no public holiday, so the working days below are plain weekdays.

| case | filed       | then                                              | review visits | correction |
| ---- | ----------- | ------------------------------------------------- | ------------- | ---------- |
| A    | Mon 11-02   | registered Tue 11-03                              | 1             |            |
| B    | Mon 11-02   | registered Thu 11-05                              | 3             |            |
| C    | Mon 11-02   | returned Wed 11-04, resubmitted Mon 11-09,        | 2, 4          | 3          |
|      |             | registered Fri 11-13                              |               |            |
| D    | Mon 11-02   | still in review on Mon 11-16 (due Wed 11-04)      | open          |            |

Review, finished visits 1, 2, 3, 4: median 2.5, 90th percentile 3 + 0.7 = 3.7.
Filing to closing: A 1, B 3, C 9 working days: median 3, 90th percentile 3 + 0.8 * 6 = 7.8.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from rainforest.accounts.roles import Role
from rainforest.cases.services import case_transition
from tests.conftest import at
from tests.factories import person

NOW = at("2026-11-16 10:00")


@dataclass(frozen=True)
class Pledges:
    a: Any
    b: Any
    c: Any
    d: Any


@pytest.fixture
def leader(bureau: Any) -> Any:
    """A member of the bureau's leadership: the administrator role."""
    return person(Role.ADMINISTRATOR, bureau, username="leader")


@pytest.fixture
def applicant(firm: Any) -> Any:
    return person(Role.APPLICANT, firm, username="applicant")


@pytest.fixture
def make_pledges(file_pledge: Any, banker_a: Any, bank_a: Any, officer: Any) -> Any:
    def make(year: int = 2026) -> Pledges:
        def day(text: str) -> Any:
            return at(f"{year}-{text}")

        a = file_pledge(banker_a, bank_a, now=day("11-02 09:00")).case
        case_transition(case=a, action="register", actor=officer, now=day("11-03 10:00"))
        b = file_pledge(banker_a, bank_a, now=day("11-02 10:00")).case
        case_transition(case=b, action="register", actor=officer, now=day("11-05 10:00"))
        c = file_pledge(banker_a, bank_a, now=day("11-02 11:00")).case
        case_transition(
            case=c, action="return", actor=officer, reason="缺签章页", now=day("11-04 10:00")
        )
        case_transition(case=c, action="resubmit", actor=banker_a, now=day("11-09 10:00"))
        case_transition(case=c, action="register", actor=officer, now=day("11-13 10:00"))
        d = file_pledge(banker_a, bank_a, now=day("11-02 12:00")).case
        for case in (a, b, c, d):
            case.refresh_from_db()
        return Pledges(a, b, c, d)

    return make


@pytest.fixture
def pledges(make_pledges: Any) -> Pledges:
    return make_pledges()


@pytest.fixture
def insights_registry(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The spans, dimensions and shares registry, restored after the test."""
    from rainforest.insights import registry

    monkeypatch.setattr(registry, "_spans", dict(registry._spans))
    monkeypatch.setattr(registry, "_dimensions", dict(registry._dimensions))
    monkeypatch.setattr(registry, "_shares", dict(registry._shares))
    return registry


@pytest.fixture
def bank_dimension(insights_registry: Any) -> Any:
    """A dimension on IP pledges: the filing bank (the case's owner organisation)."""
    from rainforest.accounts.models import Organisation

    def values(cases: Any) -> list[tuple[str, str]]:
        orgs = Organisation.objects.filter(pk__in=cases.values("owner_org_id")).order_by("pk")
        return [(str(o.pk), o.name) for o in orgs]

    return insights_registry.register_dimension(
        "ip_pledge",
        "bank",
        "质权银行",
        values,
        lambda cases, value: cases.filter(owner_org_id=int(value)),
        name_en="Bank",
    )
