"""MemoryLedger.sweep and plan_sweep: moving an account's whole available amount (结转)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rainforest.core.errors import ConflictError, ValidationError
from rainforest.core.ledger import (
    AccountRules,
    AccountState,
    Entry,
    MemoryLedger,
    plan_sweep,
    sweep_fingerprint,
)

D = Decimal


def books() -> MemoryLedger:
    ledger = MemoryLedger()
    ledger.open_account("funding", allow_negative=True)
    ledger.open_account("budget")
    ledger.open_account("voucher")
    ledger.post("seed", [("funding", D("-100")), ("budget", D("100"))])
    ledger.post("issue", [("budget", D("-40")), ("voucher", D("40"))])
    return ledger


@pytest.mark.parametrize(
    ("balance", "held", "expected"),
    [
        (D("40.00"), D("0.00"), (Entry("voucher", D("-40")), Entry("budget", D("40")))),
        (D("40.00"), D("15.50"), (Entry("voucher", D("-24.50")), Entry("budget", D("24.50")))),
        (D("40.00"), D("39.99"), (Entry("voucher", D("-0.01")), Entry("budget", D("0.01")))),
        (D("40.00"), D("40.00"), None),
        (D("0.00"), D("0.00"), None),
        (D("-5.00"), D("0.00"), None),  # an account that may go negative has nothing to sweep
    ],
)
def test_plan_sweep_moves_available_only(
    balance: Decimal, held: Decimal, expected: tuple[Entry, Entry] | None
) -> None:
    state = AccountState(AccountRules("voucher", allow_negative=True), balance, held)

    assert plan_sweep(state, "budget") == expected


def test_plan_sweep_into_itself_refused() -> None:
    state = AccountState(AccountRules("voucher"), D("1.00"), D("0.00"))

    with pytest.raises(ValidationError) as info:
        plan_sweep(state, "voucher")

    assert info.value.code == "ledger_sweep_same_account"


def test_sweep_returns_remainder_and_leaves_holds() -> None:
    ledger = books()
    ledger.hold("h", "voucher", D("10"))

    posting = ledger.sweep("expire", "voucher", "budget", memo="expired")

    assert posting is not None
    assert sorted(posting.entries, key=lambda e: e.account) == [
        Entry("budget", D("30")),
        Entry("voucher", D("-30")),
    ]
    assert (ledger.balance("voucher"), ledger.held("voucher")) == (D("10.00"), D("10.00"))
    assert ledger.balance("budget") == D("90.00")


def test_sweep_of_nothing_posts_nothing_and_replays_none() -> None:
    ledger = books()
    ledger.sweep("first", "voucher", "budget")
    postings = len(ledger.postings())

    again = ledger.sweep("second", "voucher", "budget")
    ledger.post("more", [("budget", D("-5")), ("voucher", D("5"))])
    replay = ledger.sweep("second", "voucher", "budget")

    assert (again, replay) == (None, None)
    assert len(ledger.postings()) == postings + 1  # only "more"
    assert ledger.balance("voucher") == D("5.00")


def test_sweep_retry_returns_first_posting() -> None:
    ledger = books()
    first = ledger.sweep("expire", "voucher", "budget")
    ledger.post("more", [("budget", D("-5")), ("voucher", D("5"))])

    second = ledger.sweep("expire", "voucher", "budget")

    assert second is first
    assert ledger.balance("voucher") == D("5.00")


@pytest.mark.parametrize(
    "call",
    [
        lambda ledger: ledger.sweep("expire", "voucher", "funding"),  # another target
        lambda ledger: ledger.sweep("expire", "voucher", "budget", memo="other"),
        lambda ledger: ledger.post("expire", [("budget", D("-1")), ("voucher", D("1"))]),
    ],
)
def test_sweep_key_reused_for_another_request_refused(call: object) -> None:
    ledger = books()
    ledger.sweep("expire", "voucher", "budget")

    with pytest.raises(ConflictError) as info:
        call(ledger)  # type: ignore[operator]

    assert info.value.code == "idempotency_conflict"


def test_sweep_unknown_account_refused() -> None:
    ledger = books()

    with pytest.raises(ValidationError) as info:
        ledger.sweep("x", "voucher", "nowhere")

    assert info.value.code == "ledger_account_unknown"


def test_sweep_fingerprint_differs_from_post() -> None:
    assert sweep_fingerprint("a", "b", "") != sweep_fingerprint("b", "a", "")
