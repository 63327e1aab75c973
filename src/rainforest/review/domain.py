"""Expert review (专家评审) rules, pure: no Django.

Review items (评审对象) are what experts are drawn for; the ``programs`` module's
applications become review items through ``review.adapters``. This file holds:

* the policy parameters (avoidance, the draw, scoring), each value with its citation;
* avoidance (回避): which expert may not review which item and why, in words;
* the field pool and the fit score of an expert for an item;
* building the draw's problem for :mod:`rainforest.review.domain_assignment`;
* aggregation of score sheets, the consensus flags and the ranking with its tie rule.

Identity is the resident ID number (居民身份证号码) for people and the unified social
credit code (统一社会信用代码) for organisations, normalised; names and e-mail addresses
are never compared.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import numpy as np

from rainforest.core.errors import ValidationError
from rainforest.core.ids import normalise_resident_id, normalise_uscc
from rainforest.core.policy import (
    Citation,
    Decision,
    ParameterRegistry,
    ParameterSet,
    Reason,
    decide,
)
from rainforest.review.domain_assignment import FIT_SCALE, DrawProblem

# --- parameters ------------------------------------------------------------------------

CONDUCT_RULES = "《国家科技计划项目评审行为准则与督查办法》（科技部，2003年）"
EXPERT_RULES = "《科技部科技评估和评审专家库管理与使用规范》"
MANAGEMENT_MEASURES = "《深圳市重点领域研发计划管理办法》"
PLATFORM_DEFAULT = "科创雨林平台默认参数（管理员可调整）"
JECMEN_2020 = (
    "Jecmen et al., Mitigating Manipulation in Peer Review via Randomized Reviewer "
    "Assignments, NeurIPS 2020"
)

AVOIDANCE = "review.avoidance"
DRAW = "review.draw"
SCORING = "review.scoring"


def _default(about: str) -> Citation:
    return Citation(PLATFORM_DEFAULT, about)


PARAMETERS = ParameterRegistry(
    [
        ParameterSet(
            name=AVOIDANCE,
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                "same_employer": True,
                "same_call_team_member": True,
                "same_call_applicant": True,
                "declared_relation": True,
                "relation_kinds": ("relative", "teacher_student", "coauthor", "collaborator"),
                "collaboration_window_years": 3,
                "staff_recorded": True,
                "max_experts_per_org_per_panel": 1,
            },
            citations={
                # The conduct rules require experts with an interest in an application to
                # withdraw (回避); the concrete cases below are how the platform reads them.
                "same_employer": Citation(CONDUCT_RULES, "回避：与申请单位有隶属或利害关系"),
                "same_call_team_member": Citation(CONDUCT_RULES, "回避：本人参与同一批次项目申报"),
                "same_call_applicant": Citation(CONDUCT_RULES, "回避：本人参与同一批次项目申报"),
                "declared_relation": Citation(
                    CONDUCT_RULES, "回避：与项目申请人有亲属、师生、合作等关系"
                ),
                "relation_kinds": Citation(
                    CONDUCT_RULES, "回避：亲属、师生、近年合作者（合作论文、合作项目）"
                ),
                "collaboration_window_years": _default("近三年内合作视为利害关系 [default]"),
                "staff_recorded": Citation(EXPERT_RULES, "管理部门认定的其他应回避情形"),
                "max_experts_per_org_per_panel": _default(
                    "同一评审组内同一单位专家不超过1人 [default]"
                ),
            },
        ),
        ParameterSet(
            name=DRAW,
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                "experts_per_item": 5,
                "items_per_expert": 10,
                "probability_cap": "1/2",
                "fit_field_weight": Decimal("0.5"),
                "fit_text_weight": Decimal("0.5"),
                "ngram": 2,
                "pool": "field",
            },
            citations={
                "experts_per_item": Citation(
                    MANAGEMENT_MEASURES, "专家评审 每项目专家5人 [default]"
                ),
                "items_per_expert": _default("每位专家每批次评审项目数上限 [default]"),
                "probability_cap": Citation(JECMEN_2020, "probability cap q [default 0.5]"),
                "fit_field_weight": _default("匹配度：领域代码权重 [default]"),
                "fit_text_weight": _default("匹配度：关键词/文本相似度权重 [default]"),
                "ngram": _default("中文文本相似度：字符二元组 [default]"),
                "pool": Citation(EXPERT_RULES, "按学科领域从专家库随机抽取"),
            },
        ),
        ParameterSet(
            name=SCORING,
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                "method": "trimmed_mean",
                "trim_min_scores": 5,
                "normalise": False,
                "normalise_min_sheets": 3,
                "score_max": 100,
                "outlier_points": 20,
                "disagreement_sd": 15,
                "criteria": (
                    ("innovation", "创新性", "Innovation", 30),
                    ("feasibility", "可行性", "Feasibility", 25),
                    ("team", "团队能力", "Team", 20),
                    ("benefit", "预期效益", "Expected benefit", 25),
                ),
                "comment_min_chars": 10,
                "review_workdays": 10,
                "reminder_workdays_before": 2,
            },
            citations={
                "method": Citation(
                    MANAGEMENT_MEASURES, "专家评审 去掉一个最高分和一个最低分后取平均 [default]"
                ),
                "trim_min_scores": Citation(
                    MANAGEMENT_MEASURES, "专家5人以上（含）时去掉最高、最低分 [default]"
                ),
                "normalise": _default("按专家标准化评分（默认不启用）"),
                "normalise_min_sheets": _default("标准化所需的专家最少评审份数 [default]"),
                "score_max": Citation(MANAGEMENT_MEASURES, "每项指标0至100分"),
                "outlier_points": _default("专家评分偏离组内中位数20分以上提示 [default]"),
                "disagreement_sd": _default("组内评分标准差15分以上提示分歧较大 [default]"),
                "criteria": _default("评审指标及权重：创新性30、可行性25、团队20、效益25"),
                "comment_min_chars": _default("评审意见不少于10字 [default]"),
                "review_workdays": Citation(MANAGEMENT_MEASURES, "专家评审时限 [default]"),
                "reminder_workdays_before": _default("到期前2个工作日提醒 [default]"),
            },
        ),
    ]
)


def parameters_on(name: str, day: date) -> ParameterSet:
    return PARAMETERS.in_force(name, day)


# --- review items and experts ----------------------------------------------------------


@dataclass(frozen=True)
class ReviewItem:
    """What is reviewed: an application, seen only through what review needs."""

    id: str
    call: str
    title: str
    applicant_uscc: str
    member_usccs: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()
    applicant_ids: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    text: str = ""
    submitted_at: str = ""  # ISO instant, for the tie rule


RELATION_KINDS = {
    "relative": ("亲属", "relative"),
    "teacher_student": ("师生", "teacher–student"),
    "coauthor": ("合作发表", "co-author"),
    "collaborator": ("项目合作", "collaborator"),
}
TIME_LIMITED = frozenset({"coauthor", "collaborator"})


@dataclass(frozen=True)
class Relation:
    """A relation an expert declared with a person (ID number) or an organisation (USCC).

    ``last_year`` is the last year of a co-authorship or collaboration; relatives and
    teacher–student relations do not lapse.
    """

    kind: str
    person_id: str = ""
    uscc: str = ""
    last_year: int | None = None


@dataclass(frozen=True)
class ExpertProfile:
    id: str
    name: str
    person_id: str
    employer_uscc: str
    fields: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    relations: tuple[Relation, ...] = ()


@dataclass(frozen=True)
class StaffConflict:
    """A conflict staff recorded for an expert and an item (or every item of a call)."""

    expert: str
    item: str = ""
    call: str = ""
    note: str = ""


@dataclass(frozen=True)
class Exclusion:
    """Why one expert may not review one item."""

    expert: str
    item: str
    rule: str
    zh: str
    en: str

    def reason(self) -> Reason:
        return Reason(self.zh, self.en)


RULE_NAMES = {
    "same_employer": ("同单位（申请单位或联合申报单位）", "same employer"),
    "same_call_team_member": ("同批次项目团队成员", "team member in the same call"),
    "same_call_applicant": ("同批次项目申请人", "applicant in the same call"),
    "declared_relation": ("申报的利害关系", "declared relation"),
    "staff_recorded": ("管理部门登记的利害关系", "conflict recorded by staff"),
}


def _person(raw: str) -> str:
    return normalise_resident_id(raw) if raw else ""


def _org(raw: str) -> str:
    return normalise_uscc(raw) if raw else ""


def find_exclusions(
    items: Sequence[ReviewItem],
    experts: Sequence[ExpertProfile],
    conflicts: Sequence[StaffConflict],
    *,
    params: ParameterSet,
    on: date,
) -> dict[tuple[str, str], list[Exclusion]]:
    """Every (item, expert) pair that avoidance forbids, with every rule that forbids it.

    Works by index, not by pairs: organisations and people point at the items they appear
    in, so the cost grows with the number of conflicts, not items × experts.
    """
    by_org: dict[str, list[tuple[ReviewItem, str]]] = defaultdict(list)
    by_team: dict[str, list[ReviewItem]] = defaultdict(list)
    by_applicant: dict[str, list[ReviewItem]] = defaultdict(list)
    by_call: dict[str, list[ReviewItem]] = defaultdict(list)
    by_id: dict[str, ReviewItem] = {}
    for item in items:
        by_id[item.id] = item
        by_call[item.call].append(item)
        by_org[_org(item.applicant_uscc)].append((item, "申请单位"))
        for uscc in item.member_usccs:
            if _org(uscc) != _org(item.applicant_uscc):
                by_org[_org(uscc)].append((item, "联合申报单位"))
        for pid in item.team_ids:
            by_team[_person(pid)].append(item)
        for pid in item.applicant_ids:
            by_applicant[_person(pid)].append(item)
    kinds = set(_strings(params.value("relation_kinds")))
    window = params.integer("collaboration_window_years")
    out: dict[tuple[str, str], list[Exclusion]] = defaultdict(list)

    def add(expert: ExpertProfile, item: ReviewItem, rule: str, zh: str, en: str) -> None:
        out[(item.id, expert.id)].append(
            Exclusion(
                expert=expert.id,
                item=item.id,
                rule=rule,
                zh=f"专家 {expert.name}（{expert.id}）回避评审对象 {item.id}：{zh}",
                en=f"Expert {expert.id} excluded from item {item.id}: {en}",
            )
        )

    for expert in experts:
        employer = _org(expert.employer_uscc)
        me = _person(expert.person_id)
        if params.value("same_employer") and employer:
            for item, role in by_org.get(employer, ()):
                role_en = "the applicant" if role == "申请单位" else "a consortium member"
                add(
                    expert,
                    item,
                    "same_employer",
                    f"同单位，统一社会信用代码 {employer}（{role}）",
                    f"same employer, USCC {employer} ({role_en})",
                )
        if params.value("same_call_team_member") and me:
            for own in by_team.get(me, ()):
                for item in by_call[own.call]:
                    add(
                        expert,
                        item,
                        "same_call_team_member",
                        f"本人是同批次（{own.call}）评审对象 {own.id} 的团队成员",
                        f"is a team member of item {own.id} in the same call {own.call}",
                    )
        if params.value("same_call_applicant") and me:
            for own in by_applicant.get(me, ()):
                for item in by_call[own.call]:
                    add(
                        expert,
                        item,
                        "same_call_applicant",
                        f"本人在同批次（{own.call}）申报了评审对象 {own.id}",
                        f"applied for item {own.id} in the same call {own.call}",
                    )
        if params.value("declared_relation"):
            for rel in expert.relations:
                if rel.kind not in kinds:
                    continue
                if rel.kind in TIME_LIMITED and (
                    rel.last_year is not None and rel.last_year < on.year - window
                ):
                    continue
                kind_zh, kind_en = RELATION_KINDS.get(rel.kind, (rel.kind, rel.kind))
                if rel.person_id:
                    other = _person(rel.person_id)
                    for item in [*by_team.get(other, []), *by_applicant.get(other, [])]:
                        add(
                            expert,
                            item,
                            "declared_relation",
                            f"申报了与团队成员（身份证号 {_mask(other)}）的{kind_zh}关系",
                            f"declared a {kind_en} relation with a team member (ID {_mask(other)})",
                        )
                if rel.uscc:
                    org = _org(rel.uscc)
                    for item, _role in by_org.get(org, ()):
                        add(
                            expert,
                            item,
                            "declared_relation",
                            f"申报了与单位（统一社会信用代码 {org}）的{kind_zh}关系",
                            f"declared a {kind_en} relation with organisation USCC {org}",
                        )
    if params.value("staff_recorded"):
        experts_by_id = {e.id: e for e in experts}
        for conflict in conflicts:
            expert_or_none = experts_by_id.get(conflict.expert)
            if expert_or_none is None:
                continue
            targets = (
                [by_id[conflict.item]] if conflict.item in by_id else by_call.get(conflict.call, [])
            )
            note = f"：{conflict.note}" if conflict.note else ""
            for item in targets:
                add(
                    expert_or_none,
                    item,
                    "staff_recorded",
                    f"管理部门登记了利害关系{note}",
                    f"staff recorded a conflict{': ' + conflict.note if conflict.note else ''}",
                )
    # one reason per rule is enough to explain a pair
    result: dict[tuple[str, str], list[Exclusion]] = {}
    for key, found in out.items():
        seen: set[tuple[str, str]] = set()
        unique = []
        for exclusion in found:
            if (exclusion.rule, exclusion.en) not in seen:
                seen.add((exclusion.rule, exclusion.en))
                unique.append(exclusion)
        result[key] = unique
    return result


def _mask(person_id: str) -> str:
    """An ID number shown with the birth date hidden: 440301********1234."""
    return person_id[:6] + "*" * 8 + person_id[14:] if len(person_id) == 18 else "***"


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, tuple):
        return tuple(str(v) for v in value)
    raise ValueError(f"expected a list of strings, got {value!r}")


# --- field pool and fit -----------------------------------------------------------------


def codes_match(a: str, b: str) -> bool:
    """Field codes match when equal or one refines the other (F06 and F0601)."""
    return a.startswith(b) or b.startswith(a)


def field_score(item_fields: Sequence[str], expert_fields: Sequence[str]) -> float:
    """Per item code: 1 for the same code, 0.5 when one refines the other; averaged."""
    if not item_fields:
        return 0.0
    total = 0.0
    for code in item_fields:
        best = 0.0
        for other in expert_fields:
            if other == code:
                best = 1.0
                break
            if codes_match(code, other):
                best = 0.5
        total += best
    return total / len(item_fields)


_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)


def ngrams(text: str, size: int = 2) -> Counter[str]:
    """Character n-grams of each run of text (Chinese has no spaces between words)."""
    grams: Counter[str] = Counter()
    for part in _NOT_TEXT.split(text.lower()):
        if not part:
            continue
        if len(part) < size:
            grams[part] += 1
            continue
        for i in range(len(part) - size + 1):
            grams[part[i : i + size]] += 1
    return grams


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(count * b[g] for g, count in a.items() if g in b)
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def item_profile(item: ReviewItem, size: int) -> Counter[str]:
    # keywords count twice: they are chosen words, the text is prose around them
    grams = ngrams(" ".join(item.keywords), size)
    grams.update(grams)
    grams.update(ngrams(f"{item.title} {item.text}", size))
    return grams


def expert_profile(expert: ExpertProfile, size: int) -> Counter[str]:
    return ngrams(" ".join(expert.keywords), size)


def fit_score(item: ReviewItem, expert: ExpertProfile, *, params: ParameterSet) -> int:
    """Fit in millionths: field weight × field score + text weight × n-gram cosine."""
    size = params.integer("ngram")
    value = float(params.decimal("fit_field_weight")) * field_score(
        item.fields, expert.fields
    ) + float(params.decimal("fit_text_weight")) * cosine(
        item_profile(item, size), expert_profile(expert, size)
    )
    return max(0, min(FIT_SCALE, round(value * FIT_SCALE)))


def field_pool(
    items: Sequence[ReviewItem], experts: Sequence[ExpertProfile]
) -> set[tuple[str, str]]:
    """Pairs where the expert shares a field code with the item (equal or refining)."""
    exact: dict[str, set[str]] = defaultdict(set)
    prefix: dict[str, set[str]] = defaultdict(set)
    for e in experts:
        for code in e.fields:
            exact[code].add(e.id)
            for n in range(1, len(code) + 1):
                prefix[code[:n]].add(e.id)
    pairs: set[tuple[str, str]] = set()
    for item in items:
        found: set[str] = set()
        for code in item.fields:
            found |= prefix.get(code, set())
            for n in range(1, len(code)):
                found |= exact.get(code[:n], set())
        pairs.update((item.id, e) for e in found)
    return pairs


# --- the draw's problem -------------------------------------------------------------------


@dataclass(frozen=True)
class DrawPlan:
    """The problem to solve, and what avoidance left out (to show and to store)."""

    problem: DrawProblem
    exclusions: dict[tuple[str, str], list[Exclusion]]
    pool_size: dict[str, int]


def build_problem(
    items: Sequence[ReviewItem],
    experts: Sequence[ExpertProfile],
    conflicts: Sequence[StaffConflict],
    *,
    k: int,
    load: int,
    q: Fraction,
    avoidance: ParameterSet,
    draw_params: ParameterSet,
    on: date,
    loads_used: Mapping[str, int] | None = None,
) -> DrawPlan:
    """Eligible pairs with their fit, in a canonical order (items and experts by id).

    ``loads_used`` takes items an expert already reviews in this call off its L.
    """
    if k < 1 or load < 1:
        raise ValidationError(
            "每个评审对象的专家人数 k 和每位专家的评审数上限 L 都必须至少为 1。",
            "Experts per item k and items per expert L must both be at least 1.",
            field="k" if k < 1 else "load",
            code="draw_parameters_invalid",
        )
    items = sorted(items, key=lambda i: i.id)
    experts = sorted(experts, key=lambda e: e.id)
    exclusions = find_exclusions(items, experts, conflicts, params=avoidance, on=on)
    pool_kind = str(draw_params.value("pool"))
    if pool_kind == "field":
        pool = field_pool(items, experts)
    else:
        pool = {(i.id, e.id) for i in items for e in experts}
    item_index = {item.id: n for n, item in enumerate(items)}
    expert_index = {e.id: n for n, e in enumerate(experts)}
    eligible = sorted(
        (item_index[i], expert_index[e]) for (i, e) in pool if (i, e) not in exclusions
    )
    size = draw_params.integer("ngram")
    item_grams = [item_profile(i, size) for i in items]
    expert_grams = [expert_profile(e, size) for e in experts]
    wf = float(draw_params.decimal("fit_field_weight"))
    wt = float(draw_params.decimal("fit_text_weight"))
    fits = [
        max(
            0,
            min(
                FIT_SCALE,
                round(
                    (
                        wf * field_score(items[i].fields, experts[j].fields)
                        + wt * cosine(item_grams[i], expert_grams[j])
                    )
                    * FIT_SCALE
                ),
            ),
        )
        for i, j in eligible
    ]
    orgs = sorted({_org(e.employer_uscc) for e in experts if e.employer_uscc})
    org_index = {org: n for n, org in enumerate(orgs)}
    used = loads_used or {}
    one_per_org = avoidance.integer("max_experts_per_org_per_panel") == 1
    problem = DrawProblem(
        items=tuple(i.id for i in items),
        experts=tuple(e.id for e in experts),
        pair_item=np.array([i for i, _ in eligible], dtype=np.int64),
        pair_expert=np.array([j for _, j in eligible], dtype=np.int64),
        pair_fit=np.array(fits, dtype=np.int64),
        k=np.full(len(items), k, dtype=np.int64),
        load=np.array([max(0, load - used.get(e.id, 0)) for e in experts], dtype=np.int64),
        q=q,
        group=np.array([org_index.get(_org(e.employer_uscc), -1) for e in experts], dtype=np.int64),
        one_per_group=one_per_org,
    )
    pool_size = Counter(items[i].id for i, _ in eligible)
    return DrawPlan(
        problem=problem,
        exclusions=exclusions,
        pool_size={i.id: pool_size.get(i.id, 0) for i in items},
    )


def lottery_q(k: int, pool: int) -> Fraction:
    """q = k / pool: with equal fit the draw is today's lottery inside the pool."""
    if pool < k:
        raise ValueError("the pool is smaller than k")
    return Fraction(k, pool)


# --- scores, aggregation, ranking ---------------------------------------------------------

_CENT = Decimal("0.01")
METHODS = ("trimmed_mean", "mean", "median")
RECOMMENDATIONS = {
    "fund": ("建议资助", "Fund"),
    "fund_if_revised": ("修改后资助", "Fund if revised"),
    "not_fund": ("不建议资助", "Do not fund"),
}


@dataclass(frozen=True)
class CriterionWeight:
    code: str
    name_zh: str
    name_en: str
    weight: int


def default_criteria(params: ParameterSet) -> tuple[CriterionWeight, ...]:
    value = params.value("criteria")
    assert isinstance(value, tuple)
    out = []
    for row in value:
        assert isinstance(row, tuple)
        code, zh, en, weight = row
        out.append(CriterionWeight(str(code), str(zh), str(en), int(str(weight))))
    return tuple(out)


@dataclass(frozen=True)
class Sheet:
    """One expert's scores for one item; ``None`` is "n/a" (不适用), never zero."""

    expert: str
    item: str
    scores: Mapping[str, Decimal | None]
    recommendation: str = ""


def sheet_total(sheet: Sheet, criteria: Sequence[CriterionWeight]) -> Decimal | None:
    """Σ weight × score ÷ Σ weight over the criteria answered; None when none is answered.

    "n/a" leaves the criterion out of both sums, so it neither adds nor counts as zero.
    """
    num = Decimal(0)
    den = 0
    for c in criteria:
        score = sheet.scores.get(c.code)
        if score is None:
            continue
        num += Decimal(score) * c.weight
        den += c.weight
    if not den:
        return None
    with localcontext() as ctx:
        ctx.prec = 40
        return num / den


def check_sheet(
    sheet: Sheet, criteria: Sequence[CriterionWeight], *, score_max: int
) -> list[tuple[str, str, str]]:
    """(field, zh, en) for each problem with a sheet; empty when it is complete."""
    problems: list[tuple[str, str, str]] = []
    for c in criteria:
        if c.code not in sheet.scores:
            problems.append(
                (
                    c.code,
                    f"请为「{c.name_zh}」打分，或选择“不适用”。",
                    f"Score {c.name_en} or mark it n/a.",
                )
            )
            continue
        score = sheet.scores[c.code]
        if score is not None and not (0 <= score <= score_max):
            problems.append(
                (
                    c.code,
                    f"「{c.name_zh}」的分数应在 0 到 {score_max} 之间。",
                    f"The score for {c.name_en} must be between 0 and {score_max}.",
                )
            )
    if all(sheet.scores.get(c.code) is None for c in criteria) and not problems:
        problems.append(
            (
                "scores",
                "至少为一项指标打分；全部“不适用”的评分表无法计入。",
                "Score at least one criterion; a sheet with every criterion n/a cannot count.",
            )
        )
    if sheet.recommendation not in RECOMMENDATIONS:
        problems.append(
            (
                "recommendation",
                "请选择总体意见（建议资助、修改后资助或不建议资助）。",
                "Choose an overall recommendation (fund, fund if revised, do not fund).",
            )
        )
    return problems


def _mean(values: Sequence[Decimal]) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        return sum(values, Decimal(0)) / len(values)


def _median(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def _sd(values: Sequence[Decimal]) -> Decimal:
    if len(values) < 2:
        return Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 40
        mean = _mean(values)
        return (sum(((v - mean) ** 2 for v in values), Decimal(0)) / len(values)).sqrt()


def aggregate(values: Sequence[Decimal], *, method: str, trim_min: int) -> tuple[Decimal, int]:
    """The aggregate of the totals and how many were counted.

    trimmed_mean: drop one highest and one lowest when there are at least ``trim_min``
    (「以上」 includes it); mean; median.
    """
    if not values:
        raise ValueError("no scores to aggregate")
    if method == "trimmed_mean":
        ordered = sorted(values)
        if len(ordered) >= trim_min:
            ordered = ordered[1:-1]
        return _mean(ordered), len(ordered)
    if method == "mean":
        return _mean(values), len(values)
    if method == "median":
        return _median(values), len(values)
    raise ValueError(f"unknown aggregation method {method!r}; use one of {METHODS}")


def normalise_totals(
    totals: Mapping[tuple[str, str], Decimal], *, min_sheets: int
) -> dict[tuple[str, str], Decimal]:
    """Per-expert normalisation: each expert's totals moved to the pool's mean and spread.

    t' = μ + (t − μₑ) · σ / σₑ for experts with at least ``min_sheets`` sheets and some
    spread; the others are left as they are (too few sheets to know their habit).
    """
    values = list(totals.values())
    if len(values) < 2:
        return dict(totals)
    mu, sigma = _mean(values), _sd(values)
    by_expert: dict[str, list[Decimal]] = defaultdict(list)
    for (_item, expert), value in totals.items():
        by_expert[expert].append(value)
    out: dict[tuple[str, str], Decimal] = {}
    with localcontext() as ctx:
        ctx.prec = 40
        for (item, expert), value in totals.items():
            own = by_expert[expert]
            own_sd = _sd(own)
            if len(own) >= min_sheets and own_sd > 0 and sigma > 0:
                out[(item, expert)] = mu + (value - _mean(own)) * sigma / own_sd
            else:
                out[(item, expert)] = value
    return out


@dataclass(frozen=True)
class ItemScore:
    item: str
    score: Decimal
    totals: Mapping[str, Decimal]  # per expert, as counted (normalised if asked)
    counted: int
    dropped: tuple[str, ...]
    outliers: tuple[str, ...]
    high_disagreement: bool
    recommendations: Mapping[str, int]
    decision: Decision


def score_items(
    sheets: Sequence[Sheet],
    criteria: Sequence[CriterionWeight],
    *,
    params: ParameterSet,
    method: str | None = None,
    normalise: bool | None = None,
) -> dict[str, ItemScore]:
    """Aggregate each item's sheets by the method (the call's, or the default)."""
    method = method or str(params.value("method"))
    if method not in METHODS:
        raise ValidationError(
            f"未知的汇总方法「{method}」，可选：去掉最高最低分后平均、平均、中位数。",
            f"Unknown aggregation method {method!r}; use trimmed_mean, mean or median.",
            field="method",
            code="method_invalid",
        )
    do_normalise = bool(params.value("normalise")) if normalise is None else normalise
    trim_min = params.integer("trim_min_scores")
    totals: dict[tuple[str, str], Decimal] = {}
    recs: dict[str, Counter[str]] = defaultdict(Counter)
    for sheet in sheets:
        total = sheet_total(sheet, criteria)
        if total is not None:
            totals[(sheet.item, sheet.expert)] = total
        if sheet.recommendation:
            recs[sheet.item][sheet.recommendation] += 1
    if do_normalise:
        totals = normalise_totals(totals, min_sheets=params.integer("normalise_min_sheets"))
    per_item: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for (item, expert), value in totals.items():
        per_item[item][expert] = value
    outlier_points = params.decimal("outlier_points")
    disagreement = params.decimal("disagreement_sd")
    out: dict[str, ItemScore] = {}
    for item, by_expert in sorted(per_item.items()):
        values = list(by_expert.values())
        score, counted = aggregate(values, method=method, trim_min=trim_min)
        score = score.quantize(_CENT, rounding=ROUND_HALF_UP)
        dropped: tuple[str, ...] = ()
        if method == "trimmed_mean" and len(values) >= trim_min:
            ordered = sorted(by_expert, key=lambda e: (by_expert[e], e))
            dropped = (ordered[0], ordered[-1])
        outliers = []
        for expert, value in sorted(by_expert.items()):
            others = [v for e, v in by_expert.items() if e != expert]
            if others and abs(value - _median(others)) > outlier_points:
                outliers.append(expert)
        spread = _sd(values)
        high = spread > disagreement
        reasons = [
            Reason(
                f"评审对象 {item}：{len(values)} 份有效评分，按{_method_zh(method)}"
                f"计入 {counted} 份，得分 {score}。",
                f"Item {item}: {len(values)} scored sheets, {counted} counted by "
                f"{method.replace('_', ' ')}, score {score}.",
            )
        ]
        if outliers:
            reasons.append(
                Reason(
                    f"专家 {'、'.join(outliers)} 的评分偏离其他专家中位数超过 {outlier_points} 分。",
                    f"Experts {', '.join(outliers)} are more than {outlier_points} points from "
                    "the others' median.",
                )
            )
        if high:
            reasons.append(
                Reason(
                    f"专家评分分歧较大（标准差 {spread.quantize(_CENT)} 分，超过 {disagreement} 分）。",
                    f"High disagreement (standard deviation {spread.quantize(_CENT)}, above "
                    f"{disagreement}).",
                )
            )
        out[item] = ItemScore(
            item=item,
            score=score,
            totals={e: v.quantize(_CENT, rounding=ROUND_HALF_UP) for e, v in by_expert.items()},
            counted=counted,
            dropped=dropped,
            outliers=tuple(outliers),
            high_disagreement=high,
            recommendations=dict(recs[item]),
            decision=decide(
                "scored",
                params,
                reasons=reasons,
                cite=["method", "trim_min_scores", "outlier_points", "disagreement_sd"],
                facts={
                    "item": item,
                    "score": score,
                    "method": method,
                    "normalised": do_normalise,
                    "counted": counted,
                    "dropped": list(dropped),
                },
            ),
        )
    return out


def _method_zh(method: str) -> str:
    return {"trimmed_mean": "去掉最高分和最低分后平均", "mean": "平均", "median": "中位数"}[method]


TIE_RULE_ZH = "排序规则：得分高者在前；得分相同的，提交时间早者在前；仍相同的，按编号升序。"
TIE_RULE_EN = (
    "Ranking rule: higher score first; on equal scores the earlier submission first; "
    "then by number, ascending."
)


@dataclass(frozen=True)
class Ranked:
    rank: int
    item: str
    score: Decimal
    tied_with: tuple[str, ...] = field(default=())


def rank(scores: Mapping[str, ItemScore], submitted: Mapping[str, str]) -> list[Ranked]:
    """Rank by score, then earlier submission, then id (the same rule as ``programs``)."""
    ordered = sorted(scores.values(), key=lambda s: (-s.score, submitted.get(s.item, ""), s.item))
    by_score: dict[Decimal, list[str]] = defaultdict(list)
    for s in ordered:
        by_score[s.score].append(s.item)
    return [
        Ranked(
            rank=n,
            item=s.item,
            score=s.score,
            tied_with=tuple(i for i in by_score[s.score] if i != s.item),
        )
        for n, s in enumerate(ordered, start=1)
    ]


def needs_reminder(days_left: int, *, params: ParameterSet) -> bool:
    """A reminder is due when at most ``reminder_workdays_before`` working days are left."""
    return 0 <= days_left <= params.integer("reminder_workdays_before")


def iter_reasons(exclusions: Iterable[Exclusion], language: str = "zh-hans") -> list[str]:
    return [e.reason().text(language) for e in exclusions]
