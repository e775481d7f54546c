"""A client of the model worker: starts `python -m foley_assistant.model.worker` as a separate
process and talks to it over its stdin/stdout (see `protocol`). No torch here."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from foley_assistant.core.errors import Cancelled, FoleyError
from foley_assistant.core.progress import CancelToken
from foley_assistant.generators.neural.protocol import decode, encode

START_TIMEOUT_S = 300.0


class WorkerError(FoleyError):
    """The worker could not start, stopped, or could not do what was asked."""

    def __init__(self, message: str, kind: str = "internal") -> None:
        super().__init__(message)
        self.kind = kind


class WorkerClient:
    """One worker process. Use as a context manager, or call `close()`."""

    def __init__(self, model_dir: str | os.PathLike[str], device: str = "auto", python: str = sys.executable, start_timeout_s: float = START_TIMEOUT_S) -> None:
        self.model_dir = str(model_dir)
        command = [python, "-m", "foley_assistant.model.worker", "--model", self.model_dir, "--device", device]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr_tail: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._pump_stderr, daemon=True).start()
        self.next_id = 0
        ready = self._next_message(start_timeout_s)
        if ready.get("type") != "ready":
            self.close()
            raise WorkerError(ready.get("error") or f"the model worker did not start: {ready}")
        self.info = ready

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _pump_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr_tail = (self.stderr_tail + [line.rstrip()])[-20:]

    def _next_message(self, timeout_s: float | None) -> dict[str, Any]:
        """The next protocol message; stray lines on the worker's stdout (a library printing) are
        kept with its stderr and skipped."""
        while True:
            try:
                line = self.lines.get(timeout=timeout_s)
            except queue.Empty as exc:
                raise WorkerError(f"the model worker did not answer within {timeout_s:.0f} s") from exc
            if line is None:
                self.process.wait(timeout=10)
                tail = " | ".join(self.stderr_tail[-5:])
                raise WorkerError(f"the model worker stopped (exit code {self.process.returncode}){': ' + tail if tail else ''}")
            try:
                return decode(line)
            except ValueError:
                self.stderr_tail = (self.stderr_tail + [line.rstrip()])[-20:]

    def _send(self, message: dict[str, Any]) -> Any:
        self.next_id += 1
        message = {"id": self.next_id, **message}
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(encode(message))
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerError(f"the model worker is gone ({exc})") from exc
        return self.next_id

    def health(self, timeout_s: float = 30.0) -> dict[str, Any]:
        """The worker's health reply (device, dtype, busy)."""
        ident = self._send({"op": "health"})
        while True:
            message = self._next_message(timeout_s)
            if message.get("id") == ident:
                return message

    def generate(
        self,
        shot: dict[str, Any],
        n_samples: int,
        out_dir: str | os.PathLike[str],
        media: str | None = None,
        targets: list[str] | None = None,
        seed: int = 0,
        steps: int | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        cancel: CancelToken | None = None,
        timeout_s: float = 3600.0,
    ) -> dict[str, np.ndarray]:
        """Stems of one shot (`shot` in the tracks-file form), as {target: (2, n) float32}."""
        request = {"op": "generate", "shot": shot, "n_samples": int(n_samples), "out_dir": str(out_dir), "media": media, "targets": targets, "seed": seed, "steps": steps}
        ident = self._send(request)
        cancel_sent = False
        deadline = time.monotonic() + timeout_s
        while True:
            if cancel is not None and cancel.cancelled and not cancel_sent:
                self._send({"op": "cancel", "target": ident})
                cancel_sent = True
            try:
                message = self._next_message(min(0.2, max(0.01, deadline - time.monotonic())))
            except WorkerError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise
                continue
            if message.get("id") != ident:
                continue
            if message.get("type") == "progress" and on_progress is not None:
                on_progress(int(message["done"]), int(message["total"]))
            elif message.get("type") == "result":
                if message.get("ok"):
                    return {target: np.load(path, allow_pickle=False) for target, path in message["stems"].items()}
                if message.get("error_kind") == "cancelled":
                    raise Cancelled()
                raise WorkerError(str(message.get("error")), str(message.get("error_kind", "internal")))

    def close(self) -> None:
        """Ask the worker to stop, and make sure it does."""
        if self.process.poll() is None:
            try:
                self._send({"op": "shutdown"})
                self.process.wait(timeout=10)
            except (WorkerError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> "WorkerClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def model_is_usable(model_dir: Path) -> str:
    """Why a model folder cannot be used by the worker ("" when it looks usable): checked without
    torch, so that the fallback can be decided before a process is started."""
    import importlib.util

    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("safetensors") is None:
        return "torch and safetensors are not installed (pip install 'foley-assistant[model]')"
    for part in ("codec", "generator"):
        if not (model_dir / part / "weights.safetensors").is_file():
            return f"no trained model in {model_dir} (it needs codec/ and generator/ checkpoints)"
    return ""
