"""``rainforest calendar show | add``: the working-day calendar (工作日历) a year at a time.

``chinesecalendar`` knows the years up to its release; the State Council publishes the next
year's arrangement each November (国务院办公厅关于某年部分节假日安排的通知), and an
administrator enters it here until the package catches up.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from rainforest.audit.services import audit_append
from rainforest.cases.calendar import get_calendar, invalidate_calendar
from rainforest.cases.models import CalendarYear
from rainforest.core.errors import DomainError
from rainforest.core.workdays import YearCalendar, package_years

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
UNKNOWN_ZH = "未知：只按周末计算，结果为暂定"
UNKNOWN_EN = "unknown: only weekends are days off, results are provisional"
# A range longer than this is a typo, not a holiday (the longest, Spring Festival, is 9 days).
MAX_RANGE_DAYS = 31


def _fail(message_zh: str, message_en: str) -> CommandError:
    return CommandError(f"{message_zh} / {message_en}")


def _parse_date(raw: str, option: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise _fail(
            f"{option} 中的「{raw}」不是日期，请写成 YYYY-MM-DD，例如 2027-01-01。",
            f"'{raw}' in {option} is not a date; write it as YYYY-MM-DD, for example 2027-01-01.",
        ) from None


def parse_dates(raw: str, option: str) -> list[date]:
    """Comma-separated dates and ranges (``2027-02-05..2027-02-11``), in the order given.

    A date given twice (also through overlapping ranges) is refused: it is usually a typo
    for another date.
    """
    result: list[date] = []
    seen: set[date] = set()
    for token in (t.strip() for t in raw.split(",")):
        if not token:
            continue
        if ".." in token:
            first_raw, _, last_raw = token.partition("..")
            first, last = _parse_date(first_raw, option), _parse_date(last_raw, option)
            if last < first:
                raise _fail(
                    f"{option} 中的范围「{token}」结束日早于开始日，请把早的日期写在前面。",
                    f"The range '{token}' in {option} ends before it starts; put the earlier date first.",
                )
            if (last - first).days >= MAX_RANGE_DAYS:
                raise _fail(
                    f"{option} 中的范围「{token}」超过 {MAX_RANGE_DAYS} 天，请检查日期。",
                    f"The range '{token}' in {option} is longer than {MAX_RANGE_DAYS} days; check the dates.",
                )
            days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        else:
            days = [_parse_date(token, option)]
        for d in days:
            if d in seen:
                raise _fail(
                    f"{option} 中 {d.isoformat()} 出现了不止一次，请每个日期只写一次。",
                    f"{d.isoformat()} appears more than once in {option}; list each date once.",
                )
            seen.add(d)
            result.append(d)
    return result


def _runs(days: list[tuple[date, str | None]]) -> list[tuple[date, date, str | None]]:
    """Consecutive days with the same name, as (first, last, name)."""
    runs: list[tuple[date, date, str | None]] = []
    for d, name in days:
        if runs and runs[-1][2] == name and runs[-1][1] + timedelta(days=1) == d:
            runs[-1] = (runs[-1][0], d, name)
        else:
            runs.append((d, d, name))
    return runs


def _day(d: date) -> str:
    return f"{d.isoformat()} {WEEKDAYS_ZH[d.weekday()]}"


class Command(BaseCommand):
    help = (
        "工作日历 / working-day calendar: show 查看某年的节假日与调休上班日 / show a year;"
        " add 录入软件包尚未收录的年份 / enter a year the package does not know yet"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser(
            "show",
            help="查看某年的节假日、调休上班日和数据来源 / show a year's holidays, adjusted working days and source",
        )
        show.add_argument("--year", type=int, help="年份，默认今年 / the year (default: this year)")
        add = sub.add_parser(
            "add",
            help="录入一年的节假日安排（依国务院办公厅通知）/ enter a year's holiday arrangement",
        )
        add.add_argument("--year", type=int, required=True, help="年份 / the year, e.g. 2027")
        add.add_argument(
            "--holidays",
            required=True,
            help=(
                "放假日期，逗号分隔，连续的日期可写成 起..止"
                " / days off, comma-separated; a run as first..last"
                " (2027-01-01,2027-02-05..2027-02-11)"
            ),
        )
        add.add_argument(
            "--workdays",
            default="",
            help=(
                "调休上班的周六、周日，逗号分隔（选填）"
                " / weekend days worked instead, comma-separated (optional)"
            ),
        )
        add.add_argument(
            "--source",
            default="",
            help="依据，例如 国务院办公厅通知 / where the dates come from",
        )
        add.add_argument(
            "--replace",
            action="store_true",
            help="替换已录入的同一年 / replace the year if it was entered before",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "show":
            self._show(options.get("year") or timezone.localdate().year)
        else:
            self._add(
                year=options["year"],
                holidays_raw=options["holidays"],
                workdays_raw=options["workdays"] or "",
                source=(options["source"] or "").strip(),
                replace=options["replace"],
            )

    # -- show ----------------------------------------------------------------------

    def _show(self, year: int) -> None:
        if not 1 <= year <= 9999:
            raise _fail(f"年份 {year} 不在有效范围内。", f"Year {year} is out of range.")
        calendar = get_calendar()
        row = CalendarYear.objects.filter(year=year).first()
        self.stdout.write(f"{year} 年工作日历 / working-day calendar {year}")
        if row is not None:
            entered = timezone.localtime(row.created_at).strftime("%Y-%m-%d")
            source = f"（{row.source}）" if row.source else ""
            self.stdout.write(
                f"数据来源：管理员录入{source}，{entered} / source: entered by an administrator"
            )
        elif year in package_years():
            self.stdout.write(
                "数据来源：chinesecalendar 软件包 / source: the chinesecalendar package"
            )
        else:
            self.stdout.write(self.style.WARNING(f"数据来源：{UNKNOWN_ZH} / source: {UNKNOWN_EN}"))
            return
        holidays = calendar.holidays_in(year)
        self.stdout.write(f"放假 / holidays ({len(holidays)} 天 / days):")
        for first, last, name in _runs(holidays):
            span = _day(first) if first == last else f"{_day(first)} .. {_day(last)}"
            count = (last - first).days + 1
            self.stdout.write(f"  {span}  {name or '假日'}  {count} 天")
        workdays = calendar.adjusted_workdays_in(year)
        self.stdout.write(f"调休上班 / adjusted working days ({len(workdays)} 天 / days):")
        for d in workdays:
            self.stdout.write(f"  {_day(d)}")

    # -- add -----------------------------------------------------------------------

    def _add(
        self, *, year: int, holidays_raw: str, workdays_raw: str, source: str, replace: bool
    ) -> None:
        holidays = parse_dates(holidays_raw, "--holidays")
        workdays = parse_dates(workdays_raw, "--workdays")
        if not holidays:
            raise _fail(
                "请用 --holidays 写出这一年的放假日期。",
                "List the year's days off with --holidays.",
            )
        weekdays = [d for d in workdays if d.weekday() < 5]
        if weekdays:
            raise _fail(
                f"--workdays 中的 {_day(weekdays[0])} 本来就是工作日；调休上班日只能是周六或周日。",
                f"{weekdays[0].isoformat()} in --workdays is a weekday already;"
                " adjusted working days must be Saturdays or Sundays.",
            )
        if len(source) > 200:
            raise _fail("--source 不能超过 200 个字。", "--source must be at most 200 characters.")
        try:
            cal = YearCalendar(
                year=year, holidays=frozenset(holidays), workdays=frozenset(workdays)
            )
        except DomainError as error:
            raise _fail(error.message_zh, error.message_en) from None
        holiday_list = [d.isoformat() for d in sorted(cal.holidays)]
        workday_list = [d.isoformat() for d in sorted(cal.workdays)]
        with transaction.atomic():
            existing = CalendarYear.objects.select_for_update().filter(year=year).first()
            if existing is not None and not replace:
                raise _fail(
                    f"{year} 年的日历已经录入过；要替换请加上 --replace。",
                    f"{year} has been entered before; add --replace to replace it.",
                )
            if existing is not None:
                existing.delete()
            CalendarYear.objects.create(
                year=year, holidays=holiday_list, workdays=workday_list, source=source
            )
            audit_append(
                actor=None,
                action="calendar.year_replaced" if existing is not None else "calendar.year_added",
                subject_type="calendar_year",
                subject_id=year,
                data={
                    "holidays": holiday_list,
                    "workdays": workday_list,
                    "source": source,
                    **(
                        {"previous": {"holidays": existing.holidays, "workdays": existing.workdays}}
                        if existing is not None
                        else {}
                    ),
                },
            )
        # Drop this process's cached calendar so the new year counts from now on.
        invalidate_calendar()
        note = (
            "（覆盖软件包中的数据 / overrides the package's data）"
            if year in package_years()
            else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"已{'替换' if existing is not None else '录入'} {year} 年：放假 {len(holiday_list)} 天，"
                f"调休上班 {len(workday_list)} 天{note} / {year} saved: {len(holiday_list)} days off,"
                f" {len(workday_list)} adjusted working days"
            )
        )
