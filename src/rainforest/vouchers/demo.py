"""Demo data for vouchers: this year's budgets, two providers, enterprises with vouchers.

Everything goes through the services, so the ledger, the cases and the audit chain are
those of real use. Idempotent: a second call finds provider1's registration and stops.

Sign in as ``provider1`` (provider) or ``ai1`` (enterprise applicant), password
``rainforest-demo``; staff as ``officer`` (the platform demo's programme officer).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Membership, Organisation, OrganisationKind, User
from rainforest.accounts.roles import Role
from rainforest.core.ids import make_uscc
from rainforest.vouchers import domain, services
from rainforest.vouchers.models import Provider, Voucher
from rainforest.web.demo import BUREAU_USCC, DEMO_PASSWORD, demo_totp_secret

D = Decimal


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


def _provider(
    officer: User, username: str, name: str, body17: str, types: list[str], rep: str
) -> Provider:
    org = _org(name, OrganisationKind.PROVIDER, body17)
    user = _user(username, f"{name}经办人", org, Role.PROVIDER)
    provider = services.provider_register(
        actor=user,
        organisation=org,
        voucher_types=types,
        legal_representative=rep,
        shareholders=[(f"{rep}", "55"), ("深圳市天使投资引导基金（演示）", "20")],
        services="、".join(domain.TYPE_NAMES[t][0] + "对应服务" for t in types),
        price_list="A800 训练每卡时 8.00 元；推理每百万 tokens 2.00 元；语料每千条 50.00 元",
        bank_name="招商银行深圳分行",
        bank_account="755912345678901",
    )
    return services.provider_approve(provider=provider, actor=officer)


def seed_vouchers_demo(progress: Callable[[str], None] = lambda _msg: None) -> dict[str, int]:
    """Create the voucher demo unless it is there; returns counts of what was made."""
    if User.objects.filter(username="provider1", memberships__role=Role.PROVIDER).exists() and (
        Provider.objects.filter(organisation__memberships__user__username="provider1").exists()
    ):
        return {"vouchers": 0}
    year = timezone.localdate().year
    today = timezone.localdate()
    with transaction.atomic():
        bureau, _ = Organisation.objects.get_or_create(
            uscc=BUREAU_USCC,
            defaults={"name": "深圳市科技创新局", "kind": OrganisationKind.AGENCY},
        )
        officer = _user("officer", "李审查", bureau, Role.PROGRAMME_OFFICER, staff=True)
        progress("budgets")
        for kind in domain.VOUCHER_TYPES:
            services.budget_open(voucher_type=kind, year=year, actor=officer)

        progress("providers provider1, provider2")
        compute = _provider(
            officer,
            "provider1",
            "鹏城智算服务有限公司（演示）",
            "91440300MA5DXP001",
            ["compute", "model"],
            "陈算力",
        )
        corpus = _provider(
            officer,
            "provider2",
            "深圳语料数据服务有限公司（演示）",
            "91440300MA5DXP002",
            ["corpus", "model"],
            "林语料",
        )

        def enterprise(username: str, name: str, body17: str) -> tuple[Organisation, User]:
            org = _org(name, OrganisationKind.ENTERPRISE, body17)
            return org, _user(username, f"{name}申报人", org, Role.APPLICANT)

        def issue(
            user: User, org: Organisation, provider: Provider, kind: str, amount: str
        ) -> Voucher:
            application = services.application_submit(
                actor=user,
                enterprise=org,
                provider=provider,
                voucher_type=kind,
                year=year,
                amount=D(amount),
                planned_use="行业大模型训练与推理（演示）",
                contract_reference=f"HT-{year}-{org.pk:03d}",
                legal_representative=f"{org.name[:2]}法人",
                shareholders=[("创始团队持股平台（演示）", "60"), ("产业投资基金（演示）", "40")],
            )
            return services.application_approve(application=application, actor=officer)

        invoices = iter(range(1, 10**6))

        def redeem(voucher: Voucher, user: User, amount: str) -> object:
            return services.redemption_submit(
                actor=user,
                voucher=voucher,
                invoice_number=f"25442000{year}{next(invoices):08d}",
                invoice_amount=D(amount),
                invoice_date=today,
                period_start=today,
                period_end=today,
                usage_evidence="A800 训练卡时明细（演示）",
            )

        provider1 = User.objects.get(username="provider1")
        provider2 = User.objects.get(username="provider2")

        progress("ai1: an active 训力券 with a confirmed and a pending invoice")
        ai1_org, ai1 = enterprise("ai1", "深圳前海智元科技有限公司（演示）", "91440300MA5DXP011")
        v1 = issue(ai1, ai1_org, compute, "compute", "2000000")
        services.redemption_confirm(redemption=redeem(v1, provider1, "600000"), actor=ai1)  # type: ignore[arg-type]  # a Redemption
        redeem(v1, provider1, "123456.78")
        services.application_submit(
            actor=ai1,
            enterprise=ai1_org,
            provider=corpus,
            voucher_type="model",
            year=year,
            amount=D("500000"),
            planned_use="调用行业模型服务（演示）",
            contract_reference=f"BJ-{year}-001",
            legal_representative="智元法人",
            shareholders=[("创始团队持股平台（演示）", "100")],
        )

        progress("ai2: a 训力券 used up, settled and paid")
        ai2_org, ai2 = enterprise("ai2", "深圳南山具身智能有限公司（演示）", "91440300MA5DXP012")
        v2 = issue(ai2, ai2_org, compute, "compute", "300000")
        for amount in ("400000", "250000"):
            services.redemption_confirm(redemption=redeem(v2, provider1, amount), actor=ai2)  # type: ignore[arg-type]  # a Redemption
        settlement = services.settlement_create(
            provider=compute, period_start=today, period_end=today, actor=officer
        )
        services.settlement_mark_paid(
            settlement=settlement, reference=f"GK-{year}-0001", actor=officer
        )

        progress("ai3: three 模型券 with one provider just below the cap (a flag)")
        ai3_org, ai3 = enterprise("ai3", "深圳福田模型应用有限公司（演示）", "91440300MA5DXP013")
        for amount in ("650000", "650000", "600000"):
            issue(ai3, ai3_org, corpus, "model", amount)

        progress("ai4: a 语料券 with a round-number invoice awaiting confirmation")
        ai4_org, ai4 = enterprise("ai4", "深圳宝安语料工程有限公司（演示）", "91440300MA5DXP014")
        v4 = issue(ai4, ai4_org, corpus, "corpus", "800000")
        redeem(v4, provider2, "200000")

    return {"vouchers": Voucher.objects.count(), "providers": 2, "enterprises": 4}
