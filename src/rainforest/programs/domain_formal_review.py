"""Formal review (形式审查) of R&D programme applications, pure: no Django.

Each rule gives a ``Check`` with its reasons: registered in the city, required
attachments present, budget arithmetic, the fiscal cap, the self-funding ratio, the
principal investigator's concurrent projects, the same application sent to two calls,
every section complete. :func:`formal_review` turns the list into a stored ``Decision``;
:func:`submission_refusals` says which of them refuse a submission outright.

Chinese legal usage (POLICY.md): 「不低于」「不超过」「以上」「以下」 include the number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from rainforest.core.money import format_yuan
from rainforest.core.policy import (
    Decision,
    ParameterSet,
    Reason,
    decide,
)
from rainforest.programs.domain import (
    Earlier,
    find_similar,
)

__all__ = [
    "ATTACHMENT_KINDS",
    "SECTION_NAMES",
    "SUBMISSION_RULES",
    "ApplicationFacts",
    "BudgetRow",
    "Check",
    "OtherApplication",
    "Rule",
    "budget_totals",
    "division_code",
    "formal_review",
    "run_checks",
    "self_funding_percent",
    "submission_refusals",
]


# --- formal review (形式审查) ----------------------------------------------------------


class Rule(StrEnum):
    COMPLETE = "complete"
    REGISTERED_IN_CITY = "registered_in_city"
    ATTACHMENTS = "attachments"
    BUDGET_ARITHMETIC = "budget_arithmetic"
    FUNDING_CAP = "funding_cap"
    SELF_FUNDING = "self_funding"
    CONCURRENT_PROJECTS = "concurrent_projects"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class BudgetRow:
    category: str
    fiscal: Decimal
    self_raised: Decimal


@dataclass(frozen=True)
class OtherApplication:
    """Another submitted application of the same principal investigator."""

    id: int
    call_id: int
    number: str
    text: str


@dataclass(frozen=True)
class ApplicationFacts:
    """What formal review looks at, read from the database by the service."""

    call_id: int
    applicant_uscc: str
    missing_sections: tuple[str, ...]
    required_attachments: tuple[str, ...]
    present_attachments: tuple[str, ...]
    budget: tuple[BudgetRow, ...]
    declared_fiscal_total: Decimal | None
    declared_self_total: Decimal | None
    funding_per_project: Decimal
    require_city_registration: bool
    min_self_funding_percent: Decimal
    max_concurrent_per_pi: int
    pi_current_projects: int
    text: str
    others_by_pi: tuple[OtherApplication, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Check:
    rule: Rule
    ok: bool
    reason: Reason
    # Another application this one appears to duplicate (only for Rule.DUPLICATE).
    related: tuple[str, ...] = ()


def division_code(uscc: str) -> str:
    """Characters 3-8 of the USCC: the administrative division code (GB 32100-2015)."""
    return uscc[2:8]


def _check_city(facts: ApplicationFacts, prefixes: Sequence[str]) -> Check:
    code = division_code(facts.applicant_uscc)
    if not facts.require_city_registration:
        return Check(
            Rule.REGISTERED_IN_CITY,
            True,
            Reason("本指南不要求在本市注册", "This call does not require registration in the city"),
        )
    if any(code.startswith(p) for p in prefixes):
        return Check(
            Rule.REGISTERED_IN_CITY,
            True,
            Reason(
                f"申报单位在本市注册（统一社会信用代码行政区划码 {code}）",
                f"The applicant is registered in the city (division code {code})",
            ),
        )
    return Check(
        Rule.REGISTERED_IN_CITY,
        False,
        Reason(
            f"申报单位不在本市注册：统一社会信用代码第3至8位为 {code}，应以 {'、'.join(prefixes)} 开头",
            f"The applicant is not registered in the city: division code {code} does not start "
            f"with {', '.join(prefixes)}",
        ),
    )


def _check_attachments(facts: ApplicationFacts, names: dict[str, tuple[str, str]]) -> Check:
    missing = [k for k in facts.required_attachments if k not in set(facts.present_attachments)]
    if not missing:
        return Check(
            Rule.ATTACHMENTS,
            True,
            Reason("指南要求的附件齐全", "Every attachment the call requires is present"),
        )
    zh = "、".join(names.get(k, (k, k))[0] for k in missing)
    en = ", ".join(names.get(k, (k, k))[1] for k in missing)
    return Check(
        Rule.ATTACHMENTS,
        False,
        Reason(f"缺少指南要求的附件：{zh}", f"Attachments the call requires are missing: {en}"),
    )


def budget_totals(rows: Iterable[BudgetRow]) -> tuple[Decimal, Decimal]:
    fiscal = sum((r.fiscal for r in rows), Decimal("0.00"))
    own = sum((r.self_raised for r in rows), Decimal("0.00"))
    return fiscal, own


def _check_budget(facts: ApplicationFacts) -> Check:
    fiscal, own = budget_totals(facts.budget)
    if not facts.budget:
        return Check(
            Rule.BUDGET_ARITHMETIC,
            False,
            Reason("预算表没有填写任何科目", "The budget table has no lines"),
        )
    problems_zh: list[str] = []
    problems_en: list[str] = []
    for row in facts.budget:
        if row.fiscal < 0 or row.self_raised < 0:
            problems_zh.append(f"科目“{row.category}”的金额不能为负数")
            problems_en.append(f"line {row.category!r} has a negative amount")
    if facts.declared_fiscal_total is not None and facts.declared_fiscal_total != fiscal:
        problems_zh.append(
            f"财政资金合计填写为 {format_yuan(facts.declared_fiscal_total)}，"
            f"各科目之和为 {format_yuan(fiscal)}"
        )
        problems_en.append(
            f"the fiscal total is given as {format_yuan(facts.declared_fiscal_total)} but the "
            f"lines add up to {format_yuan(fiscal)}"
        )
    if facts.declared_self_total is not None and facts.declared_self_total != own:
        problems_zh.append(
            f"自筹资金合计填写为 {format_yuan(facts.declared_self_total)}，"
            f"各科目之和为 {format_yuan(own)}"
        )
        problems_en.append(
            f"the self-raised total is given as {format_yuan(facts.declared_self_total)} but "
            f"the lines add up to {format_yuan(own)}"
        )
    if problems_zh:
        return Check(
            Rule.BUDGET_ARITHMETIC,
            False,
            Reason("预算表有误：" + "；".join(problems_zh), "Budget: " + "; ".join(problems_en)),
        )
    return Check(
        Rule.BUDGET_ARITHMETIC,
        True,
        Reason(
            f"预算表合计正确：财政资金 {format_yuan(fiscal)}，自筹资金 {format_yuan(own)}",
            f"The budget adds up: fiscal {format_yuan(fiscal)}, self-raised {format_yuan(own)}",
        ),
    )


def _check_cap(facts: ApplicationFacts) -> Check:
    fiscal, _own = budget_totals(facts.budget)
    cap = facts.funding_per_project
    if fiscal <= cap:
        return Check(
            Rule.FUNDING_CAP,
            True,
            Reason(
                f"申请财政资金 {format_yuan(fiscal)} 不超过单项资助上限 {format_yuan(cap)}",
                f"Fiscal funds asked, {format_yuan(fiscal)}, are within the cap of {format_yuan(cap)}",
            ),
        )
    return Check(
        Rule.FUNDING_CAP,
        False,
        Reason(
            f"申请财政资金 {format_yuan(fiscal)} 超过单项资助上限 {format_yuan(cap)}",
            f"Fiscal funds asked, {format_yuan(fiscal)}, exceed the cap of {format_yuan(cap)}",
        ),
    )


def self_funding_percent(fiscal: Decimal, own: Decimal) -> Decimal:
    """Self-raised funds as a percentage of the whole budget, to two places (for display)."""
    total = fiscal + own
    if total == 0:
        return Decimal("0.00")
    return (own * 100 / total).quantize(Decimal("0.01"))


def _check_self_funding(facts: ApplicationFacts) -> Check:
    fiscal, own = budget_totals(facts.budget)
    minimum = facts.min_self_funding_percent
    shown = self_funding_percent(fiscal, own)
    # 「不低于」 includes the number; compared without rounding: own / total >= minimum / 100.
    ok = own * 100 >= minimum * (fiscal + own) and (fiscal + own > 0 or minimum == 0)
    if ok:
        return Check(
            Rule.SELF_FUNDING,
            True,
            Reason(
                f"自筹资金占总预算 {shown}%，不低于 {minimum}%",
                f"Self-raised funds are {shown}% of the budget, at least {minimum}%",
            ),
        )
    return Check(
        Rule.SELF_FUNDING,
        False,
        Reason(
            f"自筹资金占总预算 {shown}%，低于指南要求的 {minimum}%",
            f"Self-raised funds are {shown}% of the budget, below the {minimum}% the call requires",
        ),
    )


def _check_concurrent(facts: ApplicationFacts) -> Check:
    # The projects the principal investigator would hold if this one were funded.
    holding = facts.pi_current_projects + 1
    limit = facts.max_concurrent_per_pi
    if holding <= limit:
        return Check(
            Rule.CONCURRENT_PROJECTS,
            True,
            Reason(
                f"项目负责人在研项目 {facts.pi_current_projects} 项，连同本项目 {holding} 项，不超过 {limit} 项",
                f"The principal investigator leads {facts.pi_current_projects} running projects; "
                f"with this one {holding}, within the limit of {limit}",
            ),
        )
    return Check(
        Rule.CONCURRENT_PROJECTS,
        False,
        Reason(
            f"项目负责人在研项目 {facts.pi_current_projects} 项，连同本项目 {holding} 项，超过 {limit} 项的限制",
            f"The principal investigator leads {facts.pi_current_projects} running projects; "
            f"with this one {holding}, over the limit of {limit}",
        ),
    )


def _check_duplicate(facts: ApplicationFacts, threshold: Decimal, size: int) -> Check:
    others = [o for o in facts.others_by_pi if o.call_id != facts.call_id]
    hits = find_similar(
        facts.text,
        [Earlier(o.id, o.text) for o in others],
        threshold=threshold,
        size=size,
    )
    if not hits:
        return Check(
            Rule.DUPLICATE,
            True,
            Reason(
                "未发现同一项目负责人向其他指南重复申报",
                "No near-identical application by the same principal investigator to another call",
            ),
        )
    numbers = {o.id: o.number for o in others}
    listed = tuple(numbers[h.id] for h in hits)
    return Check(
        Rule.DUPLICATE,
        False,
        # The reason is shown to the applicant on the case page: it names no other
        # application (it may be another organisation's); staff read ``related``.
        Reason(
            f"同一项目负责人已向其他指南提交内容相近的申请（{len(listed)} 件，最高相似度 {hits[0].score}）",
            f"The same principal investigator sent a near-identical application to another "
            f"call ({len(listed)}, highest similarity {hits[0].score})",
        ),
        related=listed,
    )


SECTION_NAMES: dict[str, tuple[str, str]] = {
    "basic": ("基本信息", "basic information"),
    "team": ("项目团队", "team"),
    "consortium": ("联合申报单位", "consortium members"),
    "budget": ("经费预算", "budget"),
    "milestones": ("里程碑与交付物", "milestones and deliverables"),
    "attachments": ("附件", "attachments"),
}

ATTACHMENT_KINDS: dict[str, tuple[str, str]] = {
    "feasibility_report": ("可行性研究报告", "feasibility report"),
    "self_funding_commitment": ("自筹资金承诺书", "self-funding commitment"),
    "consortium_agreement": ("联合申报协议", "consortium agreement"),
    "financial_statement": ("上一年度财务审计报告", "last year's audited accounts"),
    "integrity_commitment": ("科研诚信承诺书", "research integrity commitment"),
    "other": ("其他材料", "other material"),
}


def _check_complete(facts: ApplicationFacts) -> Check:
    if not facts.missing_sections:
        return Check(
            Rule.COMPLETE, True, Reason("申请书各部分已填写", "Every section is filled in")
        )
    zh = "、".join(SECTION_NAMES.get(s, (s, s))[0] for s in facts.missing_sections)
    en = ", ".join(SECTION_NAMES.get(s, (s, s))[1] for s in facts.missing_sections)
    return Check(
        Rule.COMPLETE,
        False,
        Reason(f"以下部分尚未填写完成：{zh}", f"These sections are not complete: {en}"),
    )


def run_checks(
    facts: ApplicationFacts, review: ParameterSet, similarity: ParameterSet
) -> list[Check]:
    """Every formal-review rule, in the order the checklist shows them."""
    prefixes = review.value("city_division_prefixes")
    assert isinstance(prefixes, tuple)
    return [
        _check_complete(facts),
        _check_city(facts, [str(p) for p in prefixes]),
        _check_attachments(facts, ATTACHMENT_KINDS),
        _check_budget(facts),
        _check_cap(facts),
        _check_self_funding(facts),
        _check_concurrent(facts),
        _check_duplicate(
            facts, review.decimal("duplicate_similarity"), similarity.integer("shingle_size")
        ),
    ]


# Rules that refuse a submission outright; the others are for staff to weigh in review.
SUBMISSION_RULES = frozenset(
    {
        Rule.COMPLETE,
        Rule.REGISTERED_IN_CITY,
        Rule.ATTACHMENTS,
        Rule.BUDGET_ARITHMETIC,
        Rule.FUNDING_CAP,
        Rule.SELF_FUNDING,
        Rule.CONCURRENT_PROJECTS,
    }
)


def formal_review(
    facts: ApplicationFacts, review: ParameterSet, similarity: ParameterSet
) -> tuple[Decision, list[Check]]:
    """The checklist as a Decision: ``pass`` when every rule holds, else ``attention``."""
    checks = run_checks(facts, review, similarity)
    outcome = "pass" if all(c.ok for c in checks) else "attention"
    decision = decide(
        outcome,
        review,
        reasons=[
            Reason(
                ("✔ " if c.ok else "✘ ") + c.reason.zh,
                ("OK: " if c.ok else "PROBLEM: ") + c.reason.en,
            )
            for c in checks
        ],
        cite=["city_division_prefixes", "duplicate_similarity"],
        facts={
            "checks": [
                {"rule": c.rule.value, "ok": c.ok, "related": list(c.related)} for c in checks
            ],
            "min_self_funding_percent": facts.min_self_funding_percent,
            "max_concurrent_per_pi": facts.max_concurrent_per_pi,
            "pi_current_projects": facts.pi_current_projects,
            "shingle_size": similarity.integer("shingle_size"),
        },
    )
    return decision, checks


def submission_refusals(checks: Iterable[Check]) -> list[Check]:
    """The failed checks that refuse a submission (late, incomplete or ineligible)."""
    return [c for c in checks if not c.ok and c.rule in SUBMISSION_RULES]
