"""Avoidance (回避), pure: which expert may not review which item, and why, in words.

Every rule is a named value of the ``review.avoidance`` parameters (see :mod:`.domain`)
with its citation; every exclusion carries its reason in Chinese and English.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from rainforest.core.policy import ParameterSet, Reason
from rainforest.review.domain import (
    RELATION_KINDS,
    TIME_LIMITED,
    ExpertProfile,
    ReviewItem,
    StaffConflict,
    mask_person_id,
    org_key,
    person_key,
    strings,
)


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
        by_org[org_key(item.applicant_uscc)].append((item, "申请单位"))
        for uscc in item.member_usccs:
            if org_key(uscc) != org_key(item.applicant_uscc):
                by_org[org_key(uscc)].append((item, "联合申报单位"))
        for pid in item.team_ids:
            by_team[person_key(pid)].append(item)
        for pid in item.applicant_ids:
            by_applicant[person_key(pid)].append(item)
    kinds = set(strings(params.value("relation_kinds")))
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
        employer = org_key(expert.employer_uscc)
        me = person_key(expert.person_id)
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
                    other = person_key(rel.person_id)
                    for item in [*by_team.get(other, []), *by_applicant.get(other, [])]:
                        add(
                            expert,
                            item,
                            "declared_relation",
                            f"申报了与团队成员（身份证号 {mask_person_id(other)}）的{kind_zh}关系",
                            f"declared a {kind_en} relation with a team member (ID {mask_person_id(other)})",
                        )
                if rel.uscc:
                    org = org_key(rel.uscc)
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


def iter_reasons(exclusions: Iterable[Exclusion], language: str = "zh-hans") -> list[str]:
    return [e.reason().text(language) for e in exclusions]
