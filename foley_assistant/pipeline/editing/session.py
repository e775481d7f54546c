"""An editing session: one project open in the app, its undo history, and what follows from edits.

The session opens a timeline (with its rate and relinking) or a saved project (the
`foley_project.json` that `generate` writes), runs the editor's commands through a
`core.commands.CommandStack`, and after each edit, undo or redo does what the edit implies:

- the curves of every object whose boxes or manual keyframes changed are derived again
  (`spatial.curves.curves_from_track`, then the manual keyframes on top);
- every stem whose curves changed is rendered again from its dry sound, which is kept (read once
  from `dry/`, then cached): `spatial.render.render_stem` only, no new generation. A neural stem
  too: its dry file is the model's output projected back through its curves, so re-placing it
  gives the model's sound along the new curves (and an undo to the saved curves gives back the
  model's own stem).

Renders of unsaved work go into the folder's scratch area (`io.file_set`: `.scratch/stems/...`),
and the audio is read from there first: the folder itself keeps holding what the saved project
references. `save` writes the mixes and session files there too and saves them all into the
folder as one set, the project file last; `discard` drops the scratch area (and the unsaved
edits). An edit undone back to the saved curves drops its render instead of making it again, so
the stem is the saved file, bit for bit. Opening a folder settles it first (a save cut short is
undone, renders left by a session that never saved are dropped); a session over an unsaved
project (a restored autosave) renders into the scratch area the stems whose curves differ from
the saved project's.

It holds no Qt: the app calls it on the UI thread, and long jobs (`pipeline.editing.session_jobs`) run
on worker threads over immutable snapshots, handing their results back to `apply_*` here.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from foley_assistant.core.commands import Command, CommandStack, manual_curves_of
from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.edit_state import ShotState, StemMix, audible_gains
from foley_assistant.core.errors import FoleyError, InputFileError
from foley_assistant.core.project import Project, ProjectSettings
from foley_assistant.core.safe_paths import resolve_inside
from foley_assistant.core.shot import Shot
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import ShotTracks
from foley_assistant.io.audio import read_audio, read_bext
from foley_assistant.io.file_set import adopt, drop_scratch, scratch_dir, scratch_files, settle_folder
from foley_assistant.io.json_files import read_project
from foley_assistant.io.relink import relink_shots
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import LoadedTimeline, read_timeline
from foley_assistant.io.video import probe_video
from foley_assistant.pipeline.editing.session_jobs import RegeneratedStem
from foley_assistant.pipeline.editing.session_open import PROJECT_SUFFIXES, check_project_fits, default_output_folder, session_settings
from foley_assistant.pipeline.output.deliver import PROJECT_FILE, OutputLayout, dry_path_of, write_mix, write_session_files, write_shot_audio
from foley_assistant.pipeline.spine.analyze import media_frame_range
from foley_assistant.pipeline.spine.handles import shifted_curves
from foley_assistant.pipeline.spine.report import build_report, write_report
from foley_assistant.pipeline.spine.shot_sound import ShotSettings
from foley_assistant.pipeline.spine.shot_spine import ShotRun, merge_made
from foley_assistant.spatial.curves import CurveSettings, curves_from_track, object_curves
from foley_assistant.spatial.loudness import integrated_loudness
from foley_assistant.spatial.render import render_stem
from foley_assistant.spatial.settings import StereoSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MixMeter:
    """Levels of a shot's monitor mix: sample peak (dBFS) and integrated loudness (LUFS)."""

    peak_dbfs: float
    lufs: float


@dataclass
class EditResult:
    """What an edit, undo or redo changed: the stems rendered again (paths) and how long that took."""

    project: Project
    rerendered: list[str] = field(default_factory=list)
    render_s: float = 0.0


class EditSession:
    """One open project (see the module docstring)."""

    def __init__(self, loaded: LoadedTimeline, shots: list[Shot], project: Project, out_dir: Path, saved: bool = False) -> None:
        self.loaded = loaded
        self.shots = shots
        self.out_dir = Path(out_dir)
        self._rendered = session_settings(project.settings)  # a project with bad settings is refused here
        self.stack = CommandStack(project, derive=self._derive)
        self.stack.reset(project, saved=saved)
        self._dry: dict[str, np.ndarray] = {}
        self._stems: dict[str, np.ndarray] = {}
        self._media_ranges: dict[str, FrameRange] = {}
        self._saved: Project | None = project if saved else None  # the project the folder holds

    # --- opening --------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, rate: FrameRate | None = None, search_folders: tuple[Path, ...] = ()) -> "EditSession":
        """Open a project file, an output folder holding one, or a timeline (whose default output
        folder is reopened when it already holds a project of that timeline)."""
        path = Path(path)
        if path.is_dir():
            if (path / PROJECT_FILE).is_file():
                return cls.open_project(path / PROJECT_FILE)
            raise InputFileError(f"{path} is a folder without a {PROJECT_FILE}; open a timeline or a Foley Assistant project.")
        if path.suffix.lower() in PROJECT_SUFFIXES:
            return cls.open_project(path)
        earlier = default_output_folder(path) / PROJECT_FILE
        if earlier.is_file():
            try:
                project = read_project(earlier)
            except FoleyError:
                project = None
            if project is not None and Path(project.timeline_path).resolve() == path.resolve():
                return cls.open_project(earlier, search_folders)
        return cls.open_timeline(path, rate, search_folders)

    @classmethod
    def open_timeline(cls, path: Path, rate: FrameRate | None = None, search_folders: tuple[Path, ...] = (), out_dir: Path | None = None) -> "EditSession":
        """A new project for a timeline; missing media is looked for in `search_folders`."""
        loaded = read_timeline(path, rate)
        relinked = relink_shots(list_shots(loaded), search_folders)
        if not relinked.shots:
            raise FoleyError(f"'{path.name}' has no clips on its video tracks: there is nothing to make sound for.")
        project = Project(
            timeline_path=str(Path(path).resolve()),
            settings=ProjectSettings(),
            media_relinks=relinked.choices,
            timeline_rate=None if loaded.edl_rate is None else loaded.edl_rate.as_tuple(),
            media_search_folders=tuple(str(Path(f).resolve()) for f in search_folders),
        )
        out_dir = out_dir or default_output_folder(Path(path))
        settle_folder(out_dir, out_dir / PROJECT_FILE)
        return cls(loaded, relinked.shots, project, out_dir)

    @classmethod
    def open_project(cls, project_file: Path, search_folders: tuple[Path, ...] = ()) -> "EditSession":
        """Reopen a saved project: its timeline read as it was, media relinked as chosen then."""
        project = read_project(project_file)
        return cls.from_project(project, Path(project_file).parent, search_folders, saved=True)

    @classmethod
    def from_project(cls, project: Project, out_dir: Path, search_folders: tuple[Path, ...] = (), saved: bool = False) -> "EditSession":
        """A session over a project already in memory (a restored autosave, for instance): the
        folder is settled, and when the project is not the saved one, the stems whose curves
        differ from the saved project's are rendered into the scratch area."""
        rate = None if project.timeline_rate is None else FrameRate(*project.timeline_rate)
        loaded = read_timeline(project.timeline_path, rate)
        folders = tuple(project.media_search_folders) + tuple(str(f) for f in search_folders)
        relinked = relink_shots(list_shots(loaded), folders, project.media_relinks)
        out_dir = Path(out_dir)
        check_project_fits(project, out_dir / PROJECT_FILE, loaded.name, relinked.shots)
        settle_folder(out_dir, out_dir / PROJECT_FILE)
        session = cls(loaded, relinked.shots, replace(project, media_relinks=relinked.choices), out_dir, saved=saved)
        on_disk = None if saved else session._read_saved()
        if on_disk is not None:
            session._saved = on_disk
            session._after(on_disk, session.project)
        return session

    def _read_saved(self) -> Project | None:
        """The project saved in the folder, if it is one of this timeline."""
        if not self.project_file.is_file():
            return None
        try:
            project = read_project(self.project_file)
        except FoleyError:
            return None
        return project if Path(project.timeline_path).resolve() == Path(self.project.timeline_path).resolve() else None

    # --- what the app shows ---------------------------------------------------------------------

    @property
    def project(self) -> Project:
        return self.stack.project

    @property
    def project_file(self) -> Path:
        return self.out_dir / PROJECT_FILE

    @property
    def scratch(self) -> Path:
        """Where unsaved renders go (inside the output folder; see the module docstring)."""
        return scratch_dir(self.out_dir)

    def file_of(self, relative: str) -> Path:
        """Where a file of the folder is read from: its unsaved render if there is one."""
        rendered = resolve_inside(self.scratch, relative, "stem path")  # never outside the folder
        return rendered if rendered.is_file() else resolve_inside(self.out_dir, relative, "stem path")

    @property
    def rendered(self) -> ShotSettings:
        """The project's render settings (made again when its settings change)."""
        if self._rendered.project != self.project.settings:
            self._rendered = session_settings(self.project.settings)
        return self._rendered

    @property
    def stereo(self) -> StereoSettings:
        """How the project's stems are placed (pan law, distance model, binaural...)."""
        return self.rendered.stereo

    @property
    def curve_settings(self) -> CurveSettings:
        """How the project's tracks become curves (off-screen behaviour...)."""
        return self.rendered.curves

    @property
    def is_modified(self) -> bool:
        return self.stack.is_modified

    def shot(self, shot_id: str) -> Shot:
        for shot in self.shots:
            if shot.id == shot_id:
                return shot
        raise KeyError(f"no shot {shot_id!r} in {self.loaded.name}")

    def tracks_of(self, shot_id: str) -> ShotTracks | None:
        """The shot's tracks, or None before it is analyzed."""
        return next((s for s in self.project.tracks.shots if s.shot_id == shot_id), None)

    def stems_of(self, shot_id: str) -> list[Stem]:
        return [s for s in self.project.stems if s.shot_id == shot_id]

    def shot_state(self, shot_id: str) -> ShotState:
        """Not analyzed, analyzed, generated or edited (since it was generated)."""
        project = self.project
        if shot_id in project.edited_shots:
            return ShotState.EDITED
        if any(s.shot_id == shot_id for s in project.stems):
            return ShotState.GENERATED
        if self.tracks_of(shot_id) is not None:
            return ShotState.ANALYZED
        return ShotState.NOT_ANALYZED

    def media_range(self, shot_id: str) -> FrameRange:
        """The shot's frames in its media file (from its tracks, or from the file and the cut)."""
        tracks = self.tracks_of(shot_id)
        if tracks is not None:
            return tracks.frame_range
        if shot_id not in self._media_ranges:
            shot = self.shot(shot_id)
            if shot.media_path is None or shot.media_status not in ("found", "relinked"):
                raise FoleyError(f"shot {shot_id} ({shot.clip_name}): media not found at {shot.media_path}. Relink it (open with search folders).")
            self._media_ranges[shot_id] = media_frame_range(shot, probe_video(shot.media_path))
        return self._media_ranges[shot_id]

    def shot_fps(self, shot_id: str) -> FrameRate:
        """Frames per second of the shot's pictures in record time (the tracks' rate)."""
        tracks = self.tracks_of(shot_id)
        if tracks is not None:
            return tracks.fps
        shot = self.shot(shot_id)
        return FrameRate.parse(shot.source_rate.fps * shot.speed) if shot.speed != 1 else shot.source_rate

    def tracked_curves(self, shot_id: str, object_id: str) -> SpatialCurves:
        """The object's curves as the tracker alone gives them."""
        tracks = self.project.tracks.shot(shot_id)
        return curves_from_track(tracks.object(object_id), tracks, self.project.settings.hfov_deg, self.curve_settings)

    def curves_of(self, shot_id: str, object_id: str) -> SpatialCurves:
        """The curves the object's stem is rendered with (tracked, with the manual keyframes)."""
        for curves in self.project.curves:
            if (curves.shot_id, curves.object_id) == (shot_id, object_id):
                return curves
        return self._effective_curves(self.project, shot_id, object_id)

    # --- edits ----------------------------------------------------------------------------------

    def execute(self, command: Command) -> EditResult:
        """Run an edit, then render again the stems whose curves it changed."""
        before = self.project
        return self._after(before, self.stack.execute(command))

    def undo(self) -> EditResult:
        before = self.project
        return self._after(before, self.stack.undo())

    def redo(self) -> EditResult:
        before = self.project
        return self._after(before, self.stack.redo())

    def _derive(self, before: Project, after: Project) -> Project:
        """Curves of the objects whose boxes or manual keyframes changed, derived again."""
        old_tracks = {s.shot_id: s for s in before.tracks.shots}
        changed = []
        for shot in after.tracks.shots:
            old_shot = old_tracks.get(shot.shot_id)
            old_objects = {} if old_shot is None else {o.id: o for o in old_shot.objects}
            for obj in shot.objects:
                same_track = old_objects.get(obj.id) == obj
                same_manual = manual_curves_of(before, shot.shot_id, obj.id) == manual_curves_of(after, shot.shot_id, obj.id)
                has_curves = any((c.shot_id, c.object_id) == (shot.shot_id, obj.id) for c in after.curves)
                if not (same_track and same_manual and has_curves):
                    changed.append((shot.shot_id, obj.id))
        if not changed:
            return after
        fresh = {key: self._effective_curves(after, *key) for key in changed}
        live = {(s.shot_id, o.id) for s in after.tracks.shots for o in s.objects}
        kept = tuple(c for c in after.curves if (c.shot_id, c.object_id) not in fresh and (c.shot_id, c.object_id) in live)
        return replace(after, curves=kept + tuple(fresh.values()))

    def _effective_curves(self, project: Project, shot_id: str, object_id: str) -> SpatialCurves:
        tracks = project.tracks.shot(shot_id)
        return object_curves(tracks.object(object_id), tracks, project.settings.hfov_deg, self.curve_settings, manual_curves_of(project, shot_id, object_id))

    def _after(self, before: Project, after: Project) -> EditResult:
        started = time.perf_counter()
        old = before.curves_by_object()
        saved = self._saved if self._saved is not None and self._saved.settings == after.settings else None
        saved_curves = {} if saved is None else saved.curves_by_object()
        saved_paths = set() if saved is None else {s.path for s in saved.stems}
        result = EditResult(after)
        for stem in after.stems:
            key = (stem.shot_id, stem.object_id)
            curves = after.curves_of(*key)
            if curves is None or old.get(key) == curves:
                continue
            if stem.is_ambience or not self.file_of(dry_path_of(stem)).is_file():
                continue  # a bed is not placed; without a dry file there is nothing to place
            if saved_curves.get(key) == curves and stem.path in saved_paths and not (self.scratch / dry_path_of(stem)).is_file():
                self._drop_render(stem)  # back to the saved placement: the saved file is that render
            else:
                self.rerender(stem, curves)
            result.rerendered.append(stem.path)
        result.render_s = time.perf_counter() - started
        return result

    # --- audio ----------------------------------------------------------------------------------

    def dry_audio(self, stem: Stem) -> np.ndarray:
        """The stem's dry mono source (n,), read once from dry/ and kept."""
        if stem.path not in self._dry:
            audio, sample_rate = read_audio(self.file_of(dry_path_of(stem)))
            if sample_rate != stem.sample_rate:
                raise FoleyError(f"{dry_path_of(stem)} is at {sample_rate} Hz, not {stem.sample_rate}; generate the shot again.")
            self._dry[stem.path] = audio[0]
        return self._dry[stem.path]

    def stem_audio(self, stem: Stem) -> np.ndarray:
        """The stem as rendered over its cut (2, n; its handles left out), from memory after the
        first read."""
        if stem.path not in self._stems:
            audio, _ = read_audio(self.file_of(stem.path))
            self._stems[stem.path] = audio[:2] if audio.shape[0] >= 2 else np.repeat(audio, 2, axis=0)
        return self._stems[stem.path][:, stem.handle_start_samples : stem.handle_start_samples + stem.length_samples]

    def rerender(self, stem: Stem, curves: SpatialCurves) -> np.ndarray:
        """Place the stem's dry sound (handles and all) along `curves` again and write it into
        the scratch area; returns the cut."""
        placed = render_stem(self.dry_audio(stem), shifted_curves(curves, Fraction(stem.handle_start_samples, stem.sample_rate)), self.stereo)
        self._stems[stem.path] = placed
        self._write_stem(stem, placed)
        return self.stem_audio(stem)

    def _write_stem(self, stem: Stem, audio: np.ndarray) -> None:
        path = self.file_of(stem.path)
        bext = read_bext(path) if path.is_file() else None
        what = f"{stem.object_id} {stem.label}"
        made_by = f"{stem.engine} (edited placement)"
        description = bext.description if bext else None  # keeps the voice the stem was made with
        write_shot_audio(
            self.scratch,
            stem.path,
            audio,
            stem.sample_rate,
            self.shot(stem.shot_id),
            stem.object_id,
            what,
            note=stem.label,
            made_by=made_by,
            description=description,
            handle_samples=stem.handle_start_samples,
        )

    def _drop_render(self, stem: Stem) -> None:
        (self.scratch / stem.path).unlink(missing_ok=True)
        self._stems.pop(stem.path, None)

    def forget_audio(self, paths: list[str]) -> None:
        """Drop cached audio of these stems (their files were written again by a job)."""
        for path in paths:
            self._dry.pop(path, None)
            self._stems.pop(path, None)

    def lanes(self) -> list[tuple[str, list[tuple[int, int, str]]]]:
        """The foley lanes as the delivered timeline will have them: per lane, its stems as
        (first record frame, end record frame, shot id), in timeline frames."""
        lanes = []
        for name, stems in self.project.lanes():
            spans = []
            for stem in stems:
                shot = self.shot(stem.shot_id)
                spans.append((shot.record_range.start, shot.record_range.end, f"{stem.shot_id} {stem.object_id}"))
            lanes.append((name, spans))
        return lanes

    def mixer_of(self, path: str) -> StemMix:
        return next((m for m in self.project.mixer if m.path == path), StemMix(path))

    def shot_mix(self, shot_id: str) -> np.ndarray:
        """The shot's monitor mix (2, n): its stems with their gains (their own and their lane's),
        mutes and solos."""
        shot = self.shot(shot_id)
        n = shot.duration_samples(self.project.settings.sample_rate)
        stems = self.stems_of(shot_id)
        gains = audible_gains({m.path: m for m in self.project.mixer}, [s.path for s in stems])
        lanes = self.project.lane_gains_by_stem()
        total = np.zeros((2, n), dtype=np.float64)
        for stem in stems:
            gain = gains[stem.path] * 10 ** (lanes.get(stem.path, 0.0) / 20)
            if gain:
                audio = self.stem_audio(stem)
                total[:, : min(n, audio.shape[1])] += gain * audio[:, :n]
        return total.astype(np.float32)

    def meter(self, shot_id: str) -> MixMeter:
        """Peak and integrated loudness of the shot's monitor mix."""
        mixed = self.shot_mix(shot_id)
        peak = float(np.max(np.abs(mixed))) if mixed.size else 0.0
        return MixMeter(20 * np.log10(peak) if peak > 0 else float("-inf"), integrated_loudness(mixed, self.project.settings.sample_rate))

    # --- saving ---------------------------------------------------------------------------------

    def save(self, mixed: frozenset[str] = frozenset()) -> Path:
        """Save the folder as one set: the stems rendered since the last save, each generated
        shot's mix (as monitored: gains and mutes applied), the timeline with the stems, REAPER
        session, tracks and, last, the project (`pipeline.output.deliver.write_session_files`). The shots
        in `mixed` have just had their mix made as the plain sum of their stems (by the shot
        spine): it is made again only when a gain, mute or solo of theirs changes it."""
        self._drop_unreferenced()
        scratch = OutputLayout(self.scratch)
        monitored = {m.path for m in self.project.mixer} | {path for path, gain in self.project.lane_gains_by_stem().items() if gain}
        for shot_id in dict.fromkeys(s.shot_id for s in self.project.stems):
            if shot_id in mixed and not any(s.path in monitored for s in self.stems_of(shot_id)):
                continue
            write_mix(scratch, self.shot(shot_id), self.shot_mix(shot_id), self.project.settings.sample_rate)
        # the folder's generation, whatever the history holds (an undo past a save brings back a
        # project of an older generation)
        on_disk = max(self.project.generation, self._saved.generation if self._saved is not None else 0)
        project = replace(self.project, generation=on_disk)
        laned = write_session_files(OutputLayout(self.out_dir), self.loaded, project, self.stereo)
        self.stack.project = laned  # lanes and generation filled in; not an edit
        self.stack.mark_clean()
        self._saved = laned
        return self.project_file

    def _drop_unreferenced(self) -> None:
        """Renders of stems the project no longer has (an edited object deleted since) are not
        saved: the folder keeps the file it had, if any."""
        referenced = {p for s in self.project.stems + self.project.takes for p in (s.path, dry_path_of(s))}
        for relative in scratch_files(self.out_dir):
            if relative.startswith(("stems/", "dry/")) and relative not in referenced:
                (self.scratch / relative).unlink()

    def discard(self) -> None:
        """Drop the unsaved work: the scratch area's renders, and the edits since the last save
        (the history starts again from the saved project; a project never saved keeps its edits,
        with nothing rendered for them)."""
        drop_scratch(self.out_dir)
        self._stems.clear()
        self._dry.clear()
        if self._saved is not None:
            self.stack.reset(self._saved, saved=True)

    def apply_generated(self, run: ShotRun) -> Path:
        """Put a generate job's shots (made in the scratch area) into the project (its other shots
        kept, its settings the run's), save, and write the run's report.json; returns the
        report's path."""
        if run.files_dir is not None and run.files_dir.resolve() != self.scratch.resolve():
            adopt(self.out_dir, run.files_dir)
        self.replace_project(merge_made(self.project, run), forget=[s.path for s in run.stems])
        self.save(mixed=frozenset(m.shot_id for m in run.made))
        return write_report(self.out_dir, build_report(self.project, run, timings_s=run.timings_s, cpu_s=run.cpu_s))

    def apply_regenerated(self, result: RegeneratedStem) -> Path:
        """Put a new take of a stem into the project in place of the one it was made from, which
        joins the other takes (its files kept), and save (the history starts again)."""
        adopt(self.out_dir, result.files_dir)
        key = (result.stem.shot_id, result.stem.object_id)
        before = next(s for s in self.project.stems if (s.shot_id, s.object_id) == key)
        stems = tuple(result.stem if s is before else s for s in self.project.stems)
        mixer = tuple(replace(m, path=result.stem.path) if m.path == before.path else m for m in self.project.mixer)
        takes = self.project.takes + (replace(before, lane=""),)
        self.replace_project(replace(self.project, stems=stems, takes=takes, mixer=mixer), forget=[result.stem.path])
        return self.save()

    def replace_project(self, project: Project, forget: list[str] = ()) -> None:
        """Take a project a job produced (stems made again in the scratch area: the history starts
        again)."""
        self.forget_audio(list(forget))
        self.stack.reset(project)
