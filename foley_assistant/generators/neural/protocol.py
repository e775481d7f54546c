"""The worker protocol: one JSON object per line, requests on the worker's stdin, replies on its stdout.

On start the worker loads the model once and says
    {"type": "ready", "device": "cuda", "dtype": "bfloat16", "steps": 16, "model": DIR, "sample_rate": 48000}
("steps": the sampler steps of a generate request that does not name its own)
or, when it cannot, {"type": "fatal", "error": MESSAGE} and exits.

Requests carry an "id" (chosen by the client) and an "op":
    {"id": 1, "op": "health"}
        -> {"id": 1, "type": "health", "ok": true, "device": ..., "dtype": ..., "busy": false}
    {"id": 2, "op": "generate", "shot": SHOT, "media": PATH or null, "n_samples": N,
     "targets": ["O1", "mix", ...] (default: every object), "out_dir": DIR, "seed": 0,
     "steps": null, "cfg_scale": null}
        SHOT is one shot of the tracks file (CONTRACTS.md). The worker decodes the shot's frames
        from MEDIA itself (none: it works from the tracks alone), then replies
        -> {"id": 2, "type": "progress", "done": k, "total": n}   (any number of times)
        -> {"id": 2, "type": "result", "ok": true, "stems": {"O1": "DIR/O1.npy", ...},
            "sample_rate": 48000, "seconds": 1.2, "device": "cuda"}
        Each stem is a (2, N) float32 .npy file (no pickles), sample 0 = the shot's first frame.
    {"id": 3, "op": "cancel", "target": 2}  -> the running generate 2 ends with a result
        {"ok": false, "error_kind": "cancelled"}; {"id": 3, "type": "cancel", "ok": true}
    {"id": 4, "op": "shutdown"}             -> {"id": 4, "type": "bye"}, then the worker exits.
A failed request gets {"id": ..., "type": "result", "ok": false, "error_kind": KIND, "error": MESSAGE}
with KIND one of "input" (bad request or data), "memory" (out of GPU memory even after retrying
smaller), "cancelled", "internal" (a bug: the message has the exception).
"""

from __future__ import annotations

import json
from typing import Any

PROTOCOL = "foley_assistant.worker/1"
ERROR_KINDS = ("input", "memory", "cancelled", "internal")
#: Precisions the worker runs at (`serve --precision`): "auto" is bf16 on CUDA and on a CPU that
#: computes bf16 natively, float32 elsewhere.
PRECISIONS = ("auto", "float32", "bfloat16")
#: The worker's defaults when `serve` is not given --precision or --steps (so that `generate`,
#: which starts the worker, can be told them).
PRECISION_ENV = "FOLEY_ASSISTANT_NEURAL_PRECISION"
STEPS_ENV = "FOLEY_ASSISTANT_NEURAL_STEPS"


def encode(message: dict[str, Any]) -> str:
    """One message as a line of JSON (with the newline)."""
    return json.dumps(message, separators=(",", ":")) + "\n"


def decode(line: str) -> dict[str, Any]:
    """A line back into a message; a ValueError says what is wrong with it."""
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("a protocol message must be a JSON object")
    return message
