"""The credit scorecard of the 科技初创通 portrait, pure: no Django, no engine.

A scorecard anyone can read: each feature falls in one band, each band is worth points,
the score is the base points plus the points of every feature, and the grade follows the
score. Each enterprise's portrait lists the contribution of every feature with a sentence
(「+18：近12个月纳税额增长35%」), and these contributions add up to the score exactly.

The bands and points are versioned policy parameters. The default set below is ours
(POLICY.md §5 gives no scorecard: every value is **[default]**); ``fit_scorecard``
recalibrates the points of each band by weight of evidence on labelled loan outcomes and
``auc`` / ``ks`` report how well the score separates repaid and defaulted loans on data
held out from the fit.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from rainforest.core.policy import Citation, ParameterRegistry, ParameterSet

__all__ = [
    "FEATURES",
    "PARAMETERS",
    "Band",
    "Contribution",
    "FeatureSpec",
    "Score",
    "Scorecard",
    "auc",
    "default_scorecard",
    "fit_scorecard",
    "ks",
    "score",
    "scorecard_from_parameters",
]

SEED_LETTER = "深圳市科技创新局关于市七届人大六次会议第20250968号建议答复的函（2025年10月29日）"
DEFAULT = Citation("Rainforest default scorecard [default]", "docs/portrait-operations.md")
SEED = Citation(SEED_LETTER, "科技初创通")

FeatureValue = int | None
Features = Mapping[str, FeatureValue]


@dataclass(frozen=True)
class FeatureSpec:
    """A feature the scorecard reads, with how to say its value in a sentence."""

    code: str
    name_zh: str
    name_en: str
    # "{v}" is the value as shown (yuan, percent, count); missing values have own words.
    text_zh: str
    text_en: str
    missing_zh: str
    missing_en: str
    unit: str = "count"  # count | fen | bp | pct | months


FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        "months_active",
        "经营时长",
        "months in business",
        "已经营{v}个月",
        "in business for {v} months",
        "成立时间不详",
        "founding date unknown",
        "months",
    ),
    FeatureSpec(
        "tax_12m_fen",
        "近12个月纳税额",
        "tax paid over 12 months",
        "近12个月纳税{v}",
        "paid {v} in tax over 12 months",
        "近12个月无纳税记录",
        "no tax record in 12 months",
        "fen",
    ),
    FeatureSpec(
        "tax_growth_bp",
        "纳税额增长",
        "tax growth",
        "近12个月纳税额较上年同期变化{v}",
        "tax paid changed {v} on the 12 months before",
        "纳税历史不足两年，无法比较增长",
        "under two years of tax history to compare",
        "bp",
    ),
    FeatureSpec(
        "headcount",
        "参保人数",
        "insured headcount",
        "社保参保{v}人",
        "{v} people insured",
        "无社保参保记录",
        "no social-insurance record",
        "count",
    ),
    FeatureSpec(
        "headcount_change_pct",
        "参保人数变化",
        "headcount trend",
        "参保人数较12个月前变化{v}",
        "headcount changed {v} in 12 months",
        "参保历史不足12个月",
        "under 12 months of headcount history",
        "pct",
    ),
    FeatureSpec(
        "patents_invention",
        "发明专利",
        "invention patents",
        "拥有发明专利{v}件",
        "holds {v} invention patents",
        "",
        "",
        "count",
    ),
    FeatureSpec(
        "ip_other",
        "实用新型、外观设计与商标",
        "utility models, designs and trademarks",
        "拥有实用新型、外观设计和商标共{v}件",
        "holds {v} utility models, designs and trademarks",
        "",
        "",
        "count",
    ),
    FeatureSpec(
        "court_open_defendant",
        "作为被告的未结案件",
        "open court cases as defendant",
        "作为被告的未结案件{v}件",
        "{v} open court cases as defendant",
        "",
        "",
        "count",
    ),
    FeatureSpec(
        "utility_paid_months_12m",
        "用电缴费连续性",
        "electricity paid",
        "近12个月有{v}个月按时缴纳电费",
        "paid the electricity bill in {v} of 12 months",
        "",
        "",
        "count",
    ),
    FeatureSpec(
        "subsidies_36m_fen",
        "近36个月获得资助",
        "subsidies over 36 months",
        "近36个月获得财政资助{v}",
        "received {v} in subsidies over 36 months",
        "",
        "",
        "fen",
    ),
    FeatureSpec(
        "pledges_count",
        "知识产权质押融资",
        "IP-pledge loans",
        "办理过知识产权质押融资{v}笔",
        "{v} IP-pledge loans registered",
        "",
        "",
        "count",
    ),
    FeatureSpec(
        "vouchers_12m_fen",
        "近12个月使用科技券",
        "vouchers used over 12 months",
        "近12个月使用训力券等{v}",
        "used {v} of AI vouchers over 12 months",
        "",
        "",
        "fen",
    ),
    FeatureSpec(
        "tier_rank", "梯度资质", "enterprise tier", "持有{v}", "holds the tier {v}", "", "", "tier"
    ),
)
_SPECS = {f.code: f for f in FEATURES}
TIER_NAMES = {
    0: ("无梯度资质", "no tier"),
    1: ("国家高新技术企业资质", "national high-tech enterprise"),
    2: ("专精特新中小企业资质", "specialised and sophisticated SME"),
    3: ("专精特新“小巨人”资质", "'little giant'"),
    4: ("单项冠军资质", "single champion"),
}


@dataclass(frozen=True)
class Band:
    """Values from ``lower`` (inclusive) up to the next band's lower bound score ``points``."""

    lower: int
    points: int


@dataclass(frozen=True)
class Scorecard:
    name: str
    version: str
    base: int
    bands: Mapping[str, tuple[Band, ...]]
    missing: Mapping[str, int]
    grades: tuple[tuple[int, str], ...]  # (minimum score, grade), best first

    def band_of(self, feature: str, value: FeatureValue) -> tuple[int, Band | None]:
        """The points of the band ``value`` falls in (the missing points when it is None)."""
        if value is None:
            return self.missing.get(feature, 0), None
        chosen: Band | None = None
        for band in self.bands[feature]:
            if value >= band.lower:
                chosen = band
        if chosen is None:
            return 0, None
        return chosen.points, chosen

    def grade(self, total: int) -> str:
        for minimum, grade in self.grades:
            if total >= minimum:
                return grade
        return self.grades[-1][1]


@dataclass(frozen=True)
class Contribution:
    feature: str
    value: FeatureValue
    points: int
    text_zh: str
    text_en: str

    def sentence(self, language: str = "zh-hans") -> str:
        sign = f"{self.points:+d}"
        text = self.text_en if language.startswith("en") else self.text_zh
        return f"{sign}: {text}" if language.startswith("en") else f"{sign}：{text}"


@dataclass(frozen=True)
class Score:
    total: int
    grade: str
    base: int
    contributions: tuple[Contribution, ...]
    scorecard: str  # name and version


def _yuan(fen: int) -> str:
    yuan = fen / 100
    if abs(yuan) >= 1e8:
        return f"{yuan / 1e8:.2f}亿元"
    if abs(yuan) >= 1e4:
        return f"{yuan / 1e4:.1f}万元"
    return f"{yuan:.0f}元"


def _yuan_en(fen: int) -> str:
    return f"{fen / 100:,.0f} yuan"


def _shown(spec: FeatureSpec, value: int, en: bool) -> str:
    if spec.unit == "fen":
        return _yuan_en(value) if en else _yuan(value)
    if spec.unit == "bp":
        return f"{value / 100:+.0f}%"
    if spec.unit == "pct":
        return f"{value:+d}%"
    if spec.unit == "tier":
        zh, en_name = TIER_NAMES.get(value, TIER_NAMES[0])
        return en_name if en else zh
    return f"{value:,}"


def describe(feature: str, value: FeatureValue) -> tuple[str, str]:
    """The feature's value in a sentence, in Chinese and English."""
    spec = _SPECS[feature]
    if value is None:
        return spec.missing_zh or f"{spec.name_zh}：无", spec.missing_en or f"{spec.name_en}: none"
    if spec.unit == "tier" and value == 0:
        return "未持有梯度资质", "holds no enterprise tier"
    return (
        spec.text_zh.replace("{v}", _shown(spec, value, False)),
        spec.text_en.replace("{v}", _shown(spec, value, True)),
    )


def derive(raw: Mapping[str, object]) -> dict[str, FeatureValue]:
    """The scorecard's features from one row of the pipeline's output."""

    def num(key: str) -> FeatureValue:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and not math.isnan(value):
            return int(value)
        return None

    tier = 0
    for rank, key in (
        (1, "tier_hnte"),
        (2, "tier_sme_specialised"),
        (3, "tier_little_giant"),
        (4, "tier_single_champion"),
    ):
        if num(key):
            tier = rank
    other = sum((num(k) or 0) for k in ("patents_utility", "patents_design", "trademarks"))
    return {
        "months_active": num("months_active"),
        "tax_12m_fen": num("tax_12m_fen"),
        "tax_growth_bp": num("tax_growth_bp"),
        "headcount": num("headcount"),
        "headcount_change_pct": num("headcount_change_pct"),
        "patents_invention": num("patents_invention") or 0,
        "ip_other": other,
        "court_open_defendant": num("court_open_defendant") or 0,
        "utility_paid_months_12m": num("utility_paid_months_12m") or 0,
        "subsidies_36m_fen": num("subsidies_36m_fen") or 0,
        "pledges_count": num("pledges_count") or 0,
        "vouchers_12m_fen": num("vouchers_12m_fen") or 0,
        "tier_rank": tier,
    }


def score(features: Features, card: Scorecard) -> Score:
    """Points per feature, the total and the grade; the contributions sum to the total."""
    contributions: list[Contribution] = []
    total = card.base
    for spec in FEATURES:
        value = features.get(spec.code)
        points, _band = card.band_of(spec.code, value)
        zh, en = describe(spec.code, value)
        contributions.append(Contribution(spec.code, value, points, zh, en))
        total += points
    return Score(
        total=total,
        grade=card.grade(total),
        base=card.base,
        contributions=tuple(contributions),
        scorecard=f"{card.name} {card.version}",
    )


# --- the default scorecard, as policy parameters ---------------------------------------

_WAN = 1_000_000  # 1万元 in fen

_DEFAULT_BANDS: dict[str, list[tuple[int, int]]] = {
    "months_active": [(0, -10), (12, 0), (36, 10), (60, 20)],
    "tax_12m_fen": [(0, -15), (1, -5), (10 * _WAN, 5), (50 * _WAN, 15), (200 * _WAN, 25)],
    "tax_growth_bp": [(-1_000_000, -20), (-2000, -8), (0, 5), (2000, 12), (3000, 18)],
    "headcount": [(0, -5), (10, 0), (30, 8), (100, 15)],
    "headcount_change_pct": [(-1_000_000, -10), (-10, 0), (5, 5), (20, 10)],
    "patents_invention": [(0, 0), (1, 8), (3, 15), (10, 22)],
    "ip_other": [(0, 0), (1, 3), (5, 6), (20, 10)],
    "court_open_defendant": [(0, 0), (1, -15), (2, -30)],
    "utility_paid_months_12m": [(0, -15), (9, 0), (12, 8)],
    "subsidies_36m_fen": [(0, 0), (1, 5), (100 * _WAN, 8)],
    "pledges_count": [(0, 0), (1, 5)],
    "vouchers_12m_fen": [(0, 0), (1, 3)],
    "tier_rank": [(0, 0), (1, 10), (2, 14), (3, 20), (4, 25)],
}
_DEFAULT_MISSING = {
    "tax_growth_bp": 0,
    "headcount_change_pct": 0,
    "tax_12m_fen": -15,
    "headcount": -5,
    "months_active": 0,
}
_DEFAULT_GRADES = ((600, "A"), (560, "B"), (520, "C"), (480, "D"), (-10_000, "E"))


def _parameter_values(
    base: int,
    bands: Mapping[str, Sequence[tuple[int, int]]],
    missing: Mapping[str, int],
    grades: Sequence[tuple[int, str]],
) -> dict[str, object]:
    values: dict[str, object] = {"base": base, "grades": [[m, g] for m, g in grades]}
    for feature, rows in bands.items():
        values[f"bands.{feature}"] = [[lower, points] for lower, points in rows]
        values[f"missing.{feature}"] = missing.get(feature, 0)
    return values


def _citations(values: Mapping[str, object], citation: Citation) -> dict[str, Citation]:
    return {key: citation for key in values}


_DEFAULT_VALUES = _parameter_values(550, _DEFAULT_BANDS, _DEFAULT_MISSING, _DEFAULT_GRADES)
PARAMETERS = ParameterRegistry(
    [
        ParameterSet(
            name="portrait.scorecard",
            version="2026.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values=_DEFAULT_VALUES,
            citations={**_citations(_DEFAULT_VALUES, DEFAULT), "base": SEED},
        )
    ]
)


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {value!r}")
    return value


def _pairs(value: object) -> list[tuple[int, int]]:
    if not isinstance(value, tuple | list):
        raise ValueError(f"expected a list of [lower, points], got {value!r}")
    out: list[tuple[int, int]] = []
    for item in value:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise ValueError(f"expected [lower, points], got {item!r}")
        out.append((_int(item[0]), _int(item[1])))
    return out


def scorecard_from_parameters(params: ParameterSet) -> Scorecard:
    bands: dict[str, tuple[Band, ...]] = {}
    missing: dict[str, int] = {}
    for spec in FEATURES:
        rows = _pairs(params.value(f"bands.{spec.code}"))
        bands[spec.code] = tuple(Band(lower, points) for lower, points in sorted(rows))
        missing[spec.code] = _int(params.value(f"missing.{spec.code}"))
    grades_raw = params.value("grades")
    if not isinstance(grades_raw, tuple | list):
        raise ValueError("grades must be a list of [minimum, grade]")
    grades: list[tuple[int, str]] = []
    for item in grades_raw:
        if not isinstance(item, tuple | list) or len(item) != 2 or not isinstance(item[1], str):
            raise ValueError(f"a grade must be [minimum, letter], got {item!r}")
        grades.append((_int(item[0]), item[1]))
    return Scorecard(
        name=params.name,
        version=params.version,
        base=_int(params.value("base")),
        bands=bands,
        missing=missing,
        grades=tuple(sorted(grades, reverse=True)),
    )


def default_scorecard(on: date) -> Scorecard:
    return scorecard_from_parameters(PARAMETERS.in_force("portrait.scorecard", on))


def scorecard_values(card: Scorecard) -> dict[str, object]:
    """The parameter values of a scorecard (to store a fitted one)."""
    return _parameter_values(
        card.base,
        {k: [(b.lower, b.points) for b in v] for k, v in card.bands.items()},
        card.missing,
        card.grades,
    )


# --- discrimination and fitting ----------------------------------------------------------


def auc(scores: Sequence[int], bad: Sequence[bool]) -> float:
    """Area under the ROC curve: the chance a good loan scores above a bad one (ties 1/2)."""
    pairs = sorted(zip(scores, bad, strict=True))
    n_bad = sum(1 for b in bad if b)
    n_good = len(bad) - n_bad
    if n_bad == 0 or n_good == 0:
        raise ValueError("AUC needs both repaid and defaulted loans")
    # Rank-sum over tied groups: for each good, count bads below it (+ half the ties).
    below_bad = 0
    total = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        group_bad = sum(1 for k in range(i, j) if pairs[k][1])
        group_good = (j - i) - group_bad
        total += group_good * (below_bad + group_bad / 2)
        below_bad += group_bad
        i = j
    return total / (n_bad * n_good)


def ks(scores: Sequence[int], bad: Sequence[bool]) -> float:
    """Kolmogorov-Smirnov: the largest gap between the score distributions of bad and good."""
    n_bad = sum(1 for b in bad if b)
    n_good = len(bad) - n_bad
    if n_bad == 0 or n_good == 0:
        raise ValueError("KS needs both repaid and defaulted loans")
    best = 0.0
    cum_bad = cum_good = 0
    pairs = sorted(zip(scores, bad, strict=True))
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            cum_bad += pairs[j][1]
            cum_good += not pairs[j][1]
            j += 1
        best = max(best, abs(cum_bad / n_bad - cum_good / n_good))
        i = j
    return best


@dataclass(frozen=True)
class FitReport:
    scorecard: Scorecard
    auc_train: float
    auc_test: float
    ks_test: float
    auc_test_before: float
    n_train: int
    n_test: int
    bad_rate: float


def _quantile_edges(values: Sequence[int], bins: int) -> list[int]:
    ordered = sorted(values)
    edges = {ordered[0]}
    for k in range(1, bins):
        edges.add(ordered[min(len(ordered) - 1, k * len(ordered) // bins)])
    return sorted(edges)


def fit_scorecard(
    rows: Sequence[tuple[Features, bool]],
    *,
    start: Scorecard,
    seed: int,
    version: str,
    test_share: float = 0.3,
    pdo: int = 20,
    bins: int = 5,
) -> FitReport:
    """Weight-of-evidence bands on a training split; AUC and KS on the held-out split.

    For each feature: up to ``bins`` bands at quantiles of the training values (a band for
    missing values apart), and points = round(pdo / ln 2 × WoE), where WoE is the log of a
    band's share of good loans over its share of bad ones (each count + 0.5, so an empty
    band does not divide by zero). The base keeps the starting scorecard's average.
    """
    if not 0 < test_share < 1:
        raise ValueError("test_share must be between 0 and 1")
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    cut = int(len(order) * (1 - test_share))
    train = [rows[i] for i in order[:cut]]
    test = [rows[i] for i in order[cut:]]
    if not train or not test:
        raise ValueError("too few labelled outcomes to fit and test")
    factor = pdo / math.log(2)
    goods = sum(1 for _f, b in train if not b)
    bads = len(train) - goods
    if goods == 0 or bads == 0:
        raise ValueError("the outcomes need both repaid and defaulted loans")
    bands: dict[str, tuple[Band, ...]] = {}
    missing: dict[str, int] = {}

    def woe(members: list[bool]) -> int:
        g = sum(1 for b in members if not b) + 0.5
        d = sum(1 for b in members if b) + 0.5
        return round(factor * math.log((g / (goods + 0.5)) / (d / (bads + 0.5))))

    for spec in FEATURES:
        present = [(f[spec.code], b) for f, b in train if f.get(spec.code) is not None]
        absent = [b for f, b in train if f.get(spec.code) is None]
        missing[spec.code] = woe(absent) if absent else 0
        if not present:
            bands[spec.code] = (Band(0, 0),)
            continue
        values = [v for v, _b in present if v is not None]
        edges = _quantile_edges(values, bins)
        fitted: list[Band] = []
        for k, lower in enumerate(edges):
            upper = edges[k + 1] if k + 1 < len(edges) else None
            members = [
                b
                for v, b in present
                if v is not None and v >= lower and (upper is None or v < upper)
            ]
            fitted.append(Band(lower if k else -(10**15), woe(members)))
        bands[spec.code] = tuple(fitted)
    card = Scorecard(
        name=start.name,
        version=version,
        base=start.base,
        bands=bands,
        missing=missing,
        grades=start.grades,
    )

    def measure(sample: list[tuple[Features, bool]], c: Scorecard) -> tuple[float, float]:
        scores = [score(f, c).total for f, _b in sample]
        labels = [b for _f, b in sample]
        return auc(scores, labels), ks(scores, labels)

    auc_train, _ = measure(train, card)
    auc_test, ks_test = measure(test, card)
    auc_before, _ = measure(test, start)
    return FitReport(
        scorecard=card,
        auc_train=auc_train,
        auc_test=auc_test,
        ks_test=ks_test,
        auc_test_before=auc_before,
        n_train=len(train),
        n_test=len(test),
        bad_rate=bads / len(train),
    )
