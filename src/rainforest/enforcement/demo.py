"""Demo data for enforcement collaboration: a police legal officer and three requests, one
at each approval level, in different stages. Idempotent: a second run adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Membership, Organisation, OrganisationKind, User
from rainforest.accounts.roles import Role
from rainforest.core.ids import make_resident_id, make_uscc
from rainforest.enforcement import services
from rainforest.enforcement.models import EnforcementRequest
from rainforest.enforcement.services import PersonIn
from rainforest.web.demo import DEMO_PASSWORD, demo_totp_secret

POLICE_USCC = make_uscc("11440300MB2C9P001")


def _police() -> User:
    org, _ = Organisation.objects.get_or_create(
        uscc=POLICE_USCC,
        defaults={"name": "深圳市公安局法制支队（演示）", "kind": OrganisationKind.AGENCY},
    )
    user, created = User.objects.get_or_create(
        username="police", defaults={"display_name": "陈法制"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        # A staff role: the second factor is required, with a fixed demo secret.
        user.totp_secret = demo_totp_secret("police")
        user.save()
    Membership.objects.get_or_create(user=user, organisation=org, role=Role.POLICE_LEGAL_OFFICER)
    return user


def _person(n: int) -> str:
    return make_resident_id(f"43010219800101{n:03d}")


def seed_enforcement_demo(progress: Callable[[str], None] = lambda _msg: None) -> dict[str, int]:
    """The police legal officer "police" and three requests; returns counts of what was made."""
    with transaction.atomic():
        police = _police()
        if EnforcementRequest.objects.filter(case__created_by=police).exists():
            return {"requests": 0}
        progress("police legal officer")
        now = timezone.now()

        # Routine (3 persons): routed, controls in place, executed and reported.
        routine = services.request_file(
            actor=police,
            agency_name="长沙市公安局经济犯罪侦查支队（演示）",
            agency_region="湖南省长沙市",
            agency_letter_no="长公经协〔2026〕8号",
            enterprise_name="深圳雨林智能科技有限公司（演示）",
            enterprise_uscc=make_uscc("91440300MA5FRM001"),
            persons=[PersonIn(f"演示人员{i}", _person(i), "summon") for i in range(1, 4)],
            persons_count=3,
            property_value=Decimal("0"),
            bank_accounts=2,
            measures_note="协助传唤 3 名证人到案询问，冻结涉案账户 2 个。",
            now=now - timedelta(days=20),
        )
        services.request_route(request=routine, actor=police, now=now - timedelta(days=19))
        services.controls_update(
            request=routine,
            actor=police,
            changes={
                "two_way_notice": True,
                "instruction_sheet_no": "深公法指〔2026〕031号",
                "accompanying_officers": "南山分局 李警官（警号 012345）",
                "body_camera_ref": "JLY-2026-0311",
                "case_centre": True,
            },
        )
        services.request_execute(request=routine, actor=police, now=now - timedelta(days=18))
        services.request_report(
            request=routine,
            actor=police,
            report="已协助传唤 3 人，均在执法办案管理中心询问，全程执法记录仪记录。",
            now=now - timedelta(days=17),
        )
        progress(f"request {routine.case.number} (routine, reported)")

        # Department level (12 persons, 15,000,000 yuan): waiting for the department.
        department = services.request_file(
            actor=police,
            agency_name="武汉市公安局经济犯罪侦查支队（演示）",
            agency_region="湖北省武汉市",
            agency_letter_no="武公经协〔2026〕21号",
            enterprise_name="深圳光芯半导体有限公司（演示）",
            enterprise_uscc=make_uscc("91440300MA5FRM002"),
            persons=[PersonIn("演示人员4", _person(4), "question")],
            persons_count=12,
            property_value=Decimal("15000000"),
            bank_accounts=8,
            measures_note="拟讯问 12 人，查封设备折合 1500 万元。",
            now=now - timedelta(days=3),
        )
        services.request_route(request=department, actor=police, now=now - timedelta(days=2))
        progress(f"request {department.case.number} (bureau department, awaiting approval)")

        # Bureau level (200 accounts): just received, in legal review.
        bureau = services.request_file(
            actor=police,
            agency_name="杭州市公安局刑事侦查支队（演示）",
            agency_region="浙江省杭州市",
            agency_letter_no="杭公刑协〔2026〕5号",
            enterprise_name="深圳具身机器人有限公司（演示）",
            enterprise_uscc=make_uscc("91440300MA5FRM003"),
            persons=[PersonIn("演示人员5", _person(5), "summon")],
            persons_count=2,
            property_value=Decimal("0"),
            bank_accounts=200,
            measures_note="拟冻结银行账户 200 个。",
            now=now - timedelta(hours=2),
        )
        progress(f"request {bureau.case.number} (bureau, in review)")
    return {"requests": 3}
