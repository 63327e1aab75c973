"""Reading the ledger: balances, statements, and the consistency check used by ops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import BigIntegerField, Count, F, Q, Sum
from django.db.models.functions import Cast, Round

from rainforest.core.ledger import account_unknown
from rainforest.ledger.models import (
    HoldStatus,
    LedgerAccount,
    LedgerEntry,
    LedgerHold,
    LedgerPosting,
)

ZERO = Decimal("0.00")


def _fen_sum(path: str) -> Sum:
    """Sum of a money column counted in whole fen.

    SQLite keeps decimals as binary floats and sums them as floats (0.1 + 0.2 is not
    0.3 there); summing integers of fen is exact on every database.
    """
    return Sum(Cast(Round(F(path) * 100), output_field=BigIntegerField()))


def _yuan(fen: int | None) -> Decimal:
    return (Decimal(fen or 0) / 100).quantize(Decimal("0.01"))


def _account(code: str) -> LedgerAccount:
    account = LedgerAccount.objects.filter(code=code).first()
    if account is None:
        raise account_unknown(code)
    return account


def account_balance(code: str) -> Decimal:
    """The account's balance (held amounts included: holds do not change the balance)."""
    return _account(code).balance


def account_available(code: str) -> Decimal:
    """Balance minus open holds: what can still be spent or held."""
    return _account(code).available


@dataclass(frozen=True)
class StatementLine:
    entry_id: int
    posting_id: int
    key: str
    memo: str
    created_at: datetime
    amount: Decimal
    balance: Decimal  # the running balance after this line


def account_statement(code: str) -> list[StatementLine]:
    """Every entry of the account in order, with the running balance (对账单)."""
    account = _account(code)
    entries = LedgerEntry.objects.filter(account=account).select_related("posting").order_by("id")
    running = ZERO
    lines: list[StatementLine] = []
    for e in entries:
        running += e.amount
        lines.append(
            StatementLine(
                entry_id=e.pk,
                posting_id=e.posting_id,
                key=e.posting.key,
                memo=e.posting.memo,
                created_at=e.posting.created_at,
                amount=e.amount,
                balance=running,
            )
        )
    return lines


def verify_ledger() -> list[str]:
    """Problems found, in words; an empty list means the ledger is consistent.

    Checks that each cached balance equals the sum of the account's entries, that each
    posting has at least two entries summing to zero, that each held amount equals the
    sum of the account's open holds, that no non-negative account has a negative
    available amount, and that all balances together sum to zero.
    """
    problems: list[str] = []
    accounts = LedgerAccount.objects.annotate(entry_fen=_fen_sum("entries__amount")).order_by(
        "code"
    )
    open_holds = {
        code: _yuan(fen)
        for code, fen in LedgerHold.objects.filter(status=HoldStatus.OPEN)
        .values_list("account__code")
        .annotate(fen=_fen_sum("amount"))
        .values_list("account__code", "fen")
    }
    total = ZERO
    for a in accounts:
        total += a.balance
        entry_sum = _yuan(a.entry_fen)
        if a.balance != entry_sum:
            problems.append(
                f"account {a.code}: cached balance {a.balance} differs from the sum of its "
                f"entries {entry_sum}"
            )
        holds = open_holds.get(a.code) or ZERO
        if a.held != holds:
            problems.append(
                f"account {a.code}: held {a.held} differs from the sum of its open holds {holds}"
            )
        if not a.allow_negative and a.balance - a.held < 0:
            problems.append(
                f"account {a.code}: available {a.balance - a.held} is negative on an account "
                "that may not go negative"
            )
    if total != 0:
        problems.append(f"all balances sum to {total}, not 0.00")
    bad_postings = (
        LedgerPosting.objects.annotate(fen=_fen_sum("entries__amount"), lines=Count("entries"))
        .filter(Q(lines__lt=2) | ~Q(fen=0))
        .order_by("id")
    )
    for p in bad_postings:
        problems.append(
            f"posting {p.key}: {p.lines} entries summing to {_yuan(p.fen)} "
            "(needs at least two, summing to 0.00)"
        )
    bad_holds = LedgerHold.objects.filter(
        Q(status=HoldStatus.CAPTURED, capture_posting__isnull=True)
        | Q(status=HoldStatus.CAPTURED, captured_amount__lte=0)
        | (~Q(status=HoldStatus.CAPTURED) & ~Q(captured_amount=0))
        | Q(status=HoldStatus.OPEN, closed_at__isnull=False)
    ).order_by("id")
    for h in bad_holds:
        problems.append(
            f"hold {h.key}: status {h.status} does not match captured amount "
            f"{h.captured_amount} / capture posting / closing time"
        )
    return problems
