"""review/demo_meeting.py on the programme demo: the demo calls' review settings (under
which the demo pool can staff the draw) and a meeting-review panel with a partial
ranking; a second run adds nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from rainforest.audit.models import AuditRecord
from rainforest.programs import demo as programs_demo
from rainforest.programs.models import Application
from rainforest.review import services
from rainforest.review.demo import seed_review_demo
from rainforest.review.demo_meeting import PANEL_NAME, demo_calls
from rainforest.review.models import Assignment, CallSettings, Panel, PanelScore
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    # the programme demo's calls in expert review, seeded as tests/programs/test_demo.py does
    monkeypatch.setattr(programs_demo, "LATER_STAGE_SEEDERS", [])
    programs_demo.seed_programs_demo()
    return seed_review_demo()


def _settings(call_ref: str) -> tuple[object, ...]:
    row = CallSettings.objects.get(call_ref=call_ref)
    return (row.k, row.load, row.q, row.method, row.normalise, row.blind)


def _counts() -> tuple[int, ...]:
    return (
        CallSettings.objects.count(),
        Panel.objects.count(),
        PanelScore.objects.count(),
        AuditRecord.objects.count(),
    )


def test_seed_review_demo_sets_the_calls_and_forms_a_panel_once(
    client: Client, seeded: dict[str, int]
) -> None:
    calls = demo_calls()
    panel = Panel.objects.get()
    members = list(panel.members.all())
    results = services.panel_results(panel)
    first, second, third, fourth, fifth = panel.item_refs
    before = _counts()

    again = seed_review_demo()

    assert seeded == {"experts": 12, "settings": 2, "panels": 1, "panel_scores": 3}
    assert again == {"experts": 0, "settings": 0, "panels": 0, "panel_scores": 0}
    assert _counts() == before
    assert before[:3] == (2, 1, 3)
    assert _settings(calls["DEMO-AI"]) == (3, 20, "1/2", "mean", True, False)
    assert _settings(calls["DEMO-NE"]) == (5, 14, "5/8", "trimmed_mean", False, True)
    # the panel: five experts of five organisations, chaired by expert02, on the AI call
    assert (panel.name, panel.call_ref) == (PANEL_NAME, calls["DEMO-AI"])
    assert panel.chair.user.username == "expert02"
    assert panel.chair in members
    assert len(members) == len({m.employer_uscc for m in members}) == 5
    assert len({m.employer_name for m in members}) == 5
    assert [s.item for s in results.schedule] == panel.item_refs
    assert [(r.rank, r.item, r.score) for r in results.ranked] == [
        (1, second, Decimal("92.00")),
        (2, first, Decimal("88.50")),
        (3, third, Decimal("79.25")),
    ]
    assert results.missing == [fourth, fifth]
    # what the chair reads on the panel's page
    sign_in(client, panel.chair.user)
    page = client.get(f"/review/panels/{panel.pk}/").content.decode()
    ranking = page.split('id="panel-ranking"', 1)[1].split("</table>", 1)[0]
    assert "还有 2 项申请未录入会评得分。" in page
    assert ranking.index("92.00") < ranking.index("88.50") < ranking.index("79.25")


def test_demo_settings_let_the_visitors_draw_staff_every_application(
    seeded: dict[str, int],
) -> None:
    calls = demo_calls()
    officer = CallSettings.objects.get(call_ref=calls["DEMO-AI"]).updated_by

    for call_ref in calls.values():  # the draw made from the stored settings, as the page does
        commit = services.draw_commit(actor=officer, call_ref=call_ref)
        made = services.draw_perform(actor=officer, draw_record=commit)
        settings = CallSettings.objects.get(call_ref=call_ref)
        items = Application.objects.filter(call_id=int(call_ref), case__stage="expert_review")

        assert (made.k, made.load, made.q) == (settings.k, settings.load, settings.q)
        assert Assignment.objects.filter(draw=made).count() == settings.k * items.count()
