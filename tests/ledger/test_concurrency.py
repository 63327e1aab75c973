"""Concurrent writers on PostgreSQL: row locks keep budgets from going below zero.

Each test starts eight threads at once on a barrier, each with its own database
connection, all pulling on the same accounts. SQLite serialises every writer at BEGIN,
so these tests only mean something on PostgreSQL and are skipped elsewhere.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection, connections

from rainforest.core.errors import ConflictError
from rainforest.core.ledger import InsufficientFunds
from rainforest.ledger.models import HoldStatus, LedgerHold, LedgerPosting
from rainforest.ledger.selectors import account_available, account_balance, verify_ledger
from rainforest.ledger.services import (
    ledger_account_open,
    ledger_capture,
    ledger_hold,
    ledger_post,
    ledger_release,
)

D = Decimal
THREADS = 8

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: row locks and parallel connections (set DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]


def run_parallel(work: Callable[[int], None], threads: int = THREADS) -> list[BaseException]:
    """Run ``work(i)`` in ``threads`` threads released together; return unexpected errors."""
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=target, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in pool), "a thread is stuck (deadlock?)"
    return errors


def open_books(budget: str = "1000.00") -> None:
    ledger_account_open(code="funding", name="市财政", kind="funding", allow_negative=True)
    ledger_account_open(code="budget", name="训力券预算", kind="budget")
    ledger_account_open(code="provider", name="算力服务商", kind="other")
    ledger_post(key="seed", entries=[("funding", -D(budget)), ("budget", D(budget))])


def test_parallel_spending_never_overdraws() -> None:
    open_books("1000.00")
    attempts = 5  # 8 × 5 = 40 tries at 30.00 against 1000.00: exactly 33 fit
    successes: list[str] = []
    refusals: list[str] = []

    def work(i: int) -> None:
        for n in range(attempts):
            key = f"spend-{i}-{n}"
            try:
                ledger_post(key=key, entries=[("budget", D("-30.00")), ("provider", D("30.00"))])
            except InsufficientFunds:
                refusals.append(key)
            else:
                successes.append(key)

    assert run_parallel(work) == []
    assert len(successes) == 33
    assert len(refusals) == THREADS * attempts - 33
    balance = account_balance("budget")
    assert balance == D("1000.00") - D("30.00") * len(successes)
    assert balance == D("10.00")
    assert balance >= 0
    assert account_balance("provider") == D("990.00")
    assert LedgerPosting.objects.count() == 1 + 33
    assert verify_ledger() == []


def test_parallel_holds_and_spending_share_one_available_amount() -> None:
    open_books("1000.00")
    holds: list[int] = []
    posted: list[str] = []

    def work(i: int) -> None:
        for n in range(5):
            key = f"{i}-{n}"
            try:
                if (i + n) % 2:
                    holds.append(
                        ledger_hold(key=f"hold-{key}", account="budget", amount=D("30")).pk
                    )
                else:
                    ledger_post(
                        key=f"post-{key}", entries=[("budget", D("-30")), ("provider", D("30"))]
                    )
                    posted.append(key)
            except InsufficientFunds:
                pass

    assert run_parallel(work) == []
    assert len(holds) + len(posted) == 33
    assert account_balance("budget") == D("1000.00") - D("30.00") * len(posted)
    assert account_available("budget") == D("10.00")
    assert verify_ledger() == []

    # Now race a capture against a release for every hold: exactly one of each pair wins.
    tasks = [("capture", pk) for pk in holds] + [("release", pk) for pk in holds]
    random.Random(7).shuffle(tasks)
    won: list[tuple[str, int]] = []
    closed: list[tuple[str, int]] = []  # (error code, hold)

    def settle(i: int) -> None:
        for action, pk in tasks[i::THREADS]:
            try:
                if action == "capture":
                    ledger_capture(key=f"capture-{pk}", hold=pk, to_account="provider")
                else:
                    ledger_release(key=f"release-{pk}", hold=pk)
            except ConflictError as exc:
                closed.append((exc.code, pk))
            else:
                won.append((action, pk))

    assert run_parallel(settle) == []
    assert sorted(pk for _, pk in won) == sorted(holds)
    assert sorted(closed) == sorted(("hold_closed", pk) for pk in holds)
    captured = [pk for action, pk in won if action == "capture"]
    assert LedgerHold.objects.filter(status=HoldStatus.OPEN).count() == 0
    assert LedgerHold.objects.filter(status=HoldStatus.CAPTURED).count() == len(captured)
    expected = D("1000.00") - D("30.00") * (len(posted) + len(captured))
    assert account_balance("budget") == expected
    assert account_available("budget") == expected
    assert account_balance("provider") == D("30.00") * (len(posted) + len(captured))
    assert verify_ledger() == []


def test_transfers_both_ways_do_not_deadlock() -> None:
    """Locks are taken in order of code, so A→B and B→A at once queue instead of deadlocking."""
    ledger_account_open(code="funding", name="市财政", kind="funding", allow_negative=True)
    ledger_account_open(code="a", name="甲", kind="budget")
    ledger_account_open(code="b", name="乙", kind="budget")
    ledger_post(key="seed", entries=[("funding", D("-200")), ("a", D("100")), ("b", D("100"))])
    done: list[str] = []

    def work(i: int) -> None:
        for n in range(10):
            src, dst = ("a", "b") if (i + n) % 2 else ("b", "a")
            try:
                ledger_post(key=f"t-{i}-{n}", entries=[(src, D("-7")), (dst, D("7"))])
                done.append(f"{src}>{dst}")
            except InsufficientFunds:
                pass

    assert run_parallel(work) == []
    assert account_balance("a") + account_balance("b") == D("200.00")
    assert account_balance("a") >= 0
    assert account_balance("b") >= 0
    moved = D(7) * (done.count("b>a") - done.count("a>b"))
    assert account_balance("a") == D("100.00") + moved
    assert verify_ledger() == []


def test_parallel_retries_of_one_key_post_once() -> None:
    open_books("1000.00")
    same: list[int] = []
    conflicts: list[str] = []
    different: list[int] = []

    def retry(i: int) -> None:
        posting = ledger_post(key="once", entries=[("budget", D("-30")), ("provider", D("30"))])
        same.append(posting.pk)

    def clash(i: int) -> None:
        amount = D(10 + i)  # every thread a different request under one key
        try:
            posting = ledger_post(key="clash", entries=[("budget", -amount), ("provider", amount)])
        except ConflictError as exc:
            conflicts.append(exc.code)
        else:
            different.append(posting.pk)

    assert run_parallel(retry) == []
    assert len(same) == THREADS
    assert len(set(same)) == 1
    assert run_parallel(clash) == []
    assert len(different) == 1
    assert conflicts == ["idempotency_conflict"] * (THREADS - 1)
    assert LedgerPosting.objects.count() == 3
    assert account_balance("budget") == D("1000.00") - D("30.00") - (
        LedgerPosting.objects.get(key="clash").entries.get(account__code="provider").amount
    )
    assert verify_ledger() == []
