"""Undoable edits of a project, and the stack that runs, undoes and redoes them.

Every edit the editor makes in the app is a `Command`: a small frozen record that turns one
`Project` into the next (`apply`). Projects are immutable, so the stack keeps the project before
and after each command: undo and redo swap whole projects, exactly, however the command was
written. A `derive` hook given to the stack (the pipeline's) fills in what follows from an edit,
such as the curves a moved box implies, once, when the command is first run.

Nothing here touches files or Qt; the pipeline re-renders what changed after each step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Callable, Protocol

from foley_assistant.core.curves import Curve, Keyframe
from foley_assistant.core.edit_state import ManualCurves, StemMix, check_parameter
from foley_assistant.core.project import Project
from foley_assistant.core.track_edits import merge_objects, next_object_id, replace_object, set_box, split_object
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TracksDocument

Derive = Callable[[Project, Project], Project]


class Command(Protocol):
    """One undoable edit."""

    @property
    def description(self) -> str:
        """What the edit does, for the Undo/Redo menu ("Move box of O2 at frame 31")."""
        ...

    def apply(self, project: Project) -> Project:
        """The project after the edit (the given project is not changed)."""
        ...


# --- helpers over the project -------------------------------------------------------------------


def shot_tracks(project: Project, shot_id: str) -> ShotTracks:
    """The tracks of one shot of the project (KeyError naming the analyzed shots otherwise)."""
    return project.tracks.shot(shot_id)


def with_shot_tracks(project: Project, tracks: ShotTracks) -> Project:
    """The project with `tracks` in place of that shot's tracks (added, in order, if new)."""
    shots = [s for s in project.tracks.shots if s.shot_id != tracks.shot_id]
    index = next((i for i, s in enumerate(project.tracks.shots) if s.shot_id == tracks.shot_id), len(shots))
    shots.insert(index, tracks)
    return replace(project, tracks=TracksDocument(tuple(shots)))


def mark_edited(project: Project, shot_id: str) -> Project:
    """The project with `shot_id` among the shots edited since generation (if it was generated)."""
    generated = any(s.shot_id == shot_id for s in project.stems)
    if not generated or shot_id in project.edited_shots:
        return project
    return replace(project, edited_shots=project.edited_shots + (shot_id,))


def manual_curves_of(project: Project, shot_id: str, object_id: str) -> ManualCurves:
    """The editor's keyframes of one object (empty when there are none)."""
    for manual in project.manual_curves:
        if (manual.shot_id, manual.object_id) == (shot_id, object_id):
            return manual
    return ManualCurves(shot_id, object_id)


def with_manual_curves(project: Project, manual: ManualCurves) -> Project:
    """The project with these manual curves for their object (dropped when empty)."""
    others = tuple(m for m in project.manual_curves if (m.shot_id, m.object_id) != (manual.shot_id, manual.object_id))
    return replace(project, manual_curves=others if manual.is_empty else others + (manual,))


def _without_object(project: Project, shot_id: str, object_id: str) -> Project:
    """Manual curves, stems and mixer entries of an object removed (its files stay on disk)."""
    gone_paths = {s.path for s in project.stems if (s.shot_id, s.object_id) == (shot_id, object_id)}
    return replace(
        project,
        manual_curves=tuple(m for m in project.manual_curves if (m.shot_id, m.object_id) != (shot_id, object_id)),
        curves=tuple(c for c in project.curves if (c.shot_id, c.object_id) != (shot_id, object_id)),
        stems=tuple(s for s in project.stems if s.path not in gone_paths),
        mixer=tuple(m for m in project.mixer if m.path not in gone_paths),
    )


# --- curve keyframes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SetKeyframe:
    """Add a manual keyframe of `parameter` at `time` (seconds from the shot's first frame), or
    move the one at `replaces` there."""

    shot_id: str
    object_id: str
    parameter: str
    time: Fraction
    value: float
    replaces: Fraction | None = None

    @property
    def description(self) -> str:
        verb = "Move" if self.replaces is not None else "Add"
        return f"{verb} {_parameter_name(self.parameter)} key of {self.object_id}"

    def apply(self, project: Project) -> Project:
        check_parameter(self.parameter)
        manual = manual_curves_of(project, self.shot_id, self.object_id)
        current = manual.curve(self.parameter)
        keys = [] if current is None else [k for k in current.keyframes if k.time != self.replaces and k.time != self.time]
        curve = Curve(tuple(keys) + (Keyframe(Fraction(self.time), float(self.value)),))
        changed = with_manual_curves(project, replace(manual, **{self.parameter: curve}))
        return mark_edited(changed, self.shot_id)


@dataclass(frozen=True)
class DeleteKeyframe:
    """Remove the manual keyframe of `parameter` at `time`; the tracker takes over again there."""

    shot_id: str
    object_id: str
    parameter: str
    time: Fraction

    @property
    def description(self) -> str:
        return f"Delete {_parameter_name(self.parameter)} key of {self.object_id}"

    def apply(self, project: Project) -> Project:
        check_parameter(self.parameter)
        manual = manual_curves_of(project, self.shot_id, self.object_id)
        current = manual.curve(self.parameter)
        if current is None or all(k.time != self.time for k in current.keyframes):
            raise ValueError(f"{self.object_id} has no {self.parameter} keyframe at {self.time} s")
        keys = tuple(k for k in current.keyframes if k.time != self.time)
        curve = Curve(keys) if keys else None
        return mark_edited(with_manual_curves(project, replace(manual, **{self.parameter: curve})), self.shot_id)


@dataclass(frozen=True)
class EditKeyframes:
    """Several manual keyframes changed as one edit (pasted, moved or deleted together): the keys
    at `removes` (parameter, time) go, then `keys` (parameter, time, value) are set, replacing any
    key already at their time. `verb` names the edit ("Paste", "Move", "Delete")."""

    shot_id: str
    object_id: str
    keys: tuple[tuple[str, Fraction, float], ...] = ()
    removes: tuple[tuple[str, Fraction], ...] = ()
    verb: str = "Edit"

    @property
    def description(self) -> str:
        count = len(self.keys) or len(self.removes)
        return f"{self.verb} {count} key{'s' if count != 1 else ''} of {self.object_id}"

    def apply(self, project: Project) -> Project:
        if not self.keys and not self.removes:
            raise ValueError("no keys to change: select keys first (click, Shift+click or drag a box around them)")
        manual = manual_curves_of(project, self.shot_id, self.object_id)
        for parameter in dict.fromkeys([p for p, *_ in self.keys] + [p for p, _ in self.removes]):
            check_parameter(parameter)
            current = manual.curve(parameter)
            setting = {Fraction(t): float(v) for p, t, v in self.keys if p == parameter}
            gone = {Fraction(t) for p, t in self.removes if p == parameter} | set(setting)
            kept = [] if current is None else [k for k in current.keyframes if k.time not in gone]
            keys = tuple(kept) + tuple(Keyframe(t, v) for t, v in setting.items())
            manual = replace(manual, **{parameter: Curve(keys) if keys else None})
        return mark_edited(with_manual_curves(project, manual), self.shot_id)


def _parameter_name(parameter: str) -> str:
    return {"azimuth_deg": "azimuth", "distance_m": "distance"}.get(parameter, parameter)


# --- objects ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetBox:
    """Move or resize an object's box at a frame (a keyframe; the correction tapers over
    `spread` frames each side)."""

    shot_id: str
    object_id: str
    frame: int
    box: Box
    spread: int = 12
    at: str = ""  # where, as the editor reads it (record timecode); the media frame when empty

    @property
    def description(self) -> str:
        return f"Move box of {self.object_id} at {self.at or f'frame {self.frame}'}"

    def apply(self, project: Project) -> Project:
        shot = shot_tracks(project, self.shot_id)
        moved = set_box(shot.object(self.object_id), self.frame, self.box, self.spread)
        moved = replace(moved, source="manual")  # the editor's boxes now, whatever found it
        return mark_edited(with_shot_tracks(project, replace_object(shot, moved)), self.shot_id)


@dataclass(frozen=True)
class AddObject:
    """Add an object the tracker missed (its boxes followed from a box the editor drew). The
    object gets the next free id; its `id` field is ignored."""

    shot_id: str
    track: ObjectTrack

    @property
    def description(self) -> str:
        return f"Add {self.track.label}"

    def apply(self, project: Project) -> Project:
        shot = shot_tracks(project, self.shot_id)
        added = replace(self.track, id=next_object_id(shot))
        return mark_edited(with_shot_tracks(project, replace(shot, objects=shot.objects + (added,))), self.shot_id)


@dataclass(frozen=True)
class DeleteObject:
    """Remove an object (and its stem from the project; the file stays on disk)."""

    shot_id: str
    object_id: str

    @property
    def description(self) -> str:
        return f"Delete {self.object_id}"

    def apply(self, project: Project) -> Project:
        shot = shot_tracks(project, self.shot_id)
        shot.object(self.object_id)
        kept = replace(shot, objects=tuple(o for o in shot.objects if o.id != self.object_id))
        project = mark_edited(project, self.shot_id)
        return _without_object(with_shot_tracks(project, kept), self.shot_id, self.object_id)


@dataclass(frozen=True)
class MergeObjects:
    """Join `other` into `keep` (one thing the tracker saw as two)."""

    shot_id: str
    keep_id: str
    other_id: str

    @property
    def description(self) -> str:
        return f"Merge {self.other_id} into {self.keep_id}"

    def apply(self, project: Project) -> Project:
        if self.keep_id == self.other_id:
            raise ValueError("choose two different objects to merge")
        shot = shot_tracks(project, self.shot_id)
        merged = merge_objects(shot.object(self.keep_id), shot.object(self.other_id))
        objects = tuple(merged if o.id == self.keep_id else o for o in shot.objects if o.id != self.other_id)
        project = mark_edited(project, self.shot_id)
        return _without_object(with_shot_tracks(project, replace(shot, objects=objects)), self.shot_id, self.other_id)


@dataclass(frozen=True)
class SplitObject:
    """Cut an object in two at `frame` (two things the tracker joined); the second part gets the
    next free id."""

    shot_id: str
    object_id: str
    frame: int
    at: str = ""  # where, as the editor reads it (record timecode); the media frame when empty

    @property
    def description(self) -> str:
        return f"Split {self.object_id} at {self.at or f'frame {self.frame}'}"

    def apply(self, project: Project) -> Project:
        shot = shot_tracks(project, self.shot_id)
        first, second = split_object(shot.object(self.object_id), self.frame, next_object_id(shot))
        objects = tuple(x for o in shot.objects for x in ((first, second) if o.id == self.object_id else (o,)))
        return mark_edited(with_shot_tracks(project, replace(shot, objects=objects)), self.shot_id)


@dataclass(frozen=True)
class RelabelObject:
    """Give an object another label (its stem's lane follows the label)."""

    shot_id: str
    object_id: str
    label: str

    @property
    def description(self) -> str:
        return f"Relabel {self.object_id} as {self.label}"

    def apply(self, project: Project) -> Project:
        label = self.label.strip()
        if not label:
            raise ValueError("a label cannot be empty")
        shot = shot_tracks(project, self.shot_id)
        renamed = replace_object(shot, shot.object(self.object_id).with_label(label))
        stems = tuple(replace(s, label=label) if (s.shot_id, s.object_id) == (self.shot_id, self.object_id) else s for s in project.stems)
        return mark_edited(replace(with_shot_tracks(project, renamed), stems=stems), self.shot_id)


@dataclass(frozen=True)
class SetMover:
    """Accept a candidate as a sound source (it gets a stem when the shot is generated again), or
    make a mover a silent candidate (its stem is dropped)."""

    shot_id: str
    object_id: str
    mover: bool

    @property
    def description(self) -> str:
        return f"{'Accept' if self.mover else 'Silence'} {self.object_id}"

    def apply(self, project: Project) -> Project:
        shot = shot_tracks(project, self.shot_id)
        changed = replace_object(shot, replace(shot.object(self.object_id), mover=self.mover))
        stems = project.stems if self.mover else tuple(s for s in project.stems if (s.shot_id, s.object_id) != (self.shot_id, self.object_id))
        return mark_edited(replace(with_shot_tracks(project, changed), stems=stems), self.shot_id)


@dataclass(frozen=True)
class SetShotTracks:
    """Use these tracks for a shot (an analysis finished); manual curves of objects that no
    longer exist are dropped."""

    tracks: ShotTracks

    @property
    def description(self) -> str:
        return f"Analyze {self.tracks.shot_id}"

    def apply(self, project: Project) -> Project:
        ids = {o.id for o in self.tracks.objects}
        manual = tuple(m for m in project.manual_curves if m.shot_id != self.tracks.shot_id or m.object_id in ids)
        return replace(with_shot_tracks(project, self.tracks), manual_curves=manual)


# --- mixer --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetStemMix:
    """Change how a stem is monitored (gain, mute, solo)."""

    mix: StemMix

    @property
    def description(self) -> str:
        return f"Mix of {self.mix.path.rsplit('/', 1)[-1]}"

    def apply(self, project: Project) -> Project:
        others = tuple(m for m in project.mixer if m.path != self.mix.path)
        return replace(project, mixer=others if self.mix.is_default else others + (self.mix,))


@dataclass(frozen=True)
class SetLaneGain:
    """Change the gain of a lane (dB): every stem on it, on top of its own gain."""

    lane: str
    gain_db: float

    @property
    def description(self) -> str:
        return f"Gain of lane {self.lane}"

    def apply(self, project: Project) -> Project:
        gains = {lane: gain for lane, gain in project.lane_gains.items() if lane != self.lane}
        if self.gain_db != 0.0:
            gains[self.lane] = float(self.gain_db)
        return replace(project, lane_gains=gains)


@dataclass(frozen=True)
class ChooseTake:
    """Play another take of an object's stem: the chosen take takes the stem's place (its lane,
    its monitor mix) and the one it replaces joins the other takes."""

    shot_id: str
    object_id: str
    take: int

    @property
    def description(self) -> str:
        return f"Take {self.take} of {self.object_id}"

    def apply(self, project: Project) -> Project:
        current = next(s for s in project.stems if (s.shot_id, s.object_id) == (self.shot_id, self.object_id))
        if current.take == self.take:
            return project
        wanted = next((s for s in project.takes if (s.shot_id, s.object_id, s.take) == (self.shot_id, self.object_id, self.take)), None)
        if wanted is None:
            raise KeyError(f"{self.object_id} of shot {self.shot_id} has no take {self.take}")
        chosen = replace(wanted, lane=current.lane)
        stems = tuple(chosen if s is current else s for s in project.stems)
        takes = tuple(s for s in project.takes if s is not wanted) + (replace(current, lane=""),)
        mixer = tuple(replace(m, path=chosen.path) if m.path == current.path else m for m in project.mixer if m.path != chosen.path)
        return replace(project, stems=stems, takes=takes, mixer=mixer)


# --- the stack ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    command: Command
    before: Project
    after: Project


@dataclass
class CommandStack:
    """Runs commands on a project and undoes/redoes them.

    `clean_index` marks the step at which the project was last saved, so `is_modified` says
    whether there is unsaved work. `limit` bounds the undo history (oldest steps are dropped).
    """

    project: Project
    derive: Derive | None = None
    limit: int = 500
    _done: list[_Step] = field(default_factory=list)
    _undone: list[_Step] = field(default_factory=list)
    _clean: int | None = 0

    def execute(self, command: Command) -> Project:
        """Apply `command` to the current project and make it the current one."""
        before = self.project
        after = command.apply(before)
        if self.derive is not None:
            after = self.derive(before, after)
        self._done.append(_Step(command, before, after))
        self._undone.clear()
        if self._clean is not None and self._clean >= len(self._done):
            self._clean = None  # the saved state was in the redo branch: it can no longer be reached
        if len(self._done) > self.limit:
            del self._done[0]
            self._clean = None if self._clean in (None, 0) else self._clean - 1
        self.project = after
        return after

    def undo(self) -> Project:
        """Go back one edit (nothing happens when there is none)."""
        if self._done:
            step = self._done.pop()
            self._undone.append(step)
            self.project = step.before
        return self.project

    def redo(self) -> Project:
        """Do again the last undone edit (nothing happens when there is none)."""
        if self._undone:
            step = self._undone.pop()
            self._done.append(step)
            self.project = step.after
        return self.project

    def reset(self, project: Project, saved: bool = False) -> None:
        """Start a new history from `project` (after opening a file, or a job that rewrote the
        stems on disk, which cannot be undone); `saved` says whether it is what is on disk."""
        self.project = project
        self._done.clear()
        self._undone.clear()
        self._clean = 0 if saved else None

    def amend(self, project: Project) -> None:
        """Make `project` the current one without an undo step: what a background job added to
        the edit just made (a stem rendered for an added object). Undo goes back past the edit as
        before (the addition goes with it); the project counts as unsaved."""
        self.project = project
        self._clean = None

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_text(self) -> str:
        return self._done[-1].command.description if self._done else ""

    @property
    def redo_text(self) -> str:
        return self._undone[-1].command.description if self._undone else ""

    def mark_clean(self) -> None:
        """The current project was saved."""
        self._clean = len(self._done)

    @property
    def is_modified(self) -> bool:
        """True when the project differs from the last saved one (by undo position)."""
        return self._clean != len(self._done)
