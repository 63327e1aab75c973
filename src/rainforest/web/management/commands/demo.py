"""``rainforest demo``: migrate, load demo data if missing, and serve."""

from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "迁移数据库、载入演示数据并启动服务 / migrate, load demo data and serve"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("迁移数据库 / migrating ...")
        call_command("migrate", interactive=False, verbosity=1)
        call_command("seed_demo")
        if not options["no_serve"]:
            call_command("serve", port=options["port"])
