"""From decoded frames to object tracks: split at shot boundaries, detect, track, label, range.

Frames stream through in one pass. A `ShotSplitter` holds back a few seconds of frames to find
cuts and dissolves (see `cuts`); each sub-shot gets its own detector state and tracker, so no track
ever crosses a boundary. Inside a sub-shot, frames are processed in chunks of `chunk_s` seconds:
moving-object detection with camera-motion compensation (`motion`), or a neural detector's boxes
when one is given, then the Kalman tracker (`tracker`) with the camera's frame-to-frame motion.

Threads: the camera is followed (`camera_motion.CameraFollower`) on a thread of its own while a
chunk's frames arrive; each frame's moving pixels are found on `MOTION_THREADS` threads; the
detector and the cut network run on threads of their own. Results do not depend on the threads;
a worker of a pool of processes (one per core) calls `use_one_core`.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Protocol

import cv2
import numpy as np

from foley_assistant.core.timebase import FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, TrackedFrame, quantized, renumber_objects
from foley_assistant.vision.camera_motion import CameraFollower, step_homography
from foley_assistant.vision.cuts import THUMB_SIZE, CutSettings, SubShot, Transition, difference, find_transitions, sub_shots, thumbnail
from foley_assistant.vision.detector_tracks import link_detections
from foley_assistant.vision.distance import distances_from_boxes
from foley_assistant.vision.flashes import flash_frames, frame_brightness, same_picture
from foley_assistant.vision.fusion import FusedObject, FusionSettings, fuse
from foley_assistant.vision.labels import coco_labels
from foley_assistant.vision.motion import Detection, MotionSettings, detect_chunk
from foley_assistant.vision.pass_by import PassByFinder, PassByObject, claim_pass_bys
from foley_assistant.vision.perception.transnet import NETWORK_DELAY, TransNetStream, network_thumbnail
from foley_assistant.vision.tracker import MultiObjectTracker, TrackerSettings

#: A detection this confident, over motion covering this share of it, that was not there at the
#: last sample, makes the detector look at the frames around it too (`_SegmentAnalysis._look_around`).
NEW_MOVER_SCORE = 0.3
NEW_MOVER_COVER = 0.3

#: onnxruntime threads of the cut network: one (fewest CPU-seconds per frame; analysis shares
#: the machine with decoding and the motion search).
NETWORK_THREADS = 1
#: Threads a chunk's moving pixels are found on, frame by frame (the result does not depend on
#: it), unless `use_one_core` was called in this process.
MOTION_THREADS = 2
_motion_threads = MOTION_THREADS


def use_one_core() -> None:
    """Analysis in this process finds moving pixels on one thread and follows the camera on the
    same thread as the motion: for a worker of a pool of processes, one per core, where more
    threads would only take turns. Results are the same."""
    global _motion_threads
    _motion_threads = 1


def analysis_threads() -> int:
    """The threads analysis in this process finds moving pixels on (see `use_one_core`)."""
    return _motion_threads


class FrameDetector(Protocol):
    """Something that finds objects in frames (the neural detector): one list per frame. A
    detector may say what it is in a `record` (`core.tracks.DetectorRecord`), kept with the tracks."""

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]: ...


@dataclass(frozen=True)
class AnalysisSettings:
    """Everything analysis can be tuned by; the defaults suit 320-pixel-wide analysis frames."""

    hfov_deg: float = 60.0
    chunk_s: float = 8.0
    split_at_cuts: bool = True
    motion: MotionSettings = field(default_factory=MotionSettings)
    tracker: TrackerSettings = field(default_factory=TrackerSettings)
    cuts: CutSettings = field(default_factory=CutSettings)
    fusion: FusionSettings = field(default_factory=FusionSettings)
    detections_per_s: float = 8.0
    detector: str = "nanodet"  # nanodet | none | auto | an installed model's name | an ONNX or torchvision file
    pose: bool = True  # read moving people's feet with the shipped pose model (for footfalls)
    detector_model: str = "ssdlite320_mobilenet_v3_large"


@dataclass(frozen=True)
class SubShotTracks:
    """The objects of one sub-shot (frames between two boundaries of the analyzed run)."""

    sub_shot: SubShot
    objects: tuple[ObjectTrack, ...]
    flashes: tuple[int, ...] = ()  # media frames of flashes seen (light, not things: see `flashes`)


def track_objects(
    frames: Iterable[tuple[int, np.ndarray]],
    rate: FrameRate,
    source_width: int,
    source_height: int,
    settings: AnalysisSettings | None = None,
    detector: FrameDetector | None = None,
) -> tuple[ObjectTrack, ...]:
    """Moving objects in a run of RGB frames given as (media frame index, array) pairs.

    `source_width/height` are the media's pixel size (distance uses the real aspect and the
    camera's field of view). Tracks never cross a cut or dissolve inside the run. Returns tracks
    with ids O1, O2... in order of appearance.
    """
    parts = analyze_frames(frames, rate, source_width, source_height, settings, detector)
    return renumber_objects(obj for part in parts for obj in part.objects)


def analyze_frames(
    frames: Iterable[tuple[int, np.ndarray]],
    rate: FrameRate,
    source_width: int,
    source_height: int,
    settings: AnalysisSettings | None = None,
    detector: FrameDetector | None = None,
) -> list[SubShotTracks]:
    """The run split into sub-shots at cuts and dissolves, each with its own tracks (ids O1...)."""
    settings = settings or AnalysisSettings()
    fps = float(rate)
    splitter = ShotSplitter(fps, settings.cuts, enabled=settings.split_at_cuts)
    results: list[list[ObjectTrack]] = []
    segment: _SegmentAnalysis | None = None
    first = last = None
    for event in splitter.run(frames):
        if isinstance(event, Transition):
            if segment is not None:
                results.append(segment.finish(source_width, source_height, settings))
            segment = None
            continue
        index, image = event
        first = index if first is None else first
        last = index
        if segment is None:
            segment = _SegmentAnalysis(fps, image.shape[1], image.shape[0], settings, detector)
        segment.add(index, image, index in splitter.flashes)
    if first is None or last is None:
        return []
    if segment is not None:
        results.append(segment.finish(source_width, source_height, settings))
    shots = sub_shots(splitter.transitions, first, max(last, splitter.last_index) + 1)
    # A sub-shot made only of blend frames (or of nothing) has no segment: give it no objects.
    by_shot = _pair(shots, results, splitter.transitions)
    return [SubShotTracks(shot, renumber_objects(objects), tuple(sorted(f for f in splitter.flashes if shot.start <= f < shot.end))) for shot, objects in by_shot]


def _pair(shots: list[SubShot], results: list[list[ObjectTrack]], transitions: list[Transition]) -> list[tuple[SubShot, list[ObjectTrack]]]:
    paired, queue = [], list(results)
    for shot in shots:
        has_frames = shot.clean_end > shot.clean_start
        paired.append((shot, queue.pop(0) if has_frames and queue else []))
    return paired


class ShotSplitter:
    """Streams frames through, holding back enough to find boundaries; yields each frame that is
    not a dissolve blend frame as (index, image), and each boundary (`Transition`) before the
    first frame of the sub-shot it opens.

    With `settings.network` the shipped TransNetV2 model (`perception.transnet`) gives every frame
    its probability of ending a shot; its results for a frame arrive up to 75 frames later, so the
    look-ahead covers that. The network is asked only about frames whose picture changed by at
    least `network_min_level` (no cut is taken with less), so a calm shot costs it little. Memory stays bounded: the held-back frames, one network window of
    48x27 thumbnails and the probabilities of the frames held."""

    def __init__(self, fps: float, settings: CutSettings, enabled: bool = True) -> None:
        self.fps = fps
        self.settings = settings
        self.enabled = enabled
        reach = int(np.ceil(settings.return_s * fps)) + 2
        self.lookahead = int(np.ceil((max(settings.dissolve_lengths_s) + 2 * settings.context_s) * fps)) + 2
        if settings.network:
            self.lookahead = max(self.lookahead, NETWORK_DELAY + reach + 2)
        self.context = max(int(np.ceil(settings.context_s * fps)), reach) + 2
        self.block = max(self.lookahead, int(round(4 * fps)))
        self.transitions: list[Transition] = []
        self.flashes: set[int] = set()
        self.last_index = -1

    def run(self, frames: Iterable[tuple[int, np.ndarray]]) -> Iterator[tuple[int, np.ndarray] | Transition]:
        """The events of a frame stream (see the class docstring)."""
        if not self.enabled:
            for index, image in frames:
                self.last_index = index
                yield index, image
            return
        # Flashes are found on the held-back frames (the look-ahead covers their return).
        network = TransNetStream(threads=NETWORK_THREADS) if self.settings.network else None
        shot_end: dict[int, float] = {}  # stream position -> probability that a shot ends there
        history: list[tuple[int, np.ndarray]] = []  # (stream position, thumbnail) before pending
        pending: list[tuple[int, np.ndarray, np.ndarray, int]] = []
        skip_until = -1
        position = 0
        previous: np.ndarray | None = None  # the last frame's 48x27 thumbnail, for its step
        for index, image in frames:
            self.last_index = index
            detail = thumbnail(image)
            pending.append((index, image, detail, position))
            if network is not None:
                small = cv2.resize(detail, THUMB_SIZE, interpolation=cv2.INTER_AREA)
                wanted = previous is None or difference(previous, small) >= self.settings.network_min_level
                _note(shot_end, network.returned, network.push(network_thumbnail(image), wanted)[0])
                previous = small
            position += 1
            if len(pending) >= self.block + self.lookahead:
                if network is not None:  # the windows still running hold probabilities the commit needs
                    _note(shot_end, network.returned, network.wait()[0])
                commit = len(pending) - self.lookahead
                skip_until = yield from self._commit(history, pending, commit, skip_until, shot_end)
                history = (history + [(p[3], p[2]) for p in pending[:commit]])[-self.context :]
                pending = pending[commit:]
                for old in [k for k in shot_end if k < history[0][0]]:
                    del shot_end[old]
        if pending:
            if network is not None:
                _note(shot_end, network.returned, network.finish()[0])
            yield from self._commit(history, pending, len(pending), skip_until, shot_end)

    def _commit(self, history, pending, commit, skip_until, shot_end):
        thumbs = [h[1] for h in history] + [p[2] for p in pending]
        ends = np.array([shot_end.get(pos, np.nan) for pos in [h[0] for h in history] + [p[3] for p in pending]])
        offset = len(history)
        indices = [p[0] for p in pending]
        found = []
        for transition in find_transitions(thumbs, self.fps, self.settings, ends if self.settings.network else None):
            start, end = transition.start - offset, transition.end - offset
            if start < 0 or start >= commit or indices[start] <= skip_until:
                continue
            mapped = Transition(transition.kind, indices[start], indices[min(end, len(indices) - 1)] if end > start else indices[start])
            found.append(mapped)
            skip_until = max(skip_until, mapped.end)
        self.transitions.extend(found)
        levels = [frame_brightness(t) for t in thumbs]
        seen = flash_frames(levels, lambda k, j: same_picture(thumbs[k], thumbs[j]))
        self.flashes.update(indices[k - offset] for k in seen if 0 <= k - offset < commit)
        boundaries = {t.split: t for t in found}
        blends = [(t.start, t.end) for t in found if t.kind == "dissolve"]
        for index, image, _, _ in pending[:commit]:
            if index in boundaries:
                yield boundaries[index]
            if any(s <= index < e for s, e in blends):
                continue
            yield index, image
        return skip_until


def _note(shot_end: dict[int, float], first: int, values: np.ndarray) -> None:
    """Record the network's probabilities of stream positions first, first + 1, ... (`first` is
    the stream's count of frames returned before these)."""
    for offset, value in enumerate(values):
        shot_end[first + offset] = float(value)


class _SegmentAnalysis:
    """Detection and tracking of one sub-shot, chunk by chunk: the motion detector and tracker on
    every frame, the object detector (when there is one) on every `detector_stride`-th frame,
    then both fused (`fusion.fuse`) when the sub-shot ends."""

    def __init__(self, fps: float, width: int, height: int, settings: AnalysisSettings, detector: FrameDetector | None) -> None:
        self.settings = settings
        self.detector = detector
        self.fps = fps
        self.size = (width, height)
        self.tracker = MultiObjectTracker(fps, width, height, settings.tracker)
        self.chunk_length = max(8, int(round(settings.chunk_s * fps)))
        self.stride = max(1, int(round(fps / settings.detections_per_s)))
        self.indices: list[int] = []
        self.images: list[np.ndarray] = []
        self.previous_gray: np.ndarray | None = None
        self.flash_frames: set[int] = set()
        self.sampled: list[tuple[int, Future]] = []  # this chunk's detector runs: (offset, boxes)
        self.jobs: list[Future] = []
        self.pool: ThreadPoolExecutor | None = None
        # The camera is followed on a thread of its own while the frames arrive, and each chunk's
        # moving pixels are found on MOTION_THREADS threads (OpenCV and NumPy release the GIL).
        self.camera_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="camera") if _motion_threads > 1 else None
        self.motion_pool = ThreadPoolExecutor(max_workers=_motion_threads, thread_name_prefix="motion") if _motion_threads > 1 else None
        self.camera = CameraFollower()
        self.camera_steps: list[Future] = []
        self.blobs: dict[int, np.ndarray] = {}
        self.first: int | None = None
        self.passes = PassByFinder(fps)

    def add(self, index: int, image: np.ndarray, flash: bool = False) -> None:
        """Take in one frame; a flash frame gives no motion and no detection (tracks coast across)."""
        self.first = index if self.first is None else self.first
        self.indices.append(index)
        self.images.append(image)
        if self.camera_pool is not None:
            self.camera_steps.append(self.camera_pool.submit(self.camera.add, image))
        else:
            self.camera.add(image)
        if flash:
            self.flash_frames.add(index)
        elif self.detector is not None and (index - self.first) % self.stride == 0:
            # Started at once, on the worker: the detector runs while frames are still decoded.
            self.sampled.append((len(self.images) - 1, self._pool().submit(self.detector.detect, [image])))
        if len(self.images) == self.chunk_length:
            self._process()

    def _process(self) -> None:
        if not self.images:
            return
        images, indices, sampled = self.images, self.indices, self.sampled
        for step in self.camera_steps:
            step.result()  # raises what the camera thread raised
        camera, self.camera, self.camera_steps = self.camera.result(), CameraFollower(), []
        found = detect_chunk(images, self.settings.motion, camera, self.motion_pool)  # meanwhile, the detector runs on the worker
        first_gray = cv2.cvtColor(images[0], cv2.COLOR_RGB2GRAY) if images[0].ndim == 3 else images[0]
        entry = np.eye(3)
        back = None
        if self.previous_gray is not None:
            back = step_homography(self.previous_gray, first_gray)
            entry = np.eye(3) if back is None else np.linalg.inv(back)
        # Frames whose motion from the previous one is unknown: where something covers the picture.
        lost = {offset for offset in found.breaks if indices[offset] not in self.flash_frames}
        if self.previous_gray is not None and back is None and indices[0] not in self.flash_frames:
            lost.add(0)
        for offset, (index, frame_detections) in enumerate(zip(indices, found.detections)):
            self.passes.observe(index, images[offset], offset in lost)
            step = entry if offset == 0 else np.linalg.inv(found.to_first[offset]) @ found.to_first[offset - 1]
            if index in self.flash_frames:
                frame_detections = []  # the light moved, not the things
            self.tracker.step(index, frame_detections, step)
            self.blobs[index] = np.array([d.box.as_list() for d in frame_detections], dtype=np.float64).reshape(-1, 4)
        if self.detector is not None:
            before = self.jobs[-1] if self.jobs else None
            self.jobs.append(self._pool().submit(self._look_around, sampled, before, indices, images, found.detections, lost))
        last = images[-1]
        self.previous_gray = cv2.cvtColor(last, cv2.COLOR_RGB2GRAY) if last.ndim == 3 else last
        self.indices, self.images, self.sampled = [], [], []

    def _pool(self) -> ThreadPoolExecutor:
        """The one worker thread the detector runs on (onnxruntime releases the GIL), beside the
        motion analysis on this thread; its jobs run in the order they were given."""
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="detector")
        return self.pool

    def _look_around(
        self, sampled: list[tuple[int, Future]], before: Future | None, indices: list[int], images: list[np.ndarray], blobs: list[list[Detection]], lost: set[int]
    ) -> list[tuple[int, list[Detection]]]:
        """A chunk's samples: the detector's boxes on every `stride`-th frame (`sampled`: offset in
        the chunk, and the run started when the frame came in), and on the frames around a sample
        where something new and moving appears (a car that crosses the frame in four frames would
        otherwise be seen once), so that it is tracked whole; and on every frame the camera's
        motion was lost on, and the frames either side (something passing close: `pass_by`). Runs
        on the worker."""
        found = {offset: run.result()[0] for offset, run in sampled}
        picked = sorted(found)
        earlier = before.result() if before is not None else []
        previous = earlier[-1][1] if earlier else []
        extra: set[int] = set()
        for offset in picked:
            if any(_new_mover(d, previous, blobs[offset]) for d in found[offset]):
                extra.update(o for o in range(offset - self.stride + 1, offset + self.stride) if 0 <= o < len(indices) and o not in found)
            previous = found[offset]
        extra.update(o for k in lost for o in (k - 1, k, k + 1) if 0 <= o < len(indices) and o not in found)
        if extra:
            found.update(zip(sorted(extra), self.detector.detect([images[o] for o in sorted(extra)])))
        return [(indices[o], found[o]) for o in sorted(found)]

    def finish(self, source_width: int, source_height: int, settings: AnalysisSettings) -> list[ObjectTrack]:
        self._process()
        motion_tracks = self.tracker.finish()
        samples = [sample for job in self.jobs for sample in job.result()]
        if self.pool is not None:
            self.pool.shutdown()
        for pool in (self.camera_pool, self.motion_pool):
            if pool is not None:
                pool.shutdown()
        linked = link_detections(samples, self.tracker.to_reference, self.size[0], self.size[1], self.fps)
        passing: list[PassByObject] = []
        if self.passes.found:
            # A pass-by takes its looks first, so no track is linked through it (a car that became
            # a person for a frame, joined to the next car across the frames between).
            passing, samples = claim_pass_bys(self.passes.found, samples, linked)
            linked = link_detections(samples, self.tracker.to_reference, self.size[0], self.size[1], self.fps)
        objects = fuse(linked, motion_tracks, self.blobs, self.fps, self.stride, settings.fusion, frame_height=self.size[1])
        objects += [p.as_fused() for p in passing]
        return [_to_object(o, self.tracker.zoom_at, source_width, source_height, settings) for o in objects]


def _new_mover(detection: Detection, previous: list[Detection], blobs: list[Detection]) -> bool:
    """Whether a detection is of something that was not at the last sample and is moving now:
    a sounding class (by its group), over a motion blob covering much of it, and no box of its
    group overlapping it at the last sample."""
    labels = coco_labels()
    group = labels.group_of(detection.label or "")
    if group not in labels.groups or detection.score < NEW_MOVER_SCORE:
        return False
    box = detection.box
    if not any(box.iou(b.box) > 0 and _overlap(b.box, box) >= NEW_MOVER_COVER * box.area for b in blobs):
        return False
    return not any(labels.group_of(p.label or "") == group and p.box.iou(box) >= 0.3 for p in previous)


def _overlap(a: Box, b: Box) -> float:
    return max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))


def _to_object(fused: FusedObject, zoom_at: Callable[[int], float], width: int, height: int, settings: AnalysisSettings) -> ObjectTrack:
    zoom = np.array([zoom_at(int(f)) for f in fused.frames])
    distances = distances_from_boxes(fused.boxes, fused.label, width, height, settings.hfov_deg, zoom=zoom)
    frames = []
    for frame, box, observed, distance in zip(fused.frames, fused.boxes, fused.observed, distances):
        x0, y0, x1, y1 = (float(v) for v in np.clip(box, 0.0, 1.0))
        frames.append(
            quantized(
                TrackedFrame(
                    frame=int(frame),
                    box=Box(x0, y0, max(x0, x1), max(y0, y1)),
                    confidence=fused.confidence if observed else fused.confidence * 0.5,
                    distance_m=float(distance),
                )
            )
        )
    return ObjectTrack(id="O0", label=fused.label, source=fused.source, frames=tuple(frames), mover=fused.mover, confidence=fused.confidence, evidence=fused.evidence)
