"""``rainforest seed-demo``: load the demo data (once; a second run changes nothing)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rainforest.web.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "载入演示数据（已载入则跳过） / load demo data (skipped when present)"

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_demo(progress=lambda msg: self.stdout.write(f"  · {msg}"))
        if result["cases"]:
            self.stdout.write(self.style.SUCCESS(f"演示数据已载入：{result['cases']} 个办件"))
        else:
            self.stdout.write("演示数据已存在，未作改动 / demo data already present")
        self.stdout.write(
            f"演示账号 / demo accounts（密码 password: {DEMO_PASSWORD}）:\n"
            "  officer  项目处工作人员（需动态验证码，演示模式下页面会显示）\n"
            "  bank1    深圳前海示范银行 经办人\n"
            "  bank2    南山科技示范银行 经办人\n"
            "  admin    系统管理员"
        )
