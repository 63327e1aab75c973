"""Demo data for the review of the demo calls: their review settings and a meeting review.

- Review settings (评审设置) on each demo call in expert review, chosen so that the demo
  pool can staff the draw a visitor makes from them: each field has eight demo experts,
  so the defaults (k = 5 experts per application, L = 10 per expert) cannot cover the AI
  call's 53 applications (53 × 5 > 8 × 10). The 揭榜挂帅 call keeps k = 5 and is blind.
- One meeting-review panel (会评) for five applications of the AI call: five demo experts
  of that field from five universities, chaired by ``expert02`` (who can sign in); the
  session was held on the last working day, and the panel's scores are recorded for three
  applications, so the panel's page shows a ranking with two still to record.

Everything goes through the services, the panel with backdated ``now=`` values. No call in
the demo has finished online review in this module (the closed calls were scored in the
programme's own stages, and a panel hears only applications drawn for or in expert
review), so the panel hears applications still in expert review.

Idempotent: a call that has settings keeps them; the panel's marker is its name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.cases.calendar import get_calendar
from rainforest.review import adapters
from rainforest.review import domain as rules
from rainforest.review.models import CallSettings, Expert, ExpertStatus, Panel
from rainforest.review.services import (
    call_settings_save,
    panel_create,
    panel_results,
    panel_score_record,
    settings_locked,
    shortlist_candidates,
)

# The review settings of the demo calls, by the call's field (programs' demo fields).
SETTINGS: dict[str, dict[str, object]] = {
    "DEMO-AI": {
        "k": 3,
        "load": 20,
        "q": "1/2",
        "method": "mean",
        "normalise": True,  # each expert scores about 20 applications: enough to normalise
        "blind": False,
    },
    "DEMO-NE": {
        "k": 5,
        "load": 14,
        "q": "5/8",
        "method": "trimmed_mean",
        "normalise": False,
        "blind": True,  # 揭榜挂帅: 不论资历，experts do not see who applies
    },
}
PANEL_FIELD = "DEMO-AI"
PANEL_NAME = "人工智能重点领域会评组（演示）"
PANEL_PLACE = "市科技创新局 3 楼第一会议室（演示）"
PANEL_CHAIR = "expert02"
SHORTLIST = 5
# The panel's scores for the first three applications heard (the last two not yet).
PANEL_SCORES = [
    (Decimal("88.50"), "技术路线清晰，样机指标有依据，同意推荐立项。"),
    (Decimal("92.00"), "创新性突出，团队基础扎实，应用示范方案可行，建议优先支持。"),
    (Decimal("79.25"), "研究内容偏多，预算测算依据不足，建议压缩目标后支持。"),
]


def demo_calls() -> dict[str, str]:
    """The demo calls in expert review: their field code → the call's reference."""
    scoring = rules.parameters_on(rules.SCORING, timezone.localdate())
    found: dict[str, str] = {}
    for info, _count in adapters.calls_in_review(scoring):
        for code in info.field_codes:
            if code in SETTINGS:
                found.setdefault(code, info.ref)
    return found


def seed_settings(
    actor: User, calls: dict[str, str], progress: Callable[[str], None]
) -> dict[str, int]:
    """Settings on each demo call that has none and no draw yet."""
    made = 0
    for code, call_ref in sorted(calls.items()):
        if CallSettings.objects.filter(call_ref=call_ref).exists() or settings_locked(call_ref):
            continue
        values = SETTINGS[code]
        call_settings_save(
            actor=actor,
            call_ref=call_ref,
            k=values["k"],
            load=values["load"],
            q=values["q"],
            method=values["method"],
            normalise=bool(values["normalise"]),
            blind=bool(values["blind"]),
        )
        made += 1
    if made:
        progress(f"review settings on {made} demo call(s)")
    return {"settings": made}


def _last_workday_at(hour: int, minute: int) -> datetime:
    cal = get_calendar()
    day = timezone.localdate() - timedelta(days=1)
    while not cal.is_workday(day):
        day -= timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def panel_members(experts: Sequence[Expert], field: str, size: int) -> list[Expert]:
    """The chair (``PANEL_CHAIR``) first, then demo experts of the field, one per employer."""
    fit = [
        e
        for e in experts
        if e.status == ExpertStatus.ACTIVE and not e.quality_flags and field in e.fields
    ]
    fit.sort(key=lambda e: (e.user is None or e.user.username != PANEL_CHAIR, e.pk))
    chosen: list[Expert] = []
    seen: set[str] = set()
    for e in fit:
        # the demo names two experts' employers alike under different USCCs: a visitor
        # reads names, so the panel has one expert per name as well as per USCC
        if seen.isdisjoint({e.employer_uscc, e.employer_name}):
            chosen.append(e)
            seen.update({e.employer_uscc, e.employer_name})
    return chosen[:size]


def seed_panel(
    actor: User,
    calls: dict[str, str],
    experts: Sequence[Expert],
    progress: Callable[[str], None],
) -> dict[str, int]:
    """The demo panel with three of its five scores, unless it is there."""
    call_ref = calls.get(PANEL_FIELD)
    if call_ref is None or Panel.objects.filter(call_ref=call_ref, name=PANEL_NAME).exists():
        return {"panels": 0, "panel_scores": 0}
    session_at = _last_workday_at(9, 30)
    formed = session_at - timedelta(days=3)
    size = rules.parameters_on(rules.MEETING, timezone.localdate(formed)).integer("min_members")
    members = panel_members(experts, PANEL_FIELD, size)
    items = shortlist_candidates(call_ref)[:SHORTLIST]
    if len(members) < size or len(items) < len(PANEL_SCORES):
        return {"panels": 0, "panel_scores": 0}  # the pool or the call is not the demo's
    with transaction.atomic():
        panel = panel_create(
            actor=actor,
            call_ref=call_ref,
            name=PANEL_NAME,
            chair=members[0],
            members=members,
            session_at=session_at,
            place=PANEL_PLACE,
            item_refs=items,
            now=formed,
        )
        schedule = panel_results(panel).schedule
        for slot, (score, comment) in zip(schedule, PANEL_SCORES, strict=False):
            panel_score_record(
                actor=actor,
                panel=panel,
                item_ref=slot.item,
                score=score,
                comment=comment,
                now=slot.ends_at,
            )
    progress("meeting review: a panel of five, three applications scored")
    return {"panels": 1, "panel_scores": min(len(schedule), len(PANEL_SCORES))}
