"""Meeting review (会评) for shortlisted items, pure: the panel's checks, the session
schedule, the panel score and the panel's ranking.

A panel is chosen by staff, not drawn, so avoidance is checked here instead: a member may
not sit on a panel that hears an item they are excluded from, and a panel has at most one
expert per organisation (the same ``review.avoidance`` parameters as the draw).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from rainforest.core.policy import ParameterSet
from rainforest.review.domain import ExpertProfile, ReviewItem, StaffConflict, org_key
from rainforest.review.domain_avoidance import find_exclusions

Problem = tuple[str, str, str]  # (field, zh, en)


@dataclass(frozen=True)
class Slot:
    """One item's turn in the session: presentation and questions (答辩及质询)."""

    order: int
    item: str
    starts_at: datetime
    ends_at: datetime


def session_schedule(start: datetime, items: Sequence[str], minutes: int) -> list[Slot]:
    """Items one after another from ``start``, ``minutes`` each, in the order given."""
    step = timedelta(minutes=minutes)
    return [
        Slot(order=n, item=item, starts_at=start + step * (n - 1), ends_at=start + step * n)
        for n, item in enumerate(items, start=1)
    ]


def check_panel(
    *,
    items: Sequence[ReviewItem],
    call_items: Sequence[ReviewItem],
    members: Sequence[ExpertProfile],
    chair: str,
    conflicts: Sequence[StaffConflict],
    minutes_per_item: int,
    avoidance: ParameterSet,
    meeting: ParameterSet,
    on: date,
) -> list[Problem]:
    """Every problem with a panel; empty when it may sit.

    ``items`` are the shortlisted items the panel hears; ``call_items`` every item of the
    call, so that "team member or applicant anywhere in the same call" holds here too.
    ``members`` include the chair. Each exclusion is named: which expert, which item, why.
    """
    problems: list[Problem] = []
    if not items:
        problems.append(
            (
                "items",
                "请至少选择一项入围的申请。",
                "Choose at least one shortlisted application.",
            )
        )
    least = meeting.integer("min_members")
    if len(members) < least:
        problems.append(
            (
                "members",
                f"会评专家组至少 {least} 人（含组长），现有 {len(members)} 人。",
                f"A panel needs at least {least} experts including the chair; it has "
                f"{len(members)}.",
            )
        )
    if chair not in {m.id for m in members}:
        problems.append(("chair", "组长须是专家组成员。", "The chair must be a panel member."))
    if not 5 <= minutes_per_item <= 240:
        problems.append(
            (
                "minutes_per_item",
                "每项申请的答辩时长应在 5 到 240 分钟之间。",
                "Each application's slot must be 5 to 240 minutes.",
            )
        )
    if avoidance.integer("max_experts_per_org_per_panel") == 1:
        seen: dict[str, ExpertProfile] = {}
        for m in members:
            org = org_key(m.employer_uscc)
            if not org:
                continue
            if org in seen:
                problems.append(
                    (
                        "members",
                        f"专家 {seen[org].name} 与 {m.name} 同属一个单位（统一社会信用代码 {org}），"
                        "同一评审组内同一单位的专家不能超过 1 人。",
                        f"Experts {seen[org].id} and {m.id} work for the same organisation "
                        f"(USCC {org}); a panel may have at most one expert per organisation.",
                    )
                )
            else:
                seen[org] = m
    heard = {i.id for i in items}
    everything = {i.id: i for i in [*call_items, *items]}
    exclusions = find_exclusions(
        list(everything.values()), members, conflicts, params=avoidance, on=on
    )
    for key in sorted(k for k in exclusions if k[0] in heard):
        for e in exclusions[key]:
            problems.append(("members", e.zh, e.en))
    return problems


def check_panel_score(score: Decimal, comment: str, *, params: ParameterSet) -> list[Problem]:
    """The panel's score for one item: 0 to the maximum, at most two decimals, a comment."""
    problems: list[Problem] = []
    top = params.integer("score_max")
    if not score.is_finite() or not 0 <= score <= top:
        problems.append(
            (
                "score",
                f"会评得分应在 0 到 {top} 之间。",
                f"The panel score must be from 0 to {top}.",
            )
        )
    elif score != score.quantize(Decimal("0.01")):
        problems.append(
            (
                "score",
                "会评得分最多保留两位小数。",
                "The panel score may have at most two decimals.",
            )
        )
    least = params.integer("comment_min_chars")
    if len(comment.strip()) < least:
        problems.append(
            (
                "comment",
                f"请填写专家组意见（不少于 {least} 字）。",
                f"Write the panel's opinion (at least {least} characters).",
            )
        )
    return problems
