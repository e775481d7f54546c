"""Shot-boundary probabilities from TransNetV2, the shipped ONNX network (`transnetv2`).

The network reads 100 consecutive frames as 48x27 RGB thumbnails and gives, per frame, the
probability that a shot ends on it (`single`: the last frame of the old shot) and the probability
that the frame lies inside a transition (`many`: every frame of a dissolve). As its authors run it,
a clip is padded with 25 copies of its first frame before and copies of its last frame after (up
to a multiple of 50), windows of 100 frames are taken every 50, and of each window only the middle
50 frames are kept (each has 25 frames of context either side).

`TransNetStream` does exactly that while frames stream in, holding at most one window of
thumbnails: the probabilities of frames 50k..50k+49 are known once frame 50k+74 has arrived (or
the stream has ended), so the results equal a run over the whole clip at once. Windows run on a
worker thread of their own (onnxruntime releases the GIL), so the caller goes on decoding and
analysing meanwhile; results come back in order.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

import cv2
import numpy as np

from foley_assistant.vision.perception import shipped

MODEL = "transnetv2"
#: The same network with its convolutions in 8 bits (packaging/perception/quantize_models.py):
#: about 2.8x faster on a CPU, probabilities within about 0.01-0.03 of the float model's. The default.
MODEL_INT8 = "transnetv2_int8"
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
    probabilities that have become known since the last call (for the frames after those already
    returned; often none, since windows run in the background), `wait` returns those of every
    window started so far, and `finish` the rest. Frames are numbered from 0 in push order;
    `returned` counts the frames whose probabilities were returned.

    A frame pushed with `wanted=False` needs no answer (the caller will not consult the network
    there: nothing changed enough to be a cut). A window none of whose kept frames, nor the two
    after them, was wanted is not run and gives 0 for its frames; in a calm shot that saves most of
    the network's time."""

    def __init__(self, threads: int = 2, int8: bool = True) -> None:
        self.session = shipped.session(MODEL_INT8 if int8 else MODEL, threads)
        self.window: deque[np.ndarray] = deque(maxlen=WINDOW)
        self.pushed = 0
        self.end = 0  # frames appended after the leading padding: pushed ones and trailing copies
        self.done = 0  # frames whose window was run (or skipped)
        self.returned = 0  # frames whose probabilities were returned
        self.wanted: deque[int] = deque()  # wanted frames at or after `done`
        self.windows_run = 0
        self.windows_skipped = 0
        self._running: deque[tuple[int, Future | None]] = deque()  # (kept frames, the window's run) in order
        self._worker: ThreadPoolExecutor | None = None

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
            self._start(KEEP)
        return self._collect(block=False)

    def wait(self) -> tuple[np.ndarray, np.ndarray]:
        """The probabilities of every window started so far and not yet returned (blocks)."""
        return self._collect(block=True)

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """The probabilities of the frames not yet returned (the end of the stream padded with its
        last frame, as the network's authors do); the worker thread ends."""
        while self.done < self.pushed:
            missing = max(0, self.done + CONTEXT + KEEP - self.end)
            self.window.extend([self.window[-1]] * missing)
            self.end += missing
            self._start(min(KEEP, self.pushed - self.done))
        result = self._collect(block=True)
        if self._worker is not None:
            self._worker.shutdown()
            self._worker = None
        return result

    def _start(self, count: int) -> None:
        """Start the window (when any of its kept frames or the two after them is wanted) that
        gives the probabilities of its next `count` kept frames."""
        while self.wanted and self.wanted[0] < self.done:
            self.wanted.popleft()
        start = self.done
        self.done += count
        if not self.wanted or self.wanted[0] >= start + count + 2:
            self.windows_skipped += 1
            self._running.append((count, None))
            return
        self.windows_run += 1
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="transnet")
        frames = np.stack(self.window)[None]  # a copy: the window moves on meanwhile
        self._running.append((count, self._worker.submit(self.session.run, None, {"frames": frames})))

    def _collect(self, block: bool) -> tuple[np.ndarray, np.ndarray]:
        """The probabilities of the finished windows at the head of the queue, in order (of all
        started ones when `block`)."""
        singles, manys = [], []
        while self._running and (block or self._running[0][1] is None or self._running[0][1].done()):
            count, run = self._running.popleft()
            if run is None:
                singles.append(np.zeros(count))
                manys.append(np.zeros(count))
            else:
                single, many = run.result()
                singles.append(single[0, CONTEXT : CONTEXT + count].astype(np.float64))
                manys.append(many[0, CONTEXT : CONTEXT + count].astype(np.float64))
            self.returned += count
        if not singles:
            return _empty()
        return np.concatenate(singles), np.concatenate(manys)


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(0), np.zeros(0)
