"""Demo data for the enterprise registry: about sixty enterprises and one enterprise user.

The enterprises go in through the same import service as a spreadsheet, so the demo has
the same audit trail as real use. Everything is fixed (no clock, seeded randomness), so
a second run finds nothing to change.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from django.db import transaction

from rainforest.accounts.models import Membership, Organisation, OrganisationKind, User
from rainforest.accounts.roles import Role
from rainforest.core.ids import make_uscc
from rainforest.enterprises import domain
from rainforest.enterprises.importer import EnterpriseRow, Sheet, TierRow
from rainforest.enterprises.services import enterprise_import

DEMO_PASSWORD = "rainforest-demo"  # the same as rainforest.web.demo
FIRM1_USCC = make_uscc("91440300MA5FRM001")  # 深圳雨林智能科技有限公司（演示） of web/demo.py
FIRM1_NAME = "深圳雨林智能科技有限公司（演示）"
COUNT = 60

_WORDS = (
    "光启",
    "鹏芯",
    "海思途",
    "云帆",
    "前海智",
    "南山微",
    "星河",
    "大湾",
    "鲲鹏",
    "蓝海",
    "华岭",
    "深蓝",
    "启明",
    "极光",
    "睿图",
)
_TRADES = {
    "manufacturing": ("精密制造", "半导体", "新能源", "机器人", "医疗器械"),
    "software_it": ("软件", "信息技术", "数据科技", "人工智能"),
    "scientific_research": ("检测技术", "生物医药研究", "材料研究院"),
    "wholesale_retail": ("电子商贸",),
    "leasing_business_services": ("科技咨询",),
    "other": ("科技",),
}
# More manufacturers and software firms than anything else, as in Shenzhen's lists.
_INDUSTRY_WEIGHTS = {
    "manufacturing": 10,
    "software_it": 6,
    "scientific_research": 3,
    "wholesale_retail": 1,
    "leasing_business_services": 1,
    "other": 1,
}
_DISTRICT_WEIGHTS = {
    "nanshan": 8,
    "baoan": 6,
    "longgang": 5,
    "longhua": 4,
    "futian": 3,
    "guangming": 2,
    "pingshan": 2,
    "luohu": 1,
    "yantian": 1,
    "dapeng": 1,
    "shenshan": 1,
}
_SIZE_WEIGHTS = {"micro": 2, "small": 5, "medium": 3, "large": 1}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _holding(tier: str, n: int, awarded: date, years: int = 3) -> TierRow:
    prefix = {
        "hnte": "GR",
        "sme_specialised": "ZJTX",
        "little_giant": "XJR",
        "single_champion": "DXGJ",
    }[tier]
    until = domain.add_years(awarded, years).replace(day=1)
    return TierRow(tier, f"{prefix}{awarded.year}4403{n:05d}", awarded, until)


def demo_rows() -> list[EnterpriseRow]:
    """The demo registry: one row per enterprise and tier, as a spreadsheet would have."""
    rng = random.Random(20251029)
    rows: list[EnterpriseRow] = []
    line = 2
    for i in range(COUNT):
        industry = _pick(rng, _INDUSTRY_WEIGHTS)
        size = _pick(rng, _SIZE_WEIGHTS)
        district = _pick(rng, _DISTRICT_WEIGHTS)
        founded = date(rng.randint(2005, 2022), rng.randint(1, 12), rng.randint(1, 28))
        if i == 0:
            # The demo user's enterprise: a small manufacturer on the SME ladder, not
            # (yet) an HNTE, so its page suggests the 小巨人 and the self-check.
            uscc, name, industry, size, district = (
                FIRM1_USCC,
                FIRM1_NAME,
                "manufacturing",
                "small",
                "nanshan",
            )
            founded = date(2016, 4, 18)
        else:
            uscc = make_uscc(f"91440300MA5ENT{i:03d}")
            trade = rng.choice(_TRADES[industry])
            name = f"深圳{_WORDS[i % len(_WORDS)]}{trade}有限公司（演示{i:02d}）"
        tiers: list[TierRow] = []
        first_award = max(founded.year + 2, 2019)
        if i == 0:
            tiers.append(_holding("sme_specialised", i, date(2024, 7, 1)))
        else:
            if rng.random() < 0.6:
                year = rng.randint(max(first_award, 2022), 2025)
                tiers.append(_holding("hnte", i, date(year, 12, rng.randint(1, 20))))
            if size != "large" and rng.random() < 0.5:
                tiers.append(
                    _holding(
                        "sme_specialised", i, date(rng.randint(max(first_award, 2023), 2025), 7, 1)
                    )
                )
                if rng.random() < 0.4:
                    tiers.append(_holding("little_giant", i, date(2024, 8, 15)))
                    if industry == "manufacturing" and rng.random() < 0.4:
                        tiers.append(_holding("single_champion", i, date(2025, 1, 10)))
            elif size == "large" and industry == "manufacturing" and rng.random() < 0.5:
                tiers.append(_holding("single_champion", i, date(2023, 12, 28)))
        for tier in tiers or [None]:
            rows.append(
                EnterpriseRow(
                    row=line,
                    uscc=uscc,
                    name=name,
                    industry=industry,
                    size=size,
                    district=district,
                    founded_on=founded,
                    tier=tier,
                )
            )
            line += 1
    return rows


def _firm1_user() -> User:
    org, _ = Organisation.objects.get_or_create(
        uscc=FIRM1_USCC, defaults={"name": FIRM1_NAME, "kind": OrganisationKind.ENTERPRISE}
    )
    user, created = User.objects.get_or_create(
        username="firm1", defaults={"display_name": "陈申报"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    Membership.objects.get_or_create(user=user, organisation=org, role=Role.APPLICANT)
    return user


def seed_enterprises_demo(progress: Callable[[str], None] = lambda _msg: None) -> dict[str, int]:
    """Load the demo registry and the user ``firm1``; a second run changes nothing."""
    with transaction.atomic():
        _firm1_user()
        progress("enterprise user firm1")
        result = enterprise_import(
            actor=None, sheet=Sheet(rows=demo_rows()), source="demo", check_permission=False
        )
    if not result.ok:  # the demo rows are fixed; this only fails if the code is broken
        raise RuntimeError(f"demo registry rows are wrong: {result.errors[:3]}")
    progress(
        f"enterprise registry: {result.created} new, {result.updated} updated, "
        f"{result.holdings_created} tiers"
    )
    return {
        "enterprises": result.created,
        "updated": result.updated,
        "holdings": result.holdings_created,
    }
