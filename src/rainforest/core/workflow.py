"""Process definitions as data, and the pure transition function of a case.

A process is a versioned table of stages and transitions. Guards are referred to by
name so the table stays plain data: it can be stored, fingerprinted and drawn. The
functions supplying the guards are passed in when the process is defined.

:func:`transition` decides one step of a case without touching any storage: it returns
either :class:`Accepted` with the effects the case engine must carry out (start, pause or
resume a clock, close the case) or :class:`Rejected` with a stable code and reasons.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any
from xml.sax.saxutils import escape

from rainforest.core.errors import (
    ConflictError,
    DomainError,
    PermissionDeniedError,
    ValidationError,
)

__all__ = [
    "Accepted",
    "CaseState",
    "CloseCase",
    "Effect",
    "Guard",
    "GuardResult",
    "Outcome",
    "PauseClock",
    "ProcessDefinition",
    "ProcessDefinitionError",
    "Rejected",
    "ResumeClock",
    "Stage",
    "StageKind",
    "StartClock",
    "Transition",
    "define_process",
    "render_svg",
    "start_case",
    "transition",
]


class ProcessDefinitionError(ValueError):
    """A process definition that cannot be run; the message names the offending part."""


class StageKind(StrEnum):
    TASK = "task"  # staff or the applicant act; the clock normally runs
    WAIT_APPLICANT = "wait_applicant"  # waiting on the applicant (补正): the clock pauses
    FINAL = "final"  # the case is closed


@dataclass(frozen=True)
class GuardResult:
    ok: bool
    reason_zh: str = ""
    reason_en: str = ""

    @classmethod
    def allow(cls) -> GuardResult:
        return cls(True)

    @classmethod
    def deny(cls, reason_zh: str, reason_en: str) -> GuardResult:
        return cls(False, reason_zh, reason_en)


Guard = Callable[[Mapping[str, object]], GuardResult]


@dataclass(frozen=True)
class Stage:
    """A stage of a process.

    ``clock_runs`` is forced to False for ``wait_applicant`` and ``final`` stages; a task
    stage may set it False where the law excludes the time (e.g. an expert appraisal).
    """

    code: str
    name_zh: str
    name_en: str
    kind: StageKind
    time_limit_workdays: int | None = None
    clock_runs: bool = True

    def __post_init__(self) -> None:
        if not self.code:
            raise ProcessDefinitionError("stage code must not be empty")
        object.__setattr__(self, "kind", StageKind(self.kind))
        if self.kind is not StageKind.TASK:
            object.__setattr__(self, "clock_runs", False)
        limit = self.time_limit_workdays
        if self.kind is StageKind.FINAL and limit is not None:
            raise ProcessDefinitionError(f"final stage {self.code!r} cannot have a time limit")
        if limit is not None and (isinstance(limit, bool) or limit < 1):
            raise ProcessDefinitionError(
                f"stage {self.code!r}: time limit must be a positive number of working days, "
                f"got {limit!r}"
            )

    @property
    def is_final(self) -> bool:
        return self.kind is StageKind.FINAL

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "kind": self.kind.value,
            "time_limit_workdays": self.time_limit_workdays,
            "clock_runs": self.clock_runs,
        }


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    roles: frozenset[str]
    name_zh: str
    name_en: str
    guard: str | None = None
    requires_reason: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(self.roles))

    @property
    def label(self) -> str:
        return f"{self.source} --{self.action}--> {self.target}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "source": self.source,
            "target": self.target,
            "roles": sorted(self.roles),
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "guard": self.guard,
            "requires_reason": self.requires_reason,
        }


@dataclass(frozen=True)
class ProcessDefinition:
    """A named, versioned process. Constructing one validates it."""

    code: str
    version: int
    name_zh: str
    name_en: str
    initial: str
    stages: tuple[Stage, ...]
    transitions: tuple[Transition, ...]
    guards: Mapping[str, Guard] = field(default_factory=dict, compare=False, repr=False)
    _by_code: Mapping[str, Stage] = field(init=False, compare=False, repr=False)
    _by_key: Mapping[tuple[str, str], Transition] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", tuple(self.stages))
        object.__setattr__(self, "transitions", tuple(self.transitions))
        object.__setattr__(self, "guards", MappingProxyType(dict(self.guards)))
        self._validate()

    # -- validation ------------------------------------------------------------------

    def _validate(self) -> None:
        where = f"process {self.code!r} v{self.version}"
        if not self.stages:
            raise ProcessDefinitionError(f"{where}: no stages defined")
        by_code: dict[str, Stage] = {}
        for s in self.stages:
            if s.code in by_code:
                raise ProcessDefinitionError(f"{where}: duplicate stage code {s.code!r}")
            by_code[s.code] = s
        if self.initial not in by_code:
            raise ProcessDefinitionError(f"{where}: initial stage {self.initial!r} is not defined")
        if by_code[self.initial].is_final:
            raise ProcessDefinitionError(f"{where}: initial stage {self.initial!r} is final")
        if not any(s.is_final for s in self.stages):
            raise ProcessDefinitionError(f"{where}: no final stage defined")

        by_key: dict[tuple[str, str], Transition] = {}
        for t in self.transitions:
            for end in (t.source, t.target):
                if end not in by_code:
                    raise ProcessDefinitionError(
                        f"{where}: transition {t.action!r} ({t.label}) refers to unknown stage {end!r}"
                    )
            if by_code[t.source].is_final:
                raise ProcessDefinitionError(
                    f"{where}: transition {t.action!r} leaves final stage {t.source!r}"
                )
            key = (t.source, t.action)
            if key in by_key:
                raise ProcessDefinitionError(
                    f"{where}: duplicate action {t.action!r} from stage {t.source!r}"
                )
            by_key[key] = t
            if not t.roles:
                raise ProcessDefinitionError(f"{where}: transition {t.label} names no role")
            if t.guard is not None and t.guard not in self.guards:
                raise ProcessDefinitionError(
                    f"{where}: transition {t.label} uses unknown guard {t.guard!r}"
                )

        forward: dict[str, set[str]] = {code: set() for code in by_code}
        backward: dict[str, set[str]] = {code: set() for code in by_code}
        for t in self.transitions:
            forward[t.source].add(t.target)
            backward[t.target].add(t.source)
        reachable = _closure([self.initial], forward)
        for s in self.stages:
            if s.code not in reachable:
                raise ProcessDefinitionError(
                    f"{where}: stage {s.code!r} is unreachable from {self.initial!r}"
                )
        finishing = _closure([s.code for s in self.stages if s.is_final], backward)
        for s in self.stages:
            if s.code not in finishing:
                raise ProcessDefinitionError(
                    f"{where}: no final stage can be reached from {s.code!r}"
                )

        object.__setattr__(self, "_by_code", MappingProxyType(by_code))
        object.__setattr__(self, "_by_key", MappingProxyType(by_key))

    # -- queries ---------------------------------------------------------------------

    def stage(self, code: str) -> Stage:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"process {self.code!r} has no stage {code!r}") from None

    def has_stage(self, code: str) -> bool:
        return code in self._by_code

    def find(self, source: str, action: str) -> Transition | None:
        return self._by_key.get((source, action))

    def transitions_from(self, code: str) -> list[Transition]:
        self.stage(code)
        return [t for t in self.transitions if t.source == code]

    def final_stages(self) -> list[Stage]:
        return [s for s in self.stages if s.is_final]

    def check_guard(self, t: Transition, context: Mapping[str, object]) -> GuardResult:
        if t.guard is None:
            return GuardResult.allow()
        return self.guards[t.guard](context)

    def available_actions(
        self,
        state: CaseState | str,
        roles: Iterable[str],
        context: Mapping[str, object],
    ) -> list[Transition]:
        """Transitions the holder of ``roles`` may take now, guards evaluated."""
        code = state.stage if isinstance(state, CaseState) else state
        held = frozenset(roles)
        return [
            t
            for t in self.transitions_from(code)
            if t.roles & held and self.check_guard(t, context).ok
        ]

    def depths(self) -> dict[str, int]:
        """Breadth-first distance of each stage from the initial stage."""
        depth = {self.initial: 0}
        queue = deque([self.initial])
        while queue:
            code = queue.popleft()
            for t in self.transitions_from(code):
                if t.target not in depth:
                    depth[t.target] = depth[code] + 1
                    queue.append(t.target)
        return depth

    # -- storage ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "version": self.version,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "initial": self.initial,
            "stages": [s.to_dict() for s in self.stages],
            "transitions": [t.to_dict() for t in self.transitions],
        }

    def canonical_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def fingerprint(self) -> str:
        """sha256 (hex) of the canonical JSON: which exact definition a case ran on."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], guards: Mapping[str, Guard] | None = None
    ) -> ProcessDefinition:
        return define_process(
            code=data["code"],
            version=data["version"],
            name_zh=data["name_zh"],
            name_en=data["name_en"],
            initial=data["initial"],
            stages=[
                Stage(
                    code=s["code"],
                    name_zh=s["name_zh"],
                    name_en=s["name_en"],
                    kind=StageKind(s["kind"]),
                    time_limit_workdays=s["time_limit_workdays"],
                    clock_runs=s["clock_runs"],
                )
                for s in data["stages"]
            ],
            transitions=[
                Transition(
                    action=t["action"],
                    source=t["source"],
                    target=t["target"],
                    roles=frozenset(t["roles"]),
                    name_zh=t["name_zh"],
                    name_en=t["name_en"],
                    guard=t["guard"],
                    requires_reason=t["requires_reason"],
                )
                for t in data["transitions"]
            ],
            guards=guards,
        )


def _closure(start: Iterable[str], edges: Mapping[str, set[str]]) -> set[str]:
    seen = set(start)
    queue = deque(seen)
    while queue:
        for nxt in edges[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def define_process(
    *,
    code: str,
    version: int,
    name_zh: str,
    name_en: str,
    initial: str,
    stages: Iterable[Stage],
    transitions: Iterable[Transition],
    guards: Mapping[str, Guard] | None = None,
) -> ProcessDefinition:
    """Build and validate a process; raises :class:`ProcessDefinitionError`."""
    return ProcessDefinition(
        code=code,
        version=version,
        name_zh=name_zh,
        name_en=name_en,
        initial=initial,
        stages=tuple(stages),
        transitions=tuple(transitions),
        guards=dict(guards or {}),
    )


# -- running a case -------------------------------------------------------------------


@dataclass(frozen=True)
class CaseState:
    """Where a case is. ``paused_from`` is the stage whose clock stopped while waiting."""

    stage: str
    paused_from: str | None = None

    @property
    def paused(self) -> bool:
        return self.paused_from is not None


@dataclass(frozen=True)
class StartClock:
    """Stamp a new due date: ``time_limit_workdays`` working days from now."""

    stage: str
    time_limit_workdays: int


@dataclass(frozen=True)
class PauseClock:
    """The case now waits on the applicant; record when the pause began."""

    stage: str


@dataclass(frozen=True)
class ResumeClock:
    """Back to ``stage`` after waiting: shift its due date by the paused working days."""

    stage: str


@dataclass(frozen=True)
class CloseCase:
    stage: str


Effect = StartClock | PauseClock | ResumeClock | CloseCase


@dataclass(frozen=True)
class Accepted:
    new_state: CaseState
    transition: Transition
    effects: tuple[Effect, ...]

    @property
    def accepted(self) -> bool:
        return True


_REJECTION_ERRORS: dict[str, type[DomainError]] = {
    "case_closed": ConflictError,
    "unknown_action": ConflictError,
    "guard_failed": ConflictError,
    "role_not_allowed": PermissionDeniedError,
    "reason_required": ValidationError,
}


@dataclass(frozen=True)
class Rejected:
    code: str
    reason_zh: str
    reason_en: str

    @property
    def accepted(self) -> bool:
        return False

    def to_error(self) -> DomainError:
        """The domain error the web and API layers report for this rejection."""
        cls = _REJECTION_ERRORS.get(self.code, ConflictError)
        fld = "reason" if self.code == "reason_required" else None
        return cls(self.reason_zh, self.reason_en, field=fld, code=self.code)


Outcome = Accepted | Rejected


def _entry_effects(stage: Stage) -> tuple[Effect, ...]:
    if stage.is_final:
        return (CloseCase(stage.code),)
    if stage.kind is StageKind.WAIT_APPLICANT:
        return (PauseClock(stage.code),)
    if stage.clock_runs and stage.time_limit_workdays is not None:
        return (StartClock(stage.code, stage.time_limit_workdays),)
    return ()


def start_case(defn: ProcessDefinition) -> tuple[CaseState, tuple[Effect, ...]]:
    """The state of a new case and what the engine does on creating it."""
    first = defn.stage(defn.initial)
    return CaseState(first.code), _entry_effects(first)


def _names(items: Iterable[str]) -> str:
    return ", ".join(sorted(items)) or "-"


def transition(
    defn: ProcessDefinition,
    state: CaseState,
    action: str,
    *,
    roles: frozenset[str],
    context: Mapping[str, object],
    reason: str = "",
) -> Outcome:
    """Decide one step. Checks in order: closed, action, role, guard, reason."""
    if not defn.has_stage(state.stage):
        raise ValueError(f"process {defn.code!r} has no stage {state.stage!r}")
    current = defn.stage(state.stage)
    if current.is_final:
        return Rejected(
            "case_closed",
            f"办件已办结（{current.name_zh}），不能再办理。",
            f"The case is closed ({current.name_en}); no further action is possible.",
        )
    t = defn.find(state.stage, action)
    if t is None:
        actions = _names(x.action for x in defn.transitions_from(state.stage))
        return Rejected(
            "unknown_action",
            f"“{current.name_zh}”阶段不能执行操作 {action}；可执行的操作：{actions}。",
            f"Action {action!r} is not available in stage {current.name_en!r}; "
            f"available actions: {actions}.",
        )
    if not (t.roles & roles):
        allowed = _names(t.roles)
        return Rejected(
            "role_not_allowed",
            f"无权执行“{t.name_zh}”；可执行的角色：{allowed}。",
            f"Not allowed to {t.name_en!r}; roles that may: {allowed}.",
        )
    verdict = defn.check_guard(t, context)
    if not verdict.ok:
        return Rejected(
            "guard_failed",
            verdict.reason_zh or f"当前条件下不能执行“{t.name_zh}”。",
            verdict.reason_en or f"{t.name_en!r} is not possible under current conditions.",
        )
    if t.requires_reason and not reason.strip():
        return Rejected(
            "reason_required",
            f"执行“{t.name_zh}”须填写理由。",
            f"A reason is required to {t.name_en!r}.",
        )

    target = defn.stage(t.target)
    effects: tuple[Effect, ...]
    if target.is_final:
        return Accepted(CaseState(target.code), t, (CloseCase(target.code),))
    if target.kind is StageKind.WAIT_APPLICANT:
        if state.paused:
            return Accepted(CaseState(target.code, state.paused_from), t, ())
        return Accepted(CaseState(target.code, current.code), t, (PauseClock(target.code),))
    if t.target == t.source:
        return Accepted(state, t, ())
    if (
        state.paused_from == target.code
        and target.clock_runs
        and target.time_limit_workdays is not None
    ):
        effects = (ResumeClock(target.code),)
    else:
        effects = _entry_effects(target)
    return Accepted(CaseState(target.code), t, effects)


# -- drawing ----------------------------------------------------------------------------

_BOX_H = 78
_COL_GAP = 110
_ROW_GAP = 46
_MARGIN = 30
_TITLE_H = 40
_FONT = "font-family=\"'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif\""


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _text_width(text: str) -> int:
    return sum(14 if ord(ch) > 0x2E80 else 8 for ch in text)


def render_svg(
    defn: ProcessDefinition,
    *,
    current: str | None = None,
    durations: Mapping[str, str] | None = None,
) -> str:
    """Draw the process left to right by breadth-first depth; highlight ``current``."""
    if current is not None and not defn.has_stage(current):
        raise ValueError(f"process {defn.code!r} has no stage {current!r}")
    durations = durations or {}
    depth = defn.depths()
    columns: dict[int, list[Stage]] = {}
    for s in defn.stages:
        columns.setdefault(depth[s.code], []).append(s)

    def lines_of(s: Stage) -> list[str]:
        lines = [s.name_zh]
        if s.kind is StageKind.FINAL:
            lines.append("办结")
        elif s.kind is StageKind.WAIT_APPLICANT:
            lines.append("等待申请人（暂停计时）")
        if s.time_limit_workdays is not None:
            lines.append(f"{s.time_limit_workdays}个工作日")
        if s.code in durations:
            lines.append(durations[s.code])
        return lines

    box_w = max(150, *(_text_width(line) + 28 for s in defn.stages for line in lines_of(s)))
    n_rows = max(len(col) for col in columns.values())
    n_cols = max(columns) + 1
    pos: dict[str, tuple[int, int]] = {}
    for c, col in columns.items():
        for r, s in enumerate(col):
            pos[s.code] = (
                _MARGIN + c * (box_w + _COL_GAP),
                _TITLE_H + _MARGIN + r * (_BOX_H + _ROW_GAP),
            )
    side_labels = [
        _text_width(t.name_zh)
        for t in defn.transitions
        if t.source != t.target and depth[t.source] == depth[t.target]
    ]
    right_room = 60 + max(side_labels, default=0)
    width = 2 * _MARGIN + n_cols * box_w + (n_cols - 1) * _COL_GAP + right_room
    height = _TITLE_H + 2 * _MARGIN + n_rows * _BOX_H + (n_rows - 1) * _ROW_GAP + 60

    title = f"{defn.name_zh}（第 {defn.version} 版）流程图"
    if current is not None:
        title += f"，当前阶段：{defn.stage(current).name_zh}"
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="wf-title wf-desc" '
        f'{_FONT} font-size="14">',
        f'<title id="wf-title">{escape(title)}</title>',
        f'<desc id="wf-desc">{escape(defn.name_en)} (v{defn.version}): '
        f"{len(defn.stages)} stages, {len(defn.transitions)} transitions</desc>",
        '<defs><marker id="wf-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#475569"/></marker></defs>',
        f'<text x="{_MARGIN}" y="{_MARGIN}" font-size="18" font-weight="bold" '
        f'fill="#0f172a">{escape(defn.name_zh)}</text>',
    ]

    # Edges first so boxes sit on top; one arrow per (source, target) pair.
    pairs: dict[tuple[str, str], list[Transition]] = {}
    for t in defn.transitions:
        pairs.setdefault((t.source, t.target), []).append(t)
    for (src, dst), ts in pairs.items():
        label_text = " / ".join(t.name_zh for t in ts)
        label = escape(label_text)
        sx, sy = pos[src]
        dx, dy = pos[dst]
        if src == dst:
            x, y = sx + box_w // 2, sy
            path = f"M{x - 20},{y} C{x - 30},{y - 40} {x + 30},{y - 40} {x + 20},{y}"
            lx, ly = x, y - 34
        elif depth[dst] > depth[src]:
            x1, y1 = sx + box_w, sy + _BOX_H // 2
            x2, y2 = dx, dy + _BOX_H // 2
            path = f"M{x1},{y1} L{x2},{y2}"
            lx, ly = (x1 + x2) // 2, (y1 + y2) // 2 - 6
        elif depth[dst] == depth[src]:
            x1, y1 = sx + box_w, sy + _BOX_H // 2
            x2, y2 = dx + box_w, dy + _BOX_H // 2
            bulge = x1 + 40 + 8 * abs(y2 - y1) // (_BOX_H + _ROW_GAP)
            path = f"M{x1},{y1} C{bulge},{y1} {bulge},{y2} {x2},{y2}"
            lx, ly = bulge + 4 + _text_width(label_text) // 2, (y1 + y2) // 2 + 4
        else:
            x1, y1 = sx + box_w // 2, sy + _BOX_H
            x2, y2 = dx + box_w // 2, dy + _BOX_H
            bend = max(y1, y2) + 40
            path = f"M{x1},{y1} C{x1},{bend} {x2},{bend} {x2},{y2}"
            lx, ly = (x1 + x2) // 2, bend - 2
        out.append(
            f'<g class="transition" data-source="{_attr(src)}" data-target="{_attr(dst)}">'
            f"<title>{label}</title>"
            f'<path d="{path}" fill="none" stroke="#475569" stroke-width="1.5" '
            f'marker-end="url(#wf-arrow)"/>'
            f'<text x="{lx}" y="{ly}" text-anchor="middle" font-size="12" fill="#1e293b" '
            f'stroke="#ffffff" stroke-width="4" paint-order="stroke">{label}</text></g>'
        )

    for s in defn.stages:
        x, y = pos[s.code]
        is_current = s.code == current
        fill = (
            "#fde68a"
            if is_current
            else {"final": "#e2e8f0", "wait_applicant": "#e0f2fe"}.get(s.kind.value, "#ffffff")
        )
        stroke = "#b45309" if is_current else "#334155"
        dash = ' stroke-dasharray="6 4"' if s.kind is StageKind.WAIT_APPLICANT else ""
        classes = f"stage stage-{s.kind.value}" + (" current" if is_current else "")
        aria = ' aria-current="step"' if is_current else ""
        tip = s.name_zh + ("（当前阶段）" if is_current else "")
        out.append(
            f'<g class="{classes}" id="stage-{_attr(s.code)}" data-stage="{_attr(s.code)}"{aria}>'
            f"<title>{escape(tip)}</title>"
            f'<rect x="{x}" y="{y}" width="{box_w}" height="{_BOX_H}" rx="10" ry="10" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{3 if is_current else 1.5}"{dash}/>'
        )
        lines = lines_of(s)
        line_h = 17
        top = y + (_BOX_H - line_h * len(lines)) // 2 + 13
        for i, line in enumerate(lines):
            weight = ' font-weight="bold"' if (i == 0 or is_current) else ""
            size = 14 if i == 0 else 12
            out.append(
                f'<text x="{x + box_w // 2}" y="{top + i * line_h}" text-anchor="middle" '
                f'font-size="{size}" fill="#0f172a"{weight}>{escape(line)}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
