"""Parallel clients on PostgreSQL: a voucher and a budget never pay out more than they hold.

Fifty requests start together on a barrier, each thread with its own ``django.test.Client``
(and so its own database connection), through the API as a provider or an officer would
send them. SQLite serialises every writer at BEGIN, so this only means something on
PostgreSQL and is skipped elsewhere.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from rainforest.ledger.selectors import account_available, account_balance, verify_ledger
from rainforest.vouchers import domain
from rainforest.vouchers.models import Redemption, Voucher
from tests.conftest import sign_in

D = Decimal
REQUESTS = 50
ENVELOPE = {"code", "message", "fields"}

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: row locks and parallel connections (set DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]


def run_parallel(send: Callable[[int], Any], n: int = REQUESTS) -> list[Any]:
    """Call ``send(i)`` in ``n`` threads released together; return the responses in order."""
    barrier = threading.Barrier(n)
    responses: list[Any] = [None] * n
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            responses[i] = send(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a request is stuck (deadlock?)"
    assert errors == []
    return responses


def answers(responses: list[Any]) -> list[tuple[int, str]]:
    """(status, error code or "") per response; every refusal must be the envelope."""
    out = []
    for r in responses:
        body = r.json()
        if r.status_code == 201:
            out.append((201, ""))
        else:
            assert set(body) == ENVELOPE
            out.append((r.status_code, body["code"]))
    return out


def test_parallel_redemptions_never_exceed_the_voucher(
    open_budget: Any, provider: Any, provider_user: Any, applicant: Any, enterprise: Any, issue: Any
) -> None:
    open_budget("compute", "100000")
    voucher = issue(applicant, enterprise, provider, "1030")  # 20 × 50.00 fit, then 30.00
    today = timezone.localdate().isoformat()
    clients = [sign_in(Client(), provider_user) for _ in range(REQUESTS)]

    def send(i: int) -> Any:
        return clients[i].post(
            "/api/v1/vouchers/redemptions",
            {
                "voucher_number": voucher.number,
                "invoice_number": f"2544200000{i:010d}",
                "invoice_amount": "100.00",
                "invoice_date": today,
                "period_start": today,
                "period_end": today,
                "usage_evidence": "推理服务 10 卡时",
            },
            content_type="application/json",
        )

    got = answers(run_parallel(send))

    assert sorted(got) == [(201, "")] * 21 + [(409, "voucher_used_up")] * 29
    paid = sorted(Redemption.objects.values_list("amount", flat=True))
    assert paid == [D("30.00")] + [D("50.00")] * 20
    assert sum(paid) == D("1030.00")
    assert account_available(voucher.account.code) == D("0.00")
    assert account_balance(voucher.account.code) == D("1030.00")  # all held, none captured yet
    assert verify_ledger() == []


def test_parallel_issues_never_exceed_the_budget(
    open_budget: Any, provider: Any, officer: Any, applicant: Any, enterprise: Any, apply: Any
) -> None:
    budget = open_budget("compute", "5000")
    applications = [apply(applicant, enterprise, provider, "300") for _ in range(REQUESTS)]
    clients = [sign_in(Client(), officer) for _ in range(REQUESTS)]

    def send(i: int) -> Any:
        return clients[i].post(
            f"/api/v1/vouchers/applications/{applications[i].pk}/approve",
            content_type="application/json",
        )

    responses = run_parallel(send)
    got = sorted((r.status_code, r.json().get("code", "")) for r in responses)

    issued = Voucher.objects.count()
    assert issued == 16  # 16 × 300 = 4,800 of 5,000
    assert got == [(200, "")] * 16 + [(409, "budget_insufficient")] * 34
    refusal = next(r.json() for r in responses if r.status_code == 409)
    assert set(refusal) == ENVELOPE
    assert "预算余额为 200.00元" in refusal["message"]
    assert account_balance(budget.account.code) == D("200.00")
    total = sum(account_balance(v.account.code) for v in Voucher.objects.select_related("account"))
    assert total + account_balance(budget.account.code) == D("5000.00")
    assert verify_ledger() == []


def test_parallel_same_invoice_across_vouchers_pays_once(
    open_budget: Any, provider: Any, provider_user: Any, applicant: Any, enterprise: Any, issue: Any
) -> None:
    open_budget("compute", "100000")
    vouchers = [issue(applicant, enterprise, provider, "1000") for _ in range(5)]
    today = timezone.localdate().isoformat()
    clients = [sign_in(Client(), provider_user) for _ in range(REQUESTS)]

    def send(i: int) -> Any:
        return clients[i].post(
            "/api/v1/vouchers/redemptions",
            {
                "voucher_number": vouchers[i % 5].number,
                "invoice_number": "25442000000000009999",
                "invoice_amount": "100.00",
                "invoice_date": today,
                "period_start": today,
                "period_end": today,
                "usage_evidence": "同一张发票",
            },
            content_type="application/json",
        )

    got = answers(run_parallel(send))

    winner = Redemption.objects.get()
    same_voucher = sum(1 for i in range(REQUESTS) if vouchers[i % 5].pk == winner.voucher_id)
    # Retries on the winning voucher get the same redemption back; the rest are refused.
    assert sorted(got) == [(201, "")] * same_voucher + [(409, "invoice_already_redeemed")] * (
        REQUESTS - same_voucher
    )
    held = sum(
        account_balance(v.account.code) - account_available(v.account.code) for v in vouchers
    )
    assert held == D("50.00")
    assert verify_ledger() == []
    assert domain.normalise_invoice_number(winner.invoice_number) == "25442000000000009999"
