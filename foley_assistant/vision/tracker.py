"""Multi-object tracking by detection: a Kalman filter per object, Hungarian assignment, camera
motion compensation, partial views and occlusion bridging, then smoothing and gap filling.

Per frame (`MultiObjectTracker.step`):

1. Every live track's Kalman state (and its established size, the running size of its whole
   views) is carried through the camera's move since the previous frame (a homography, see
   `kalman`) and predicted one frame ahead.
2. Merges: a detection covering at least `merge_coverage` of the predicted boxes (cut to the
   picture) of two or more confirmed tracks is one blob of objects that touch or pass each
   other. It is read once per object (`partial.measure`, the others as rivals): each edge of the
   blob goes to the object whose predicted edge it lies closest to. An object seen across in it
   (both its sides are the blob's) is updated; the others coast on their predictions, hidden
   but not missing. No identity can be dragged onto another.
3. Assignment, confirmed tracks first, then tentative ones (a matching cascade): Hungarian
   (scipy's `linear_sum_assignment`) on cost = (1 - IoU) + `appearance_weight` x colour-histogram
   distance (+ `unmeasured_cost` when the detection says nothing of the object's height), where
   every detection is first read as the track's object (`partial.measure`: an edge on the
   picture's border, an edge another object's prediction claims, or the hidden side of a
   detection narrower than the object is not the object's edge, and the box is completed with
   the established size). Pairs are gated by the squared Mahalanobis distance of that box under
   the filter's uncertainty (so a track that has been hidden for a while accepts a detection
   further from its prediction) or by IoU; a detection that says nothing of the object's
   horizontal position is never assigned. Between the two, a second pass (`_recover`) gives
   confirmed tracks left over a detection near where they were last seen.
4. Fragments: an unmatched detection lying mostly inside a track's predicted box (the object cut
   in two by a post in front of it) joins that track's detection before it is read, instead of
   starting a new track.
5. Births: other unmatched detections start tentative tracks, confirmed after `confirm_hits`
   observations in a row. Deaths: a tentative track dies at its first miss; a confirmed one after
   `max_coast_s` unseen (while hidden inside a merged blob it is not unseen), or at once when its
   prediction has left the picture.

A track found again after frames unseen takes its velocity from the way it went meanwhile (its
last observation to this one, in stabilized coordinates) rather than from the filter's coasted
guess, as in OC-SORT's observation-centric re-update; its size stops changing whenever the size
is not measured, so a box that grew as its object came into view does not go on growing behind
an occluder.

`finish` keeps the tracks that are real moving objects: long enough, and moving relative to the
background (travel or steady growth measured in stabilized coordinates, i.e. after undoing the
camera's motion, so background that the camera sweeps past is never an object). Gaps are filled
by interpolation (each of cx, cy, w, h from the frames that measured it) and the boxes smoothed
(Savitzky-Golay), both in stabilized coordinates, and mapped back to the picture; a track seen
long enough that ended hidden inside a merged blob (a car leaving the
picture behind a walker) keeps its predicted boxes to the end of the merge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.signal import savgol_filter

from foley_assistant.vision.boxes import clipped, histogram_distance, inside_fraction, iou_matrix, to_centre, to_corners
from foley_assistant.vision.camera_motion import jacobian
from foley_assistant.vision.kalman import BoxKalman, KalmanNoise
from foley_assistant.vision.motion import Detection
from foley_assistant.vision.partial import Measurement, PartialSettings, measure

#: Chi-square 99 % quantile for 4 degrees of freedom: the Mahalanobis gate of a box [cx, cy, w, h].
CHI2_GATE_4DOF = 13.28
_FORBIDDEN = 1e6


@dataclass(frozen=True)
class TrackerSettings:
    """Tuning of the association and of what counts as a real moving object."""

    max_coast_s: float = 1.2
    confirm_hits: int = 3
    min_track_s: float = 0.4
    min_travel: float = 0.03
    min_growth: float = 0.2
    gate_iou: float = 0.1
    gate_mahalanobis: float = CHI2_GATE_4DOF
    appearance_weight: float = 0.5
    unmeasured_cost: float = 0.5
    recover_distance: float = 1.0
    recover_s: float = 0.2
    recover_appearance: float = 0.5
    merge_coverage: float = 0.5
    fragment_inside: float = 0.5
    appearance_memory: float = 0.85
    size_memory: float = 0.75
    size_shrink_memory: float = 0.95
    smooth_s: float = 0.28
    noise: KalmanNoise = field(default_factory=KalmanNoise)
    partial: PartialSettings = field(default_factory=PartialSettings)


@dataclass(eq=False)
class _Track:
    kalman: BoxKalman
    observations: dict[int, np.ndarray] = field(default_factory=dict)  # frame -> [cx, cy, w, h], completed
    known: dict[int, np.ndarray] = field(default_factory=dict)  # frame -> which of cx, cy, w, h it measured
    hidden: dict[int, np.ndarray] = field(default_factory=dict)  # frame -> predicted box while inside a merged blob
    size: np.ndarray = field(default_factory=lambda: np.full(2, np.nan))  # established (w, h) of whole views
    views: np.ndarray = field(default_factory=lambda: np.zeros(2, dtype=int))  # whole views behind `size`
    fills: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    appearance: np.ndarray | None = None
    misses: int = 0
    streak: int = 1
    confirmed: bool = False
    last_seen: int = 0

    def predicted(self) -> np.ndarray:
        """The predicted [cx, cy, w, h], with the established size where there is one."""
        box = self.kalman.box
        known = np.isfinite(self.size)
        box[2:4][known] = self.size[known]
        return box

    def learn(self, frame: int, measurement: Measurement, detected: np.ndarray, detection: Detection, settings: TrackerSettings, clean: bool) -> None:
        """Take in a measurement: the filter, the completed box, the size of whole views, and (for
        a clean, whole view) the colours."""
        trusted = measurement.measured & ~np.tile(measurement.sliver, 2)  # a sliver's other axis is not kept
        self.kalman.update(measurement.box, trusted)
        if not trusted[2:].all():
            self.kalman.hold_size()
        self.observations[frame] = measurement.box
        self.known[frame] = np.tile(trusted[:2], 2)  # an axis with an edge of its own
        extent = detected[2:4] - detected[0:2]
        for axis in (0, 1) if not measurement.hidden_part else ():
            settled = self.views[axis] >= settings.partial.settled_views
            if measurement.whole[axis]:
                self.views[axis] += 1
            if not np.isfinite(self.size[axis]):
                if measurement.whole[axis]:
                    self.size[axis] = extent[axis]
            elif extent[axis] > self.size[axis] and (measurement.whole[axis] or (measurement.at_least[axis] and not settled)):
                # More of it shows than its size says (it was first seen in part): grow quickly,
                # and while it grows fast its size is not settled.
                step = (1 - settings.size_memory) * (extent[axis] - self.size[axis])
                if step > 0.05 * self.size[axis]:
                    self.views[axis] = 0
                self.size[axis] += step
            elif measurement.whole[axis]:
                # A smaller whole view is often a part that did not show (legs in the dark):
                # shrink slowly, as a receding object does.
                self.size[axis] += (1 - settings.size_shrink_memory) * (extent[axis] - self.size[axis])
        self.fills.append(detection.fill)
        if detection.label:
            self.labels.append(detection.label)
        if clean and measurement.whole.all() and detection.appearance is not None:
            memory = settings.appearance_memory
            self.appearance = detection.appearance if self.appearance is None else memory * self.appearance + (1 - memory) * detection.appearance
        self.misses = 0
        self.last_seen = frame


@dataclass(frozen=True)
class TrackedBoxes:
    """A finished track: one box per frame from its first to its last observed frame.

    `boxes` are normalized [x0, y0, x1, y1]; `observed` says which frames had a detection (the
    rest were filled); `labels` are the detector's labels of its detections (empty without one);
    `zoom` is, per frame, the camera's focal length relative to the sub-shot's first frame (from
    the camera-motion homographies: > 1 after zooming in)."""

    frames: np.ndarray
    boxes: np.ndarray
    observed: np.ndarray
    mean_fill: float
    labels: tuple[str, ...] = ()
    zoom: np.ndarray | None = None


class MultiObjectTracker:
    """Feed detections frame by frame with `step`; collect finished tracks with `finish`.

    Boxes inside are in pixels of a `width` x `height` analysis frame; detections and results
    are normalized."""

    def __init__(self, fps: float, width: int, height: int, settings: TrackerSettings | None = None) -> None:
        self.settings = settings or TrackerSettings()
        self.fps = fps
        self.size = np.array([width, height, width, height], dtype=np.float64)
        self.picture = (float(width), float(height))
        self.max_coast = max(1, int(round(self.settings.max_coast_s * fps)))
        self.recover_frames = max(1, int(round(self.settings.recover_s * fps)))
        self._live: list[_Track] = []
        self._ended: list[_Track] = []
        self._to_reference: dict[int, np.ndarray] = {}
        self._last_frame: int | None = None

    # --- per frame ------------------------------------------------------------------------------

    def step(self, frame: int, detections: list[Detection], camera_step: np.ndarray | None = None) -> None:
        """Associate one frame's detections with the live tracks.

        `camera_step` is the homography from the previous frame's pixels to this frame's (None or
        the identity for a still camera)."""
        step = np.eye(3) if camera_step is None else np.asarray(camera_step, dtype=np.float64)
        self._advance_reference(frame, step)
        moving_camera = not np.allclose(step, np.eye(3), atol=1e-9)
        elapsed = 1 if self._last_frame is None else max(1, frame - self._last_frame)
        for track in self._live:
            if moving_camera:
                scale = np.abs(np.diag(jacobian(step, track.kalman.x[0], track.kalman.x[1])[1]))
                track.size = track.size * scale
                track.kalman.compensate(step)
            for _ in range(elapsed):
                track.kalman.predict()
        corners = np.array([d.box.as_list() for d in detections], dtype=np.float64).reshape(-1, 4) * self.size
        used: set[int] = set()
        seen: set = set()
        hidden = self._merges(frame, detections, corners, used, seen)
        waiting = [t for t in self._live if t not in seen and t not in hidden]
        pairs = self._assign([t for t in waiting if t.confirmed], detections, corners, used)
        pairs += self._recover([t for t in waiting if t.confirmed and all(t is not p for p, _ in pairs)], frame, detections, corners, used)
        pairs += self._assign([t for t in waiting if not t.confirmed], detections, corners, used)
        grown = self._gather_fragments(pairs, corners, used)
        for track, index in pairs:
            rivals = self._rivals(track, grown[index])
            self._observe(frame, track, self._read(track, grown[index], rivals), grown[index], detections[index], clean=not rivals)
            seen.add(track)
        for track in self._live:
            if track in seen:
                track.streak += 1
                if track.streak >= self.settings.confirm_hits:
                    track.confirmed = True
                continue
            track.kalman.hold_size()
            if track not in hidden:
                track.misses += 1
                track.streak = 0
        self._retire(frame, seen, hidden)
        for index, detection in enumerate(detections):
            if index not in used:
                self._live.append(self._born(frame, corners[index], detection))
        self._last_frame = frame

    def _advance_reference(self, frame: int, step: np.ndarray) -> None:
        """Keep, per frame, the homography from its pixels to the first frame's (stabilized) pixels."""
        if self._last_frame is None:
            self._to_reference[frame] = np.eye(3)
            return
        previous = self._to_reference[self._last_frame]
        self._to_reference[frame] = previous @ np.linalg.inv(step)

    def _born(self, frame: int, corners: np.ndarray, detection: Detection) -> _Track:
        box = to_centre(corners)[0]
        track = _Track(BoxKalman(box, self.settings.noise))
        track.observations[frame] = box
        bx, by = (self.settings.partial.border(length) for length in self.picture)
        if corners[0] > bx and corners[1] > by and corners[2] < self.picture[0] - bx and corners[3] < self.picture[1] - by:
            track.size = corners[2:4] - corners[0:2]
            track.views[:] = 1
        track.fills.append(detection.fill)
        if detection.label:
            track.labels.append(detection.label)
        track.appearance = detection.appearance
        track.last_seen = frame
        return track

    def _read(self, track: _Track, detected: np.ndarray, rivals: list[_Track]) -> Measurement:
        """A detection (corners) read as this track's object, other tracks' predictions as rivals."""
        rival_boxes = to_corners(np.array([r.predicted() for r in rivals])) if rivals else np.zeros((0, 4))
        settled = track.views >= self.settings.partial.settled_views
        return measure(detected, to_corners(track.predicted())[0], track.size, settled, self.picture, rival_boxes, track.kalman.spread, self.settings.partial)

    def _rivals(self, track: _Track, detected: np.ndarray) -> list[_Track]:
        """Other confirmed tracks whose predicted boxes overlap a detection (corners)."""
        others = [t for t in self._live if t.confirmed and t is not track]
        if not others:
            return []
        overlap = inside_fraction(to_corners(np.array([t.predicted() for t in others])), detected[None, :])[:, 0]
        return [t for t, share in zip(others, overlap) if share > 0.05]

    def _observe(self, frame: int, track: _Track, measurement: Measurement, detected: np.ndarray, detection: Detection, clean: bool) -> None:
        gap = frame - track.last_seen
        trusted = measurement.measured[:2] & ~measurement.sliver
        if gap >= 2 and track.last_seen in track.observations and trusted.any():
            # Found again after frames unseen: the velocity is the way it actually went meanwhile.
            last = track.observations[track.last_seen][:2]
            to_here = np.linalg.inv(self._to_reference[frame]) @ self._to_reference.get(track.last_seen, np.eye(3))
            where = to_here @ np.array([last[0], last[1], 1.0])
            velocity = (measurement.box[:2] - where[:2] / where[2]) / gap
            track.kalman.set_velocity(velocity, trusted)
        track.learn(frame, measurement, detected, detection, self.settings, clean)

    def _merges(self, frame: int, detections: list[Detection], corners: np.ndarray, used: set[int], seen: set) -> set:
        """Detections that hold two or more confirmed tracks: each reads its own part of the blob."""
        confirmed = [t for t in self._live if t.confirmed]
        hidden: set = set()
        if len(confirmed) < 2 or not len(corners):
            return hidden
        predicted = clipped(to_corners(np.array([t.predicted() for t in confirmed])), *self.picture)
        covered = inside_fraction(predicted, corners) >= self.settings.merge_coverage
        covered &= ((predicted[:, 2] - predicted[:, 0]) * (predicted[:, 3] - predicted[:, 1]) > 0)[:, None]
        for col in np.flatnonzero(covered.sum(axis=0) >= 2):
            group = [confirmed[row] for row in np.flatnonzero(covered[:, col])]
            readings = [(track, self._read(track, corners[col], [t for t in group if t is not track])) for track in group]
            for track, reading in readings:
                if reading.measured[2]:  # seen across (both sides), not only one edge of a blob
                    self._observe(frame, track, reading, corners[col], detections[col], clean=False)
                    seen.add(track)
                else:
                    track.hidden[frame] = track.predicted()
                    hidden.add(track)
            used.add(int(col))
        return hidden

    def _assign(self, tracks: list[_Track], detections: list[Detection], corners: np.ndarray, used: set[int]) -> list[tuple[_Track, int]]:
        """Hungarian assignment of free detections to tracks; returns the (track, detection) pairs."""
        free = [i for i in range(len(detections)) if i not in used]
        if not tracks or not free:
            return []
        settings = self.settings
        predicted = to_corners(np.array([t.predicted() for t in tracks]))
        iou = iou_matrix(predicted, corners[free])
        cost = np.full((len(tracks), len(free)), _FORBIDDEN)
        for row, track in enumerate(tracks):
            for col, index in enumerate(free):
                reading = self._read(track, corners[index], self._rivals(track, corners[index]))
                if not reading.measured[0]:
                    continue  # says nothing about where across the picture the object is
                distance = float(track.kalman.mahalanobis(reading.box[None, :])[0])
                if distance > settings.gate_mahalanobis and iou[row, col] < settings.gate_iou:
                    continue
                completed = iou_matrix(to_corners(reading.box), predicted[row : row + 1])[0, 0]
                appearance = histogram_distance(track.appearance, detections[index].appearance)
                # A box completed from the prediction fits it by construction: what the
                # detection did not measure (the y of a blob whose top and bottom belong to
                # another object) counts against the pair.
                unmeasured = settings.unmeasured_cost * float(not reading.measured[1])
                cost[row, col] = (1.0 - completed) + settings.appearance_weight * appearance + 0.02 * min(distance, 50.0) + unmeasured
        return _assigned(cost, tracks, free, used)

    def _recover(self, tracks: list[_Track], frame: int, detections: list[Detection], corners: np.ndarray, used: set[int]) -> list[tuple[_Track, int]]:
        """A second chance for confirmed tracks the first pass left unmatched (as in ByteTrack's
        second association): a detection of the object's size and colours within
        `recover_distance` sizes of where it was last seen (at most `recover_s` ago), rather than
        of where the motion model expected it, is the object that changed course (a ball that
        bounced, a car that braked)."""
        free = [i for i in range(len(detections)) if i not in used]
        if not tracks or not free:
            return []
        settings = self.settings
        found = to_centre(corners[free])
        cost = np.full((len(tracks), len(free)), _FORBIDDEN)
        for row, track in enumerate(tracks):
            if track.last_seen not in track.observations or frame - track.last_seen > self.recover_frames:
                continue
            last = track.observations[track.last_seen]
            to_here = np.linalg.inv(self._to_reference[frame]) @ self._to_reference.get(track.last_seen, np.eye(3))
            where = to_here @ np.array([last[0], last[1], 1.0])
            size = np.where(np.isfinite(track.size), track.size, last[2:4])
            for col, index in enumerate(free):
                ratio = found[col, 2:4] / np.maximum(size, 1.0)
                if np.any(ratio < 0.6) or np.any(ratio > 1.6):
                    continue
                offset = float(np.linalg.norm((found[col, :2] - where[:2] / where[2]) / np.maximum(size, 1.0)))
                appearance = histogram_distance(track.appearance, detections[index].appearance)
                if offset <= settings.recover_distance and appearance <= settings.recover_appearance:
                    cost[row, col] = offset + appearance
        return _assigned(cost, tracks, free, used)

    def _gather_fragments(self, pairs: list[tuple[_Track, int]], corners: np.ndarray, used: set[int]) -> dict[int, np.ndarray]:
        """Each matched detection's box grown by the unmatched pieces lying mostly inside its
        track's predicted box (an object cut in two by a post, or whose middle did not show), as
        long as the union stays about the object's size. Pieces inside the predicted box of an
        unmatched confirmed track are set aside too: they start no new track."""
        boxes = {index: corners[index].copy() for _, index in pairs}
        free = [i for i in range(len(corners)) if i not in used]
        owners = [t for t in self._live if t.confirmed or any(t is p for p, _ in pairs)]
        if not free or not owners:
            return boxes
        matched = {id(track): index for track, index in pairs}
        predicted = to_corners(np.array([t.predicted() for t in owners]))
        inside = inside_fraction(corners[free], predicted)
        for col, index in enumerate(free):
            row = int(np.argmax(inside[col]))
            if inside[col, row] < self.settings.fragment_inside:
                continue
            track = owners[row]
            if not track.confirmed and id(track) not in matched:
                continue
            used.add(index)
            if id(track) in matched:
                own = boxes[matched[id(track)]]
                union = np.concatenate([np.minimum(own[:2], corners[index][:2]), np.maximum(own[2:], corners[index][2:])])
                limit = 1.3 * predicted[row, 2:4] - 1.3 * predicted[row, 0:2] + 2.0  # not outgrowing the object
                if np.all(union[2:] - union[:2] <= limit):
                    boxes[matched[id(track)]] = union
        return boxes

    def _retire(self, frame: int, seen: set, hidden: set) -> None:
        still = []
        for track in self._live:
            box = clipped(to_corners(track.predicted()), *self.picture)[0]
            gone = box[2] <= box[0] or box[3] <= box[1]  # wholly outside the picture
            centre = track.kalman.box[:2]
            outside = centre[0] < 0 or centre[1] < 0 or centre[0] > self.size[0] or centre[1] > self.size[1]
            unseen = track not in seen and track not in hidden
            # A prediction that left the picture is retired at once, unless the object was seen
            # moments ago: a ball bouncing at the frame's bottom dips out of it for a frame or two
            # and is found again where it went out.
            left = outside and unseen and frame - track.last_seen > self.recover_frames
            dead = (not track.confirmed and track not in seen) or track.misses > self.max_coast or gone or left
            (self._ended if dead else still).append(track)
        self._live = still

    # --- at the end -----------------------------------------------------------------------------

    def finish(self) -> list[TrackedBoxes]:
        """End all tracks and return the ones that are real moving objects, ordered by start."""
        tracks = self._ended + self._live
        self._live, self._ended = [], []
        results = [r for r in (self._finalise(t) for t in tracks if t.confirmed) if r is not None]
        return sorted(results, key=lambda r: (int(r.frames[0]), float(r.boxes[0, 0])))

    def to_reference(self, frame: int) -> np.ndarray:
        """The homography from a stepped frame's pixels to the first frame's (stabilized) pixels."""
        return self._to_reference.get(frame, np.eye(3))

    def _stabilize(self, frame: int, boxes: np.ndarray, inverse: bool = False) -> np.ndarray:
        """[cx, cy, w, h] rows of one frame to stabilized coordinates (or back)."""
        homography = self.to_reference(frame)
        if inverse:
            homography = np.linalg.inv(homography)
        out = boxes.copy()
        for row, box in enumerate(boxes):
            centre, jac = jacobian(homography, box[0], box[1])
            out[row, 0:2] = centre
            out[row, 2:4] = box[2:4] * np.abs(np.diag(jac))
        return out

    def _finalise(self, track: _Track) -> TrackedBoxes | None:
        settings = self.settings
        least = settings.min_track_s * self.fps
        if len(track.observations) < max(settings.confirm_hits, least / 2):
            return None
        last = max(track.observations)
        # A track that ended hidden in a merged blob (it left the picture behind another object)
        # keeps its predicted boxes to the end of the merge, if it was seen long enough to trust.
        tail = {f: box for f, box in track.hidden.items() if f > last} if len(track.observations) >= least else {}
        points = {**track.observations, **tail}
        observed = np.array(sorted(points))
        frames = np.arange(observed[0], observed[-1] + 1)
        if len(frames) < least:
            return None
        stable = np.concatenate([self._stabilize(int(f), points[int(f)][None, :]) for f in observed])
        # Each of cx, cy, w, h is filled in from the frames that measured it: where an axis showed
        # no edge of the object, the prediction that stood in for it is not kept.
        known = np.array([track.known.get(int(f), np.ones(4, dtype=bool)) for f in observed])
        filled = np.stack([np.interp(frames, observed[known[:, k]], stable[known[:, k], k]) if known[:, k].any() else np.interp(frames, observed, stable[:, k]) for k in range(4)], axis=1)
        travel = float(np.max(np.ptp(filled[:, 0:2], axis=0) / self.size[:2]))
        heights = filled[:, 3]
        trend = float(np.polyfit(np.arange(len(heights)), heights, 1)[0]) * len(heights) if len(heights) > 1 else 0.0
        growth = abs(trend) / max(float(np.median(heights)), 1e-6)
        if travel < settings.min_travel and growth < settings.min_growth:
            return None
        window = int(round(settings.smooth_s * self.fps)) | 1
        if len(frames) > window >= 5:
            filled = savgol_filter(filled, window_length=window, polyorder=2, axis=0)
        image = np.concatenate([self._stabilize(int(f), filled[i : i + 1], inverse=True) for i, f in enumerate(frames)])
        corners = to_corners(image) / self.size
        corners = np.clip(corners, 0.0, 1.0)
        zoom = np.array([self.zoom_at(int(f)) for f in frames])
        return TrackedBoxes(frames, corners, np.isin(frames, list(track.observations)), float(np.mean(track.fills)), tuple(track.labels), zoom)

    def zoom_at(self, frame: int) -> float:
        """Focal length of a frame relative to the first frame's: 1 / the local scale of its
        homography to the first frame, at the picture's centre."""
        homography = self._to_reference.get(frame, np.eye(3))
        _, jac = jacobian(homography, self.size[0] / 2, self.size[1] / 2)
        return 1.0 / max(float(np.sqrt(abs(np.linalg.det(jac)))), 1e-6)


def _assigned(cost: np.ndarray, tracks: list[_Track], free: list[int], used: set[int]) -> list[tuple[_Track, int]]:
    """The Hungarian assignment of `cost` (tracks x free detections), without forbidden pairs;
    the detections taken are added to `used`."""
    rows, cols = linear_sum_assignment(cost)
    pairs = []
    for row, col in zip(rows, cols):
        if cost[row, col] < _FORBIDDEN:
            used.add(free[col])
            pairs.append((tracks[row], free[col]))
    return pairs
