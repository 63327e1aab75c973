"""Demo data: a bureau, two banks, enterprises and pledge cases in every SLA state.

Everything goes through the services, backdated with ``now=``, so the demo data has
the same timeline, due dates and audit chain as real use.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Membership, Organisation, OrganisationKind, User
from rainforest.accounts.roles import Role
from rainforest.cases.calendar import get_calendar
from rainforest.cases.services import case_transition
from rainforest.core.ids import make_uscc
from rainforest.finance.services import pledge_file, pledge_register, pledge_resubmit

DEMO_PASSWORD = "rainforest-demo"
BUREAU_USCC = make_uscc("11440300MB2C93168")


def demo_totp_secret(username: str) -> str:
    """A fixed secret per demo account, so a phone authenticator can be set up once."""
    digest = hashlib.sha256(f"rainforest-demo-totp:{username}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()


def is_seeded() -> bool:
    return Organisation.objects.filter(uscc=BUREAU_USCC).exists()


def _org(name: str, kind: str, body17: str) -> Organisation:
    org, _ = Organisation.objects.get_or_create(
        uscc=make_uscc(body17), defaults={"name": name, "kind": kind}
    )
    return org


def _user(username: str, name: str, org: Organisation, role: str, *, staff: bool = False) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"display_name": name})
    if created:
        user.set_password(DEMO_PASSWORD)
        if staff:
            user.totp_secret = demo_totp_secret(username)
        user.save()
    Membership.objects.get_or_create(user=user, organisation=org, role=role)
    return user


def seed_demo(progress: Callable[[str], None] = lambda _msg: None) -> dict[str, int]:
    """Create the demo data unless it is there; returns counts of what was made."""
    if is_seeded():
        return {"cases": 0}
    with transaction.atomic():
        bureau = Organisation.objects.create(
            name="深圳市科技创新局（演示）", kind=OrganisationKind.AGENCY, uscc=BUREAU_USCC
        )
        officer = _user("officer", "李审查", bureau, Role.PROGRAMME_OFFICER, staff=True)
        _user("admin", "系统管理员", bureau, Role.ADMINISTRATOR, staff=True)
        bank_a = _org("深圳前海示范银行（演示）", OrganisationKind.BANK, "91440300MA5DEM001")
        bank_b = _org("南山科技示范银行（演示）", OrganisationKind.BANK, "91440300MA5DEM002")
        bank1 = _user("bank1", "王经办", bank_a, Role.BANK_OFFICER)
        bank2 = _user("bank2", "赵经办", bank_b, Role.BANK_OFFICER)
        firms = [
            ("深圳雨林智能科技有限公司（演示）", "91440300MA5FRM001"),
            ("深圳光芯半导体有限公司（演示）", "91440300MA5FRM002"),
            ("深圳具身机器人有限公司（演示）", "91440300MA5FRM003"),
            ("深圳智药研发有限公司（演示）", "91440300MA5FRM004"),
        ]
        for name, body in firms:
            _org(name, OrganisationKind.ENTERPRISE, body)
        progress("organisations and people")

        cal = get_calendar()
        now = timezone.now()

        def workdays_ago(n: int, hour: int = 10) -> datetime:
            local = timezone.localtime(now).replace(hour=hour, minute=0, second=0, microsecond=0)
            day = local
            count = 0
            while count < n:
                day -= timedelta(days=1)
                if cal.is_workday(day.date()):
                    count += 1
            return day

        def due_soon_filing() -> datetime:
            # The latest earlier day whose 2-working-day limit ends today or the next working day.
            from rainforest.cases.selectors import due_soon_limit

            limit = due_soon_limit(now)
            for back in range(1, 15):
                day = workdays_ago(0) - timedelta(days=back)
                due = cal.end_of_workday_after(day, 2).value
                if now <= due <= limit:
                    return day
            return workdays_ago(1)

        made = 0
        specs = [
            # (bank user, bank, firm index, amount, filed n workdays ago, what happens)
            (bank1, bank_a, 0, "5000000", 0, "on_time"),
            (bank2, bank_b, 1, "18000000", 1, "due_soon"),
            (bank1, bank_a, 2, "35000000", 4, "overdue"),
            (bank2, bank_b, 3, "20000000", 6, "overdue"),
            (bank1, bank_a, 1, "8000000", 3, "paused"),
            (bank2, bank_b, 2, "12000000", 30, "registered"),
            (bank1, bank_a, 3, "20000000", 50, "registered"),
            (bank1, bank_a, 0, "60000000", 70, "registered"),
            (bank2, bank_b, 0, "3000000", 10, "resubmitted_registered"),
            (bank1, bank_a, 2, "9000000", 15, "rejected"),
        ]
        for i, (bank_user, bank, firm, amount, ago, fate) in enumerate(specs):
            filed = due_soon_filing() if fate == "due_soon" else min(workdays_ago(ago), now)
            name, body = firms[firm]
            pledge = pledge_file(
                actor=bank_user,
                bank=bank,
                pledgor_uscc=make_uscc(body),
                pledgor_name=name,
                ip_items=[("trademark", f"{31000000 + i}")] if i % 2 else [("patent", _patent(i))],
                loan_amount=Decimal(amount),
                term_months=12 + i,
                now=filed,
            )
            later = filed + timedelta(hours=5)
            if fate == "paused":
                case_transition(
                    case=pledge.case,
                    action="return",
                    actor=officer,
                    now=later,
                    reason="质押合同扫描件缺少签章页，请补充后重新提交。",
                )
            elif fate == "registered":
                pledge_register(pledge=pledge, actor=officer, now=later)
            elif fate == "resubmitted_registered":
                case_transition(
                    case=pledge.case,
                    action="return",
                    actor=officer,
                    now=later,
                    reason="出质人名称与营业执照不一致。",
                )
                pledge_resubmit(pledge=pledge, actor=bank_user, now=later + timedelta(days=3))
                pledge_register(pledge=pledge, actor=officer, now=later + timedelta(days=4))
            elif fate == "rejected":
                case_transition(
                    case=pledge.case,
                    action="reject",
                    actor=officer,
                    now=later,
                    reason="质押标的已被其他质权人质押，不予重复登记。",
                )
            made += 1
            progress(f"case {pledge.case.number} ({fate})")
    return {"cases": made}


def _patent(i: int) -> str:
    from rainforest.finance.domain import patent_check_char

    body = f"20231{i:07d}"
    return f"{body}.{patent_check_char(body)}"
