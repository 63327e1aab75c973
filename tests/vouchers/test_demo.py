"""vouchers/demo.py: the demo seeds once, through the services, and the books balance."""

from __future__ import annotations

import pytest

from rainforest.accounts.models import User
from rainforest.ledger.selectors import verify_ledger
from rainforest.vouchers import selectors
from rainforest.vouchers.demo import seed_vouchers_demo
from rainforest.vouchers.models import Voucher, VoucherStatus

pytestmark = pytest.mark.django_db


def test_seed_vouchers_demo_is_idempotent_and_consistent() -> None:
    steps: list[str] = []

    first = seed_vouchers_demo(steps.append)
    second = seed_vouchers_demo(steps.append)

    assert first == {"vouchers": 6, "providers": 2, "enterprises": 4}
    assert second == {"vouchers": 0}
    assert verify_ledger() == []
    assert User.objects.get(username="provider1").check_password("rainforest-demo")
    assert User.objects.get(username="ai1").role_set() == frozenset({"applicant"})
    assert sorted(Voucher.objects.values_list("status", flat=True)) == sorted(
        [VoucherStatus.ACTIVE] * 5 + [VoucherStatus.USED_UP]
    )
    year = Voucher.objects.first().year  # type: ignore[union-attr]
    assert sorted({f.code for f in selectors.oversight_flags(year)}) == ["near_cap", "round_number"]
