"""cases/sla.py and ``rainforest sla tick``: each reminder and each overdue mark exactly once."""

from __future__ import annotations

import threading
from datetime import datetime
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from rainforest.accounts.models import User
from rainforest.audit.models import AuditRecord
from rainforest.cases.calendar import get_calendar
from rainforest.cases.models import Case, Notification
from rainforest.cases.selectors import Sla, sla_of
from rainforest.cases.services import case_transition
from rainforest.cases.sla import SlaTickReport, sla_tick
from tests.conftest import at, sign_in

FILED = at("2026-09-30 10:00")  # Wednesday before the National Day holiday


def _kinds(user: User) -> list[str]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


@pytest.fixture
def case(
    bank_a: Any,
    banker_a: User,
    officer: User,
    new_pledge: Any,
) -> Case:
    return new_pledge(banker_a, bank_a, now=FILED).case


@pytest.mark.django_db
def test_review_due_date_skips_national_day(case: Case) -> None:
    # 2026: Oct 1–7 off (国庆节), Oct 8 is the first working day, Oct 9 the second.
    expected = get_calendar().end_of_workday_after(FILED, 2).value

    assert case.due_at == expected
    assert case.due_at == datetime.fromisoformat("2026-10-09T23:59:59.999999+08:00")
    assert case.due_provisional is False


@pytest.mark.django_db
def test_sla_tick_due_soon_case_notified_once(case: Case, officer: User, banker_a: User) -> None:
    now = at("2026-10-08 09:00")
    assert sla_of(case, now) == Sla.DUE_SOON

    first = sla_tick(now=now)
    second = sla_tick(now=at("2026-10-08 15:00"))

    case.refresh_from_db()
    assert first == SlaTickReport(due_soon_sent=1, overdue_marked=0)
    assert second == SlaTickReport(due_soon_sent=0, overdue_marked=0)
    assert case.due_soon_notified_at == now
    assert _kinds(officer) == ["due_soon", "stage"]
    # The bank does not act in review: the reminder is not theirs.
    assert _kinds(banker_a) == []


@pytest.mark.django_db
def test_sla_tick_due_soon_message_names_stage_and_limit(case: Case, officer: User) -> None:
    sla_tick(now=at("2026-10-08 09:00"))

    note = Notification.objects.get(user=officer, kind="due_soon")
    assert note.title == f"{case.number} 临期提醒：登记审查"
    assert note.body == (
        "办件「雨林科技有限公司 知识产权质押登记」在「登记审查」环节的办理时限为"
        " 2026-10-09 23:59，请及时办理。"
    )


@pytest.mark.django_db
def test_sla_tick_reminder_reads_in_english_for_an_english_reader(
    case: Case, officer: User, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    officer.email = "officer@example.org"
    officer.save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True):
        sla_tick(now=at("2026-10-08 09:00"))
    note = Notification.objects.get(user=officer, kind="due_soon")
    sign_in(client, officer)
    client.cookies["django_language"] = "en"
    english = client.get("/inbox/").content.decode()
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get("/inbox/").content.decode()

    assert note.title_en == f"{case.number} is due soon: Review"
    assert note.title_en in english
    assert note.title not in english
    assert note.title in chinese
    assert note.title_en not in chinese
    # The e-mail carries both languages.
    sent = [m for m in mail.outbox if "临期" in m.subject]
    assert [m.to for m in sent] == [["officer@example.org"]]
    assert note.title_en in sent[0].subject
    assert note.body in sent[0].body
    assert note.body_en in sent[0].body


@pytest.mark.django_db
def test_sla_tick_on_time_case_sends_nothing(case: Case) -> None:
    now = at("2026-09-30 10:01")  # just filed, the limit is after the holiday
    assert sla_of(case, now) == Sla.ON_TIME

    report = sla_tick(now=now)

    assert report == SlaTickReport(due_soon_sent=0, overdue_marked=0)
    assert Notification.objects.filter(kind="due_soon").count() == 0


@pytest.mark.django_db
def test_sla_tick_overdue_case_marked_once(case: Case, officer: User) -> None:
    now = at("2026-10-10 09:00")  # Saturday, an adjusted working day (调休上班)
    assert sla_of(case, now) == Sla.OVERDUE

    first = sla_tick(now=now)
    second = sla_tick(now=at("2026-10-12 09:00"))

    case.refresh_from_db()
    assert first == SlaTickReport(due_soon_sent=0, overdue_marked=1)
    assert second == SlaTickReport(due_soon_sent=0, overdue_marked=0)
    assert case.overdue_marked_at == now
    assert _kinds(officer) == ["overdue", "stage"]
    records = AuditRecord.objects.filter(action="case.overdue_marked")
    assert [(r.subject_id, r.actor_id) for r in records] == [(case.number, None)]


@pytest.mark.django_db
def test_sla_tick_due_soon_then_overdue_each_once(case: Case, officer: User) -> None:
    reports = [
        sla_tick(now=at("2026-10-08 09:00")),
        sla_tick(now=at("2026-10-09 09:00")),
        sla_tick(now=at("2026-10-10 00:00")),
        sla_tick(now=at("2026-10-11 00:00")),
    ]

    assert reports == [
        SlaTickReport(due_soon_sent=1, overdue_marked=0),
        SlaTickReport(due_soon_sent=0, overdue_marked=0),
        SlaTickReport(due_soon_sent=0, overdue_marked=1),
        SlaTickReport(due_soon_sent=0, overdue_marked=0),
    ]
    assert _kinds(officer) == ["due_soon", "overdue", "stage"]
    actions = AuditRecord.objects.filter(
        action__in=["case.due_soon_notified", "case.overdue_marked"]
    )
    assert [r.action for r in actions.order_by("seq")] == [
        "case.due_soon_notified",
        "case.overdue_marked",
    ]


@pytest.mark.django_db
def test_sla_tick_paused_case_gets_nothing(case: Case, officer: User, banker_a: User) -> None:
    case_transition(
        case=case,
        action="return",
        actor=officer,
        reason="请补充商标注册证",
        now=at("2026-10-08 10:00"),
    )

    report = sla_tick(now=at("2026-10-20 09:00"))

    case.refresh_from_db()
    assert case.paused_at == at("2026-10-08 10:00")
    assert report == SlaTickReport(due_soon_sent=0, overdue_marked=0)
    assert (case.due_soon_notified_at, case.overdue_marked_at) == (None, None)
    assert Notification.objects.filter(kind__in=["due_soon", "overdue"]).count() == 0


@pytest.mark.django_db
def test_sla_tick_closed_case_gets_nothing(case: Case, officer: User) -> None:
    case_transition(
        case=case,
        action="reject",
        actor=officer,
        reason="质权人信息不符",
        now=at("2026-10-08 10:00"),
    )

    report = sla_tick(now=at("2026-10-20 09:00"))

    assert report == SlaTickReport(due_soon_sent=0, overdue_marked=0)
    assert Notification.objects.filter(kind__in=["due_soon", "overdue"]).count() == 0


@pytest.mark.django_db
def test_sla_tick_case_claimed_by_other_worker_not_sent_again(
    bank_a: Any,
    banker_a: User,
    officer: User,
    new_pledge: Any,
) -> None:
    first = new_pledge(banker_a, bank_a, now=FILED).case
    second = new_pledge(banker_a, bank_a, now=at("2026-09-30 11:00")).case
    now = at("2026-10-08 09:00")

    def other_worker_claims_second(done: int, total: int) -> None:
        # Between this worker's list and its claim, another worker marks the second case.
        if done == 1:
            Case.objects.filter(pk=second.pk).update(due_soon_notified_at=now)

    report = sla_tick(now=now, progress=other_worker_claims_second)

    notes = Notification.objects.filter(kind="due_soon")
    assert report == SlaTickReport(due_soon_sent=1, overdue_marked=0)
    assert [n.case_id for n in notes] == [first.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sla_tick_two_workers_at_once_send_once(
    bank_a: Any,
    banker_a: User,
    officer: User,
    new_pledge: Any,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two connections need PostgreSQL")
    cases = [new_pledge(banker_a, bank_a, now=at(f"2026-09-30 1{i}:00")).case for i in range(5)]
    now = at("2026-10-08 09:00")
    reports: list[SlaTickReport] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            reports.append(sla_tick(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(r.due_soon_sent for r in reports) == len(cases)
    assert Notification.objects.filter(kind="due_soon").count() == len(cases)


@pytest.mark.django_db
def test_sla_command_tick_prints_summary(case: Case) -> None:
    out = StringIO()

    call_command("sla", "tick", "--now", "2026-10-08T09:00", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines == [
        "检查办理时限 / checking time limits as of 2026-10-08T09:00+08:00 ...",
        "已处理 / processed 1/1",
        # Modules' own deadlines are checked in the same tick (programmes' milestones).
        "  · 项目里程碑 / milestone reports: 临期提醒 0 件 / due soon 0; 超期提醒 0 件 / overdue 0",
        "完成 / done: 临期提醒 1 件 / due-soon reminders 1; 超期标记 0 件 / overdue marked 0",
    ]


@pytest.mark.django_db
def test_sla_command_bad_now_refused() -> None:
    with pytest.raises(CommandError) as caught:
        call_command("sla", "tick", "--now", "next tuesday", stdout=StringIO())

    assert str(caught.value) == (
        "无法识别时间「next tuesday」，请写成 2026-10-09T10:00 或 2026-10-09T10:00+08:00。"
        " / Cannot read the time 'next tuesday'; write it as 2026-10-09T10:00"
        " or 2026-10-09T10:00+08:00."
    )
