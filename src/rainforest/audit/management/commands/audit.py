"""``rainforest audit verify``: check the audit chain and name the first broken record."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rainforest.audit.models import AuditRecord
from rainforest.audit.services import audit_verify


class Command(BaseCommand):
    help = "审计链 / audit chain: verify"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "verify",
            help="逐条校验哈希链，指出第一条被修改、插入或删除的记录 / verify the hash chain",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        total = AuditRecord.objects.count()
        self.stdout.write(f"校验 {total} 条审计记录 / verifying {total} audit records ...")
        from tqdm import tqdm

        with tqdm(total=total, unit="条", disable=None, file=self.stderr) as bar:
            problem = audit_verify(progress=bar.update)
        if problem is not None:
            raise CommandError(f"{problem.message_zh} / {problem.message_en}")
        self.stdout.write(self.style.SUCCESS(f"审计链完整 / audit chain intact ({total} records)"))
