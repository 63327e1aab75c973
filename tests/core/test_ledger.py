"""The pure ledger: table tests for every refusal and property tests for the invariants."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from rainforest.core.errors import ConflictError, DomainError, NotFoundError, ValidationError
from rainforest.core.ledger import (
    AccountRules,
    AccountState,
    Entry,
    HoldState,
    InsufficientFunds,
    MemoryLedger,
    capture_fingerprint,
    check_available,
    check_hold,
    check_post,
    hold_fingerprint,
    ledger_amount,
    plan_capture,
    post_fingerprint,
    release_fingerprint,
    validate_entries,
    validate_key,
)

D = Decimal


def funded(amount: str = "100.00") -> MemoryLedger:
    """A ledger with a funding source (may go negative) and a budget holding ``amount``."""
    ledger = MemoryLedger()
    ledger.open_account("funding", allow_negative=True)
    ledger.open_account("budget")
    ledger.open_account("provider")
    ledger.post("seed", [("funding", D(f"-{amount}")), ("budget", D(amount))])
    return ledger


# --- amounts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("1"), D("1.00")),
        (D("0.01"), D("0.01")),
        (D("-0.01"), D("-0.01")),
        (D("1.10"), D("1.10")),
        (D("1.100"), D("1.10")),  # trailing zero, still whole fen
        (D("-0"), D("0.00")),
        (D("1000000000000000"), D("1000000000000000.00")),
    ],
)
def test_ledger_amount_accepts_whole_fen(value: Decimal, expected: Decimal) -> None:
    assert ledger_amount(value) == expected
    assert str(ledger_amount(value)) == str(expected)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (D("0.001"), "amount_precision"),
        (D("1.005"), "amount_precision"),
        (D("NaN"), "amount_invalid"),
        (D("Infinity"), "amount_invalid"),
        (D("1000000000000000.01"), "amount_too_large"),
        (D("-1000000000000000.01"), "amount_too_large"),
    ],
)
def test_ledger_amount_refuses_bad_decimals(value: Decimal, code: str) -> None:
    with pytest.raises(ValidationError) as info:
        ledger_amount(value)
    assert info.value.code == code


@pytest.mark.parametrize("value", [0.1, 1.0, 1, "1.00", None, True])
def test_ledger_amount_refuses_non_decimal(value: object) -> None:
    with pytest.raises(TypeError):
        ledger_amount(value)  # type: ignore[arg-type]  # the point is the wrong type


def test_entry_refuses_float() -> None:
    with pytest.raises(TypeError, match="float"):
        Entry("budget", 0.1)  # type: ignore[arg-type]  # the point is the wrong type


def test_entry_normalises_amount() -> None:
    assert Entry("budget", D("5")).amount == D("5.00")
    assert str(Entry("budget", D("5")).amount) == "5.00"


@pytest.mark.parametrize("code", ["", "a b", " budget", "x" * 65])
def test_entry_refuses_bad_account_code(code: str) -> None:
    with pytest.raises(ValidationError) as info:
        Entry(code, D("1.00"))
    assert info.value.code == "ledger_account_code_invalid"


@pytest.mark.parametrize("key", ["", " k", "k ", "k" * 101])
def test_validate_key_refuses(key: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_key(key)
    assert info.value.code == "ledger_key_invalid"


def test_validate_key_accepts_boundary() -> None:
    assert validate_key("k" * 100) == "k" * 100


# --- entries -----------------------------------------------------------------------------


def test_validate_entries_accepts_tuples_and_entries() -> None:
    result = validate_entries([("a", D("-1.50")), Entry("b", D("1")), ("c", D("0.50"))])
    assert result == (Entry("a", D("-1.50")), Entry("b", D("1.00")), Entry("c", D("0.50")))


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        ([], "ledger_too_few_entries"),
        ([("a", D("0"))], "ledger_too_few_entries"),
        ([("a", D("1")), ("b", D("-1")), ("c", D("0"))], "ledger_zero_amount"),
        ([("a", D("1")), ("a", D("-1"))], "ledger_duplicate_account"),
        ([("a", D("1")), ("b", D("-0.99"))], "ledger_unbalanced"),
        ([("a", D("1")), ("b", D("-1.01"))], "ledger_unbalanced"),
        ([("a", D("0.001")), ("b", D("-0.001"))], "amount_precision"),
    ],
)
def test_validate_entries_refuses(entries: list[tuple[str, Decimal]], code: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_entries(entries)
    assert info.value.code == code


def test_validate_entries_unbalanced_says_the_difference() -> None:
    with pytest.raises(ValidationError) as info:
        validate_entries([("a", D("100.00")), ("b", D("-99.50"))])
    assert "0.50" in info.value.message_en
    assert "0.50" in info.value.message_zh


def test_validate_entries_refuses_float_inside_tuple() -> None:
    with pytest.raises(TypeError):
        validate_entries([("a", 1.0), ("b", D("-1"))])  # type: ignore[list-item]  # wrong type on purpose


# --- availability --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("balance", "held", "change", "allow_negative", "refused"),
    [
        ("100.00", "0.00", "-100.00", False, False),
        ("100.00", "0.00", "-100.01", False, True),
        ("100.00", "40.00", "-60.00", False, False),
        ("100.00", "40.00", "-60.01", False, True),
        ("0.00", "0.00", "5.00", False, False),
        ("0.00", "0.00", "-5.00", True, False),
        ("-50.00", "10.00", "-5.00", True, False),
    ],
)
def test_check_available_boundaries(
    balance: str, held: str, change: str, allow_negative: bool, refused: bool
) -> None:
    args = (D(balance), D(held), D(change), allow_negative, "budget-2025")
    if refused:
        with pytest.raises(InsufficientFunds) as info:
            check_available(*args)
        assert info.value.code == "insufficient_funds"
        assert isinstance(info.value, ConflictError)
        available = D(balance) - D(held)
        assert "budget-2025" in info.value.message_en
        assert f"{available:,.2f}" in info.value.message_en
        assert "budget-2025" in info.value.message_zh
    else:
        check_available(*args)


def test_check_post_refuses_unknown_account() -> None:
    state = {"a": AccountState(AccountRules("a", True), D("0"), D("0"))}
    with pytest.raises(ValidationError) as info:
        check_post(validate_entries([("a", D("-1")), ("b", D("1"))]), state)
    assert info.value.code == "ledger_account_unknown"


def test_check_hold_refuses_non_positive_and_overdraw() -> None:
    state = AccountState(AccountRules("a"), D("10.00"), D("4.00"))
    assert check_hold(state, D("6")) == D("6.00")
    with pytest.raises(InsufficientFunds):
        check_hold(state, D("6.01"))
    for bad in (D("0"), D("-1")):
        with pytest.raises(ValidationError) as info:
            check_hold(state, bad)
        assert info.value.code == "amount_not_positive"


# --- holds ----------------------------------------------------------------------------------

OPEN = HoldState(id="h1", key="h1", account="budget", amount=D("30.00"))


@pytest.mark.parametrize(
    ("hold", "to", "amount", "error", "code"),
    [
        (
            HoldState("h1", "h1", "budget", D("30.00"), "captured", D("30.00")),
            "p",
            None,
            ConflictError,
            "hold_closed",
        ),
        (
            HoldState("h1", "h1", "budget", D("30.00"), "released"),
            "p",
            None,
            ConflictError,
            "hold_closed",
        ),
        (OPEN, "budget", None, ValidationError, "ledger_capture_same_account"),
        (OPEN, "p", D("30.01"), ValidationError, "capture_exceeds_hold"),
        (OPEN, "p", D("0"), ValidationError, "amount_not_positive"),
        (OPEN, "p", D("1.001"), ValidationError, "amount_precision"),
    ],
)
def test_plan_capture_refuses(
    hold: HoldState, to: str, amount: Decimal | None, error: type[DomainError], code: str
) -> None:
    with pytest.raises(error) as info:
        plan_capture(hold, to, amount)
    assert info.value.code == code


def test_plan_capture_full_and_partial() -> None:
    assert plan_capture(OPEN, "p", None) == (Entry("budget", D("-30")), Entry("p", D("30")))
    assert plan_capture(OPEN, "p", D("30.00")) == (Entry("budget", D("-30")), Entry("p", D("30")))
    assert plan_capture(OPEN, "p", D("0.01")) == (
        Entry("budget", D("-0.01")),
        Entry("p", D("0.01")),
    )


def test_fingerprints_distinguish_kinds_and_content() -> None:
    e = validate_entries([("a", D("1")), ("b", D("-1"))])
    e_swapped = validate_entries([("b", D("-1.00")), ("a", D("1.0"))])
    assert post_fingerprint(e, "") == post_fingerprint(e_swapped, "")
    assert post_fingerprint(e, "") != post_fingerprint(e, "memo")
    assert hold_fingerprint("a", D("1")) == hold_fingerprint("a", D("1.00"))
    assert hold_fingerprint("a", D("1")) != hold_fingerprint("a", D("1.01"))
    assert capture_fingerprint("h", "p", D("1")) != capture_fingerprint("h", "q", D("1"))
    assert release_fingerprint("h") != release_fingerprint("g")
    assert (
        len({post_fingerprint(e, ""), hold_fingerprint("a", D("1")), release_fingerprint("a")}) == 3
    )


# --- MemoryLedger: each operation and each refusal -----------------------------------------


def test_memory_post_moves_money() -> None:
    ledger = funded("100.00")
    posting = ledger.post("p1", [("budget", D("-30")), ("provider", D("30"))], memo="invoice 7")
    assert posting.key == "p1"
    assert posting.memo == "invoice 7"
    assert (ledger.balance("budget"), ledger.balance("provider")) == (D("70.00"), D("30.00"))
    assert ledger.balance("funding") == D("-100.00")


def test_memory_post_retry_returns_original_and_changes_nothing() -> None:
    ledger = funded()
    first = ledger.post("p1", [("budget", D("-30")), ("provider", D("30"))])
    again = ledger.post("p1", [("provider", D("30.00")), ("budget", D("-30.00"))])
    assert again is first
    assert ledger.balance("budget") == D("70.00")
    assert len(ledger.postings()) == 2


@pytest.mark.parametrize(
    "retry",
    [
        lambda lg: lg.post("p1", [("budget", D("-31")), ("provider", D("31"))]),
        lambda lg: lg.post("p1", [("budget", D("-30")), ("provider", D("30"))], memo="x"),
        lambda lg: lg.hold("p1", "budget", D("30")),
        lambda lg: lg.release("p1", "h"),
    ],
)
def test_memory_key_reused_for_other_content_conflicts(
    retry: Callable[[MemoryLedger], object],
) -> None:
    ledger = funded()
    ledger.hold("h", "budget", D("10"))
    ledger.post("p1", [("budget", D("-30")), ("provider", D("30"))])
    before = (ledger.balance("budget"), ledger.held("budget"), ledger.postings(), ledger.holds())
    with pytest.raises(ConflictError) as info:
        retry(ledger)
    assert info.value.code == "idempotency_conflict"
    assert before == (
        ledger.balance("budget"),
        ledger.held("budget"),
        ledger.postings(),
        ledger.holds(),
    )


def test_memory_overdraw_refused_and_nothing_changes() -> None:
    ledger = funded("100.00")
    with pytest.raises(InsufficientFunds) as info:
        ledger.post("p1", [("budget", D("-100.01")), ("provider", D("100.01"))])
    assert "100.00" in info.value.message_en
    assert ledger.balance("budget") == D("100.00")
    assert len(ledger.postings()) == 1
    # A failed key is not used up: the same key works once the request fits.
    ledger.post("p1", [("budget", D("-100.00")), ("provider", D("100.00"))])
    assert ledger.balance("budget") == D("0.00")


def test_memory_unknown_account_refused() -> None:
    ledger = funded()
    with pytest.raises(ValidationError) as info:
        ledger.post("p1", [("budget", D("-1")), ("nobody", D("1"))])
    assert info.value.code == "ledger_account_unknown"
    with pytest.raises(ValidationError):
        ledger.balance("nobody")


def test_memory_open_account_twice_conflicts() -> None:
    ledger = funded()
    with pytest.raises(ConflictError) as info:
        ledger.open_account("budget")
    assert info.value.code == "ledger_account_exists"


def test_memory_hold_reduces_available_not_balance() -> None:
    ledger = funded("100.00")
    hold_id = ledger.hold("h1", "budget", D("60"))
    assert (ledger.balance("budget"), ledger.held("budget"), ledger.available("budget")) == (
        D("100.00"),
        D("60.00"),
        D("40.00"),
    )
    with pytest.raises(InsufficientFunds):
        ledger.post("p1", [("budget", D("-40.01")), ("provider", D("40.01"))])
    with pytest.raises(InsufficientFunds):
        ledger.hold("h2", "budget", D("40.01"))
    assert ledger.hold("h1", "budget", D("60.00")) == hold_id  # retry
    assert ledger.held("budget") == D("60.00")


def test_memory_capture_partial_releases_rest() -> None:
    ledger = funded("100.00")
    hold_id = ledger.hold("h1", "budget", D("60"))
    posting = ledger.capture("c1", hold_id, "provider", D("45.50"))
    assert posting.entries == (Entry("budget", D("-45.50")), Entry("provider", D("45.50")))
    assert (ledger.balance("budget"), ledger.held("budget")) == (D("54.50"), D("0.00"))
    assert ledger.hold_state(hold_id).status == "captured"
    assert ledger.hold_state(hold_id).captured_amount == D("45.50")
    assert ledger.capture("c1", hold_id, "provider", D("45.5")) is posting


def test_memory_capture_full_by_default_and_explicit_is_same_request() -> None:
    ledger = funded("100.00")
    hold_id = ledger.hold("h1", "budget", D("60"))
    posting = ledger.capture("c1", hold_id, "provider")
    assert ledger.capture("c1", hold_id, "provider", D("60.00")) is posting
    assert ledger.balance("provider") == D("60.00")


@pytest.mark.parametrize(
    "second",
    [
        lambda lg, h: lg.capture("c2", h, "provider"),
        lambda lg, h: lg.release("r2", h),
    ],
)
@pytest.mark.parametrize("first", ["capture", "release"])
def test_memory_hold_closes_once(first: str, second: Callable[[MemoryLedger, str], object]) -> None:
    ledger = funded("100.00")
    hold_id = ledger.hold("h1", "budget", D("60"))
    if first == "capture":
        ledger.capture("c1", hold_id, "provider")
    else:
        ledger.release("r1", hold_id)
    before = (ledger.balance("budget"), ledger.held("budget"), ledger.postings(), ledger.holds())
    with pytest.raises(ConflictError) as info:
        second(ledger, hold_id)
    assert info.value.code == "hold_closed"
    assert before == (
        ledger.balance("budget"),
        ledger.held("budget"),
        ledger.postings(),
        ledger.holds(),
    )


def test_memory_release_frees_available() -> None:
    ledger = funded("100.00")
    hold_id = ledger.hold("h1", "budget", D("60"))
    state = ledger.release("r1", hold_id)
    assert state.status == "released"
    assert (ledger.balance("budget"), ledger.held("budget")) == (D("100.00"), D("0.00"))
    assert ledger.release("r1", hold_id) == state  # retry


def test_memory_unknown_hold() -> None:
    ledger = funded()
    with pytest.raises(NotFoundError) as info:
        ledger.capture("c1", "nope", "provider")
    assert info.value.code == "hold_not_found"
    with pytest.raises(NotFoundError):
        ledger.release("r1", "nope")


def test_memory_capture_into_unknown_account_changes_nothing() -> None:
    ledger = funded()
    hold_id = ledger.hold("h1", "budget", D("10"))
    with pytest.raises(ValidationError) as info:
        ledger.capture("c1", hold_id, "nobody")
    assert info.value.code == "ledger_account_unknown"
    assert ledger.hold_state(hold_id).status == "open"
    assert ledger.held("budget") == D("10.00")


# --- property tests ------------------------------------------------------------------------

ACCOUNTS = ("bank", "funding", "budget-a", "budget-b", "voucher", "provider")
NEGATIVE_OK = frozenset({"bank", "funding"})
SEEDED = ("budget-a", "budget-b", "voucher")

amounts = st.decimals(min_value=D("0.01"), max_value=D("400.00"), places=2)
# Mostly good amounts, sometimes one the ledger must refuse.
maybe_bad_amounts = st.one_of(
    amounts, amounts, amounts, amounts, st.sampled_from([D("0"), D("0.001"), D("-5")])
)
account_codes = st.sampled_from(ACCOUNTS)


@dataclass(frozen=True)
class Op:
    kind: str  # post | hold | capture | release
    key: str
    args: tuple[object, ...]


def _ops() -> st.SearchStrategy[list[tuple[object, ...]]]:
    post = st.tuples(st.just("post"), account_codes, account_codes, maybe_bad_amounts)
    post3 = st.tuples(
        st.just("post3"), account_codes, account_codes, account_codes, amounts, amounts
    )
    hold = st.tuples(st.just("hold"), account_codes, maybe_bad_amounts)
    small = st.decimals(min_value=D("0.01"), max_value=D("60.00"), places=2)
    capture = st.tuples(
        st.just("capture"), st.integers(0, 50), account_codes, st.one_of(st.none(), small)
    )
    release = st.tuples(st.just("release"), st.integers(0, 50))
    retry = st.tuples(st.just("retry"), st.integers(0, 200), st.booleans())
    # Repeated branches weight the mix towards holds, captures and retries.
    return st.lists(
        st.one_of(post, post3, hold, hold, capture, capture, release, retry, retry),
        min_size=1,
        max_size=80,
    )


def _snapshot(ledger: MemoryLedger) -> tuple[object, ...]:
    return (
        tuple((c, ledger.balance(c), ledger.held(c)) for c in ACCOUNTS),
        ledger.postings(),
        ledger.holds(),
    )


def _run(ledger: MemoryLedger, op: Op) -> object:
    if op.kind == "post":
        return ledger.post(op.key, op.args[0], *op.args[1:])  # type: ignore[arg-type]  # args built below
    if op.kind == "hold":
        return ledger.hold(op.key, *op.args)  # type: ignore[arg-type]  # args built below
    if op.kind == "capture":
        return ledger.capture(op.key, *op.args)  # type: ignore[arg-type]  # args built below
    return ledger.release(op.key, *op.args)  # type: ignore[arg-type]  # args built below


def _mutated(op: Op) -> Op:
    """The same key with a different request."""
    if op.kind == "post":
        entries = op.args[0]
        assert isinstance(entries, list)
        return Op(op.kind, op.key, (entries, "changed memo"))
    if op.kind == "hold":
        return Op(op.kind, op.key, (op.args[0], D("0.01") + op.args[1]))  # type: ignore[operator]  # a Decimal
    if op.kind == "capture":
        return Op(op.kind, op.key, (op.args[0], "bank", op.args[2]))
    return Op("hold", op.key, ("bank", D("1.00")))


def _check_invariants(ledger: MemoryLedger) -> None:
    balances = {c: ledger.balance(c) for c in ACCOUNTS}
    assert sum(balances.values(), D("0")) == 0
    from_entries = dict.fromkeys(ACCOUNTS, D("0"))
    for posting in ledger.postings():
        assert sum((e.amount for e in posting.entries), D("0")) == 0
        for e in posting.entries:
            from_entries[e.account] += e.amount
    assert from_entries == balances
    open_holds = dict.fromkeys(ACCOUNTS, D("0"))
    for h in ledger.holds():
        if h.status == "open":
            open_holds[h.account] += h.amount
        elif h.status == "captured":
            assert D("0") < h.captured_amount <= h.amount
    for c in ACCOUNTS:
        assert ledger.held(c) == open_holds[c]
        if c not in NEGATIVE_OK:
            assert ledger.balance(c) >= 0
            assert ledger.available(c) >= 0


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_ops=_ops(), seed=st.booleans())
def test_memory_ledger_invariants_hold_under_any_sequence(
    raw_ops: list[tuple[object, ...]], seed: bool
) -> None:
    _exercise(raw_ops, seed, note=event)


def _random_ops(rng: random.Random, n: int) -> list[tuple[object, ...]]:
    """Long sequences, which Hypothesis rarely tries, drawn from a seeded generator."""

    def amount(top: int = 40000) -> Decimal:
        if rng.random() < 0.05:
            return rng.choice([D("0"), D("0.001"), D("-5")])
        return D(rng.randint(1, top)) / 100

    def code() -> str:
        return rng.choice(ACCOUNTS)

    ops: list[tuple[object, ...]] = []
    for _ in range(n):
        kind = rng.choice(
            ["post", "post3", "hold", "hold", "capture", "capture", "release", "retry"]
        )
        if kind == "post":
            ops.append((kind, code(), code(), amount()))
        elif kind == "post3":
            ops.append((kind, code(), code(), code(), amount(), amount()))
        elif kind == "hold":
            ops.append((kind, code(), amount()))
        elif kind == "capture":
            ops.append((kind, rng.randint(0, 50), code(), rng.choice([None, amount(6000)])))
        elif kind == "release":
            ops.append((kind, rng.randint(0, 50)))
        else:
            ops.append((kind, rng.randint(0, 500), rng.random() < 0.5))
    return ops


@pytest.mark.parametrize("seed", range(20))
def test_memory_ledger_invariants_hold_over_long_runs(seed: int) -> None:
    _exercise(_random_ops(random.Random(seed), 300), seed=seed % 4 != 0)


def _exercise(
    raw_ops: list[tuple[object, ...]], seed: bool, note: Callable[[str], object] = lambda _: None
) -> None:
    """Run the operations, checking after each that the invariants hold."""
    ledger = MemoryLedger()
    for code in ACCOUNTS:
        ledger.open_account(code, allow_negative=code in NEGATIVE_OK)
    if seed:
        ledger.post("seed", [("funding", D("-3000")), *((c, D("1000")) for c in SEEDED)])
    done: list[tuple[Op, object]] = []  # operations that succeeded, with their results
    tried: list[Op] = []  # every operation, failed ones too
    hold_ids: list[str] = []
    for n, raw in enumerate(raw_ops):
        kind = raw[0]
        key = f"k{n}"
        if kind == "post":
            _, a, b, amt = raw
            op = Op("post", key, ([(a, -amt), (b, amt)], ""))  # type: ignore[operator]  # a Decimal
        elif kind == "post3":
            _, a, b, c, x, y = raw
            op = Op("post", key, ([(a, -(x + y)), (b, x), (c, y)], ""))  # type: ignore[operator]  # Decimals
        elif kind == "hold":
            op = Op("hold", key, raw[1:])
        elif kind in {"capture", "release"}:
            index = raw[1]
            assert isinstance(index, int)
            hold_id = hold_ids[index % len(hold_ids)] if hold_ids else "no-such-hold"
            op = Op(kind, key, (hold_id, *raw[2:]))
        else:
            _, index, mutate = raw
            assert isinstance(index, int)
            if not tried:
                continue
            earlier = tried[index % len(tried)]
            op = _mutated(earlier) if mutate else earlier

        before = _snapshot(ledger)
        original = next((result for o, result in done if o.key == op.key), None)
        try:
            result = _run(ledger, op)
        except (DomainError, TypeError) as exc:
            note(f"{op.kind} refused: {getattr(exc, 'code', type(exc).__name__)}")
            # A failed operation changes nothing.
            assert _snapshot(ledger) == before
            if original is not None and op in [o for o, _ in done]:
                raise AssertionError(f"retry of a successful operation failed: {exc!r}") from exc
        else:
            note(f"{op.kind} {'replayed' if original is not None else 'done'}")
            if original is not None:
                # A retried key returns the original result and changes nothing.
                assert result == original
                assert _snapshot(ledger) == before
            else:
                done.append((op, result))
                if op.kind == "hold":
                    assert isinstance(result, str)
                    hold_ids.append(result)
        if op not in tried:
            tried.append(op)
        _check_invariants(ledger)


@settings(max_examples=100, deadline=None)
@given(amounts=st.lists(st.tuples(account_codes, st.decimals(-500, 500, places=2)), max_size=6))
def test_validate_entries_accepts_exactly_the_balanced_sets(
    amounts: list[tuple[str, Decimal]],
) -> None:
    accounts = [a for a, _ in amounts]
    ok = (
        len(amounts) >= 2
        and len(set(accounts)) == len(accounts)
        and all(x != 0 for _, x in amounts)
        and sum((x for _, x in amounts), D("0")) == 0
    )
    if ok:
        assert [e.amount for e in validate_entries(amounts)] == [x for _, x in amounts]
    else:
        with pytest.raises(ValidationError):
            validate_entries(amounts)
