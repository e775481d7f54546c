"""A shot's optional ambience bed: which one, made how, written where.

`generate --ambience auto|none|room|street|wind|rain` lays one stereo bed under each shot
(`generators.procedural.ambience`: partly decorrelated left and right, never panned), as its own
stem `stems/<shot>_AMB_<bed>.wav` on the timeline lane "ambience". "auto" picks the bed from the
labels of the shot's objects through the voice map's "_ambience" rules (a car: street). The bed
counts in the shot's loudness like any stem and is scaled by the same gain, so the mix stays the
sum of its stems.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from foley_assistant.core.errors import FoleyError
from foley_assistant.core.shot import Shot
from foley_assistant.core.stem import AMBIENCE_OBJECT_ID, Stem, stem_file_stem
from foley_assistant.core.tracks import ShotTracks
from foley_assistant.generators.procedural.ambience import AMBIENCES, render_ambience
from foley_assistant.generators.procedural.dsp import event_rng
from foley_assistant.generators.procedural.voice_map import VoiceMap
from foley_assistant.pipeline.output.deliver import write_shot_audio

AMBIENCE_CHOICES = ("none", "auto") + AMBIENCES


@dataclass(frozen=True)
class AmbienceBed:
    """The bed made for one shot: its kind, why it was chosen, and its stereo samples (2, n) float32."""

    shot_id: str
    bed: str
    reason: str
    stereo: np.ndarray

    def to_dict(self, path: str) -> dict[str, str]:
        """For report.json: the bed, why, and its stem."""
        return {"bed": self.bed, "chosen": self.reason, "stem": path}

    def scaled(self, gain: float) -> "AmbienceBed":
        """The same bed times a linear gain (the shot's loudness gain)."""
        return AmbienceBed(self.shot_id, self.bed, self.reason, (self.stereo * np.float32(gain)).astype(np.float32))


def check_ambience(choice: str) -> None:
    """Refuse an unknown --ambience value with the ones that exist."""
    if choice not in AMBIENCE_CHOICES:
        raise FoleyError(f"unknown ambience {choice!r}; choose one of {', '.join(AMBIENCE_CHOICES)}.")


def choose_bed(choice: str, labels: list[str], voices: VoiceMap) -> tuple[str, str] | None:
    """(bed, reason) for a shot with these object labels, or None for "none"."""
    check_ambience(choice)
    if choice == "none":
        return None
    if choice != "auto":
        return choice, "asked"
    bed, matched = voices.ambience_for(labels)
    return bed, f"auto: {', '.join(matched)}" if matched else "auto: no label calls for another bed"


def make_bed(choice: str, shot_tracks: ShotTracks, n_samples: int, sample_rate: int, seed: int, voices: VoiceMap) -> AmbienceBed | None:
    """The shot's bed (n_samples, from its first frame), deterministic in the seed and the shot; None for "none"."""
    chosen = choose_bed(choice, [o.label for o in shot_tracks.objects], voices)
    if chosen is None:
        return None
    bed, reason = chosen
    stereo = render_ambience(bed, n_samples, event_rng(seed, f"{shot_tracks.shot_id}/ambience/{bed}", 0), sample_rate)
    return AmbienceBed(shot_tracks.shot_id, bed, reason, stereo.astype(np.float32))


def write_bed(root: Path, relative: str, shot: Shot, bed: AmbienceBed, sample_rate: int, handles: tuple[int, int] = (0, 0)) -> Stem:
    """Write the bed's stereo stem (BWF at the shot's record time, less its handle before the
    cut); return its stem record."""
    write_shot_audio(root, relative, bed.stereo, sample_rate, shot, AMBIENCE_OBJECT_ID, f"ambience {bed.bed}", note=f"ambience {bed.bed}", made_by="procedural ambience", handle_samples=handles[0])
    return Stem(
        shot_id=shot.id,
        object_id=AMBIENCE_OBJECT_ID,
        label=bed.bed,
        path=relative,
        engine="procedural",
        sample_rate=sample_rate,
        record_start_sample=shot.record_start_sample(sample_rate),
        length_samples=int(bed.stereo.shape[1]) - handles[0] - handles[1],
        kind="ambience",
        handle_start_samples=handles[0],
        handle_end_samples=handles[1],
    )


def bed_file_stem(shot_id: str, bed: str) -> str:
    """<shot>_AMB_<bed>: the bed's file name without extension."""
    return stem_file_stem(shot_id, AMBIENCE_OBJECT_ID, bed)
