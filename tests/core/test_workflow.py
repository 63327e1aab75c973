"""Process definitions, the pure transition function and the process drawing."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rainforest.core.errors import ConflictError, PermissionDeniedError, ValidationError
from rainforest.core.workflow import (
    Accepted,
    CaseState,
    CloseCase,
    GuardResult,
    PauseClock,
    ProcessDefinition,
    ProcessDefinitionError,
    Rejected,
    ResumeClock,
    Stage,
    StageKind,
    StartClock,
    Transition,
    define_process,
    render_svg,
    start_case,
    transition,
)

SVG = "{http://www.w3.org/2000/svg}"
STAFF = frozenset({"staff"})
APPLICANT = frozenset({"applicant"})


def materials_complete(context: Mapping[str, object]) -> GuardResult:
    if context.get("materials_complete") is True:
        return GuardResult.allow()
    return GuardResult.deny("材料不齐全。", "Materials are incomplete.")


GUARDS = {"materials_complete": materials_complete}


def stages() -> list[Stage]:
    return [
        Stage("submitted", "已提交", "Submitted", StageKind.TASK, None),
        Stage("review", "审查", "Review", StageKind.TASK, 2),
        Stage("returned", "退回补正", "Returned for correction", StageKind.WAIT_APPLICANT, None),
        Stage("registered", "已登记", "Registered", StageKind.FINAL, None),
        Stage("rejected", "不予登记", "Rejected", StageKind.FINAL, None),
    ]


def t(
    action: str,
    source: str,
    target: str,
    roles: frozenset[str] = STAFF,
    *,
    guard: str | None = None,
    requires_reason: bool = False,
) -> Transition:
    return Transition(
        action, source, target, roles, f"{action}（中）", action, guard, requires_reason
    )


def transitions() -> list[Transition]:
    return [
        t("accept", "submitted", "review"),
        t("register", "review", "registered", guard="materials_complete"),
        t("return", "review", "returned", requires_reason=True),
        t("reject", "review", "rejected", requires_reason=True),
        t("note", "review", "review"),
        t("resubmit", "returned", "review", APPLICANT),
        t("withdraw", "returned", "rejected", APPLICANT),
    ]


def pledge(**overrides: object) -> ProcessDefinition:
    args: dict[str, object] = {
        "code": "ip_pledge",
        "version": 1,
        "name_zh": "知识产权质押登记",
        "name_en": "IP pledge registration",
        "initial": "submitted",
        "stages": stages(),
        "transitions": transitions(),
        "guards": GUARDS,
    }
    args.update(overrides)
    return define_process(**args)  # type: ignore[arg-type]


DEFN = pledge()


# -- definitions ----------------------------------------------------------------------


def test_define_process_valid_sample_builds() -> None:
    assert (DEFN.initial, [s.code for s in DEFN.final_stages()]) == (
        "submitted",
        ["registered", "rejected"],
    )


def test_stage_lookup_returns_stage() -> None:
    assert DEFN.stage("review").time_limit_workdays == 2


def test_stage_unknown_code_raises_key_error() -> None:
    with pytest.raises(KeyError, match="nowhere"):
        DEFN.stage("nowhere")


def test_transitions_from_lists_in_definition_order() -> None:
    assert [x.action for x in DEFN.transitions_from("review")] == [
        "register",
        "return",
        "reject",
        "note",
    ]


@pytest.mark.parametrize(
    ("kind", "clock_runs"),
    [(StageKind.TASK, True), (StageKind.WAIT_APPLICANT, False), (StageKind.FINAL, False)],
)
def test_stage_clock_runs_default_by_kind(kind: StageKind, clock_runs: bool) -> None:
    assert Stage("s", "阶段", "Stage", kind, None).clock_runs == clock_runs


def test_stage_task_clock_may_be_stopped() -> None:
    assert (
        Stage("expert", "专家评审", "Expert", StageKind.TASK, 10, clock_runs=False).clock_runs
        is False
    )


@pytest.mark.parametrize(
    ("kind", "limit", "message"),
    [
        (StageKind.FINAL, 1, "final stage 'x' cannot have a time limit"),
        (StageKind.TASK, 0, "positive"),
        (StageKind.TASK, -3, "positive"),
    ],
)
def test_stage_invalid_time_limit_raises(kind: StageKind, limit: int, message: str) -> None:
    with pytest.raises(ProcessDefinitionError, match=message):
        Stage("x", "x", "x", kind, limit)


def test_stage_time_limit_one_accepted() -> None:
    assert Stage("x", "x", "x", StageKind.TASK, 1).time_limit_workdays == 1


def test_stage_empty_code_raises() -> None:
    with pytest.raises(ProcessDefinitionError, match="empty"):
        Stage("", "x", "x", StageKind.TASK, None)


def _replace_stage(code: str, new: Stage | None) -> list[Stage]:
    out = [s for s in stages() if s.code != code]
    return out + ([new] if new else [])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"transitions": [*transitions(), t("skip", "review", "archive")]},
            "transition 'skip' .* unknown stage 'archive'",
            id="unknown_target",
        ),
        pytest.param(
            {"transitions": [*transitions(), t("poke", "limbo", "review")]},
            "transition 'poke' .* unknown stage 'limbo'",
            id="unknown_source",
        ),
        pytest.param(
            {"stages": [*stages(), Stage("review", "重复", "Dup", StageKind.TASK, 1)]},
            "duplicate stage code 'review'",
            id="duplicate_stage",
        ),
        pytest.param(
            {"transitions": [*transitions(), t("accept", "submitted", "rejected")]},
            "duplicate action 'accept' from stage 'submitted'",
            id="duplicate_source_action",
        ),
        pytest.param(
            {"initial": "draft"}, "initial stage 'draft' is not defined", id="bad_initial"
        ),
        pytest.param(
            {"initial": "registered"}, "initial stage 'registered' is final", id="final_initial"
        ),
        pytest.param(
            {"stages": [*stages(), Stage("archive", "归档", "Archive", StageKind.FINAL, None)]},
            "stage 'archive' is unreachable",
            id="unreachable",
        ),
        pytest.param(
            {
                "stages": [*stages(), Stage("limbo", "搁置", "Limbo", StageKind.TASK, None)],
                "transitions": [*transitions(), t("park", "review", "limbo")],
            },
            "no final stage can be reached from 'limbo'",
            id="dead_end",
        ),
        pytest.param(
            {"transitions": [*transitions(), t("reopen", "rejected", "review")]},
            "transition 'reopen' leaves final stage 'rejected'",
            id="out_of_final",
        ),
        pytest.param({"guards": {}}, "unknown guard 'materials_complete'", id="unknown_guard"),
        pytest.param(
            {
                "stages": [
                    Stage("submitted", "已提交", "Submitted", StageKind.TASK, None),
                    Stage("review", "审查", "Review", StageKind.TASK, 2),
                ],
                "transitions": [
                    t("accept", "submitted", "review"),
                    t("back", "review", "submitted"),
                ],
            },
            "no final stage defined",
            id="no_final",
        ),
        pytest.param({"stages": [], "transitions": []}, "no stages defined", id="no_stages"),
        pytest.param(
            {"transitions": [*transitions(), t("x", "submitted", "rejected", frozenset())]},
            "names no role",
            id="no_roles",
        ),
    ],
)
def test_define_process_invalid_raises_naming_problem(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ProcessDefinitionError, match=message):
        pledge(**overrides)


def test_process_definition_error_is_value_error() -> None:
    assert issubclass(ProcessDefinitionError, ValueError)


# -- storage --------------------------------------------------------------------------


def test_to_dict_is_json_with_sorted_roles() -> None:
    data = json.loads(
        json.dumps(
            pledge(
                transitions=[*transitions(), t("x", "submitted", "rejected", frozenset({"b", "a"}))]
            ).to_dict()
        )
    )
    assert (data["code"], data["stages"][1], data["transitions"][-1]["roles"]) == (
        "ip_pledge",
        {
            "code": "review",
            "name_zh": "审查",
            "name_en": "Review",
            "kind": "task",
            "time_limit_workdays": 2,
            "clock_runs": True,
        },
        ["a", "b"],
    )


def test_fingerprint_is_stable_sha256() -> None:
    assert (len(DEFN.fingerprint()), DEFN.fingerprint()) == (64, pledge().fingerprint())


def test_fingerprint_ignores_guard_functions() -> None:
    other = pledge(guards={"materials_complete": lambda _c: GuardResult.allow()})
    assert other.fingerprint() == DEFN.fingerprint()


@pytest.mark.parametrize(
    "overrides",
    [
        {"version": 2},
        {"name_zh": "质押登记"},
        {
            "stages": [
                *_replace_stage("review", Stage("review", "审查", "Review", StageKind.TASK, 3))
            ]
        },
        {"transitions": [*transitions()[:-1]]},
    ],
    ids=["version", "name", "time_limit", "transition_removed"],
)
def test_fingerprint_changes_with_definition(overrides: dict[str, object]) -> None:
    assert pledge(**overrides).fingerprint() != DEFN.fingerprint()


def test_from_dict_round_trips() -> None:
    again = ProcessDefinition.from_dict(DEFN.to_dict(), GUARDS)
    assert (again, again.fingerprint()) == (DEFN, DEFN.fingerprint())


def test_equality_ignores_guards() -> None:
    assert (
        pledge(guards={"materials_complete": materials_complete, "x": materials_complete}) == DEFN
    )


# -- available actions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "roles", "context", "expected"),
    [
        ("review", STAFF, {"materials_complete": True}, ["register", "return", "reject", "note"]),
        ("review", STAFF, {"materials_complete": False}, ["return", "reject", "note"]),
        ("review", APPLICANT, {"materials_complete": True}, []),
        ("returned", APPLICANT, {}, ["resubmit", "withdraw"]),
        ("returned", STAFF, {}, []),
        ("returned", STAFF | APPLICANT, {}, ["resubmit", "withdraw"]),
        ("registered", STAFF, {}, []),
    ],
)
def test_available_actions_filtered_by_role_and_guard(
    stage: str, roles: frozenset[str], context: dict[str, object], expected: list[str]
) -> None:
    assert [x.action for x in DEFN.available_actions(CaseState(stage), roles, context)] == expected


def test_available_actions_accepts_stage_code() -> None:
    assert [x.action for x in DEFN.available_actions("submitted", STAFF, {})] == ["accept"]


# -- transitions ----------------------------------------------------------------------


def test_start_case_starts_at_initial_without_clock() -> None:
    assert start_case(DEFN) == (CaseState("submitted"), ())


def test_start_case_initial_with_limit_starts_clock() -> None:
    defn = pledge(initial="review", stages=stages()[1:], transitions=transitions()[1:])
    assert start_case(defn) == (CaseState("review"), (StartClock("review", 2),))


def _run(state: CaseState, action: str, roles: frozenset[str] = STAFF, **kw: object) -> object:
    context = kw.pop("context", {"materials_complete": True})
    return transition(DEFN, state, action, roles=roles, context=context, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("state", "action", "roles", "reason", "expected_state", "effects"),
    [
        (
            CaseState("submitted"),
            "accept",
            STAFF,
            "",
            CaseState("review"),
            (StartClock("review", 2),),
        ),
        (
            CaseState("review"),
            "register",
            STAFF,
            "",
            CaseState("registered"),
            (CloseCase("registered"),),
        ),
        (
            CaseState("review"),
            "reject",
            STAFF,
            "不符合条件",
            CaseState("rejected"),
            (CloseCase("rejected"),),
        ),
        (
            CaseState("review"),
            "return",
            STAFF,
            "缺少质押合同",
            CaseState("returned", "review"),
            (PauseClock("returned"),),
        ),
        (
            CaseState("returned", "review"),
            "resubmit",
            APPLICANT,
            "",
            CaseState("review"),
            (ResumeClock("review"),),
        ),
        (
            CaseState("returned", "review"),
            "withdraw",
            APPLICANT,
            "",
            CaseState("rejected"),
            (CloseCase("rejected"),),
        ),
        (CaseState("review"), "note", STAFF, "", CaseState("review"), ()),
        (
            CaseState("submitted"),
            "accept",
            STAFF | APPLICANT,
            "",
            CaseState("review"),
            (StartClock("review", 2),),
        ),
    ],
    ids=[
        "accept",
        "register",
        "reject",
        "return",
        "resubmit",
        "withdraw",
        "self_loop",
        "extra_role",
    ],
)
def test_transition_accepted_effects(
    state: CaseState,
    action: str,
    roles: frozenset[str],
    reason: str,
    expected_state: CaseState,
    effects: tuple[object, ...],
) -> None:
    outcome = _run(state, action, roles, reason=reason)
    assert isinstance(outcome, Accepted)
    assert (outcome.new_state, outcome.transition.action, outcome.effects, outcome.accepted) == (
        expected_state,
        action,
        effects,
        True,
    )


def test_case_state_paused_flag() -> None:
    assert (CaseState("returned", "review").paused, CaseState("review").paused) == (True, False)


@pytest.mark.parametrize(
    ("state", "action", "roles", "context", "reason", "code", "fragment"),
    [
        (CaseState("registered"), "note", STAFF, {}, "", "case_closed", "closed"),
        (CaseState("rejected"), "resubmit", APPLICANT, {}, "", "case_closed", "closed"),
        (
            CaseState("review"),
            "resubmit",
            APPLICANT,
            {},
            "",
            "unknown_action",
            "note, register, reject, return",
        ),
        (
            CaseState("submitted"),
            "register",
            STAFF,
            {},
            "",
            "unknown_action",
            "available actions: accept",
        ),
        (
            CaseState("review"),
            "register",
            APPLICANT,
            {"materials_complete": True},
            "",
            "role_not_allowed",
            "roles that may: staff",
        ),
        (
            CaseState("returned", "review"),
            "resubmit",
            STAFF,
            {},
            "",
            "role_not_allowed",
            "applicant",
        ),
        (
            CaseState("review"),
            "register",
            STAFF,
            {"materials_complete": False},
            "",
            "guard_failed",
            "Materials are incomplete.",
        ),
        (CaseState("review"), "return", STAFF, {}, "", "reason_required", "reason is required"),
        (CaseState("review"), "return", STAFF, {}, "  \n", "reason_required", "reason is required"),
    ],
    ids=[
        "closed_registered",
        "closed_rejected",
        "action_from_other_stage",
        "action_not_here",
        "applicant_registers",
        "staff_resubmits",
        "guard",
        "empty_reason",
        "blank_reason",
    ],
)
def test_transition_rejected_codes(
    state: CaseState,
    action: str,
    roles: frozenset[str],
    context: dict[str, object],
    reason: str,
    code: str,
    fragment: str,
) -> None:
    outcome = _run(state, action, roles, context=context, reason=reason)
    assert isinstance(outcome, Rejected)
    assert (
        outcome.code,
        fragment in outcome.reason_en,
        bool(outcome.reason_zh),
        outcome.accepted,
    ) == (
        code,
        True,
        True,
        False,
    )


def test_transition_guard_failed_carries_chinese_reason() -> None:
    outcome = _run(CaseState("review"), "register", context={"materials_complete": False})
    assert outcome == Rejected("guard_failed", "材料不齐全。", "Materials are incomplete.")


def test_transition_role_checked_before_reason() -> None:
    outcome = _run(CaseState("review"), "return", APPLICANT)
    assert isinstance(outcome, Rejected)
    assert outcome.code == "role_not_allowed"


def test_transition_unknown_stage_in_state_raises() -> None:
    with pytest.raises(ValueError, match="no stage 'ghost'"):
        _run(CaseState("ghost"), "accept")


@pytest.mark.parametrize(
    ("code", "error", "field"),
    [
        ("case_closed", ConflictError, None),
        ("unknown_action", ConflictError, None),
        ("guard_failed", ConflictError, None),
        ("role_not_allowed", PermissionDeniedError, None),
        ("reason_required", ValidationError, "reason"),
    ],
)
def test_rejected_to_error_maps_code(code: str, error: type[Exception], field: str | None) -> None:
    err = Rejected(code, "中文", "English").to_error()
    assert (type(err), err.code, err.field, err.message_zh, err.message_en) == (
        error,
        code,
        field,
        "中文",
        "English",
    )


# -- pause and resume in richer processes ---------------------------------------------


def _clocked() -> ProcessDefinition:
    """review(5) → wait → back to review (resume) or to recheck(3) (fresh clock)."""
    s = [
        Stage("review", "审查", "Review", StageKind.TASK, 5),
        Stage("wait", "补正", "Correction", StageKind.WAIT_APPLICANT, None),
        Stage("wait2", "再补正", "Second correction", StageKind.WAIT_APPLICANT, None),
        Stage("recheck", "复核", "Recheck", StageKind.TASK, 3),
        Stage("expert", "专家评审", "Expert review", StageKind.TASK, 10, clock_runs=False),
        Stage("done", "办结", "Done", StageKind.FINAL, None),
    ]
    ts = [
        t("return", "review", "wait"),
        t("more", "wait", "wait2"),
        t("resume", "wait", "review", APPLICANT),
        t("resume", "wait2", "review", APPLICANT),
        t("redirect", "wait", "recheck", APPLICANT),
        t("close", "wait", "done"),
        t("expert", "review", "expert"),
        t("finish", "expert", "done"),
        t("finish", "recheck", "done"),
        t("finish", "review", "done"),
    ]
    return define_process(
        code="clocked",
        version=1,
        name_zh="计时",
        name_en="Clocked",
        initial="review",
        stages=s,
        transitions=ts,
    )


@pytest.mark.parametrize(
    ("state", "action", "roles", "expected_state", "effects"),
    [
        (CaseState("review"), "return", STAFF, CaseState("wait", "review"), (PauseClock("wait"),)),
        (CaseState("wait", "review"), "more", STAFF, CaseState("wait2", "review"), ()),
        (
            CaseState("wait2", "review"),
            "resume",
            APPLICANT,
            CaseState("review"),
            (ResumeClock("review"),),
        ),
        (
            CaseState("wait", "review"),
            "redirect",
            APPLICANT,
            CaseState("recheck"),
            (StartClock("recheck", 3),),
        ),
        (CaseState("wait", "review"), "close", STAFF, CaseState("done"), (CloseCase("done"),)),
        (CaseState("review"), "expert", STAFF, CaseState("expert"), ()),
    ],
    ids=[
        "pause",
        "wait_to_wait",
        "resume",
        "leave_to_other_stage",
        "close_while_paused",
        "clock_stopped_stage",
    ],
)
def test_transition_clock_effects(
    state: CaseState,
    action: str,
    roles: frozenset[str],
    expected_state: CaseState,
    effects: tuple[object, ...],
) -> None:
    outcome = transition(_clocked(), state, action, roles=roles, context={})
    assert isinstance(outcome, Accepted)
    assert (outcome.new_state, outcome.effects) == (expected_state, effects)


# -- property: random walks -----------------------------------------------------------

ACTIONS = sorted({x.action for x in DEFN.transitions} | {"bogus"})
ROLE_SETS = [STAFF, APPLICANT, STAFF | APPLICANT, frozenset({"auditor"})]


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(ACTIONS),
            st.sampled_from(ROLE_SETS),
            st.booleans(),
            st.sampled_from(["", "理由"]),
        ),
        max_size=30,
    )
)
def test_random_walk_stays_in_defined_stages_and_final_is_absorbing(
    steps: list[tuple[str, frozenset[str], bool, str]],
) -> None:
    state, _ = start_case(DEFN)
    for action, roles, complete, reason in steps:
        before = state
        outcome = transition(
            DEFN,
            state,
            action,
            roles=roles,
            context={"materials_complete": complete},
            reason=reason,
        )
        if DEFN.stage(before.stage).is_final:
            assert isinstance(outcome, Rejected)
            assert outcome.code == "case_closed"
        if isinstance(outcome, Accepted):
            state = outcome.new_state
            assert outcome.transition in DEFN.transitions_from(before.stage)
            assert state.stage == outcome.transition.target
            assert state.paused == (DEFN.stage(state.stage).kind is StageKind.WAIT_APPLICANT)
        assert DEFN.has_stage(state.stage)


@settings(max_examples=200, deadline=None)
@given(
    stage=st.sampled_from([s.code for s in stages()]),
    roles=st.sampled_from(ROLE_SETS),
    complete=st.booleans(),
)
def test_available_actions_are_exactly_the_accepted_ones(
    stage: str, roles: frozenset[str], complete: bool
) -> None:
    ctx = {"materials_complete": complete}
    state = CaseState(stage, "review" if stage == "returned" else None)
    available = {x.action for x in DEFN.available_actions(state, roles, ctx)}
    accepted = {
        a
        for a in ACTIONS
        if isinstance(transition(DEFN, state, a, roles=roles, context=ctx, reason="r"), Accepted)
    }
    assert available == accepted


# -- drawing --------------------------------------------------------------------------


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_render_svg_parses_and_has_title() -> None:
    root = _parse(render_svg(DEFN))
    title = root.find(f"{SVG}title")
    assert (root.tag, title is not None and title.text) == (
        f"{SVG}svg",
        "知识产权质押登记（第 1 版）流程图",
    )


def test_render_svg_marks_current_stage() -> None:
    root = _parse(render_svg(DEFN, current="review"))
    current = [g.get("data-stage") for g in root.iter(f"{SVG}g") if g.get("aria-current") == "step"]
    group = root.find(f"{SVG}g[@id='stage-review']")
    assert group is not None
    rect = group.find(f"{SVG}rect")
    assert rect is not None
    assert (current, "current" in (group.get("class") or ""), rect.get("fill")) == (
        ["review"],
        True,
        "#fde68a",
    )


def test_render_svg_without_current_marks_nothing() -> None:
    root = _parse(render_svg(DEFN))
    assert [g for g in root.iter(f"{SVG}g") if g.get("aria-current")] == []


def test_render_svg_shows_limit_duration_and_action_names() -> None:
    root = _parse(render_svg(DEFN, current="review", durations={"review": "用时 3 个工作日"}))
    texts = {el.text for el in root.iter(f"{SVG}text")}
    assert {"审查", "2个工作日", "用时 3 个工作日", "accept（中）", "退回补正"} <= texts


def test_render_svg_draws_every_stage_and_pair() -> None:
    root = _parse(render_svg(DEFN))
    stages_drawn = [g.get("data-stage") for g in root.iter(f"{SVG}g") if g.get("data-stage")]
    pairs = {
        (g.get("data-source"), g.get("data-target"))
        for g in root.iter(f"{SVG}g")
        if g.get("data-source")
    }
    assert (stages_drawn, pairs) == (
        [s.code for s in DEFN.stages],
        {(x.source, x.target) for x in DEFN.transitions},
    )


def test_render_svg_escapes_text() -> None:
    nasty = dataclasses.replace(DEFN.stage("review"), name_zh='<审查 & "核对">')
    defn = pledge(stages=_replace_stage("review", nasty), name_zh="A&B <流程>")
    root = _parse(render_svg(defn, current="review", durations={"review": "<b>&</b>"}))
    texts = {el.text for el in root.iter(f"{SVG}text")}
    assert {'<审查 & "核对">', "<b>&</b>", "A&B <流程>"} <= texts


def test_render_svg_unknown_current_raises() -> None:
    with pytest.raises(ValueError, match="no stage 'ghost'"):
        render_svg(DEFN, current="ghost")
