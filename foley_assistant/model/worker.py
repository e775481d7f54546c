"""The local GPU worker (`foley-assistant serve`): loads a model once, then answers the JSON-lines
protocol of `generators.neural.protocol` on stdin/stdout.

The main thread reads requests; generate requests run one at a time on a job thread, so health
checks and cancels are answered while a shot is being generated. Logging goes to stderr; stdout
carries protocol lines only.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Mapping, Sequence, TextIO

import numpy as np

from foley_assistant.core.errors import Cancelled, FoleyError
from foley_assistant.core.progress import CancelToken
from foley_assistant.core.safe_paths import safe_file_part
from foley_assistant.core.tracks import ShotTracks, TracksDocument
from foley_assistant.generators.neural.protocol import PRECISION_ENV, PRECISIONS, STEPS_ENV, encode
from foley_assistant.io.atomic import atomic_path

log = logging.getLogger(__name__)
#: The longest sound one request may ask for: a request is held in memory whole (the model's
#: latents, the stems), so a bound keeps a mistaken or hostile request from taking the machine.
MAX_REQUEST_SAMPLES = 48000 * 60 * 30


def read_shot_frames(media: str, shot: ShotTracks, frame_size: tuple[int, int]) -> np.ndarray:
    """The shot's frames from its media file (PyAV), at the video encoder's size; frames missing at
    the end of the file repeat the last one."""
    from foley_assistant.io.video import read_frames
    from foley_assistant.model.features import resize_frames

    decoded = [image for _, image in read_frames(media, shot.frame_range, analysis_width=max(64, 2 * frame_size[1]), gray=False)]
    if not decoded:
        raise FoleyError(f"no frames of shot {shot.shot_id} could be decoded from {media}")
    decoded += [decoded[-1]] * (shot.frame_range.duration - len(decoded))
    return resize_frames(decoded[: shot.frame_range.duration], frame_size)


def save_stem(path: Path, audio: np.ndarray) -> None:
    """A (2, n) float32 stem as .npy, written atomically, no pickle."""
    with atomic_path(path) as temporary:
        np.save(temporary, np.ascontiguousarray(audio, dtype=np.float32), allow_pickle=False)


class Worker:
    """Protocol handling around one loaded `NeuralModel` (anything with its `generate` signature)."""

    def __init__(self, model: Any, model_dir: str, out: TextIO) -> None:
        self.model = model
        self.model_dir = model_dir
        self.out = out
        self.lock = threading.Lock()
        self.jobs: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.cancels: dict[Any, CancelToken] = {}
        self.busy = False
        self.thread = threading.Thread(target=self._run_jobs, name="generate", daemon=True)

    def send(self, message: dict[str, Any]) -> None:
        with self.lock:
            self.out.write(encode(message))
            self.out.flush()

    def ready(self) -> None:
        steps = self.model.steps or self.model.generator.config.steps
        self.send({"type": "ready", "device": str(self.model.device), "dtype": self.model.dtype_name, "steps": steps, "model": self.model_dir, "sample_rate": self.model.sample_rate})

    def serve(self, lines: TextIO) -> None:
        """Answer requests until shutdown or the end of input."""
        self.thread.start()
        self.ready()
        for line in lines:
            if not line.strip():
                continue
            try:
                message = json.loads(line)
                if not isinstance(message, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                self.send({"id": None, "type": "result", "ok": False, "error_kind": "input", "error": f"unreadable request line ({exc})"})
                continue
            if not self.handle(message):
                break
        for token in list(self.cancels.values()):
            token.cancel()
        self.jobs.put(None)
        self.thread.join(timeout=30)

    def handle(self, message: dict[str, Any]) -> bool:
        """Answer one request; False when the worker should stop."""
        op, ident = message.get("op"), message.get("id")
        if op == "health":
            self.send({"id": ident, "type": "health", "ok": True, "device": str(self.model.device), "dtype": self.model.dtype_name, "busy": self.busy, "model": self.model_dir})
        elif op == "generate":
            self.cancels[ident] = CancelToken()
            self.jobs.put(message)
        elif op == "cancel":
            token = self.cancels.get(message.get("target"))
            if token is not None:
                token.cancel()
            self.send({"id": ident, "type": "cancel", "ok": token is not None})
        elif op == "shutdown":
            self.send({"id": ident, "type": "bye"})
            return False
        else:
            self.send({"id": ident, "type": "result", "ok": False, "error_kind": "input", "error": f"unknown op {op!r}; use health, generate, cancel or shutdown"})
        return True

    def _run_jobs(self) -> None:
        while True:
            message = self.jobs.get()
            if message is None:
                return
            ident = message.get("id")
            self.busy = True
            try:
                reply = self._generate(message, self.cancels[ident])
            except Cancelled:
                reply = {"id": ident, "type": "result", "ok": False, "error_kind": "cancelled", "error": "cancelled"}
            except FoleyError as exc:
                kind = "memory" if type(exc).__name__ == "ModelMemoryError" else "input"
                reply = {"id": ident, "type": "result", "ok": False, "error_kind": kind, "error": str(exc)}
            except Exception as exc:  # noqa: BLE001 - reported to the client, the worker keeps serving
                log.error("generate %s failed:\n%s", ident, traceback.format_exc())
                reply = {"id": ident, "type": "result", "ok": False, "error_kind": "internal", "error": f"{type(exc).__name__}: {exc}"}
            self.busy = False
            self.cancels.pop(ident, None)
            self.send(reply)

    def _generate(self, message: dict[str, Any], cancel: CancelToken) -> dict[str, Any]:
        ident = message.get("id")
        started = time.perf_counter()
        try:
            shot = TracksDocument.from_dict({"schema": "foley_assistant.tracks/1", "shots": [message["shot"]]}).shots[0]
            n_samples = int(message["n_samples"])
            out_dir = Path(message["out_dir"])
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise FoleyError(f"a generate request needs shot, n_samples and out_dir ({exc})") from exc
        if not 0 < n_samples <= MAX_REQUEST_SAMPLES:
            minutes = MAX_REQUEST_SAMPLES / 48000 / 60
            raise FoleyError(f"n_samples must be between 1 and {MAX_REQUEST_SAMPLES} ({minutes:.0f} minutes at 48 kHz), got {n_samples}; split a longer shot")
        cancel.check()
        media = message.get("media")
        frames = None
        if media:
            if not Path(media).is_file():
                raise FoleyError(f"media file not found: {media}")
            frames = read_shot_frames(media, shot, self.model.generator.config.frame_size)

        def progress(done: int, total: int) -> None:
            self.send({"id": ident, "type": "progress", "done": done, "total": total})

        stems = self.model.generate(
            shot,
            frames,
            n_samples,
            message.get("targets"),
            int(message.get("seed", 0)),
            message.get("steps"),
            message.get("cfg_scale"),
            progress,
            cancel,
        )
        paths = {}
        for target, audio in stems.items():
            path = out_dir / f"{safe_file_part(shot.shot_id, 'shot')}_{safe_file_part(str(target), 'target')}.npy"
            save_stem(path, audio)
            paths[target] = str(path)
        return {
            "id": ident,
            "type": "result",
            "ok": True,
            "stems": paths,
            "sample_rate": self.model.sample_rate,
            "seconds": round(time.perf_counter() - started, 4),
            "device": str(self.model.device),
        }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="foley-assistant serve", description="the local model worker (JSON lines on stdin/stdout)")
    parser.add_argument("--model", type=Path, required=True, help="model folder (codec/ and generator/ checkpoints)")
    parser.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cuda, mps or cpu")
    parser.add_argument("--precision", choices=PRECISIONS, default=None, help=f"auto, float32 or bfloat16 (default ${PRECISION_ENV} or auto)")
    parser.add_argument("--steps", type=int, default=None, help=f"default sampler steps (default ${STEPS_ENV} or the model's)")
    return parser


def worker_settings(precision: str | None, steps: int | None, environ: Mapping[str, str] = os.environ) -> tuple[str, int | None]:
    """(precision, default sampler steps) of the worker: the ones given, else $FOLEY_ASSISTANT_NEURAL_PRECISION
    and $FOLEY_ASSISTANT_NEURAL_STEPS (how `generate`, which starts the worker, is told them), else
    auto and the model's own steps. A bad value is refused with what to do."""
    chosen = precision or environ.get(PRECISION_ENV, "").strip() or "auto"
    if chosen not in PRECISIONS:
        raise FoleyError(f"${PRECISION_ENV} is {chosen!r}; use one of {', '.join(PRECISIONS)}")
    if steps is None and environ.get(STEPS_ENV, "").strip():
        text = environ[STEPS_ENV].strip()
        if not text.isdigit():
            raise FoleyError(f"${STEPS_ENV} is {text!r}; give a whole number of sampler steps (e.g. 8)")
        steps = int(text)
    if steps is not None and steps < 1:
        raise FoleyError(f"sampler steps must be at least 1, got {steps}")
    return chosen, steps


def serve(model_dir: Path, device: str = "auto", lines: TextIO = sys.stdin, out: TextIO = sys.stdout, precision: str | None = None, steps: int | None = None) -> int:
    """Load the model and serve until shutdown; returns the exit code (2 when the model cannot load).
    `precision` and `steps` as `worker_settings` takes them."""
    from foley_assistant.model.inference import NeuralModel

    try:
        chosen, default_steps = worker_settings(precision, steps)
        model = NeuralModel.load(model_dir, device, chosen)
        model.steps = default_steps
    except (FoleyError, RuntimeError, ValueError) as exc:
        out.write(encode({"type": "fatal", "error": f"cannot load the model from {model_dir}: {exc}"}))
        out.flush()
        return 2
    Worker(model, str(model_dir), out).serve(lines)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m foley_assistant.model.worker --model DIR`."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="worker %(levelname)s: %(message)s", stream=sys.stderr)
    return serve(args.model, args.device, precision=args.precision, steps=args.steps)


if __name__ == "__main__":
    sys.exit(main())
