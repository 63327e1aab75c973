"""The ``rainforest`` command: set-up and operations.

``rainforest <command>`` runs the Django management command of that name, with
hyphens allowed (``seed-demo`` is ``seed_demo``), so every command has ``--help``.
"""

from __future__ import annotations

import os
import sys

# The platform's own commands, listed first in ``rainforest --help``.
COMMANDS = {
    "demo": "迁移数据库、载入演示数据并启动服务 / migrate, load demo data and serve",
    "seed-demo": "载入演示数据 / load demo data",
    "calendar": "工作日历：show | add / working-day calendar",
    "audit": "审计链：verify / audit chain",
    "sla": "时限：tick 发送提醒并标记超期 / reminders and overdue marking",
    "serve": "启动 Web 服务 / serve the platform",
    "enterprises": "企业库：import FILE 从 .xlsx 导入 / enterprise registry import",
    "review": "专家评审：verify-draw ID | remind | replace-overdue / expert review",
    "portrait": "科技初创通画像：run | fit | generate / credit portraits",
}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rainforest.settings")
    if not args or args[0] in {"-h", "--help", "help"}:
        print("usage: rainforest <command> [options]\n\ncommands:")
        for name, text in COMMANDS.items():
            print(f"  {name:<10} {text}")
        print("\nAny Django management command works too (migrate, createsuperuser, ...).")
        print("rainforest <command> --help shows a command's options.")
        return
    args[0] = args[0].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rainforest", *args])


if __name__ == "__main__":
    main()
