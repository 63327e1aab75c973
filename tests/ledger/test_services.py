"""The ledger services against the database: each write, each refusal, each retry."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from rainforest.accounts.models import User
from rainforest.audit.models import AuditRecord
from rainforest.audit.services import audit_verify
from rainforest.core.errors import ConflictError, DomainError, NotFoundError, ValidationError
from rainforest.core.ledger import Entry, InsufficientFunds, MemoryLedger
from rainforest.ledger import services
from rainforest.ledger.models import (
    HoldStatus,
    LedgerAccount,
    LedgerEntry,
    LedgerHold,
    LedgerOperation,
    LedgerPosting,
)
from rainforest.ledger.selectors import (
    account_available,
    account_balance,
    account_statement,
    verify_ledger,
)
from rainforest.ledger.services import (
    ledger_account_open,
    ledger_capture,
    ledger_hold,
    ledger_post,
    ledger_release,
)

D = Decimal

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk() -> User:
    return User.objects.create_user(username="clerk")  # no password: no slow hashing


@pytest.fixture
def books(clerk: User) -> dict[str, LedgerAccount]:
    """funding (may go negative) has put 1000.00 into budget; provider is empty."""
    accounts = {
        "funding": ledger_account_open(
            code="funding", name="市财政", kind="funding", allow_negative=True, actor=clerk
        ),
        "budget": ledger_account_open(code="budget", name="训力券预算", kind="budget", actor=clerk),
        "provider": ledger_account_open(
            code="provider", name="算力服务商", kind="other", actor=clerk
        ),
    }
    ledger_post(key="seed", entries=[("funding", D("-1000")), ("budget", D("1000"))], actor=clerk)
    return accounts


def counts() -> tuple[int, int, int, int, int]:
    return (
        LedgerPosting.objects.count(),
        LedgerEntry.objects.count(),
        LedgerHold.objects.count(),
        LedgerOperation.objects.count(),
        AuditRecord.objects.count(),
    )


def balances() -> dict[str, tuple[Decimal, Decimal]]:
    return {a.code: (a.balance, a.held) for a in LedgerAccount.objects.all()}


def unchanged_by(
    action: Callable[[], object], error: type[BaseException], code: str | None
) -> None:
    """``action`` raises ``error`` (with ``code``) and writes no row at all."""
    before = (counts(), balances(), list(LedgerHold.objects.values()))
    with pytest.raises(error) as info:
        action()
    if code is not None:
        assert getattr(info.value, "code", None) == code
    assert (counts(), balances(), list(LedgerHold.objects.values())) == before


# --- accounts --------------------------------------------------------------------------------


def test_account_open_starts_at_zero_and_is_audited(clerk: User) -> None:
    account = ledger_account_open(
        code="voucher-2025", name="2025年模型券", kind="voucher", actor=clerk
    )
    assert (account.balance, account.held, account.allow_negative) == (D("0"), D("0"), False)
    record = AuditRecord.objects.get(action="ledger.account_open")
    assert (record.subject_id, record.actor_id) == ("voucher-2025", clerk.pk)
    assert record.data == {"name": "2025年模型券", "kind": "voucher", "allow_negative": False}


@pytest.mark.parametrize(
    ("kwargs", "error", "code"),
    [
        ({"code": "budget"}, ConflictError, "ledger_account_exists"),
        ({"code": "has space"}, ValidationError, "ledger_account_code_invalid"),
        ({"kind": "savings"}, ValidationError, "ledger_account_kind_invalid"),
        ({"name": "  "}, ValidationError, "ledger_account_name_invalid"),
    ],
)
def test_account_open_refused(
    books: dict[str, LedgerAccount], kwargs: dict[str, str], error: type[DomainError], code: str
) -> None:
    args = {"code": "new", "name": "新账户", "kind": "budget", **kwargs}
    unchanged_by(lambda: ledger_account_open(**args), error, code)  # type: ignore[arg-type]  # test data


# --- posting --------------------------------------------------------------------------------


def test_post_moves_money_and_writes_entries(books: dict[str, LedgerAccount], clerk: User) -> None:
    posting = ledger_post(
        key="inv-7",
        entries=[("budget", D("-300.50")), ("provider", D("300.50"))],
        memo="发票 7",
        actor=clerk,
    )
    assert (posting.key, posting.memo, posting.actor_id) == ("inv-7", "发票 7", clerk.pk)
    assert sorted(posting.entries.values_list("account__code", "amount")) == [
        ("budget", D("-300.50")),
        ("provider", D("300.50")),
    ]
    assert account_balance("budget") == D("699.50")
    assert account_balance("provider") == D("300.50")
    assert account_balance("funding") == D("-1000.00")
    record = AuditRecord.objects.filter(action="ledger.post").last()
    assert record is not None
    assert record.subject_id == str(posting.pk)
    assert record.data == {
        "key": "inv-7",
        "memo": "发票 7",
        "entries": [["budget", "-300.50"], ["provider", "300.50"]],
    }
    assert verify_ledger() == []


def test_post_accepts_entry_objects(books: dict[str, LedgerAccount]) -> None:
    ledger_post(key="k", entries=[Entry("budget", D("-1")), Entry("provider", D("1"))])
    assert account_balance("provider") == D("1.00")


def test_post_retry_returns_same_posting_and_changes_nothing(
    books: dict[str, LedgerAccount],
) -> None:
    first = ledger_post(key="inv-7", entries=[("budget", D("-30")), ("provider", D("30"))])
    before = (counts(), balances())
    # Same request, lines in another order and amounts spelt differently: the same content.
    again = ledger_post(key="inv-7", entries=[("provider", D("30.00")), ("budget", D("-30.0"))])
    assert again.pk == first.pk
    assert (counts(), balances()) == before


@pytest.mark.parametrize(
    "retry",
    [
        lambda: ledger_post(key="inv-7", entries=[("budget", D("-31")), ("provider", D("31"))]),
        lambda: ledger_post(
            key="inv-7", entries=[("budget", D("-30")), ("provider", D("30"))], memo="x"
        ),
        lambda: ledger_hold(key="inv-7", account="budget", amount=D("30")),
    ],
)
def test_key_reused_for_other_content_conflicts_and_writes_nothing(
    books: dict[str, LedgerAccount], retry: Callable[[], object]
) -> None:
    ledger_post(key="inv-7", entries=[("budget", D("-30")), ("provider", D("30"))])
    unchanged_by(retry, ConflictError, "idempotency_conflict")


def test_overdraw_refused_and_nothing_written(books: dict[str, LedgerAccount]) -> None:
    ledger_post(key="a", entries=[("budget", D("-999.99")), ("provider", D("999.99"))])
    unchanged_by(
        lambda: ledger_post(key="b", entries=[("budget", D("-0.02")), ("provider", D("0.02"))]),
        InsufficientFunds,
        "insufficient_funds",
    )
    with pytest.raises(InsufficientFunds) as info:
        ledger_post(key="b", entries=[("budget", D("-0.02")), ("provider", D("0.02"))])
    assert "budget" in info.value.message_en
    assert "0.01" in info.value.message_en
    # The refused key is not used up.
    ledger_post(key="b", entries=[("budget", D("-0.01")), ("provider", D("0.01"))])
    assert account_balance("budget") == D("0.00")
    assert verify_ledger() == []


def test_overdraw_of_three_lines_writes_no_partial_rows(books: dict[str, LedgerAccount]) -> None:
    ledger_account_open(code="other", name="其他", kind="other")
    # provider is fine on its own line, budget is not: nothing at all is written.
    unchanged_by(
        lambda: ledger_post(
            key="x",
            entries=[("provider", D("5")), ("other", D("996")), ("budget", D("-1001"))],
        ),
        InsufficientFunds,
        "insufficient_funds",
    )


@pytest.mark.parametrize(
    ("entries", "error", "code"),
    [
        ([("budget", D("-1")), ("provider", D("2"))], ValidationError, "ledger_unbalanced"),
        ([("budget", D("-1"))], ValidationError, "ledger_too_few_entries"),
        ([("budget", D("-1")), ("budget", D("1"))], ValidationError, "ledger_duplicate_account"),
        ([("budget", D("-1")), ("nobody", D("1"))], ValidationError, "ledger_account_unknown"),
        ([("budget", D("-0.001")), ("provider", D("0.001"))], ValidationError, "amount_precision"),
        ([("budget", -1.0), ("provider", 1.0)], TypeError, None),
    ],
)
def test_post_refused_writes_nothing(
    books: dict[str, LedgerAccount],
    entries: list[tuple[str, Any]],
    error: type[Exception],
    code: str | None,
) -> None:
    unchanged_by(lambda: ledger_post(key="bad", entries=entries), error, code)


def test_post_refuses_bad_key_and_memo(books: dict[str, LedgerAccount]) -> None:
    entries = [("budget", D("-1")), ("provider", D("1"))]
    unchanged_by(
        lambda: ledger_post(key="", entries=entries), ValidationError, "ledger_key_invalid"
    )
    unchanged_by(
        lambda: ledger_post(key="k", entries=entries, memo="字" * 501),
        ValidationError,
        "ledger_memo_too_long",
    )


def test_duplicate_insert_race_returns_the_winner(
    books: dict[str, LedgerAccount], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A same-key request that misses the winner in both look-ups hits the unique key."""
    winner = ledger_post(key="race", entries=[("budget", D("-5")), ("provider", D("5"))])
    real = services._find_operation
    misses = iter([True, True])

    def late(key: str, fingerprint: str) -> LedgerOperation | None:
        if next(misses, False):
            return None  # as if the winner had not committed yet
        return real(key, fingerprint)

    monkeypatch.setattr(services, "_find_operation", late)
    before = (counts(), balances())
    again = ledger_post(key="race", entries=[("budget", D("-5")), ("provider", D("5"))])
    assert again.pk == winner.pk
    assert (counts(), balances()) == before

    misses = iter([True, True])
    with pytest.raises(ConflictError) as info:
        ledger_post(key="race", entries=[("budget", D("-6")), ("provider", D("6"))])
    assert info.value.code == "idempotency_conflict"
    assert (counts(), balances()) == before


def test_database_refuses_negative_available_even_without_the_services(
    books: dict[str, LedgerAccount],
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(code="budget").update(balance=D("-0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(code="budget").update(held=D("1000.01"))
    assert account_balance("budget") == D("1000.00")


# --- holds ------------------------------------------------------------------------------------


def test_hold_reduces_available_not_balance(books: dict[str, LedgerAccount], clerk: User) -> None:
    hold = ledger_hold(key="h1", account="budget", amount=D("600"), actor=clerk)
    assert (hold.status, hold.amount, hold.account.code) == (HoldStatus.OPEN, D("600.00"), "budget")
    assert account_balance("budget") == D("1000.00")
    assert account_available("budget") == D("400.00")
    record = AuditRecord.objects.get(action="ledger.hold")
    assert (record.subject_id, record.actor_id) == (str(hold.pk), clerk.pk)
    assert record.data == {"key": "h1", "account": "budget", "amount": "600.00"}
    unchanged_by(
        lambda: ledger_post(key="p", entries=[("budget", D("-400.01")), ("provider", D("400.01"))]),
        InsufficientFunds,
        "insufficient_funds",
    )
    unchanged_by(
        lambda: ledger_hold(key="h2", account="budget", amount=D("400.01")),
        InsufficientFunds,
        "insufficient_funds",
    )
    assert verify_ledger() == []


def test_hold_retry_returns_same_hold(books: dict[str, LedgerAccount]) -> None:
    hold = ledger_hold(key="h1", account=books["budget"], amount=D("600"))
    before = (counts(), balances())
    assert ledger_hold(key="h1", account="budget", amount=D("600.00")).pk == hold.pk
    assert (counts(), balances()) == before
    unchanged_by(
        lambda: ledger_hold(key="h1", account="budget", amount=D("600.01")),
        ConflictError,
        "idempotency_conflict",
    )


@pytest.mark.parametrize(
    ("account", "amount", "error", "code"),
    [
        ("nobody", D("1"), ValidationError, "ledger_account_unknown"),
        ("budget", D("0"), ValidationError, "amount_not_positive"),
        ("budget", D("-1"), ValidationError, "amount_not_positive"),
        ("budget", D("0.001"), ValidationError, "amount_precision"),
        ("budget", 1.5, TypeError, None),
    ],
)
def test_hold_refused_writes_nothing(
    books: dict[str, LedgerAccount],
    account: str,
    amount: Any,
    error: type[Exception],
    code: str | None,
) -> None:
    unchanged_by(lambda: ledger_hold(key="h", account=account, amount=amount), error, code)


def test_capture_partial_posts_and_frees_the_rest(
    books: dict[str, LedgerAccount], clerk: User
) -> None:
    hold = ledger_hold(key="h1", account="budget", amount=D("600"))
    posting = ledger_capture(
        key="c1", hold=hold, to_account="provider", amount=D("450.25"), actor=clerk
    )
    assert sorted(posting.entries.values_list("account__code", "amount")) == [
        ("budget", D("-450.25")),
        ("provider", D("450.25")),
    ]
    assert balances()["budget"] == (D("549.75"), D("0.00"))
    assert balances()["provider"] == (D("450.25"), D("0.00"))
    hold.refresh_from_db()
    assert (hold.status, hold.captured_amount, hold.capture_posting_id) == (
        HoldStatus.CAPTURED,
        D("450.25"),
        posting.pk,
    )
    assert hold.closed_at is not None
    record = AuditRecord.objects.get(action="ledger.capture")
    assert record.data["amount"] == "450.25"
    assert record.data["released"] == "149.75"
    # Retry: same posting, nothing written.
    before = (counts(), balances())
    assert (
        ledger_capture(key="c1", hold=hold.pk, to_account="provider", amount=D("450.25")).pk
        == posting.pk
    )
    assert (counts(), balances()) == before
    assert verify_ledger() == []


def test_capture_defaults_to_the_full_amount(books: dict[str, LedgerAccount]) -> None:
    hold = ledger_hold(key="h1", account="budget", amount=D("600"))
    posting = ledger_capture(key="c1", hold=hold, to_account=books["provider"])
    assert balances()["budget"] == (D("400.00"), D("0.00"))
    # Capturing "all" and the full amount are the same request.
    assert (
        ledger_capture(key="c1", hold=hold, to_account="provider", amount=D("600")).pk == posting.pk
    )


def test_release_frees_the_hold(books: dict[str, LedgerAccount], clerk: User) -> None:
    hold = ledger_hold(key="h1", account="budget", amount=D("600"))
    released = ledger_release(key="r1", hold=hold, actor=clerk)
    assert released.status == HoldStatus.RELEASED
    assert released.closed_at is not None
    assert balances()["budget"] == (D("1000.00"), D("0.00"))
    assert AuditRecord.objects.get(action="ledger.release").data == {
        "key": "r1",
        "hold": "h1",
        "amount": "600.00",
    }
    before = (counts(), balances())
    assert ledger_release(key="r1", hold=hold.pk).pk == hold.pk
    assert (counts(), balances()) == before


@pytest.mark.parametrize("first", ["capture", "release"])
@pytest.mark.parametrize("second", ["capture", "release"])
def test_hold_closes_exactly_once(books: dict[str, LedgerAccount], first: str, second: str) -> None:
    hold = ledger_hold(key="h1", account="budget", amount=D("600"))
    if first == "capture":
        ledger_capture(key="first", hold=hold, to_account="provider")
    else:
        ledger_release(key="first", hold=hold)
    if second == "capture":
        unchanged_by(
            lambda: ledger_capture(key="second", hold=hold, to_account="provider"),
            ConflictError,
            "hold_closed",
        )
    else:
        unchanged_by(lambda: ledger_release(key="second", hold=hold), ConflictError, "hold_closed")


@pytest.mark.parametrize(
    ("to_account", "amount", "error", "code"),
    [
        ("nobody", None, ValidationError, "ledger_account_unknown"),
        ("budget", None, ValidationError, "ledger_capture_same_account"),
        ("provider", D("600.01"), ValidationError, "capture_exceeds_hold"),
        ("provider", D("0"), ValidationError, "amount_not_positive"),
        ("provider", 10.0, TypeError, None),
    ],
)
def test_capture_refused_writes_nothing(
    books: dict[str, LedgerAccount],
    to_account: str,
    amount: Any,
    error: type[Exception],
    code: str | None,
) -> None:
    hold = ledger_hold(key="h1", account="budget", amount=D("600"))
    unchanged_by(
        lambda: ledger_capture(key="c", hold=hold, to_account=to_account, amount=amount),
        error,
        code,
    )
    hold.refresh_from_db()
    assert hold.status == HoldStatus.OPEN


def test_unknown_hold_is_not_found(books: dict[str, LedgerAccount]) -> None:
    unchanged_by(
        lambda: ledger_capture(key="c", hold=999999, to_account="provider"),
        NotFoundError,
        "hold_not_found",
    )
    unchanged_by(lambda: ledger_release(key="r", hold=999999), NotFoundError, "hold_not_found")


# --- selectors ----------------------------------------------------------------------------------


def test_statement_has_running_balance(books: dict[str, LedgerAccount]) -> None:
    ledger_post(key="a", entries=[("budget", D("-100")), ("provider", D("100"))], memo="一")
    hold = ledger_hold(key="h", account="budget", amount=D("50"))
    ledger_capture(key="c", hold=hold, to_account="provider", amount=D("20"))
    lines = account_statement("budget")
    assert [(line.key, line.amount, line.balance) for line in lines] == [
        ("seed", D("1000.00"), D("1000.00")),
        ("a", D("-100.00"), D("900.00")),
        ("c", D("-20.00"), D("880.00")),
    ]
    assert lines[1].memo == "一"
    with pytest.raises(ValidationError):
        account_statement("nobody")


def test_verify_ledger_finds_tampering(books: dict[str, LedgerAccount]) -> None:
    hold = ledger_hold(key="h", account="budget", amount=D("50"))
    assert verify_ledger() == []
    LedgerAccount.objects.filter(code="provider").update(balance=D("7.00"))
    LedgerAccount.objects.filter(code="budget").update(held=D("40.00"))
    LedgerEntry.objects.filter(account__code="funding").update(amount=D("-999.00"))
    LedgerHold.objects.filter(pk=hold.pk).update(captured_amount=D("1.00"))
    problems = verify_ledger()
    assert len(problems) == 6
    assert any(p.startswith("account provider: cached balance 7.00") for p in problems)
    assert any(p.startswith("account funding: cached balance") for p in problems)
    assert any(p.startswith("account budget: held 40.00") for p in problems)
    assert any(p.startswith("all balances sum to 7.00") for p in problems)
    assert any(p.startswith("posting seed: 2 entries summing to 1.00") for p in problems)
    assert any(p.startswith("hold h:") for p in problems)


def test_every_change_is_on_the_audit_chain(books: dict[str, LedgerAccount]) -> None:
    hold = ledger_hold(key="h", account="budget", amount=D("50"))
    ledger_capture(key="c", hold=hold, to_account="provider")
    hold2 = ledger_hold(key="h2", account="budget", amount=D("50"))
    ledger_release(key="r", hold=hold2)
    # Retries are not changes and leave no record.
    ledger_release(key="r", hold=hold2)
    ledger_post(key="seed", entries=[("funding", D("-1000")), ("budget", D("1000"))])
    assert list(AuditRecord.objects.values_list("action", flat=True)) == [
        "ledger.account_open",
        "ledger.account_open",
        "ledger.account_open",
        "ledger.post",
        "ledger.hold",
        "ledger.capture",
        "ledger.hold",
        "ledger.release",
    ]
    assert audit_verify() is None


# --- the adapter and the reference implementation agree --------------------------------------

CODES = ("funding", "budget", "provider")


def _outcome(action: Callable[[], object]) -> tuple[str, object]:
    try:
        return ("ok", action())
    except DomainError as exc:
        return ("refused", exc.code)


def _both(
    memory: MemoryLedger, kind: str, key: str, args: tuple[Any, ...]
) -> tuple[tuple[str, object], tuple[str, object]]:
    """The outcome of one operation on the reference ledger and on the database."""
    if kind == "post":
        return (
            _outcome(lambda: memory.post(key, *args).key),
            _outcome(lambda: ledger_post(key=key, entries=args[0]).key),
        )
    if kind == "hold":
        return (
            _outcome(lambda: memory.hold(key, *args)),
            _outcome(lambda: ledger_hold(key=key, account=args[0], amount=args[1]).key),
        )
    if kind == "capture":
        return (
            _outcome(lambda: memory.capture(key, *args).key),
            _outcome(
                lambda: (
                    ledger_capture(
                        key=key,
                        hold=LedgerHold.objects.get(key=args[0]),
                        to_account=args[1],
                        amount=args[2],
                    ).key
                )
            ),
        )
    return (
        _outcome(lambda: memory.release(key, args[0]).key),
        _outcome(lambda: ledger_release(key=key, hold=LedgerHold.objects.get(key=args[0])).key),
    )


@pytest.mark.parametrize("seed", range(3))
def test_adapter_matches_memory_ledger(books: dict[str, LedgerAccount], seed: int) -> None:
    memory = MemoryLedger()
    memory.open_account("funding", allow_negative=True)
    memory.open_account("budget")
    memory.open_account("provider")
    memory.post("seed", [("funding", D("-1000")), ("budget", D("1000"))])
    rng = random.Random(seed)
    hold_keys: list[str] = []
    used: list[tuple[str, tuple[Any, ...]]] = []
    for n in range(60):
        key = f"k{n}"
        kind = rng.choice(["post", "hold", "capture", "release", "retry"])
        if kind == "retry" and used:
            kind, args = rng.choice(used)
            key = str(args[0])
            args = args[1:]
        elif kind == "post":
            a, b = rng.choice(CODES), rng.choice(CODES)
            args = ([(a, -D(rng.randint(1, 40000)) / 100), (b, D(rng.randint(1, 40000)) / 100)],)
            if rng.random() < 0.7:
                amount = D(rng.randint(1, 40000)) / 100
                args = ([(a, -amount), (b, amount)],)
        elif kind == "hold":
            args = (rng.choice(CODES), D(rng.randint(1, 30000)) / 100)
        elif kind in {"capture", "release"} and hold_keys:
            target = rng.choice(hold_keys)
            args = (target, rng.choice(CODES), rng.choice([None, D(rng.randint(1, 8000)) / 100]))
            if kind == "release":
                args = (target,)
        else:
            continue
        used.append((kind, (key, *args)))

        mine, theirs = _both(memory, kind, key, args)
        assert theirs == mine, (kind, key, args)
        if kind == "hold" and mine[0] == "ok" and key not in hold_keys:
            hold_keys.append(key)
        assert {c: (memory.balance(c), memory.held(c)) for c in CODES} == balances()
    assert verify_ledger() == []
