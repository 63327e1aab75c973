"""``rainforest seed-demo``: load the demo data (once; a second run changes nothing)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from rainforest.web.demo import DEMO_PASSWORD, seed_demo

# Each module's own demo data, seeded after the shared organisations and people.
# Every function is idempotent: it checks what is there and adds only what is missing.
MODULE_SEEDS = [
    "rainforest.programs.demo.seed_programs_demo",
    "rainforest.review.demo.seed_review_demo",
    "rainforest.enterprises.demo.seed_enterprises_demo",
    "rainforest.enforcement.demo.seed_enforcement_demo",
    "rainforest.procurement.demo.seed_procurement_demo",
    "rainforest.vouchers.demo.seed_vouchers_demo",
    "rainforest.portrait.demo.seed_portrait_demo",  # after enterprises: it needs firm1
]


class Command(BaseCommand):
    help = "载入演示数据（已载入则跳过） / load demo data (skipped when present)"

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(msg: str) -> None:
            self.stdout.write(f"  · {msg}")

        result = seed_demo(progress=progress)
        for path in MODULE_SEEDS:
            import_string(path)(progress)
        if result["cases"]:
            self.stdout.write(self.style.SUCCESS(f"演示数据已载入：{result['cases']} 个办件"))
        else:
            self.stdout.write("演示数据已存在，未作改动 / demo data already present")
        self.stdout.write(
            f"演示账号 / demo accounts（密码 password: {DEMO_PASSWORD}）:\n"
            "  officer  项目处工作人员（需动态验证码，演示模式下页面会显示）\n"
            "  bank1    深圳前海示范银行 经办人\n"
            "  bank2    南山科技示范银行 经办人\n"
            "  firm1    深圳雨林智能科技有限公司 企业用户\n"
            "  police   公安法制部门（需动态验证码）\n"
            "  buyer    采购单位经办人\n"
            "  ai1      申领服务券的企业用户；provider1 服务商\n"
            "  rd_applicant1 … rd_applicant8  项目申请人；expert01 评审专家\n"
            "  admin    系统管理员"
        )
