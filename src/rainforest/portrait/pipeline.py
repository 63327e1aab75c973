"""The portrait's features, per enterprise per month, written once against Ibis.

The same expression compiles to DuckDB (the default, one machine) and to Spark (a
cluster, for data that outgrows one machine); tests run both on the same small data and
compare the outputs row for row. Every column is an integer (amounts in fen, growth in
basis points), so the engines agree exactly.

How a month's row is built, in two parts, because the sources come in two shapes:

- **Dense**: tax, social insurance and utility have a row per enterprise per month. A
  *spine* has one row per enterprise per month of its life within the data window; each
  monthly source is joined to it on (enterprise, month) — ingestion guarantees at most one
  row per enterprise and month (the month is the first of its month and the key is
  checked) — and one window pass over the enterprise's months gives the rolling 12 months
  of tax and of paid utility bills, the 12 months before those, and the headcount 12
  months ago.
- **Sparse**: patents, court cases, subsidies, pledges, vouchers and tiers are events,
  a few per enterprise. Every feature they feed is a running total of signed deltas in
  the event's month: a patent adds one from its grant on; a court case adds one when filed
  and takes it back when closed; a subsidy adds its amount when paid and takes it back 36
  months later (a rolling 36-month sum), a voucher 12 months later; a tier adds one when
  awarded and takes it back the month after it lapses. The running totals are computed
  over the events only (a few rows per enterprise, not one per month) and each month's
  row takes those of its enterprise's latest event month (found in the same window pass).

Enterprises are numbered once (``id``) so the big joins and the window sort on integers.

Incremental runs: ``touched`` lists, per enterprise, the first month a new drop changed.
Only those enterprises are recomputed, only from that month on; the spine for them starts
``LOOKBACK`` months earlier so that every window of an emitted row is complete. Events
before the spine's first month count in its first month for running totals, so a partial
spine gives the same numbers as a full one.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

__all__ = ["FEATURE_COLUMNS", "LOOKBACK", "RUNNING", "TIERS", "features", "merge"]

# The longest window is 36 months (subsidies); growth compares two 12-month windows.
LOOKBACK = 35

FEATURE_COLUMNS = (
    "uscc",
    "mi",
    "month",
    "months_active",
    "tax_12m_fen",
    "tax_prev_12m_fen",
    "tax_growth_bp",
    "headcount",
    "headcount_12m_ago",
    "headcount_change_pct",
    "patents_invention",
    "patents_utility",
    "patents_design",
    "trademarks",
    "court_open_defendant",
    "utility_paid_months_12m",
    "subsidies_36m_fen",
    "pledges_count",
    "pledges_fen",
    "vouchers_12m_fen",
    "tier_hnte",
    "tier_sme_specialised",
    "tier_little_giant",
    "tier_single_champion",
)

# The event deltas and the running total (feature) each one feeds.
RUNNING: dict[str, str] = {
    "inv": "patents_invention",
    "uti": "patents_utility",
    "des": "patents_design",
    "tm": "trademarks",
    "court": "court_open_defendant",
    "subsidy_fen": "subsidies_36m_fen",
    "pledge_n": "pledges_count",
    "pledge_fen": "pledges_fen",
    "voucher_fen": "vouchers_12m_fen",
}
# Tiers: held while the running total of awards minus lapses is positive.
TIERS: dict[str, tuple[str, str]] = {
    "hnte": ("hnte", "tier_hnte"),
    "sme": ("sme_specialised", "tier_sme_specialised"),
    "giant": ("little_giant", "tier_little_giant"),
    "champion": ("single_champion", "tier_single_champion"),
}
_DELTAS = (*RUNNING, *TIERS)
# Rolling sums of events: the months an amount stays in the sum.
SUBSIDY_MONTHS = 36
VOUCHER_MONTHS = 12


def _mi(value: ir.DateValue) -> ir.IntegerValue:
    return value.year().cast("int64") * 12 + value.month().cast("int64") - 1


def _int(value: ir.NumericValue) -> ir.IntegerValue:
    """An exact BIGINT: DuckDB sums BIGINTs as HUGEINT, which Parquet would store as a double.

    Ibis drops a cast to the type it already believes a column has, so go through decimal:
    DECIMAL(18, 0), which DuckDB keeps in a BIGINT, so the casts are cheap (through
    DECIMAL(38, 0), a HUGEINT, they cost more than the window sums themselves). A sum
    beyond 10^18 fen fails the cast instead of wrapping.
    """
    return value.cast("decimal(18, 0)").cast("int64")


def _firms(reg: ir.Table, *, first_mi: int, last_mi: int, touched: ir.Table | None) -> ir.Table:
    """One row per enterprise computed: id, months of its spine and the first emitted."""
    cancelled = ibis.cases(
        ((reg.status == "cancelled") & reg.cancelled_on.notnull(), _mi(reg.cancelled_on)),
        else_=ibis.literal(last_mi),
    )
    firms = reg.select(
        uscc=reg.uscc,
        founded_mi=_mi(reg.founded_on),
        end_mi=ibis.least(cancelled, ibis.literal(last_mi)),
    )
    if touched is not None:
        firms = firms.inner_join(touched, "uscc")
        firms = firms.select(
            "uscc",
            "founded_mi",
            "end_mi",
            start_mi=ibis.greatest(firms.founded_mi, first_mi, firms.from_mi - LOOKBACK),
            emit_mi=ibis.greatest(firms.founded_mi, first_mi, firms.from_mi),
        )
    else:
        firms = firms.mutate(
            start_mi=ibis.greatest(firms.founded_mi, ibis.literal(first_mi)),
        ).mutate(emit_mi=lambda f: f.start_mi)
    firms = firms.filter(firms.end_mi >= firms.start_mi)
    return firms.mutate(id=ibis.row_number().over(order_by=firms.uscc))


def _events(t: Mapping[str, ir.Table], firms: ir.Table) -> ir.Table:
    """Every event as (id, mi, a delta per running total), inside its enterprise's spine."""
    bounds = firms.select("uscc", "id", "start_mi", "end_mi")

    def deltas(table: ir.Table, emi: ir.IntegerValue, **values: ir.IntegerValue | int) -> ir.Table:
        """(uscc, emi, every delta): the given values, the other deltas 0."""
        cols: dict[str, ir.Value] = {"uscc": table.uscc, "emi": emi.cast("int64")}
        for name in _DELTAS:
            value = values.get(name, 0)
            cols[name] = (value if isinstance(value, ir.Value) else ibis.literal(value)).cast(
                "int64"
            )
        return table.select(**cols)

    def held(events: ir.Table) -> ir.Table:
        """Counted from their month on: an event before the spine in its first month."""
        j = events.inner_join(bounds, "uscc")
        j = j.filter(j.emi <= j.end_mi)
        return j.select("id", *_DELTAS, mi=ibis.greatest(j.emi, j.start_mi))

    def rolling(table: ir.Table, emi: ir.IntegerValue, name: str, months: int) -> ir.Table:
        """A rolling sum: the amount in the month paid, taken back ``months`` later.

        Only amounts paid within the spine count (as a window over the spine's months).
        """
        j = deltas(table, emi, **{name: table.amount_fen}).inner_join(bounds, "uscc")
        j = j.filter((j.emi >= j.start_mi) & (j.emi <= j.end_mi))
        paid = j.select("id", *_DELTAS, mi=j.emi)
        back = j.filter(j.emi + months <= j.end_mi)
        back = back.select("id", *_DELTAS, mi=back.emi + months)
        return paid.union(back.mutate(**{name: -back[name]}))

    def is_(col: ir.Value, value: str) -> ir.IntegerValue:
        return (col == value).cast("int64")

    ip = t["ip"]
    court = t["court"].filter(lambda c: (c.role == "defendant") & c.uscc.notnull())
    closed = court.filter(court.closed_on.notnull())
    pledge = t["pledge"]
    tier = t["tier"]
    lapsed = tier.filter(tier.valid_until.notnull())
    events = [
        deltas(
            ip,
            _mi(ip.granted_on),
            inv=is_(ip.ip_type, "invention"),
            uti=is_(ip.ip_type, "utility"),
            des=is_(ip.ip_type, "design"),
            tm=is_(ip.ip_type, "trademark"),
        ),
        deltas(court, _mi(court.filed_on), court=1),
        deltas(closed, _mi(closed.closed_on), court=-1),
        deltas(pledge, _mi(pledge.registered_on), pledge_n=1, pledge_fen=pledge.amount_fen),
        deltas(
            tier, _mi(tier.awarded_on), **{k: is_(tier.tier, v) for k, (v, _f) in TIERS.items()}
        ),
        # A tier lapses the month after its last valid day.
        deltas(
            lapsed,
            _mi(lapsed.valid_until) + 1,
            **{k: -is_(lapsed.tier, v) for k, (v, _f) in TIERS.items()},
        ),
    ]
    stacked = events[0]
    for part in events[1:]:
        stacked = stacked.union(part)
    subsidy, voucher = t["subsidy"], t["voucher"]
    return (
        held(stacked)
        .union(rolling(subsidy, _mi(subsidy.paid_on), "subsidy_fen", SUBSIDY_MONTHS))
        .union(rolling(voucher, _mi(voucher.used_on), "voucher_fen", VOUCHER_MONTHS))
    )


def _monthly(t: Mapping[str, ir.Table], code: str, firms: ir.Table, **values: str) -> ir.Table:
    """A monthly source as (id, mi, its values), only the months of the enterprise's spine."""
    table = t[code]
    table = table.select("uscc", mi=_mi(table.month), **{k: table[v] for k, v in values.items()})
    j = table.inner_join(firms.select("uscc", "id", "start_mi", "end_mi"), "uscc")
    j = j.filter((j.mi >= j.start_mi) & (j.mi <= j.end_mi))
    return j.select("id", "mi", *values)


def features(
    t: Mapping[str, ir.Table],
    *,
    first_mi: int,
    last_mi: int,
    touched: ir.Table | None = None,
) -> ir.Table:
    """Features per enterprise per month, for every month from ``first_mi`` to ``last_mi``.

    ``t`` maps source codes to tables; ``t["court"]`` must already carry ``uscc`` (linked).
    With ``touched`` (uscc, from_mi) only those enterprises and months are computed.
    """
    firms = _firms(t["registration"], first_mi=first_mi, last_mi=last_mi, touched=touched)

    # Sparse: running totals over each enterprise's event months.
    ev = _events(t, firms)
    ev = ev.group_by(["id", "mi"]).aggregate(**{d: _int(ev[d].sum()) for d in _DELTAS})
    upto = ibis.cumulative_window(group_by=ev.id, order_by=ev.mi)
    running = ev.select(
        "id",
        ev_mi=ev.mi,
        **{feature: _int(ev[d].sum().over(upto)) for d, feature in RUNNING.items()},
        **{
            feature: (ev[d].sum().over(upto) > 0).cast("int64")
            for d, (_v, feature) in TIERS.items()
        },
    )

    # Dense: the spine with the monthly sources and the event months joined on.
    spine = firms.select("id", "emit_mi", mi=ibis.range(firms.start_mi, firms.end_mi + 1).unnest())
    g = spine
    for part in (
        _monthly(t, "tax", firms, tax_fen="tax_fen"),
        _monthly(t, "social", firms, headcount="headcount"),
        _monthly(t, "utility", firms, paid="paid"),
        ev.select("id", "mi", ev_mi=ev.mi),
    ):
        j = g.left_join(part, [g.id == part.id, g.mi == part.mi])
        g = j.select(*[j[c] for c in g.columns], *[j[c] for c in part.columns[2:]])

    months = ibis.window(group_by=g.id, order_by=g.mi)
    last12 = ibis.window(group_by=g.id, order_by=g.mi, rows=(-11, 0))
    before12 = ibis.window(group_by=g.id, order_by=g.mi, rows=(-23, -12))
    upto_month = ibis.cumulative_window(group_by=g.id, order_by=g.mi)
    tax = g.tax_fen.fill_null(0)
    w = g.select(
        "id",
        "mi",
        "emit_mi",
        "headcount",
        tax_12m_fen=_int(tax.sum().over(last12)),
        # The 12 months before those: null in the first 12 months of the spine.
        tax_prev_12m_fen=_int(tax.sum().over(before12)),
        headcount_12m_ago=g.headcount.lag(12).over(months),
        utility_paid_months_12m=_int(g.paid.cast("int64").fill_null(0).sum().over(last12)),
        ev_mi=g.ev_mi.max().over(upto_month),
    )
    w = w.filter(w.mi >= w.emit_mi)

    j = w.inner_join(firms.select("id", "uscc", "founded_mi"), "id")
    j = j.left_join(running, [j.id == running.id, j.ev_mi == running.ev_mi])
    # Growth in double precision (exact for any difference below 2^53 fen); a literal
    # 10000.0 would make DuckDB multiply in DECIMAL, three times slower, same result.
    f = j.select(
        "uscc",
        "mi",
        month=ibis.date(
            (j.mi / 12).floor().cast("int32"), (j.mi % 12 + 1).cast("int32"), ibis.literal(1)
        ),
        months_active=j.mi - j.founded_mi + 1,
        tax_12m_fen=j.tax_12m_fen,
        tax_prev_12m_fen=j.tax_prev_12m_fen,
        tax_growth_bp=ibis.cases(
            (
                j.tax_prev_12m_fen > 0,
                ((j.tax_12m_fen - j.tax_prev_12m_fen).cast("float64") * 10000 / j.tax_prev_12m_fen)
                .round()
                .cast("int64"),
            ),
            else_=ibis.null().cast("int64"),
        ),
        headcount=j.headcount,
        headcount_12m_ago=j.headcount_12m_ago,
        headcount_change_pct=ibis.cases(
            (
                j.headcount_12m_ago > 0,
                ((j.headcount - j.headcount_12m_ago).cast("float64") * 100 / j.headcount_12m_ago)
                .round()
                .cast("int64"),
            ),
            else_=ibis.null().cast("int64"),
        ),
        utility_paid_months_12m=j.utility_paid_months_12m,
        **{feature: j[feature].fill_null(0) for feature in RUNNING.values()},
        **{feature: j[feature].fill_null(0) for _d, (_v, feature) in TIERS.items()},
    )
    return f.select(*FEATURE_COLUMNS)


def merge(previous: ir.Table, computed: ir.Table, touched: ir.Table) -> ir.Table:
    """The previous features with the recomputed rows replaced (enterprise, month >= from)."""
    stale = previous.inner_join(touched, "uscc")
    stale = stale.filter(stale.mi >= stale.from_mi).select("uscc", "mi")
    kept = previous.anti_join(stale, ["uscc", "mi"])
    return kept.select(*FEATURE_COLUMNS).union(computed.select(*FEATURE_COLUMNS))
