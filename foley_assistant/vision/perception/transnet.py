"""Shot-boundary probabilities from TransNetV2, the shipped ONNX network (`transnetv2`).

The network reads 100 consecutive frames as 48x27 RGB thumbnails and gives, per frame, the
probability that a shot ends on it (`single`: the last frame of the old shot) and the probability
that the frame lies inside a transition (`many`: every frame of a dissolve). As its authors run it,
a clip is padded with 25 copies of its first frame before and copies of its last frame after (up
to a multiple of 50), windows of 100 frames are taken every 50, and of each window only the middle
50 frames are kept (each has 25 frames of context either side).

`TransNetStream` does exactly that while frames stream in, holding at most one window of
thumbnails: the probabilities of frames 50k..50k+49 are known once frame 50k+74 has arrived (or
the stream has ended), so the results equal a run over the whole clip at once.
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np

from foley_assistant.vision.perception import shipped

MODEL = "transnetv2"
#: The network's input frame size (width, height).
INPUT_SIZE = (48, 27)
WINDOW = 100
CONTEXT = 25
KEEP = 50
#: Frames a stream must receive after a frame before that frame's probabilities are known (at most).
NETWORK_DELAY = CONTEXT + KEEP


def network_thumbnail(frame: np.ndarray) -> np.ndarray:
    """A frame (RGB or grey, any size) as the network's 48x27 RGB uint8 input (area average)."""
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    small = cv2.resize(frame, INPUT_SIZE, interpolation=cv2.INTER_AREA)
    return small if small.dtype == np.uint8 else np.clip(small + 0.5, 0, 255).astype(np.uint8)


class TransNetStream:
    """Per-frame TransNetV2 probabilities of a stream of thumbnails, with bounded memory.

    `push` a 48x27 RGB uint8 thumbnail per frame, in order; each call returns the (single, many)
    probabilities that became known (for the frames after those already returned), and `finish`
    returns the rest. Frames are numbered from 0 in push order.

    A frame pushed with `wanted=False` needs no answer (the caller will not consult the network
    there: nothing changed enough to be a cut). A window none of whose kept frames, nor the two
    after them, was wanted is not run and gives 0 for its frames; in a calm shot that saves most of
    the network's time."""

    def __init__(self, threads: int = 2) -> None:
        self.session = shipped.session(MODEL, threads)
        self.window: deque[np.ndarray] = deque(maxlen=WINDOW)
        self.pushed = 0
        self.end = 0  # frames appended after the leading padding: pushed ones and trailing copies
        self.done = 0  # frames whose probabilities were returned
        self.wanted: deque[int] = deque()  # wanted frames at or after `done`
        self.windows_run = 0
        self.windows_skipped = 0

    def push(self, thumb: np.ndarray, wanted: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Add the next frame's thumbnail; the probabilities now known (possibly none)."""
        if self.pushed == 0:
            self.window.extend([thumb] * CONTEXT)
        if wanted:
            self.wanted.append(self.pushed)
        self.window.append(thumb)
        self.pushed += 1
        self.end += 1
        if self.pushed - self.done == KEEP + CONTEXT:
            return self._run(KEEP)
        return _empty()

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """The probabilities of the frames not yet returned (the end of the stream padded with its
        last frame, as the network's authors do)."""
        singles, manys = [], []
        while self.done < self.pushed:
            missing = max(0, self.done + CONTEXT + KEEP - self.end)
            self.window.extend([self.window[-1]] * missing)
            self.end += missing
            single, many = self._run(min(KEEP, self.pushed - self.done))
            singles.append(single)
            manys.append(many)
        if not singles:
            return _empty()
        return np.concatenate(singles), np.concatenate(manys)

    def _run(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Run the window (when any of its kept frames or the two after them is wanted) and return
        the probabilities of its next `count` kept frames."""
        while self.wanted and self.wanted[0] < self.done:
            self.wanted.popleft()
        start = self.done
        self.done += count
        if not self.wanted or self.wanted[0] >= start + count + 2:
            self.windows_skipped += 1
            return np.zeros(count), np.zeros(count)
        self.windows_run += 1
        single, many = self.session.run(None, {"frames": np.stack(self.window)[None]})
        return single[0, CONTEXT : CONTEXT + count].astype(np.float64), many[0, CONTEXT : CONTEXT + count].astype(np.float64)


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(0), np.zeros(0)
