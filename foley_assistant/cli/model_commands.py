"""The neural model's commands: `train`, `serve`, `model-eval`. Parsing only here; torch is
imported by the handlers, when one of these commands runs."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from foley_assistant.core.errors import FoleyError
from foley_assistant.generators.neural.protocol import PRECISION_ENV, PRECISIONS, STEPS_ENV

PRECISION_HELP = f"auto (bf16 on CUDA and on a CPU with AVX-512 BF16 or AMX, where it is 1.5-2x faster; float32 elsewhere), float32 or bfloat16; default ${PRECISION_ENV} or auto"
STEPS_HELP = f"sampler steps of every generation that does not ask for its own (default ${STEPS_ENV} or the model's; fewer is faster, see docs/model.md)"


def add_model_commands(commands: Any) -> None:
    """Add train, serve and model-eval to the CLI's subparsers."""
    train = commands.add_parser("train", help="train the neural model's codec or generator (needs torch)")
    train.add_argument("part", choices=("codec", "generator"), help="what to train (the generator needs the model's codec)")
    train.add_argument("--model", type=Path, required=True, help="model folder; the checkpoint goes to MODEL/codec or MODEL/generator")
    train.add_argument("--steps", type=int, default=2000, help="optimizer steps in total (a resumed run continues to this count)")
    train.add_argument("--batch", type=int, default=16, help="batch size")
    train.add_argument("--workers", type=int, default=2, help="DataLoader worker processes making training scenes")
    train.add_argument("--lr", type=float, default=3e-4, help="peak learning rate")
    train.add_argument("--size", choices=("tiny", "small"), default="small", help="model size for a new model")
    train.add_argument("--resume", action="store_true", help="continue this model's training from its checkpoint")
    train.add_argument("--from", dest="start_from", type=Path, help="fine-tune: start from this other model folder's weights")
    train.add_argument("--videos", type=Path, help="train on this folder of your own videos with sound instead of synthetic scenes")
    train.add_argument("--library", type=Path, help="generator: targets made by the library engine from this folder of your sound effects on synthetic scenes")
    train.add_argument(
        "--image-encoder",
        metavar="PATH|auto",
        help="generator: add a frozen pretrained ResNet-18 visual stream from this local torchvision weights file "
        "(.pth or .safetensors; auto: resnet18-f37072fd.pth in the torch hub cache). Never downloads",
    )
    train.add_argument("--device", default="auto", help="auto, cuda, mps or cpu")
    train.add_argument("--save-every", type=int, default=500, help="write the checkpoint every N steps")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("-q", "--quiet", action="store_true", help="do not print the losses")

    serve = commands.add_parser("serve", help="run the model worker: JSON lines on stdin/stdout (see docs/model.md)")
    serve.add_argument("--model", type=Path, required=True, help="model folder (codec/ and generator/)")
    serve.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cuda, mps or cpu")
    serve.add_argument("--precision", choices=PRECISIONS, default=None, help=PRECISION_HELP)
    serve.add_argument("--steps", type=int, default=None, help=STEPS_HELP)

    evaluate = commands.add_parser("model-eval", help="object-awareness and sync metrics of a model on held-out synthetic scenes")
    evaluate.add_argument("--model", type=Path, required=True, help="model folder")
    evaluate.add_argument("--scenes", type=int, default=8, help="held-out scenes (default 8)")
    evaluate.add_argument("--seconds", type=float, default=4.0, help="length of each scene")
    evaluate.add_argument("--steps", type=int, help="sampler steps (default: the model's)")
    evaluate.add_argument("--device", default="auto")
    evaluate.add_argument("--precision", choices=PRECISIONS, default="auto", help=PRECISION_HELP)
    evaluate.add_argument("--json", action="store_true", help="print JSON")


def _require_torch() -> None:
    """A clear message instead of an import error when the model's dependencies are missing."""
    import importlib.util

    missing = [name for name in ("torch", "safetensors") if importlib.util.find_spec(name) is None]
    if missing:
        raise FoleyError(
            f"the neural model needs {' and '.join(missing)}, which are not installed. Install them with "
            "`pip install torch==2.13.0` (or the build for your GPU), then `pip install 'foley-assistant[model]'`."
        )


def train(args: argparse.Namespace) -> int:
    """Train one part of a model folder."""
    _require_torch()
    from foley_assistant.model.jobs import train_part
    from foley_assistant.model.train import TrainSettings

    settings = TrainSettings(steps=args.steps, learning_rate=args.lr, save_every=args.save_every, seed=args.seed, warmup_steps=min(100, max(1, args.steps // 10)))

    def show(record: dict[str, Any]) -> None:
        if not args.quiet:
            print(json.dumps(record), file=sys.stderr, flush=True)

    folder = train_part(args.part, args.model, settings, args.batch, args.workers, args.size, args.resume, args.start_from, args.device, args.videos, show, args.image_encoder, args.library)
    print(f"{args.part} checkpoint: {folder}   losses: {folder.with_name(folder.name + '.log.jsonl')}")
    return 0


def serve(args: argparse.Namespace) -> int:
    """Run the worker in this process."""
    _require_torch()
    from foley_assistant.model.worker import serve as run_worker

    return run_worker(args.model, args.device, precision=args.precision, steps=args.steps)


def model_eval(args: argparse.Namespace) -> int:
    """Evaluate a model folder against the procedural engine and a centre-panned mono baseline."""
    _require_torch()
    from foley_assistant.model.evaluate import markdown_table
    from foley_assistant.model.jobs import evaluate_model

    results = evaluate_model(args.model, args.scenes, args.seconds, args.device, args.steps, precision=args.precision)
    if args.json:
        print(json.dumps({k: {m: (None if isinstance(v, float) and math.isnan(v) else v) for m, v in row.items()} for k, row in results.items()}, indent=2))
    else:
        print(markdown_table(results))
    return 0
