"""Demo data for expert review: twelve experts in the pool, two of them able to sign in;
then the demo calls' review settings and a meeting-review panel (:mod:`.demo_meeting`).

The experts go in through the same import service as a spreadsheet (all rows or none).
Fields cover every field (学科/领域) the programme demo made, so a call in expert review
can be drawn; their employers carry six university names (two experts to a name, each
under its own USCC), so a panel can seat five experts of five universities. Each part
checks what is there: a second run does nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from rainforest.accounts.models import Membership, Organisation, OrganisationKind, User
from rainforest.accounts.roles import Role
from rainforest.core.ids import make_resident_id, make_uscc
from rainforest.review import demo_meeting
from rainforest.review.models import Expert
from rainforest.review.services import expert_import

DEMO_PASSWORD = "rainforest-demo"  # the same as rainforest.web.demo
COUNT = 12
_TITLES = ("教授", "研究员", "高级工程师", "副教授")
_KEYWORDS = (
    ("人工智能", "大模型", "芯片"),
    ("集成电路", "低功耗设计"),
    ("生物医药", "基因编辑"),
    ("新材料", "储能"),
    ("机器人", "智能制造"),
    ("网络安全", "密码学"),
)


def _fields() -> list[str]:
    from rainforest.programs.models import Field

    codes = list(Field.objects.filter(active=True).values_list("code", flat=True))
    return codes or ["AI"]


def seed_review_demo(progress: Callable[[str], None] = lambda _msg: None) -> dict[str, int]:
    """Create what of the review demo is missing; returns how many of each were made."""
    ids = [make_resident_id(f"44030519750101{n:03d}") for n in range(1, COUNT + 1)]
    made = _seed_experts(ids, progress)
    counts = {"experts": made, "settings": 0, "panels": 0, "panel_scores": 0}
    # the programme officer sets the calls' settings and is the panel's secretary
    officer = User.objects.filter(memberships__role=Role.PROGRAMME_OFFICER).order_by("pk").first()
    calls = demo_meeting.demo_calls()
    if officer is None or not calls:
        return counts  # no programme demo to build on
    experts = list(Expert.objects.filter(id_number__in=ids).select_related("user"))
    counts.update(demo_meeting.seed_settings(officer, calls, progress))
    counts.update(demo_meeting.seed_panel(officer, calls, experts, progress))
    return counts


def _seed_experts(ids: list[str], progress: Callable[[str], None]) -> int:
    """The twelve demo experts unless they are there; how many were made."""
    if Expert.objects.filter(id_number__in=ids).exists():
        return 0
    progress("评审专家 / review experts")
    admin = (
        User.objects.filter(is_superuser=True).order_by("pk").first()
        or User.objects.filter(memberships__role=Role.PROGRAMME_OFFICER).order_by("pk").first()
    )
    if admin is None:
        return 0
    fields = _fields()
    rows = []
    for n, id_number in enumerate(ids, start=1):
        rows.append(
            {
                "name": f"演示专家{n:02d}",
                "id_number": id_number,
                "employer_uscc": make_uscc(f"12440300MB{n:07d}"),
                "employer_name": f"演示大学{(n - 1) // 2 + 1}（演示）",
                "title": _TITLES[n % len(_TITLES)],
                "fields": ",".join(fields[(n + i) % len(fields)] for i in range(2)),
                "keywords": "、".join(_KEYWORDS[n % len(_KEYWORDS)]),
                "email": "",
            }
        )
    with transaction.atomic():
        expert_import(actor=admin, rows=rows)
        # two experts can sign in: expert01 and expert02 (password as the other demo users)
        for n in (1, 2):
            expert = Expert.objects.get(id_number=ids[n - 1])
            org, _ = Organisation.objects.get_or_create(
                uscc=expert.employer_uscc,
                defaults={"name": expert.employer_name, "kind": OrganisationKind.UNIVERSITY},
            )
            user, created = User.objects.get_or_create(
                username=f"expert{n:02d}", defaults={"display_name": expert.name}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            Membership.objects.get_or_create(user=user, organisation=org, role=Role.EXPERT)
            Expert.objects.filter(pk=expert.pk).update(user=user)
    return COUNT
