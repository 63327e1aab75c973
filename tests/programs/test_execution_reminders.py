"""Milestone reminders: due soon and overdue by the working-day calendar, each sent once."""

from __future__ import annotations

from typing import Any

import pytest

from rainforest.cases.models import Notification
from rainforest.programs.models import MilestoneReminder, MilestoneReport
from rainforest.programs.services import execution as ex
from rainforest.programs.sla_milestones import milestone_reminders_tick
from tests.conftest import at
from tests.programs.execution_support import make_project

pytestmark = pytest.mark.django_db

# The milestone is due by the end of Wednesday 2027-06-30; reminders start 5 working days
# before: from Wednesday 2027-06-23 (23rd + 5 working days = the 30th).


@pytest.fixture
def project(officer: Any, applicant: Any, lab: Any, field_ai: Any) -> Any:
    return make_project(officer=officer, applicant=applicant, org=lab, field=field_ai)


@pytest.mark.parametrize(
    ("now", "due_soon", "overdue"),
    [
        ("2027-06-22 10:00", 0, 0),  # six working days ahead: not yet
        ("2027-06-23 10:00", 1, 0),  # five working days ahead: the period starts
        ("2027-06-30 23:59", 1, 0),  # the last minute of the due day
        ("2027-07-01 00:00", 0, 1),  # the next day: overdue
    ],
)
def test_tick_classifies_by_working_days(
    project: Any, now: str, due_soon: int, overdue: int
) -> None:
    report = milestone_reminders_tick(now=at(now))

    assert (report.due_soon_sent, report.overdue_sent) == (due_soon, overdue)


def test_reminders_are_sent_once_each(project: Any, applicant: Any) -> None:
    first = milestone_reminders_tick(now=at("2027-06-24 10:00"))
    second = milestone_reminders_tick(now=at("2027-06-25 10:00"))
    late = milestone_reminders_tick(now=at("2027-07-02 10:00"))
    later = milestone_reminders_tick(now=at("2027-07-05 10:00"))

    assert (first.due_soon_sent, second.due_soon_sent) == (1, 0)
    assert (late.overdue_sent, later.overdue_sent) == (1, 0)
    kinds = list(
        Notification.objects.filter(user=applicant, kind__startswith="milestone_")
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["milestone_due_soon", "milestone_overdue"]
    assert MilestoneReport.objects.get(project=project).reminded_at == at("2027-06-24 10:00")


def test_submitted_report_gets_no_reminder(project: Any, applicant: Any) -> None:
    report = MilestoneReport.objects.get(project=project)
    ex.report_submit(actor=applicant, report=report, body="已完成", now=at("2027-06-20 10:00"))

    result = milestone_reminders_tick(now=at("2027-07-02 10:00"))

    assert (result.due_soon_sent, result.overdue_sent) == (0, 0)
    assert MilestoneReminder.objects.count() == 0


def test_reminder_goes_only_to_the_undertaker(
    project: Any, applicant: Any, rival_applicant: Any
) -> None:
    milestone_reminders_tick(now=at("2027-07-02 10:00"))

    assert Notification.objects.filter(user=rival_applicant).count() == 0
    assert Notification.objects.filter(user=applicant, kind="milestone_overdue").count() == 1


def test_reminder_reads_in_both_languages(project: Any, applicant: Any) -> None:
    milestone_reminders_tick(now=at("2027-07-02 10:00"))

    note = Notification.objects.get(user=applicant, kind="milestone_overdue")
    assert note.title.startswith(f"{project.number} 节点报告已逾期")
    assert note.title_en.startswith(f"{project.number}: milestone report overdue")
    assert "逾期" not in note.body_en
