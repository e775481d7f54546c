"""Fine-tuning material from a studio's own videos: every video file in a folder that has a sound
track, decoded with PyAV (pictures at the encoder's size, sound resampled to 48 kHz stereo),
cut into training windows whose target is the whole mix, conditioned on the objects tracked in
the picture (or on `<video>.tracks.json` beside it, when the editor has corrected the tracks).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from foley_assistant.core.errors import InputFileError
from foley_assistant.core.timebase import FrameRange
from foley_assistant.core.tracks import ShotTracks
from foley_assistant.model.config import CodecConfig, GeneratorConfig
from foley_assistant.model.features import latent_to_video_frames, resize_frames, shot_conditioning, slots_for

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".mxf", ".m4v", ".webm")


def video_files(folder: str | Path) -> list[Path]:
    """The video files of a folder (not recursive), sorted; a clear error when there are none."""
    root = Path(folder)
    if not root.is_dir():
        raise InputFileError(f"--videos {root} is not a folder. Point it at a folder of video files with sound.")
    found = sorted(p for p in root.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    if not found:
        raise InputFileError(f"{root} holds no video files ({', '.join(VIDEO_SUFFIXES)}).")
    return found


def decode_audio(path: Path, sample_rate: int) -> np.ndarray | None:
    """The first audio stream as (2, n) float32 at `sample_rate` (mono is copied to both channels);
    None when the file has no sound."""
    import av

    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=sample_rate)
        pieces = []
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                pieces.append(out.to_ndarray())
        for out in resampler.resample(None):
            pieces.append(out.to_ndarray())
    if not pieces:
        return None
    return np.concatenate(pieces, axis=1).astype(np.float32)


def video_tracks(path: Path, frames: list[np.ndarray], rate: Any, width: int, height: int) -> ShotTracks:
    """The objects of a video: its tracks file when there is one, else tracked from the picture."""
    sidecar = path.with_name(path.name + ".tracks.json")
    if sidecar.is_file():
        from foley_assistant.io.json_files import read_tracks

        return read_tracks(sidecar).shots[0]
    from foley_assistant.vision.analyze import track_objects

    objects = track_objects(enumerate(frames), rate, width, height)
    return ShotTracks(path.stem, str(path), rate, FrameRange(0, len(frames)), width, height, objects)


def video_windows(path: Path, codec: CodecConfig, generator: GeneratorConfig) -> Iterator[dict[str, Any]]:
    """Training items (mix target) of consecutive windows of one video."""
    from foley_assistant.io.video import probe_video, read_frames

    audio = decode_audio(path, codec.sample_rate)
    if audio is None:
        log.warning("%s has no sound; skipped", path)
        return
    info = probe_video(path)
    analysis = [image for _, image in read_frames(path, None, analysis_width=320, gray=False)]
    if not analysis:
        return
    tracks = video_tracks(path, analysis, info.rate, info.width, info.height)
    frames = resize_frames(analysis, generator.frame_size)
    cond = shot_conditioning(tracks, frames, generator.frame_size, generator.labels)
    window = generator.window_frames * codec.hop
    slots = slots_for(cond, None, generator.max_objects)
    for start in range(0, audio.shape[1] - window + 1, window):
        first_latent = start // codec.hop
        index = latent_to_video_frames(first_latent + generator.window_frames, generator.latent_rate, cond.fps, cond.n_video)[first_latent:]
        lo, hi = int(index.min()), int(index.max()) + 1
        objects = np.zeros((generator.max_objects, generator.window_frames, cond.objects.shape[-1]), np.float32)
        labels = np.zeros(generator.max_objects, np.int64)
        present = np.zeros(generator.max_objects, bool)
        for slot, obj in enumerate(slots):
            objects[slot] = cond.objects[obj][index]
            labels[slot] = cond.labels[obj]
            present[slot] = True
        yield {
            "audio": torch.from_numpy(np.ascontiguousarray(audio[:, start : start + window])),
            "frames": torch.from_numpy(np.ascontiguousarray(frames[lo:hi].transpose(0, 3, 1, 2))),
            "has_frames": True,
            "frame_index": torch.from_numpy(index - lo),
            "objects": torch.from_numpy(objects),
            "labels": torch.from_numpy(labels),
            "present": torch.from_numpy(present),
            "target": torch.from_numpy(present.astype(np.float32)),
        }


class VideoFolderItems(IterableDataset):
    """Endless passes over the windows of a folder's videos (each DataLoader worker takes every
    n-th file); `audio_only` yields just the sound, for codec fine-tuning."""

    def __init__(self, folder: str | Path, codec: CodecConfig, generator: GeneratorConfig, audio_only: bool = False) -> None:
        super().__init__()
        self.files = video_files(folder)
        self.codec, self.generator, self.audio_only = codec, generator, audio_only

    def __iter__(self) -> Iterator[dict[str, Any]]:
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        mine = self.files[worker::workers] or self.files
        while True:
            produced = 0
            for path in mine:
                for item in video_windows(path, self.codec, self.generator):
                    produced += 1
                    yield {"audio": item["audio"]} if self.audio_only else item
            if produced == 0:
                raise InputFileError(f"no video in the folder has sound at least {self.generator.window_seconds:.2f} s long; fine-tuning needs videos with a sound track")
