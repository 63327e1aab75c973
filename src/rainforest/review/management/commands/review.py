"""``rainforest review verify-draw ID | remind | replace-overdue``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rainforest.review.models import Draw


class Command(BaseCommand):
    help = "专家评审 / expert review: verify-draw ID | remind | replace-overdue"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify-draw",
            help="用公开的输入和揭示的种子重算抽取并核对 / recompute a draw and compare",
        )
        verify.add_argument("draw", type=int)
        sub.add_parser("remind", help="提醒即将到期的评审 / remind experts due soon")
        replace = sub.add_parser("replace-overdue", help="替换逾期专家 / replace overdue experts")
        replace.add_argument("--actor", required=True, help="执行替换的工作人员用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "verify-draw":
            self._verify(options["draw"])
        elif action == "remind":
            from rainforest.review.services import assignments_remind

            count = assignments_remind()
            self.stdout.write(f"已提醒 {count} 项 / reminded {count}")
        else:
            from rainforest.accounts.models import User
            from rainforest.review.services import assignments_replace_overdue

            actor = User.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError("没有该用户 / no such user")
            count, failed = assignments_replace_overdue(actor=actor)
            self.stdout.write(f"已替换 {count} 项 / replaced {count}")
            for pk, reason in failed:
                self.stdout.write(f"未能替换评审任务 {pk}：{reason}")

    def _verify(self, draw_id: int) -> None:
        from rainforest.core.errors import DomainError
        from rainforest.review.services import draw_verify

        record = Draw.objects.filter(pk=draw_id).first()
        if record is None:
            raise CommandError(f"没有编号为 {draw_id} 的抽取 / no draw {draw_id}")
        try:
            result = draw_verify(record)
        except DomainError as exc:
            raise CommandError(f"{exc.message_zh} / {exc.message_en}") from exc
        for name, passed, detail in result.checks:
            mark = "OK  " if passed else "FAIL"
            self.stdout.write(f"{mark} {name}: {detail}")
        if not result.ok:
            raise CommandError(f"抽取 {draw_id} 核对不一致 / draw {draw_id} does not verify")
        self.stdout.write(
            self.style.SUCCESS(
                f"抽取 {draw_id} 核对一致：承诺值 {record.commitment} / draw {draw_id} verified"
            )
        )
