"""揭榜挂帅 through the services: publish, take up, select, gates, tranches, a stopped team."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from rainforest.core.errors import ConflictError, PermissionDeniedError, ValidationError
from rainforest.ledger.models import LedgerAccount, LedgerPosting
from rainforest.programs.models import ChallengeTranche, GateReport, TeamStatus
from rainforest.programs.services import modes
from tests.conftest import at

pytestmark = pytest.mark.django_db

CREATED = "2026-09-01 10:00"
GATE1 = "2026-12-31 23:59:59"
GATE2 = "2027-06-30 23:59:59"


def _gates() -> list[modes.GateIn]:
    return [
        modes.GateIn("样机研制", at(GATE1), Decimal("0.30")),
        modes.GateIn("中试验证", at(GATE2), Decimal("0.70")),
    ]


@pytest.fixture
def challenge(officer: Any) -> Any:
    draft = modes.challenge_create(
        actor=officer,
        title="高能量密度固态电池",
        goal="能量密度不低于 500 Wh/kg",
        funding_per_team=Decimal("10000000.00"),
        max_teams=2,
        takeup_closes_at=at("2026-10-31 23:59:59"),
        gates=_gates(),
        now=at(CREATED),
    )
    return modes.challenge_publish(actor=officer, challenge=draft, now=at(CREATED))


@pytest.fixture
def teams(
    challenge: Any, officer: Any, applicant: Any, lab: Any, rival_applicant: Any, rival: Any
) -> Any:
    a = modes.challenge_take_up(
        actor=applicant,
        challenge=challenge,
        organisation=lab,
        leader_name="张三",
        plan="硫化物电解质路线",
        now=at("2026-10-10 10:00"),
    )
    b = modes.challenge_take_up(
        actor=rival_applicant,
        challenge=challenge,
        organisation=rival,
        leader_name="赵六",
        plan="氧化物电解质路线",
        now=at("2026-10-11 10:00"),
    )
    for team in (a, b):
        modes.team_select(actor=officer, team=team, selected=True, now=at("2026-11-10 10:00"))
    return a, b


def _report(team: Any, user: Any, order: int, when: str) -> GateReport:
    gate = team.challenge.gates.get(order=order)
    return modes.gate_report_submit(actor=user, team=team, gate=gate, body="节点报告", now=at(when))


def _paid(team: Any) -> Decimal:
    return LedgerAccount.objects.get(code=modes.team_account(team)).balance


def test_publish_puts_the_budget_on_the_ledger(challenge: Any) -> None:
    assert LedgerAccount.objects.get(code=challenge.budget_account).balance == Decimal(
        "20000000.00"
    )


def test_two_teams_pass_the_first_gate_and_are_paid(
    teams: Any, officer: Any, applicant: Any, rival_applicant: Any
) -> None:
    a, b = teams
    for team, user in ((a, applicant), (b, rival_applicant)):
        report = _report(team, user, 1, "2026-12-20 10:00")
        modes.gate_report_review(
            actor=officer, report=report, accept=True, now=at("2026-12-25 10:00")
        )

    assert (_paid(a), _paid(b)) == (Decimal("3000000.00"), Decimal("3000000.00"))
    assert ChallengeTranche.objects.count() == 2


def test_team_that_misses_the_second_gate_is_stopped_and_gets_nothing_more(
    teams: Any, officer: Any, applicant: Any, rival_applicant: Any
) -> None:
    a, b = teams
    for team, user in ((a, applicant), (b, rival_applicant)):
        report = _report(team, user, 1, "2026-12-20 10:00")
        modes.gate_report_review(
            actor=officer, report=report, accept=True, now=at("2026-12-25 10:00")
        )
    report = _report(a, applicant, 2, "2027-06-20 10:00")
    modes.gate_report_review(actor=officer, report=report, accept=True, now=at("2027-06-25 10:00"))

    # B sends nothing by the second deadline; the standings after it stop B.
    modes.challenge_evaluate(actor=officer, challenge=a.challenge, now=at("2027-07-01 09:00"))
    modes.challenge_evaluate(actor=officer, challenge=a.challenge, now=at("2027-07-02 09:00"))

    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == (TeamStatus.COMPLETED, TeamStatus.STOPPED)
    assert b.stopped_at_gate.order == 2
    assert b.case.stage == "stopped"
    assert (_paid(a), _paid(b)) == (Decimal("10000000.00"), Decimal("3000000.00"))
    with pytest.raises(ConflictError) as refused:
        _report(b, rival_applicant, 2, "2027-06-30 10:00")
    assert refused.value.code == "team_not_active"


def test_rejected_gate_report_stops_the_team(teams: Any, officer: Any, applicant: Any) -> None:
    a, _b = teams
    report = _report(a, applicant, 1, "2026-12-20 10:00")

    modes.gate_report_review(
        actor=officer,
        report=report,
        accept=False,
        reason="样机未达指标",
        now=at("2026-12-25 10:00"),
    )

    a.refresh_from_db()
    assert a.status == TeamStatus.STOPPED
    assert ChallengeTranche.objects.filter(team=a).count() == 0


def test_report_under_review_at_the_deadline_keeps_the_team_waiting(
    teams: Any, officer: Any, applicant: Any
) -> None:
    a, _b = teams
    _report(a, applicant, 1, "2026-12-31 23:59:59")  # the deadline itself is in time

    modes.challenge_evaluate(actor=officer, challenge=a.challenge, now=at("2027-01-05 10:00"))

    a.refresh_from_db()
    assert a.status == TeamStatus.ACTIVE


def test_evaluating_again_never_pays_a_gate_twice(teams: Any, officer: Any, applicant: Any) -> None:
    a, _b = teams
    report = _report(a, applicant, 1, "2026-12-20 10:00")
    modes.gate_report_review(actor=officer, report=report, accept=True, now=at("2026-12-25 10:00"))

    modes.challenge_evaluate(actor=officer, challenge=a.challenge, now=at("2026-12-26 10:00"))
    modes.challenge_evaluate(actor=officer, challenge=a.challenge, now=at("2026-12-27 10:00"))

    assert ChallengeTranche.objects.filter(team=a).count() == 1
    assert LedgerPosting.objects.filter(key__startswith="programs:challenge-pay:").count() == 1
    assert _paid(a) == Decimal("3000000.00")


def test_a_team_cannot_report_for_another_team(teams: Any, rival_applicant: Any) -> None:
    a, _b = teams
    gate = a.challenge.gates.get(order=1)

    with pytest.raises(PermissionDeniedError):
        modes.gate_report_submit(actor=rival_applicant, team=a, gate=gate, body="冒名")


def test_late_gate_report_is_refused(teams: Any, applicant: Any) -> None:
    a, _b = teams

    with pytest.raises(ConflictError) as refused:
        _report(a, applicant, 1, "2027-01-01 00:00")

    assert refused.value.code == "gate_deadline_passed"


def test_third_team_cannot_be_selected_beyond_max_teams(
    teams: Any, challenge: Any, officer: Any
) -> None:
    from rainforest.accounts.roles import Role
    from tests.factories import OrganisationFactory, person

    org = OrganisationFactory(name="第三团队有限公司")
    user = person(Role.APPLICANT, org)
    # Take-up closed on 31 October; a late team is refused there already.
    with pytest.raises(ConflictError) as late:
        modes.challenge_take_up(
            actor=user,
            challenge=challenge,
            organisation=org,
            leader_name="钱七",
            plan="方案",
            now=at("2026-11-01 00:00"),
        )
    third = modes.challenge_take_up(
        actor=user,
        challenge=challenge,
        organisation=org,
        leader_name="钱七",
        plan="方案",
        now=at("2026-10-31 23:59:59"),
    )

    with pytest.raises(ConflictError) as full:
        modes.team_select(actor=officer, team=third, selected=True)

    assert (late.value.code, full.value.code) == ("takeup_refused", "challenge_full")


def test_taking_up_twice_is_refused(challenge: Any, applicant: Any, lab: Any) -> None:
    modes.challenge_take_up(
        actor=applicant,
        challenge=challenge,
        organisation=lab,
        leader_name="张三",
        plan="方案",
        now=at("2026-10-10 10:00"),
    )

    with pytest.raises(ConflictError):
        modes.challenge_take_up(
            actor=applicant,
            challenge=challenge,
            organisation=lab,
            leader_name="张三",
            plan="方案",
            now=at("2026-10-12 10:00"),
        )


@pytest.mark.parametrize(
    ("shares", "code"),
    [
        (("0.30", "0.60"), "tranche_shares_total"),
        (("0.30", "0.80"), "tranche_shares_total"),
        (("0", "1"), "tranche_share_invalid"),
    ],
)
def test_gate_shares_must_add_up_to_one(officer: Any, shares: tuple[str, str], code: str) -> None:
    gates = [
        modes.GateIn("一", at(GATE1), Decimal(shares[0])),
        modes.GateIn("二", at(GATE2), Decimal(shares[1])),
    ]

    with pytest.raises(ValidationError) as refused:
        modes.challenge_create(
            actor=officer,
            title="榜",
            goal="目标",
            funding_per_team=Decimal("100"),
            max_teams=1,
            takeup_closes_at=at("2026-10-31 23:59:59"),
            gates=gates,
            now=at(CREATED),
        )

    assert refused.value.code == code
