"""ledger_sweep against the database: remainder moved under the lock, once per key."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from rainforest.audit.models import AuditRecord
from rainforest.core.errors import ConflictError, ValidationError
from rainforest.core.ledger import InsufficientFunds
from rainforest.ledger.models import LedgerOperation, LedgerPosting
from rainforest.ledger.selectors import account_balance, verify_ledger
from rainforest.ledger.services import (
    ledger_account_open,
    ledger_hold,
    ledger_post,
    ledger_sweep,
)

D = Decimal


def open_books() -> None:
    ledger_account_open(code="funding", name="市财政", kind="funding", allow_negative=True)
    ledger_account_open(code="budget", name="预算", kind="budget")
    ledger_account_open(code="voucher", name="券", kind="voucher")
    ledger_post(key="seed", entries=[("funding", D("-100")), ("budget", D("100"))])
    ledger_post(key="issue", entries=[("budget", D("-40")), ("voucher", D("40"))])


@pytest.mark.django_db
def test_ledger_sweep_moves_available_and_keeps_holds() -> None:
    open_books()
    ledger_hold(key="h", account="voucher", amount=D("10"))
    audits = AuditRecord.objects.count()

    posting = ledger_sweep(key="expire", from_account="voucher", to_account="budget", memo="到期")

    assert posting is not None
    assert sorted((e.account.code, e.amount) for e in posting.entries.all()) == [
        ("budget", D("30.00")),
        ("voucher", D("-30.00")),
    ]
    assert (account_balance("voucher"), account_balance("budget")) == (D("10.00"), D("90.00"))
    assert AuditRecord.objects.count() == audits + 1
    assert verify_ledger() == []


@pytest.mark.django_db
def test_ledger_sweep_retry_returns_first_posting_and_moves_nothing_more() -> None:
    open_books()
    first = ledger_sweep(key="expire", from_account="voucher", to_account="budget")
    ledger_post(key="more", entries=[("budget", D("-5")), ("voucher", D("5"))])
    postings = LedgerPosting.objects.count()

    again = ledger_sweep(key="expire", from_account="voucher", to_account="budget")

    assert again is not None
    assert first is not None
    assert again.pk == first.pk
    assert LedgerPosting.objects.count() == postings
    assert account_balance("voucher") == D("5.00")


@pytest.mark.django_db
def test_ledger_sweep_of_empty_account_records_key_without_posting() -> None:
    open_books()
    ledger_sweep(key="first", from_account="voucher", to_account="budget")
    postings = LedgerPosting.objects.count()

    result = ledger_sweep(key="second", from_account="voucher", to_account="budget")

    assert result is None
    assert LedgerPosting.objects.count() == postings
    assert LedgerOperation.objects.get(key="second").posting is None
    assert verify_ledger() == []


@pytest.mark.django_db
def test_ledger_sweep_key_of_another_request_refused() -> None:
    open_books()
    ledger_sweep(key="expire", from_account="voucher", to_account="budget")

    with pytest.raises(ConflictError) as info:
        ledger_sweep(key="expire", from_account="voucher", to_account="funding")

    assert info.value.code == "idempotency_conflict"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "target", "code"),
    [
        ("voucher", "voucher", "ledger_sweep_same_account"),
        ("voucher", "nowhere", "ledger_account_unknown"),
        ("nowhere", "budget", "ledger_account_unknown"),
        ("voucher", "has space", "ledger_account_code_invalid"),
    ],
)
def test_ledger_sweep_bad_accounts_refused_and_nothing_written(
    source: str, target: str, code: str
) -> None:
    open_books()
    before = (LedgerPosting.objects.count(), LedgerOperation.objects.count())

    with pytest.raises(ValidationError) as info:
        ledger_sweep(key="x", from_account=source, to_account=target)

    assert info.value.code == code
    assert (LedgerPosting.objects.count(), LedgerOperation.objects.count()) == before


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: row locks and parallel connections (set DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_ledger_sweep_racing_spends_never_overdraws() -> None:
    """A sweep and spends at once: each spend either fits before the sweep or is refused."""
    open_books()
    ledger_account_open(code="provider", name="服务商", kind="other")
    spent: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            if i == 0:
                ledger_sweep(key="expire", from_account="voucher", to_account="budget")
            else:
                try:
                    ledger_post(
                        key=f"spend-{i}", entries=[("voucher", D("-7")), ("provider", D("7"))]
                    )
                    spent.append(f"spend-{i}")
                except InsufficientFunds:
                    pass
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    assert account_balance("voucher") == D("0.00")
    assert account_balance("provider") == D("7.00") * len(spent)
    assert account_balance("budget") + account_balance("provider") == D("100.00")
    assert verify_ledger() == []
