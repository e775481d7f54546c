"""The main window's transport: the playhead in record time across the whole cut (the picture and
the foley of the shot under the playhead, shot after shot), in/out marks and looping, pre-roll,
J/K/L, and the cut's own audio under the foley with its level and mute.

The playhead the audition carries is in seconds from the timeline's first frame; the window keeps
`playhead` as seconds into the current shot (what the viewer, curve editor and stems panel read).
The shot under the playhead is the topmost clip there (the current one while paused, when it is
under the playhead too). The foley of the shots around the playhead is placed in the audition
engine ahead of it (`PREFETCH_S`), so a cut is crossed without a gap.

A part of `MainWindow` (gui/main_window.py), which it is mixed into; it uses the window's widgets
and session."""

from __future__ import annotations

import math

import numpy as np

from foley_assistant.core.errors import FoleyError
from foley_assistant.core.shot import Shot
from foley_assistant.core.timebase import frames_to_timecode
from foley_assistant.gui.cut_audio_loader import CutAudioLoader
from foley_assistant.io.cut_audio import list_cut_audio

PREFETCH_S = 10.0  # the foley of the shots this far ahead of the playhead is placed before it gets there
BEHIND_S = 2.0
DEFAULT_PREROLL_S = 2.0


class WindowTransport:
    """See the module docstring."""

    # --- the timeline and its sound ---------------------------------------------------------

    def _start_transport(self) -> None:
        """A session was opened: the transport spans its cut, the cut's audio is listed."""
        session = self.session
        assert session is not None
        rate = float(session.loaded.rate)
        end = max([s.record_range.end for s in session.shots] + [1]) / rate
        if self.cut_loader is not None:
            self.cut_loader.close()
            self.cut_loader = None
        try:
            clips = list_cut_audio(session.loaded)
        except (ValueError, TypeError, AttributeError) as exc:  # an odd audio track is no reason to refuse the cut
            self.show_error(f"the cut's audio tracks could not be read ({exc}); playing the foley only.")
            clips = []
        if clips:
            end = max(end, max(float(c.record_end) for c in clips))
            loader = CutAudioLoader(clips, self.audition.sample_rate, self)
            loader.decoded.connect(lambda index, audio: self.audition.place_cut_audio(index, loader.clips[index].start_sample(self.audition.sample_rate), audio))
            loader.forgotten.connect(lambda index: self.audition.place_cut_audio(index, 0, None))
            loader.failed.connect(self.show_error)
            self.cut_loader = loader
        self.cut_audio_button.setEnabled(bool(clips))
        self.cut_audio_button.setToolTip(f"The cut's own audio ({len(clips)} clip(s) on its audio tracks) under the foley" if clips else "The timeline has no audio clips with media")
        self.audition.blockSignals(True)  # the first shot is chosen by the window, once
        try:
            self.audition.set_timeline(end)
        finally:
            self.audition.blockSignals(False)
        self.record_playhead = self.playhead = 0.0
        self._apply_levels()
        self._marks_changed()
        self._feed_sound(0.0)

    def _apply_levels(self) -> None:
        on = self.cut_audio_button.isChecked() and self.cut_audio_button.isEnabled()
        gain = 10 ** (self.cut_level.value() / 20) if on else 0.0
        self.audition.set_levels(1.0, gain)
        self.settings.setValue("cut_audio_on", self.cut_audio_button.isChecked())
        self.settings.setValue("cut_audio_db", self.cut_level.value())

    def _feed_sound(self, record_s: float) -> None:
        """Place the foley of the shots around `record_s` (ahead in the direction of play) and
        ask for the cut's audio there; forget what is far behind."""
        session = self.session
        if session is None:
            return
        rate = self.audition.transport.rate
        lo, hi = (record_s - PREFETCH_S, record_s + BEHIND_S) if rate < 0 else (record_s - BEHIND_S, record_s + PREFETCH_S)
        sample_rate = self.audition.sample_rate
        placed = self.audition.engine.foley.keys()
        generated = {s.shot_id for s in session.project.stems}
        for shot in session.shots:
            start, end = float(shot.record_start_seconds), float(shot.record_start_seconds + shot.duration_seconds)
            near = start <= hi and end >= lo
            if near and shot.id in generated and shot.id not in placed:
                self.audition.place_foley(shot.id, shot.record_start_sample(sample_rate), self._mix_or_silence(shot.id))
            elif not near and shot.id in placed and (end < lo - 60 or start > hi + 60):
                self.audition.place_foley(shot.id, 0, None)
        if self.cut_loader is not None:
            self.cut_loader.want(lo, hi)

    def _mix_or_silence(self, shot_id: str) -> np.ndarray:
        """The shot's monitor mix; when a stem of it cannot be read, silence (and the reason shown)."""
        session = self.session
        assert session is not None
        try:
            return session.shot_mix(shot_id)
        except FoleyError as exc:
            self.show_error(str(exc))
            return np.zeros((2, 0), dtype=np.float32)

    def _foley_changed(self) -> None:
        """The project's sound changed (an edit, a job): the shots placed are placed again (each
        replaced whole, so what plays meanwhile never goes silent), then those around the playhead."""
        session = self.session
        if session is None:
            return
        generated = {s.shot_id for s in session.project.stems}
        for shot_id in self.audition.engine.foley.keys():
            if shot_id in generated:
                shot = session.shot(shot_id)
                self.audition.place_foley(shot_id, shot.record_start_sample(self.audition.sample_rate), self._mix_or_silence(shot_id))
            else:
                self.audition.place_foley(shot_id, 0, None)
        self._feed_sound(self.audition.record_position())

    # --- the playhead -----------------------------------------------------------------------

    def shot_at(self, record_s: float) -> Shot | None:
        """The shot under the playhead: the topmost clip at `record_s` (the current shot while
        paused, when it is there too); None in a gap."""
        session = self.session
        if session is None:
            return None
        rate = float(session.loaded.rate)
        frame = math.floor(record_s * rate + 1e-6)
        here = [s for s in session.shots if s.record_range.start <= frame < s.record_range.end and not s.refusal]
        if not here:
            return None
        current = next((s for s in here if s.id == self.shot_id), None)
        if current is not None and not self.audition.transport.playing:
            return current
        return max(here, key=lambda s: s.track_index)

    def record_timecode(self, record_s: float) -> str:
        """The record timecode of the frame at `record_s`."""
        session = self.session
        assert session is not None
        rate = session.loaded.rate
        frame = math.floor(record_s * float(rate) + 1e-6)
        start = session.shots[0].global_start_frame if session.shots else 0
        return frames_to_timecode(start + frame, rate)

    def _on_position(self, record_s: float) -> None:
        self.record_playhead = record_s
        session = self.session
        self._show_shuttle()
        if session is None:
            return
        shot = self.shot_at(record_s)
        if shot is not None and shot.id != self.shot_id:
            self.playhead = record_s - float(shot.record_start_seconds)  # in the new shot before it is shown
            self.timeline.canvas.set_selection([shot.id], shot.id)  # the shot under the playhead becomes the current one
        canvas = self.timeline.canvas
        canvas.playhead = record_s
        canvas.update()
        self._feed_sound(record_s)
        self.stems_panel.meter.set_block(self.audition.last_block if self.audition.transport.playing else None)
        if shot is None or self.shot_id is None:
            self.viewer.show_offline(f"No picture at {self.record_timecode(record_s)} (a gap in the cut)")
            self.timecode.setText(self.record_timecode(record_s))
            return
        current = session.shot(self.shot_id)
        seconds = record_s - float(current.record_start_seconds)
        self.playhead = min(max(seconds, 0.0), float(current.duration_seconds))
        self.show_frame()
        self.curve_editor.set_playhead(self.playhead)
        self.stems_panel.set_playhead(self.playhead / max(float(current.duration_seconds), 1e-6), self.playhead)

    def _on_playing(self, playing: bool) -> None:
        self.play_button.setText("❚❚  Pause" if playing else "▶  Play")
        self._show_shuttle()
        if not playing and self.session is not None and self.shot_id is not None and self.shot_at(self.record_playhead) is not None:
            # Stopped (K, Space, the end): land on the frame shown, not between two frames.
            landed = float(self.shot_clock().seconds_of(self.current_frame()))
            if abs(landed - self.playhead) > 1e-9:
                self.audition.seek(landed, scrub=False)

    def _show_shuttle(self) -> None:
        """The shuttle speed beside the timecode while playing at another speed than 1x forward."""
        transport = self.audition.transport
        rate = transport.rate if transport.playing else 0.0
        text = "" if rate in (0.0, 1.0) else f"{'◀◀' if rate < 0 else '▶▶'} {abs(rate):g}x"
        if text != self.shuttle_label.text():
            self.shuttle_label.setText(text)

    def _on_timeline_playhead(self, record_s: float) -> None:
        if self.session is not None:
            self.audition.seek_record(record_s)

    def step_frames(self, frames: int) -> None:
        if self.session is None or self.shot_id is None:
            return
        self.audition.step(frames / float(self.session.shot_fps(self.shot_id)))

    def go_to_start(self) -> None:
        """Home: the first frame of the cut."""
        self.audition.seek_record(0.0)

    # --- marks, loop, pre-roll ----------------------------------------------------------------

    def _frame_time(self, record_s: float) -> float:
        """`record_s` on the start of its timeline frame."""
        assert self.session is not None
        rate = float(self.session.loaded.rate)
        return math.floor(record_s * rate + 1e-6) / rate

    def mark_in(self) -> None:
        """I: the in point at the frame under the playhead."""
        if self.session is not None:
            self.marks = (self._frame_time(self.record_playhead), self.marks[1] if self.marks[1] is not None and self.marks[1] > self.record_playhead else None)
            self._marks_changed()

    def mark_out(self) -> None:
        """O: the out point after the frame under the playhead (the frame is inside the range)."""
        if self.session is not None:
            rate = float(self.session.loaded.rate)
            out = self._frame_time(self.record_playhead) + 1 / rate
            self.marks = (self.marks[0] if self.marks[0] is not None and self.marks[0] < out else None, out)
            self._marks_changed()

    def clear_marks(self) -> None:
        self.marks = (None, None)
        self._marks_changed()

    def _marks_changed(self) -> None:
        self.audition.set_marks(*self.marks)
        self.timeline.canvas.set_marks(*self.marks)
        mark_in, mark_out = self.marks
        if self.session is not None and (mark_in is not None or mark_out is not None):
            said = [f"{name} {self.record_timecode(t)}" for name, t in (("in", mark_in), ("out", mark_out)) if t is not None]
            self.show_message("Marked " + ", ".join(said) + ("  (Ctrl+L loops the range)" if None not in self.marks else ""))

    def set_preroll(self, seconds: float) -> None:
        self.audition.set_preroll(seconds)
        self.settings.setValue("preroll_s", float(seconds))

    def play_with_preroll(self) -> None:
        """Shift+Space: play from the pre-roll before the selected curve key, else before the in
        point, else before the playhead."""
        if self.session is None:
            return
        target = self.record_playhead
        keys = self.curve_editor.selected_times()
        if keys and self.shot_id is not None:
            target = float(self.session.shot(self.shot_id).record_start_seconds) + float(min(keys))
        elif self.marks[0] is not None:
            target = self.marks[0]
        self.audition.play_from(target - self.preroll_spin.value())
