"""The portrait's features, per enterprise per month, written once against Ibis.

The same expression compiles to DuckDB (the default, one machine) and to Spark (a
cluster, for data that outgrows one machine); tests run both on the same small data and
compare the outputs row for row. Every column is an integer (amounts in fen, growth in
basis points), so the engines agree exactly.

How a month's row is built: a *spine* has one row per enterprise per month of its life
within the data window; each source is reduced to deltas per (enterprise, month) and all
of them are stacked and summed in one pass, joined to the spine once, then turned into
features by window functions over the enterprise's months: rolling 12 or 36 months,
cumulative sums (patents held, open court cases), and a lag of 12 for growth.

Incremental runs: ``touched`` lists, per enterprise, the first month a new drop changed.
Only those enterprises are recomputed, only from that month on; the spine for them starts
``LOOKBACK`` months earlier so that every window of an emitted row is complete. Events
before the spine's first month count in its first month for cumulative features, so a
partial spine gives the same numbers as a full one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ibis
import ibis.expr.types as ir

__all__ = ["FEATURE_COLUMNS", "LOOKBACK", "features", "merge"]

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

# Delta columns every source contributes to (zero or null where it has nothing).
_DELTAS: dict[str, str] = {
    "tax_fen": "int64",
    "headcount": "int64",
    "utility_paid": "int64",
    "inv": "int64",
    "uti": "int64",
    "des": "int64",
    "tm": "int64",
    "court": "int64",
    "subsidy_fen": "int64",
    "pledge_n": "int64",
    "pledge_fen": "int64",
    "voucher_fen": "int64",
    "hnte": "int64",
    "sme": "int64",
    "giant": "int64",
    "champion": "int64",
}
_NULLABLE = {"headcount"}


def _mi(value: ir.DateValue) -> ir.IntegerValue:
    return value.year().cast("int64") * 12 + value.month().cast("int64") - 1


def _int(value: ir.NumericValue) -> ir.IntegerValue:
    """An exact BIGINT: DuckDB sums BIGINTs as HUGEINT, which Parquet would store as a double.

    Ibis drops a cast to the type it already believes a column has, so go through decimal.
    """
    return value.cast("decimal(38, 0)").cast("int64")


def _deltas(table: ir.Table, mi: ir.IntegerValue, **values: Any) -> ir.Table:
    """The table as (uscc, mi, every delta column): its own values, the others 0 or null."""
    cols: dict[str, Any] = {"uscc": table.uscc, "mi": mi.cast("int64")}
    for name, dtype in _DELTAS.items():
        if name in values:
            cols[name] = values[name].cast(dtype)
        elif name in _NULLABLE:
            cols[name] = ibis.null().cast(dtype)
        else:
            cols[name] = ibis.literal(0).cast(dtype)
    return table.select(**cols)


def features(
    t: Mapping[str, ir.Table],
    *,
    first_mi: int,
    last_mi: int,
    touched: ir.Table | None = None,
    min_touched_mi: int | None = None,
) -> ir.Table:
    """Features per enterprise per month, for every month from ``first_mi`` to ``last_mi``.

    ``t`` maps source codes to tables; ``t["court"]`` must already carry ``uscc`` (linked).
    With ``touched`` (uscc, from_mi) only those enterprises and months are computed.
    """
    reg = t["registration"]
    founded = _mi(reg.founded_on)
    cancelled = ibis.cases(
        ((reg.status == "cancelled") & reg.cancelled_on.notnull(), _mi(reg.cancelled_on)),
        else_=ibis.literal(last_mi),
    )
    firms = reg.select(
        uscc=reg.uscc,
        founded_mi=founded,
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

    window_from = first_mi
    if touched is not None and min_touched_mi is not None:
        window_from = max(first_mi, min_touched_mi - LOOKBACK)

    def monthly(code: str) -> ir.Table:
        table = t[code]
        table = table.mutate(mi=_mi(table.month))
        table = table.filter(table.mi >= window_from)
        if touched is not None:
            table = table.semi_join(firms, "uscc")
        return table

    def events(code: str, column: str) -> ir.Table:
        """Events with their month clamped into the enterprise's spine (for cumulative sums)."""
        table = t[code]
        table = table.mutate(emi=_mi(table[column]))
        joined = table.inner_join(firms.select("uscc", "start_mi", "end_mi"), "uscc")
        joined = joined.filter(joined.emi <= joined.end_mi)
        return joined.mutate(cmi=ibis.greatest(joined.emi, joined.start_mi))

    tax = monthly("tax").group_by(["uscc", "mi"]).aggregate(v=lambda s: s.tax_fen.sum())
    social = monthly("social").group_by(["uscc", "mi"]).aggregate(v=lambda s: s.headcount.max())
    utility = (
        monthly("utility")
        .group_by(["uscc", "mi"])
        .aggregate(v=lambda s: s.paid.cast("int64").max())
    )
    ip = events("ip", "granted_on")
    court = t["court"].filter(lambda c: (c.role == "defendant") & c.uscc.notnull())
    court_opened = court.select("uscc", day=court.filed_on, d=ibis.literal(1).cast("int64"))
    court_closed = court.filter(court.closed_on.notnull()).select(
        "uscc", day=court.closed_on, d=ibis.literal(-1).cast("int64")
    )
    court_ev = court_opened.union(court_closed)
    court_ev = court_ev.mutate(emi=_mi(court_ev.day))
    court_ev = court_ev.inner_join(firms.select("uscc", "start_mi", "end_mi"), "uscc")
    court_ev = court_ev.filter(court_ev.emi <= court_ev.end_mi).mutate(
        cmi=lambda c: ibis.greatest(c.emi, c.start_mi)
    )
    tiers = t["tier"]
    tier_on = tiers.select(
        "uscc", "tier", day=tiers.awarded_on, d=ibis.literal(1).cast("int64"), shift=ibis.literal(0)
    )
    tier_off = tiers.filter(tiers.valid_until.notnull()).select(
        "uscc",
        "tier",
        day=tiers.valid_until,
        d=ibis.literal(-1).cast("int64"),
        shift=ibis.literal(1),
    )
    tier_ev = tier_on.union(tier_off)
    tier_ev = tier_ev.mutate(emi=_mi(tier_ev.day) + tier_ev.shift)
    tier_ev = tier_ev.inner_join(firms.select("uscc", "start_mi", "end_mi"), "uscc")
    tier_ev = tier_ev.filter(tier_ev.emi <= tier_ev.end_mi).mutate(
        cmi=lambda c: ibis.greatest(c.emi, c.start_mi)
    )

    def windowed(code: str, column: str) -> ir.Table:
        table = t[code]
        table = table.mutate(emi=_mi(table[column]))
        joined = table.inner_join(firms.select("uscc", "start_mi", "end_mi"), "uscc")
        return joined.filter((joined.emi >= joined.start_mi) & (joined.emi <= joined.end_mi))

    subsidy = windowed("subsidy", "paid_on")
    voucher = windowed("voucher", "used_on")
    pledge = events("pledge", "registered_on")

    def is_(col: ir.Value, value: str) -> ir.IntegerValue:
        return (col == value).cast("int64")

    parts = [
        _deltas(tax, tax.mi, tax_fen=tax.v),
        _deltas(social, social.mi, headcount=social.v),
        _deltas(utility, utility.mi, utility_paid=utility.v),
        _deltas(
            ip,
            ip.cmi,
            inv=is_(ip.ip_type, "invention"),
            uti=is_(ip.ip_type, "utility"),
            des=is_(ip.ip_type, "design"),
            tm=is_(ip.ip_type, "trademark"),
        ),
        _deltas(court_ev, court_ev.cmi, court=court_ev.d),
        _deltas(subsidy, subsidy.emi, subsidy_fen=subsidy.amount_fen),
        _deltas(pledge, pledge.cmi, pledge_n=ibis.literal(1), pledge_fen=pledge.amount_fen),
        _deltas(voucher, voucher.emi, voucher_fen=voucher.amount_fen),
        _deltas(
            tier_ev,
            tier_ev.cmi,
            hnte=is_(tier_ev.tier, "hnte") * tier_ev.d,
            sme=is_(tier_ev.tier, "sme_specialised") * tier_ev.d,
            giant=is_(tier_ev.tier, "little_giant") * tier_ev.d,
            champion=is_(tier_ev.tier, "single_champion") * tier_ev.d,
        ),
    ]
    stacked = parts[0]
    for part in parts[1:]:
        stacked = stacked.union(part)
    sums = stacked.group_by(["uscc", "mi"]).aggregate(
        **{
            name: (stacked[name].max() if name in _NULLABLE else stacked[name].sum())
            for name in _DELTAS
        }
    )

    months = ibis.memtable({"mi": list(range(first_mi, last_mi + 1))}, schema={"mi": "int64"})
    spine = firms.cross_join(months)
    spine = spine.filter((spine.mi >= spine.start_mi) & (spine.mi <= spine.end_mi))
    j = spine.left_join(sums, ["uscc", "mi"])
    j = j.select(
        "uscc",
        "mi",
        "founded_mi",
        "emit_mi",
        **{name: (j[name] if name in _NULLABLE else j[name].fill_null(0)) for name in _DELTAS},
    )
    by = ibis.window(group_by=j.uscc, order_by=j.mi)
    w12 = ibis.window(group_by=j.uscc, order_by=j.mi, preceding=11, following=0)
    w36 = ibis.window(group_by=j.uscc, order_by=j.mi, preceding=35, following=0)
    cum = ibis.cumulative_window(group_by=j.uscc, order_by=j.mi)
    f = j.select(
        "uscc",
        "mi",
        "emit_mi",
        "headcount",
        months_active=j.mi - j.founded_mi + 1,
        tax_12m_fen=_int(j.tax_fen.sum().over(w12)),
        patents_invention=_int(j.inv.sum().over(cum)),
        patents_utility=_int(j.uti.sum().over(cum)),
        patents_design=_int(j.des.sum().over(cum)),
        trademarks=_int(j.tm.sum().over(cum)),
        court_open_defendant=_int(j.court.sum().over(cum)),
        utility_paid_months_12m=_int(j.utility_paid.sum().over(w12)),
        subsidies_36m_fen=_int(j.subsidy_fen.sum().over(w36)),
        pledges_count=_int(j.pledge_n.sum().over(cum)),
        pledges_fen=_int(j.pledge_fen.sum().over(cum)),
        vouchers_12m_fen=_int(j.voucher_fen.sum().over(w12)),
        tier_hnte=(j.hnte.sum().over(cum) > 0).cast("int64"),
        tier_sme_specialised=(j.sme.sum().over(cum) > 0).cast("int64"),
        tier_little_giant=(j.giant.sum().over(cum) > 0).cast("int64"),
        tier_single_champion=(j.champion.sum().over(cum) > 0).cast("int64"),
    )
    f = f.mutate(
        tax_prev_12m_fen=f.tax_12m_fen.lag(12).over(by),
        headcount_12m_ago=f.headcount.lag(12).over(by),
    )
    f = f.filter(f.mi >= f.emit_mi)
    f = f.mutate(
        tax_growth_bp=ibis.cases(
            (
                f.tax_prev_12m_fen > 0,
                ((f.tax_12m_fen - f.tax_prev_12m_fen) * 10000.0 / f.tax_prev_12m_fen)
                .round()
                .cast("int64"),
            ),
            else_=ibis.null().cast("int64"),
        ),
        headcount_change_pct=ibis.cases(
            (
                f.headcount_12m_ago > 0,
                ((f.headcount - f.headcount_12m_ago) * 100.0 / f.headcount_12m_ago)
                .round()
                .cast("int64"),
            ),
            else_=ibis.null().cast("int64"),
        ),
        month=ibis.date(
            (f.mi / 12).floor().cast("int32"), (f.mi % 12 + 1).cast("int32"), ibis.literal(1)
        ),
    )
    return f.select(*FEATURE_COLUMNS)


def merge(previous: ir.Table, computed: ir.Table, touched: ir.Table) -> ir.Table:
    """The previous features with the recomputed rows replaced (enterprise, month >= from)."""
    stale = previous.inner_join(touched, "uscc")
    stale = stale.filter(stale.mi >= stale.from_mi).select("uscc", "mi")
    kept = previous.anti_join(stale, ["uscc", "mi"])
    return kept.select(*FEATURE_COLUMNS).union(computed.select(*FEATURE_COLUMNS))
