"""``rainforest sla tick``: send due-soon reminders and mark overdue cases (run it from cron)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from rainforest.cases.sla import sla_tick, tick_hooks


def parse_moment(raw: str) -> datetime:
    """An ISO date-time; without an offset it is read in the platform's time zone."""
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise CommandError(
            f"无法识别时间「{raw}」，请写成 2026-10-09T10:00 或 2026-10-09T10:00+08:00。"
            f" / Cannot read the time '{raw}'; write it as 2026-10-09T10:00"
            " or 2026-10-09T10:00+08:00."
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "办理时限 / time limits: tick —— 向临期办件的下一步办理人发送提醒，并标记超期办件"
        " / remind the people who act next on cases due soon and mark overdue cases"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        tick = sub.add_parser(
            "tick",
            help=(
                "检查一次：临期（2 个工作日内到期，含当天）的办件向下一步办理人发提醒，"
                "超期的办件做标记并通知；每件只提醒、标记一次，重复运行不会重复发送"
                " / check once: remind the people who act next on cases due within 2 working"
                " days (today included) and mark overdue ones; each case once, so running it"
                " again sends nothing new"
            ),
        )
        tick.add_argument(
            "--now",
            metavar="ISO",
            help=(
                "按此时间检查（默认当前时间；无时区时按 Asia/Shanghai）"
                " / check as of this time (default: now; without an offset, Asia/Shanghai)"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_moment(options["now"]) if options.get("now") else timezone.now()
        local = timezone.localtime(now).isoformat(timespec="minutes")
        self.stdout.write(f"检查办理时限 / checking time limits as of {local} ...")
        bar: tqdm[Any] | None = None
        interactive = self.stdout.isatty()

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if interactive:
                if bar is None:
                    bar = tqdm(total=total, unit="件", file=self.stdout._out)
                bar.update(1)
            elif done == total or done % 100 == 0:
                self.stdout.write(f"已处理 / processed {done}/{total}")

        try:
            report = sla_tick(now=now, progress=progress)
        finally:
            if bar is not None:
                bar.close()
        for hook in tick_hooks():
            self.stdout.write(f"  · {hook(now=now)}")
        self.stdout.write(
            self.style.SUCCESS(
                f"完成 / done: 临期提醒 {report.due_soon_sent} 件 / due-soon reminders"
                f" {report.due_soon_sent}; 超期标记 {report.overdue_marked} 件 / overdue marked"
                f" {report.overdue_marked}"
            )
        )
