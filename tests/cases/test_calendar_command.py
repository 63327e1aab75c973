"""``rainforest calendar show | add``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rainforest.audit.models import AuditRecord
from rainforest.cases.calendar import get_calendar
from rainforest.cases.models import CalendarYear
from tests.conftest import at

ADD_2027 = [
    "calendar",
    "add",
    "--year",
    "2027",
    "--holidays",
    "2027-01-01,2027-02-05..2027-02-11",
    "--workdays",
    "2027-02-13",
    "--source",
    "国务院办公厅通知",
]


def _run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue().splitlines()


def _refused(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=StringIO(), stderr=StringIO())
    return str(caught.value)


@pytest.mark.django_db
def test_calendar_show_2026_lists_national_day_and_adjusted_workdays() -> None:
    lines = _run("calendar", "show", "--year", "2026")

    start = lines.index("调休上班 / adjusted working days (6 天 / days):")
    assert lines[1] == "数据来源：chinesecalendar 软件包 / source: the chinesecalendar package"
    assert [line for line in lines if "国庆节" in line] == [
        "  2026-10-01 周四 .. 2026-10-07 周三  国庆节  7 天"
    ]
    assert lines[start + 1 :] == [
        "  2026-01-04 周日",
        "  2026-02-14 周六",
        "  2026-02-28 周六",
        "  2026-05-09 周六",
        "  2026-09-20 周日",
        "  2026-10-10 周六",
    ]


@pytest.mark.django_db
def test_calendar_show_unknown_year_says_provisional() -> None:
    lines = _run("calendar", "show", "--year", "2031")

    assert lines == [
        "2031 年工作日历 / working-day calendar 2031",
        "数据来源：未知：只按周末计算，结果为暂定"
        " / source: unknown: only weekends are days off, results are provisional",
    ]


@pytest.mark.django_db
def test_calendar_add_2027_makes_answers_definite() -> None:
    start = at("2027-02-04 10:00")
    before = get_calendar().add_workdays(start, 1)

    lines = _run(*ADD_2027)
    after = get_calendar().add_workdays(start, 1)

    assert lines == [
        "已录入 2027 年：放假 8 天，调休上班 1 天 / 2027 saved: 8 days off, 1 adjusted working days"
    ]
    assert (before.value, before.provisional) == (at("2027-02-05 10:00"), True)
    assert (after.value, after.provisional) == (at("2027-02-12 10:00"), False)
    assert get_calendar().is_workday(at("2027-02-13 10:00").date()) is True


@pytest.mark.django_db
def test_calendar_add_stores_row_and_audit_record() -> None:
    _run(*ADD_2027)

    row = CalendarYear.objects.get()
    record = AuditRecord.objects.get(action="calendar.year_added")
    assert (row.year, row.source, row.workdays) == (2027, "国务院办公厅通知", ["2027-02-13"])
    assert row.holidays == ["2027-01-01", *[f"2027-02-{d:02d}" for d in range(5, 12)]]
    assert (record.subject_type, record.subject_id) == ("calendar_year", "2027")
    assert record.data["holidays"] == row.holidays


@pytest.mark.django_db
def test_calendar_show_entered_year_names_source() -> None:
    _run(*ADD_2027)

    lines = _run("calendar", "show", "--year", "2027")

    assert lines[1].startswith("数据来源：管理员录入（国务院办公厅通知），")
    assert lines[2:4] == ["放假 / holidays (8 天 / days):", "  2027-01-01 周五  假日  1 天"]
    assert lines[-1] == "  2027-02-13 周六"


@pytest.mark.django_db
def test_calendar_add_existing_year_without_replace_refused() -> None:
    _run(*ADD_2027)

    message = _refused(*ADD_2027)

    assert message == (
        "2027 年的日历已经录入过；要替换请加上 --replace。"
        " / 2027 has been entered before; add --replace to replace it."
    )
    assert CalendarYear.objects.count() == 1


@pytest.mark.django_db
def test_calendar_add_replace_takes_effect() -> None:
    _run(*ADD_2027)
    assert get_calendar().is_workday(at("2027-02-12 10:00").date()) is True

    _run("calendar", "add", "--year", "2027", "--holidays", "2027-01-01,2027-02-12", "--replace")

    calendar = get_calendar()
    assert calendar.is_workday(at("2027-02-12 10:00").date()) is False
    assert calendar.is_workday(at("2027-02-13 10:00").date()) is False
    assert list(CalendarYear.objects.values_list("year", "workdays")) == [(2027, [])]
    assert AuditRecord.objects.filter(action="calendar.year_replaced").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("holidays", "workdays", "expected"),
    [
        (
            "2027-01-01,2028-01-01",
            "",
            "2028-01-01 不属于 2027 年。 / 2028-01-01 is not in 2027.",
        ),
        (
            "2027-01-01",
            "2027-02-12",
            "--workdays 中的 2027-02-12 周五 本来就是工作日；调休上班日只能是周六或周日。"
            " / 2027-02-12 in --workdays is a weekday already;"
            " adjusted working days must be Saturdays or Sundays.",
        ),
        (
            "2027-02-05..2027-02-13",
            "2027-02-13",
            "2027-02-13 不能既是假日又是调休上班日。"
            " / 2027-02-13 cannot be both a holiday and an adjusted working day.",
        ),
        (
            "2027-02-05..2027-02-11,2027-02-08",
            "",
            "--holidays 中 2027-02-08 出现了不止一次，请每个日期只写一次。"
            " / 2027-02-08 appears more than once in --holidays; list each date once.",
        ),
        (
            "2027-02-11..2027-02-05",
            "",
            "--holidays 中的范围「2027-02-11..2027-02-05」结束日早于开始日，请把早的日期写在前面。"
            " / The range '2027-02-11..2027-02-05' in --holidays ends before it starts;"
            " put the earlier date first.",
        ),
        (
            "2027-13-01",
            "",
            "--holidays 中的「2027-13-01」不是日期，请写成 YYYY-MM-DD，例如 2027-01-01。"
            " / '2027-13-01' in --holidays is not a date; write it as YYYY-MM-DD,"
            " for example 2027-01-01.",
        ),
        (
            " , ",
            "",
            "请用 --holidays 写出这一年的放假日期。 / List the year's days off with --holidays.",
        ),
    ],
    ids=["other-year", "weekday-workday", "both", "duplicate", "backwards", "not-a-date", "none"],
)
def test_calendar_add_bad_input_refused_and_nothing_written(
    holidays: str, workdays: str, expected: str
) -> None:
    message = _refused(
        "calendar", "add", "--year", "2027", "--holidays", holidays, "--workdays", workdays
    )

    assert message == expected
    assert CalendarYear.objects.count() == 0
    assert AuditRecord.objects.count() == 0
