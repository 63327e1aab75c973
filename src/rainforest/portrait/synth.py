"""A seeded generator of realistic synthetic department records (合成数据), at any scale.

Every enterprise has a hidden quality that drives its records: better firms grow their
tax and headcount, pay their electricity bills, obtain patents and tiers, are sued less
and default less. So the portrait's features carry signal and the scorecard can be fitted
on the synthetic loan outcomes (``outcomes.parquet``) and show real discrimination.

Court records carry only a party name, written the ways clerks write it: with the other
legal form (有限公司 / 有限责任公司), the region in brackets (（深圳） / (深圳)), full-width
letters, or a typo; some name firms that are not in the registry at all.

Drops are written as the departments would deliver them: for each source, one file with
the history before the last ``tail`` months and one file per month after that
(``tax/history.parquet``, ``tax/2026-06.parquet``). Registration is a snapshot.
Monthly series are generated with numpy in one pass per source, so 100 million rows take
minutes, not hours; the same seed gives the same records.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from rainforest.core.ids import USCC_ALPHABET, make_uscc
from rainforest.portrait.sources import SOURCES

__all__ = ["SynthResult", "generate", "mi_of", "month_of"]

TRADE_CHARS = (
    "雨林光芯智药具身云启星河海岸鹏程前海蛇口科韵华创微纳量子极光晨曦天工远望"
    "深蓝优贝启明卓越睿思博远恒通鼎盛锐新宏图未来先锋聚能灵犀迅达"
)
LATIN = ("AI", "ABC", "X", "GENE", "NOVA", "iCUBE", "E-LINK", "5G")
INDUSTRY_WORDS = (
    "科技",
    "智能科技",
    "生物科技",
    "半导体",
    "机器人",
    "信息技术",
    "新能源",
    "医疗器械",
)
INDUSTRIES = (
    "software",
    "ai",
    "biotech",
    "semiconductor",
    "robotics",
    "software",
    "energy",
    "medical",
)
DISTRICTS = ("南山区", "福田区", "宝安区", "龙岗区", "龙华区", "光明区", "坪山区", "罗湖区")
DISTRICT_CODES = (
    "nanshan",
    "futian",
    "baoan",
    "longgang",
    "longhua",
    "guangming",
    "pingshan",
    "luohu",
)
ROADS = ("科技", "高新", "深南", "滨海", "创业", "学府", "留仙", "沙河", "宝安", "龙华")


def mi_of(day: date) -> int:
    """A month as one integer: year * 12 + month - 1."""
    return day.year * 12 + day.month - 1


def month_of(mi: int) -> date:
    return date(mi // 12, mi % 12 + 1, 1)


def _dates(mi: np.ndarray, day: np.ndarray | None = None) -> pa.Array:
    months = (mi - 1970 * 12).astype("timedelta64[M]") + np.datetime64("1970-01", "M")
    days = months.astype("datetime64[D]")
    if day is not None:
        days = days + day.astype("timedelta64[D]")
    return pa.array(days.astype("datetime64[D]"), type=pa.date32())


def _uscc_body(index: int) -> str:
    digits = []
    n = index
    for _ in range(9):
        n, r = divmod(n, len(USCC_ALPHABET))
        digits.append(USCC_ALPHABET[r])
    return "91440300" + "".join(reversed(digits))


@dataclass
class Firm:
    uscc: str
    name: str
    address: str
    district: str
    industry: str
    founded_mi: int
    cancelled_mi: int | None
    quality: float


@dataclass
class SynthResult:
    """What was written, and the truth behind the court records (for measuring linking)."""

    directory: Path
    firms: list[Firm]
    rows: dict[str, int] = field(default_factory=dict)
    bad_rows: dict[str, int] = field(default_factory=dict)
    # case_number -> the true uscc (None for firms not in the registry).
    court_truth: dict[tuple[str, str], str | None] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _names(rng: np.random.Generator, n: int, fixed: list[tuple[str, str]]) -> list[str]:
    names: list[str] = [name for _u, name in fixed]
    seen = set(names)
    chars = TRADE_CHARS
    while len(names) < n:
        length = 2 if len(names) < 2000 else (3 if len(names) < 100_000 else 4)
        trade = "".join(chars[int(i)] for i in rng.integers(0, len(chars), length))
        if rng.random() < 0.12:
            trade = LATIN[int(rng.integers(0, len(LATIN)))] + trade
        word = INDUSTRY_WORDS[int(rng.integers(0, len(INDUSTRY_WORDS)))]
        style = rng.random()
        form = "股份有限公司" if rng.random() < 0.08 else "有限公司"
        if style < 0.7:
            name = f"深圳市{trade}{word}{form}"
        elif style < 0.9:
            name = f"深圳{trade}{word}{form}"
        else:
            name = f"{trade}{word}（深圳）{form}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


FULLWIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def court_variant(name: str, rng: np.random.Generator) -> str:
    """The name as a clerk might have typed it."""
    r = rng.random()
    if r < 0.55:
        return name
    if r < 0.70:
        if name.endswith("有限责任公司"):
            return name.removesuffix("有限责任公司") + "有限公司"
        if name.endswith("股份有限公司"):
            return name
        return name.removesuffix("有限公司") + "有限责任公司"
    if r < 0.80:
        if "（深圳）" in name:
            return "深圳市" + name.replace("（深圳）", "")
        for prefix in ("深圳市", "深圳"):
            if name.startswith(prefix):
                rest = name[len(prefix) :]
                for form in ("股份有限公司", "有限公司"):
                    if rest.endswith(form):
                        return rest.removesuffix(form) + "（深圳）" + form
        return name
    if r < 0.86:
        return name.replace("（", "(").replace("）", ")")
    if r < 0.91:
        return "".join(FULLWIDTH.get(ch, ch) for ch in name)
    # A typo: one character of the trade name replaced by a similar-looking one.
    core_start = 3 if name.startswith("深圳市") else (2 if name.startswith("深圳") else 0)
    pos = core_start + int(rng.integers(0, 2))
    replacement = TRADE_CHARS[int(rng.integers(0, len(TRADE_CHARS)))]
    return name[:pos] + replacement + name[pos + 1 :]


def _firms(
    rng: np.random.Generator,
    n: int,
    as_of_mi: int,
    fixed: list[tuple[str, str]],
    mean_age: float = 40.0,
) -> list[Firm]:
    names = _names(rng, n, fixed)
    quality = rng.normal(0.0, 1.0, n)
    age = np.clip(rng.exponential(mean_age, n).astype(int) + 1, 1, 240)
    founded = as_of_mi - age
    cancel = rng.random(n) < 0.03
    firms: list[Firm] = []
    for i in range(n):
        uscc = fixed[i][0] if i < len(fixed) else make_uscc(_uscc_body(i + 1))
        d = int(rng.integers(0, len(DISTRICTS)))
        industry_i = int(rng.integers(0, len(INDUSTRIES)))
        road = ROADS[int(rng.integers(0, len(ROADS)))]
        address = (
            f"深圳市{DISTRICTS[d]}{road}路{int(rng.integers(1, 999))}号"
            f"{int(rng.integers(1, 20))}栋{int(rng.integers(101, 2999))}室"
        )
        cancelled = None
        if cancel[i] and age[i] > 8:
            cancelled = int(founded[i] + rng.integers(6, age[i]))
        firms.append(
            Firm(
                uscc=uscc,
                name=names[i],
                address=address,
                district=DISTRICT_CODES[d],
                industry=INDUSTRIES[industry_i],
                founded_mi=int(founded[i]),
                cancelled_mi=cancelled,
                quality=float(quality[i]),
            )
        )
    return firms


class _Writer:
    """Writes each source's rows as a history drop and one drop per tail month."""

    def __init__(self, directory: Path, fmt: str, tail_from_mi: int) -> None:
        self.directory = directory
        self.fmt = fmt
        self.tail_from_mi = tail_from_mi
        self.rows: dict[str, int] = {}

    def write(self, code: str, table: pa.Table, month_mi: np.ndarray | None) -> None:
        folder = self.directory / code
        folder.mkdir(parents=True, exist_ok=True)
        self.rows[code] = self.rows.get(code, 0) + table.num_rows
        if month_mi is None:
            self._file(folder / "snapshot", table)
            return
        history = month_mi < self.tail_from_mi
        if history.any():
            self._file(folder / "history", table.filter(pa.array(history)))
        for mi in sorted({int(m) for m in np.unique(month_mi[~history])}):
            label = month_of(mi).strftime("%Y-%m")
            self._file(folder / label, table.filter(pa.array(month_mi == mi)))

    def _file(self, stem: Path, table: pa.Table) -> None:
        if self.fmt == "csv":
            pacsv.write_csv(table, stem.with_suffix(".csv"))
        else:
            pq.write_table(table, stem.with_suffix(".parquet"), row_group_size=1_000_000)


def _life(firms: list[Firm], first_mi: int, as_of_mi: int) -> tuple[np.ndarray, np.ndarray]:
    start = np.array([max(f.founded_mi, first_mi) for f in firms])
    end = np.array([f.cancelled_mi if f.cancelled_mi is not None else as_of_mi for f in firms])
    end = np.minimum(end, as_of_mi)
    return start, end


def _monthly(
    rng: np.random.Generator, firms: list[Firm], first_mi: int, as_of_mi: int
) -> dict[str, Any]:
    """One row per firm per month of its life within the window, as numpy arrays."""
    start, end = _life(firms, first_mi, as_of_mi)
    counts = np.maximum(end - start + 1, 0)
    firm = np.repeat(np.arange(len(firms)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    month = np.repeat(start, counts) + offsets
    q = np.array([f.quality for f in firms])
    founded = np.array([f.founded_mi for f in firms])
    age = (month - founded[firm]).astype(np.float64)
    growth = 0.012 + 0.012 * q[firm]
    size = np.exp(rng.normal(math.log(15000.0), 0.9, len(firms)))
    noise = rng.lognormal(0.0, 0.25, len(month))
    tax_yuan = size[firm] * np.exp(np.clip(growth * np.minimum(age, 60), -3, 3)) * noise
    zero = rng.random(len(month)) < (0.06 + 0.06 * (q[firm] < -1))
    tax_fen = np.where(zero, 0, np.round(tax_yuan * 100)).astype(np.int64)
    h0 = rng.integers(3, 40, len(firms))
    headcount = np.maximum(
        1,
        np.round(
            h0[firm] * np.exp(np.clip(0.6 * growth * np.minimum(age, 60), -2, 2))
            + rng.normal(0, 1, len(month))
        ),
    ).astype(np.int64)
    billed = rng.random(len(month)) >= 0.02
    paid = rng.random(len(month)) < np.where(q[firm] > -1, 0.985, 0.8)
    kwh = (headcount * rng.integers(150, 260, len(month))).astype(np.int64)
    return {
        "firm": firm,
        "month": month,
        "tax_fen": tax_fen,
        "headcount": headcount,
        "billed": billed,
        "paid": paid,
        "kwh": kwh,
        "bill_fen": kwh * 80,
    }


def _event_day(rng: np.random.Generator, lo: int, hi: int) -> tuple[int, int]:
    """A month in [lo, hi] and a day offset 0..27 in it."""
    return int(rng.integers(lo, hi + 1)), int(rng.integers(0, 28))


def generate(
    directory: Path | str,
    *,
    firms: int = 300,
    months: int = 36,
    as_of: date = date(2026, 6, 1),
    seed: int = 20260601,
    tail: int = 1,
    fmt: str = "parquet",
    bad_rows: bool = False,
    fixed_firms: Iterable[tuple[str, str]] = (),
    sources: Iterable[str] | None = None,
    mean_age: float = 40.0,
    progress: Callable[[str], None] = lambda _m: None,
) -> SynthResult:
    """Write drops for ``firms`` enterprises over ``months`` months ending with ``as_of``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    wanted = set(sources) if sources is not None else {s.code for s in SOURCES}
    as_of_mi = mi_of(as_of)
    first_mi = as_of_mi - months + 1
    fixed = list(fixed_firms)
    people = _firms(rng, firms, as_of_mi, fixed, mean_age)
    result = SynthResult(directory=out, firms=people)
    writer = _Writer(out, fmt, as_of_mi - tail + 1)
    uscc = np.array([f.uscc for f in people], dtype=object)

    reg = pa.table(
        {
            "uscc": pa.array([f.uscc for f in people]),
            "name": pa.array([f.name for f in people]),
            "address": pa.array([f.address for f in people]),
            "district": pa.array([f.district for f in people]),
            "industry": pa.array([f.industry for f in people]),
            "founded_on": _dates(np.array([f.founded_mi for f in people])),
            "status": pa.array(["cancelled" if f.cancelled_mi else "active" for f in people]),
            "cancelled_on": pa.array(
                [
                    month_of(f.cancelled_mi).replace(day=15) if f.cancelled_mi else None
                    for f in people
                ],
                type=pa.date32(),
            ),
        }
    )
    if "registration" in wanted:
        writer.write("registration", reg, None)
    progress(f"registration: {len(people):,} enterprises")

    if wanted & {"tax", "social", "utility"}:
        m = _monthly(rng, people, first_mi, as_of_mi)
        codes = uscc[m["firm"]]
        if "tax" in wanted:
            writer.write(
                "tax",
                pa.table({"uscc": codes, "month": _dates(m["month"]), "tax_fen": m["tax_fen"]}),
                m["month"],
            )
        if "social" in wanted:
            writer.write(
                "social",
                pa.table({"uscc": codes, "month": _dates(m["month"]), "headcount": m["headcount"]}),
                m["month"],
            )
        if "utility" in wanted:
            b = m["billed"]
            writer.write(
                "utility",
                pa.table(
                    {
                        "uscc": codes[b],
                        "month": _dates(m["month"][b]),
                        "kwh": m["kwh"][b],
                        "bill_fen": m["bill_fen"][b],
                        "paid": m["paid"][b],
                    }
                ),
                m["month"][b],
            )
        progress(f"monthly series: {len(m['month']):,} firm-months")
        del m, codes

    start, end = _life(people, first_mi, as_of_mi)
    events: dict[str, dict[str, list[Any]]] = {
        code: {} for code in ("ip", "court", "subsidy", "pledge", "voucher", "tier")
    }

    def add(code: str, **values: Any) -> None:
        table = events[code]
        for key, value in values.items():
            table.setdefault(key, []).append(value)

    ip_types = ("invention", "utility", "design", "trademark")
    for i, f in enumerate(people):
        lo, hi = int(start[i]), int(end[i])
        if hi < lo:
            continue
        years = (hi - lo + 1) / 12
        good = max(f.quality, 0.0)
        for k in range(int(rng.poisson((0.4 + 1.2 * good) * years))):
            mi, day = _event_day(rng, lo, hi)
            kind = ip_types[int(rng.choice(4, p=(0.25, 0.35, 0.15, 0.25)))]
            add(
                "ip",
                uscc=f.uscc,
                ip_number=f"{kind[:2].upper()}{i:07d}{k:03d}",
                ip_type=kind,
                mi=mi,
                day=day,
            )
        sued = 0.05 + 0.25 * max(-f.quality, 0.0)
        for k in range(int(rng.poisson(sued * years))):
            mi, day = _event_day(rng, lo, hi)
            closed = None
            if rng.random() < 0.7:
                closed = mi + int(rng.integers(1, 12))
                if closed > as_of_mi:
                    closed = None
            name = court_variant(f.name, rng)
            number = f"（{month_of(mi).year}）粤03民初{i:06d}{k:02d}号"
            result.court_truth[(number, name)] = f.uscc
            add(
                "court",
                case_number=number,
                party_name=name,
                party_address=f.address if rng.random() < 0.6 else None,
                role="defendant" if rng.random() < 0.8 else "plaintiff",
                mi=mi,
                day=day,
                closed=closed,
            )
        for k in range(int(rng.poisson(0.15 * (1 + good) * years))):
            mi, day = _event_day(rng, lo, hi)
            add(
                "subsidy",
                uscc=f.uscc,
                grant_number=f"ZZ{i:07d}{k:03d}",
                mi=mi,
                day=day,
                amount_fen=int(rng.integers(100_000, 2_000_000)) * 100,
            )
        if f.quality > 0 and rng.random() < 0.12:
            mi, day = _event_day(rng, lo, hi)
            add(
                "pledge",
                uscc=f.uscc,
                registration_number=f"ZYDJ-{month_of(mi).year}-{i:07d}",
                mi=mi,
                day=day,
                amount_fen=int(rng.integers(1_000_000, 10_000_000)) * 100,
            )
        if rng.random() < 0.2:
            for k in range(int(rng.integers(1, 4))):
                mi, day = _event_day(rng, lo, hi)
                add(
                    "voucher",
                    uscc=f.uscc,
                    voucher_number=f"XLQ{i:07d}{k:02d}",
                    mi=mi,
                    day=day,
                    amount_fen=int(rng.integers(50_000, 500_000)) * 100,
                )
        for tier, p, min_age in (
            ("hnte", 0.25 + 0.15 * good, 12),
            ("sme_specialised", 0.08 + 0.08 * good, 24),
            ("little_giant", 0.015 + 0.03 * good, 48),
            ("single_champion", 0.004 * good, 72),
        ):
            earliest = f.founded_mi + min_age
            if rng.random() < p and earliest <= hi:
                mi, day = _event_day(rng, max(earliest, lo), hi)
                add(
                    "tier",
                    uscc=f.uscc,
                    tier=tier,
                    certificate_number=f"{tier[:2].upper()}{i:07d}",
                    mi=mi,
                    day=day,
                    valid_mi=mi + 36,
                )
    # Parties that are not in the registry at all.
    for k in range(max(1, len(people) // 40)):
        mi, day = _event_day(rng, first_mi, as_of_mi)
        trade = "".join(TRADE_CHARS[int(j)] for j in rng.integers(0, len(TRADE_CHARS), 4))
        name = f"东莞市{trade}贸易有限公司"
        number = f"（{month_of(mi).year}）粤03民初9{k:05d}号"
        result.court_truth[(number, name)] = None
        add(
            "court",
            case_number=number,
            party_name=name,
            party_address=None,
            role="defendant",
            mi=mi,
            day=day,
            closed=None,
        )

    def event_table(code: str, columns: dict[str, Any]) -> None:
        data = events[code]
        if code not in wanted:
            return
        mi = np.array(data.get("mi", []), dtype=np.int64)
        day = np.array(data.get("day", []), dtype=np.int64)
        cols: dict[str, Any] = {}
        for name, spec in columns.items():
            cols[name] = spec(data, mi, day)
        writer.write(code, pa.table(cols), mi)

    def plain(key: str, typ: pa.DataType | None = None) -> Callable[..., Any]:
        return lambda data, _mi, _day: pa.array(data.get(key, []), type=typ or pa.string())

    def when(_data: Any, mi: np.ndarray, day: np.ndarray) -> pa.Array:
        return _dates(mi, day)

    def optional_month(key: str) -> Callable[..., Any]:
        def make(data: Any, _mi: np.ndarray, _day: np.ndarray) -> pa.Array:
            values = data.get(key, [])
            return pa.array(
                [month_of(v).replace(day=20) if v is not None else None for v in values],
                type=pa.date32(),
            )

        return make

    event_table(
        "ip",
        {
            "uscc": plain("uscc"),
            "ip_number": plain("ip_number"),
            "ip_type": plain("ip_type"),
            "granted_on": when,
        },
    )
    event_table(
        "court",
        {
            "case_number": plain("case_number"),
            "party_name": plain("party_name"),
            "party_address": plain("party_address"),
            "role": plain("role"),
            "filed_on": when,
            "closed_on": optional_month("closed"),
        },
    )
    event_table(
        "subsidy",
        {
            "uscc": plain("uscc"),
            "grant_number": plain("grant_number"),
            "paid_on": when,
            "amount_fen": plain("amount_fen", pa.int64()),
        },
    )
    event_table(
        "pledge",
        {
            "uscc": plain("uscc"),
            "registration_number": plain("registration_number"),
            "registered_on": when,
            "amount_fen": plain("amount_fen", pa.int64()),
        },
    )
    event_table(
        "voucher",
        {
            "uscc": plain("uscc"),
            "voucher_number": plain("voucher_number"),
            "used_on": when,
            "amount_fen": plain("amount_fen", pa.int64()),
        },
    )
    event_table(
        "tier",
        {
            "uscc": plain("uscc"),
            "tier": plain("tier"),
            "certificate_number": plain("certificate_number"),
            "awarded_on": when,
            "valid_until": optional_month("valid_mi"),
        },
    )
    progress("events: " + ", ".join(f"{c} {len(events[c].get('mi', [])):,}" for c in events))

    # Outcomes of loans made at the as-of month: the hidden quality decides the odds.
    q = np.array([f.quality for f in people])
    alive = np.array([f.cancelled_mi is None for f in people])
    lent = alive & (rng.random(len(people)) < 0.6)
    p_default = 1 / (1 + np.exp(2.3 + 1.3 * q))
    defaulted = rng.random(len(people)) < p_default
    pq.write_table(
        pa.table({"uscc": uscc[lent], "defaulted": defaulted[lent]}), out / "_outcomes.parquet"
    )
    if bad_rows:
        result.bad_rows = _bad_rows(out, people, as_of_mi, fmt)
    result.rows = writer.rows
    return result


def _bad_rows(out: Path, people: list[Firm], as_of_mi: int, fmt: str) -> dict[str, int]:
    """A drop of every kind of bad row the departments send, for the quarantine to catch."""
    label = month_of(as_of_mi).strftime("%Y-%m")
    good = people[0].uscc
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    month = month_of(as_of_mi).isoformat()
    rows = [
        # (uscc, month, tax_fen): exactly one problem each.
        (wrong_check, month, "100"),  # check digit
        ("", month, "100"),  # missing code
        (people[1].uscc, "2026-13-01", "100"),  # not a date
        (people[1].uscc, "2099-01-01", "100"),  # date in the future
        (people[1].uscc, "1970-01-01", "100"),  # date before records began
        (people[2].uscc, month, "-5"),  # negative
        (people[2].uscc, month, "lots"),  # not a number
        (people[3].uscc, month, "700"),  # good
        (people[3].uscc, month, "700"),  # the same row twice in one drop
    ]
    table = pa.table(
        {
            "uscc": pa.array([r[0] for r in rows]),
            "month": pa.array([r[1] for r in rows]),
            "tax_fen": pa.array([r[2] for r in rows]),
        }
    )
    path = out / "tax" / f"{label}-correction.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path)
    return {"tax": len(rows)}
