"""Shot boundaries inside one media file: hard cuts and dissolves (fades included).

Every frame is reduced to a thumbnail (`DETAIL_SIZE`, RGB, area-averaged); the boundary tests
work on it halved again (`THUMB_SIZE`), which keeps the picture's layout and colours but not its
noise or fine texture. Differences between thumbnails
are mean absolute differences in 8-bit levels, taken after giving the first thumbnail the second
one's exposure (a least-squares gain per channel), so that a change of lighting is not a change of
shot.

Hard cut between frames i-1 and i. Two kinds of evidence are weighed:
    the picture: d(i-1, i) is at least `cut_min_level` and `cut_ratio` times the typical
    frame-to-frame change around it (the median over +-`context_s`), so a fast pan or a big object
    close to the lens, which change every frame a lot, does not count;
    the network: TransNetV2's probability `p` that the shot ends on frame i-1 (the largest of its
    values on frames i-2..i; see `perception.transnet`), when the caller has it.
The surer the network, the less the picture must show:
    p >= `network_sure`: the step into frame i is at least `network_min_level` and the largest of
        frames i-1..i+1 (the cut goes where the picture changes most, beside the network's peak);
    p >= `network_likely`: the picture test with `likely_ratio` for `cut_ratio` (a cut amid fast
        action, whose typical change is large too);
    p >= `network_floor`: the picture test above, whole;
    below: no cut (without the network the picture test alone decides).
Either way the change must persist: no frame within `return_s`
before the boundary may resemble any frame within `return_s` after it (their difference at least
`persist` x d(i-1, i)). A flash, a flicker, or a car crossing the frame in a few frames brings
the old picture back within a fraction of a second; a cut does not.

Dissolve over frames s..e (s and e are the last frame of the old shot and the first clean frame of
the new one): the frames in between are blends F_j = (1 - a_j) F_s + a_j F_e with a_j = (j - s) /
(e - s). For windows of several lengths (`dissolve_lengths_s`) centred on every frame the test is
    change  = d(F_s, F_e)                   at least `dissolve_min_level` (a real change of picture)
    misfit  = mean_j |F_j - blend_j|         at most `dissolve_fit` x change (it is a blend)
    no step = max_j d(F_j-1, F_j)            at most `dissolve_step` x change (a gradual change).
A pan or a moving object does not look like a blend of the window's ends; a hard cut is not
gradual. A slow camera move can: at thumbnail size a tilt of a pixel or so moves an edge (the
horizon) exactly as a cross-fade between its two positions would. So a candidate must also not be
a camera move: the window's first frame is aligned to its last (an affine map fitted by ECC,
`cv2.findTransformECC`, started from phase correlation's shift) on the finer, grey `DETAIL_SIZE`
image, where such a move spans several pixels; when the alignment leaves less than
`camera_move_residual` of the change, the camera moved and nothing was blended (between two
different shots, alignment leaves about all of it). Among overlapping candidates the largest change wins; of the windows that change the
picture (nearly) as much, the shortest is the blend's extent, and its edges are trimmed to where the
picture actually starts and stops changing.

Sub-shots: a cut starts a new sub-shot at its frame; a dissolve splits at its middle frame, and its
blend frames belong to no sub-shot's tracking (motion there is the blend, not the objects).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

#: Thumbnail (width, height) the boundary tests compare.
THUMB_SIZE = (48, 27)
#: Size (width, height) every frame is reduced to: twice the thumbnail, for the camera-move check.
DETAIL_SIZE = (96, 54)


@dataclass(frozen=True)
class CutSettings:
    """Thresholds of the boundary tests (levels are 8-bit grey levels of mean absolute difference)."""

    cut_min_level: float = 12.0
    cut_ratio: float = 3.0
    likely_ratio: float = 2.0
    persist: float = 0.75
    return_s: float = 0.3
    context_s: float = 0.5
    network: bool = True
    network_sure: float = 0.5
    network_likely: float = 0.2
    network_floor: float = 0.05
    network_min_level: float = 4.0
    dissolve_lengths_s: tuple[float, ...] = (0.4, 0.8, 1.2, 1.6, 2.4)
    dissolve_min_level: float = 14.0
    dissolve_fit: float = 0.22
    dissolve_step: float = 0.35
    camera_move_residual: float = 0.6


@dataclass(frozen=True)
class Transition:
    """A boundary between two shots: a hard cut at `start` (`end` = `start`), or a dissolve whose
    blend frames are start..end-1 (the old shot's last clean frame is start-1, the new shot's
    first clean frame is end)."""

    kind: str
    start: int
    end: int

    @property
    def split(self) -> int:
        """First frame of the new sub-shot."""
        return self.start if self.kind == "cut" else (self.start + self.end) // 2


@dataclass(frozen=True)
class SubShot:
    """A run of frames [start, end) between boundaries, and the part of it to track [clean_start,
    clean_end) (without dissolve blend frames)."""

    start: int
    end: int
    clean_start: int
    clean_end: int
    transition_in: str  # "start" (of the file or range), "cut" or "dissolve"


def thumbnail(frame: np.ndarray) -> np.ndarray:
    """The float32 RGB `DETAIL_SIZE` image of a frame that `find_transitions` takes."""
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    return cv2.resize(frame, DETAIL_SIZE, interpolation=cv2.INTER_AREA).astype(np.float32)


def camera_moved(first: np.ndarray, last: np.ndarray, max_residual: float) -> bool:
    """Whether two detail images (RGB float32) differ by a camera move: after aligning `first` to
    `last` with an affine map, the mean absolute grey difference left is under `max_residual` of
    the difference before (over the pixels both cover). False when the alignment fails."""
    a = cv2.cvtColor(first, cv2.COLOR_RGB2GRAY)
    b = cv2.cvtColor(last, cv2.COLOR_RGB2GRAY)
    (dx, dy), _ = cv2.phaseCorrelate(a, b)
    warp = np.array([[1.0, 0.0, -dx], [0.0, 1.0, -dy]], dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4)
    try:
        _, warp = cv2.findTransformECC(b, a, warp, cv2.MOTION_AFFINE, criteria, None, 3)
    except cv2.error:  # no texture to align (a fade to black) or no convergence
        return False
    height, width = a.shape
    moved = cv2.warpAffine(a, warp, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT, borderValue=float("nan"))
    both = ~np.isnan(moved)
    margin = 3
    both[:margin], both[-margin:], both[:, :margin], both[:, -margin:] = False, False, False, False
    if both.sum() < 0.25 * both.size:
        return False
    before = float(np.mean(np.abs(a[both] - b[both])))
    return before > 0 and float(np.mean(np.abs(moved[both] - b[both]))) < max_residual * before


def _gain_matched(reference: np.ndarray, current: np.ndarray) -> np.ndarray:
    """`reference` scaled per channel (least squares) to `current`'s exposure, gains kept in 0.5..2."""
    ref = reference.reshape(-1, 3)
    cur = current.reshape(-1, 3)
    gain = np.sum(ref * cur, axis=0) / np.maximum(np.sum(ref * ref, axis=0), 1e-6)
    return reference * np.clip(gain, 0.5, 2.0)


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two thumbnails in 8-bit levels, after matching a's exposure to b's."""
    return float(np.mean(np.abs(_gain_matched(a, b) - b)))


def find_transitions(
    thumbs: Sequence[np.ndarray] | np.ndarray,
    fps: float,
    settings: CutSettings | None = None,
    shot_end: np.ndarray | None = None,
) -> list[Transition]:
    """Cuts and dissolves in a run of `thumbnail`s (index = frame offset in the run), in order.

    `shot_end`, when given, is TransNetV2's probability per frame that its shot ends on it (same
    indexing; NaN where unknown); without it hard cuts are found from the picture alone."""
    settings = settings or CutSettings()
    details = list(thumbs)
    n = len(details)
    if n < 2:
        return []
    small = np.asarray([cv2.resize(d, THUMB_SIZE, interpolation=cv2.INTER_AREA) for d in details], dtype=np.float32)
    steps = np.array([0.0] + [difference(small[i - 1], small[i]) for i in range(1, n)])
    cuts = _hard_cuts(small, steps, fps, settings, shot_end)
    dissolves = _dissolves(small, details, steps, cuts, fps, settings)
    return sorted(cuts + dissolves, key=lambda t: t.start)


def _hard_cuts(thumbs: np.ndarray, steps: np.ndarray, fps: float, settings: CutSettings, shot_end: np.ndarray | None) -> list[Transition]:
    n = len(thumbs)
    context = max(2, int(round(settings.context_s * fps)))
    reach = max(2, int(round(settings.return_s * fps)))
    ends = np.zeros(n) if shot_end is None else np.nan_to_num(np.asarray(shot_end, dtype=np.float64), nan=0.0)
    found: list[Transition] = []
    for i in range(1, n):
        if not _accepted(steps, ends if shot_end is not None else None, i, context, settings):
            continue
        if steps[i] <= 0 or _returns(thumbs, i, reach, settings.persist * steps[i]):
            continue  # the old picture came back: a flash, a flicker or something passing the lens
        if found and i - found[-1].start <= 1:
            if steps[i] <= steps[found[-1].start]:
                continue
            found.pop()  # the same boundary seen one frame apart: keep its larger picture change
        found.append(Transition("cut", i, i))
    return found


def _accepted(steps: np.ndarray, ends: np.ndarray | None, i: int, context: int, settings: CutSettings) -> bool:
    """Whether the evidence for a cut into frame i suffices, before the persistence test: the
    surer the network, the less the picture must show (see the module docstring)."""
    if ends is None:
        return _picture_cut(steps, i, context, settings, settings.cut_ratio)
    network = float(np.max(ends[max(0, i - 2) : i + 1]))  # its peak on the old shot's last frame, +-1
    local_peak = steps[i] >= settings.network_min_level and steps[i] >= float(np.max(steps[i - 1 : i + 2]))
    if network >= settings.network_sure:
        return bool(local_peak)
    if network >= settings.network_likely:
        return _picture_cut(steps, i, context, settings, settings.likely_ratio)
    if network >= settings.network_floor:
        return _picture_cut(steps, i, context, settings, settings.cut_ratio)
    return False  # the picture may have changed a lot, but the network sees no boundary at all


def _picture_cut(steps: np.ndarray, i: int, context: int, settings: CutSettings, ratio: float) -> bool:
    """Whether the step into frame i is large on its own and `ratio` times the steps around it."""
    step = steps[i]
    if step < settings.cut_min_level:
        return False
    around = np.concatenate([steps[max(1, i - context) : i], steps[i + 1 : i + 1 + context]])
    typical = float(np.median(around)) if len(around) else 0.0
    return step >= ratio * typical


def _returns(thumbs: np.ndarray, i: int, reach: int, level: float) -> bool:
    """Whether some frame of the `reach` frames before frame i differs from some frame of the
    `reach` frames from i on by less than `level` (the picture before the boundary came back, or
    the picture after it was there already)."""
    before = range(i - 1, max(-1, i - 1 - reach), -1)
    after = range(i, min(len(thumbs), i + reach))
    return any(difference(thumbs[a], thumbs[b]) < level for a in before for b in after)


def _dissolves(thumbs: np.ndarray, details: list[np.ndarray], steps: np.ndarray, cuts: list[Transition], fps: float, settings: CutSettings) -> list[Transition]:
    n = len(thumbs)
    cut_frames = np.array([c.start for c in cuts])
    candidates: list[tuple[float, int, int]] = []
    for seconds in settings.dissolve_lengths_s:
        length = max(4, int(round(seconds * fps)))
        for s in range(0, n - length):
            e = s + length
            if len(cut_frames) and np.any((cut_frames > s) & (cut_frames <= e)):
                continue
            change = difference(thumbs[s], thumbs[e])
            if change < settings.dissolve_min_level:
                continue
            if float(np.max(steps[s + 1 : e + 1])) > settings.dissolve_step * change:
                continue
            interior = np.unique(np.linspace(s + 1, e - 1, 5).round().astype(int))
            alphas = ((interior - s) / length)[:, None, None, None]
            blends = (1 - alphas) * thumbs[s] + alphas * thumbs[e]
            misfit = float(np.mean(np.abs(thumbs[interior] - blends)))
            if misfit > settings.dissolve_fit * change:
                continue
            candidates.append((change, s, e))
    chosen: list[tuple[int, int]] = []
    remaining = sorted(candidates, reverse=True)
    while remaining:
        best, s, e = remaining[0]
        # Windows reaching past the blend into the shots change the picture no more than the
        # blend itself: the shortest window (nearly) as big a change is the blend's extent.
        rivals = [c for c in remaining if c[1] < e and s < c[2] and c[0] >= 0.9 * best]
        _, s, e = min(rivals, key=lambda c: (c[2] - c[1], -c[0]))
        remaining = [c for c in remaining if not (c[1] < e and s < c[2]) and not any(c[1] < ce and cs < c[2] for cs, ce in chosen)]
        remaining = [c for c in remaining if not (c[1] <= s <= c[2] or c[1] <= e <= c[2])]
        if camera_moved(details[s], details[e], settings.camera_move_residual):
            continue  # the overlapping windows went with it: they see the same camera move
        chosen.append(_trimmed(steps, s, e, settings))
    return [Transition("dissolve", s + 1, e) for s, e in sorted(chosen)]


def _trimmed(steps: np.ndarray, s: int, e: int, settings: CutSettings) -> tuple[int, int]:
    """Shrink a dissolve window to where the picture actually changes (the blend's own edges)."""
    inside = steps[s + 1 : e + 1]
    level = 0.35 * float(np.median(inside))
    active = np.flatnonzero(inside > level)
    if not len(active):
        return s, e
    return s + int(active[0]), s + int(active[-1]) + 1


def sub_shots(transitions: Sequence[Transition], start: int, end: int) -> list[SubShot]:
    """Split frames [start, end) at the transitions (frame numbers in the same count)."""
    shots: list[SubShot] = []
    begin, clean_begin, kind = start, start, "start"
    for transition in transitions:
        split = transition.split
        if not start < split < end:
            continue
        clean_end = transition.start if transition.kind == "dissolve" else split
        shots.append(SubShot(begin, split, clean_begin, max(clean_begin, clean_end), kind))
        begin, kind = split, transition.kind
        clean_begin = transition.end if transition.kind == "dissolve" else split
    shots.append(SubShot(begin, end, min(clean_begin, end), end, kind))
    return shots
