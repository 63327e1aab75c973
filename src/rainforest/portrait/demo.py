"""Demo data for 科技初创通: synthetic department drops, one pipeline run, consents, loans.

Idempotent: the drops are written once under ``DATA_DIR/portrait-demo``; the run happens
only when there are no portraits; consents and decisions only when the demo bank has none.
Small on purpose (200 enterprises, 36 months): it takes seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from rainforest.accounts.models import Membership, Organisation, OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.core.ids import make_uscc
from rainforest.portrait.models import Consent, CreditDecision, PortraitRun
from rainforest.portrait.services import (
    consent_grant,
    credit_decision_record,
    portrait_run,
)

DEMO_FIRMS = [
    (make_uscc("91440300MA5FRM001"), "深圳雨林智能科技有限公司（演示）"),
    (make_uscc("91440300MA5FRM002"), "深圳光芯半导体有限公司（演示）"),
    (make_uscc("91440300MA5FRM003"), "深圳具身机器人有限公司（演示）"),
    (make_uscc("91440300MA5FRM004"), "深圳智药研发有限公司（演示）"),
]
BANK_A = make_uscc("91440300MA5DEM001")
BANK_B = make_uscc("91440300MA5DEM002")


def demo_data_dir() -> Path:
    return Path(settings.DATA_DIR) / "portrait-demo"


def seed_portrait_demo(progress: Callable[[str], None] = lambda _msg: None) -> dict[str, int]:
    """Drops, a run, and consents and loans for the demo banks; a second run adds nothing."""
    from rainforest.portrait.synth import generate

    made = {"portraits": 0, "consents": 0, "decisions": 0}
    data = demo_data_dir()
    if not (data / "registration").is_dir():
        result = generate(data, firms=200, months=36, fixed_firms=DEMO_FIRMS, bad_rows=True)
        progress(f"portrait demo drops: {result.total_rows:,} rows in {data}")
    if not PortraitRun.objects.filter(is_current=True).exists():
        run = portrait_run(data=data, as_of=timezone.localdate(), progress=lambda _m: None)
        made["portraits"] = run.portraits
        progress(f"portrait run: {run.portraits} portraits ({run.mode}, {run.duration_ms} ms)")
    bank_a = Organisation.objects.filter(uscc=BANK_A, kind=OrganisationKind.BANK).first()
    bank_b = Organisation.objects.filter(uscc=BANK_B, kind=OrganisationKind.BANK).first()
    if bank_a is None or Consent.objects.filter(bank=bank_a).exists():
        return made
    today = timezone.localdate()
    for index, (uscc, _name) in enumerate(DEMO_FIRMS):
        firm = Organisation.objects.filter(uscc=uscc).first()
        person = (
            Membership.objects.filter(organisation=firm, role=Role.APPLICANT)
            .select_related("user")
            .first()
        )
        if firm is None or person is None:
            continue
        bank = bank_a if index % 2 == 0 or bank_b is None else bank_b
        consent_grant(
            actor=person.user,
            enterprise=firm,
            bank_uscc=bank.uscc,
            purpose=Consent.Purpose.CREDIT,
            valid_from=today,
            valid_until=today + timedelta(days=180),
        )
        made["consents"] += 1
        officer = (
            Membership.objects.filter(organisation=bank, role=Role.BANK_OFFICER)
            .select_related("user")
            .first()
        )
        if officer is not None:
            credit_decision_record(
                actor=officer.user,
                enterprise_uscc=uscc,
                outcome=CreditDecision.Outcome.APPROVED,
                amount=Decimal(3_000_000 * (index + 1)),
                note="演示授信",
            )
            made["decisions"] += 1
    progress(f"portrait consents {made['consents']}, credit decisions {made['decisions']}")
    return made
