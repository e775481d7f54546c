"""Train a small model on synthetic scenes, then measure it against baselines (the GPU run of issue 7).

    PYTHONPATH=. python -u benchmarks/model_gpu.py --out OUT            # about 7.5 minutes on one H100
    PYTHONPATH=. python -u benchmarks/model_gpu.py --out OUT --smoke    # a few minutes on a CPU

Needs torch, numpy, scipy, opencv-python-headless and safetensors; not PyAV, OTIO or soundfile
(scenes are rendered in memory). Steps, all timed and printed as they go:
1. DataLoader workers render synthetic scenes (1-4 objects, procedural sounds placed by the
   spatial renderer) into a pool in memory, for the whole run.
2. The codec trains for --codec-minutes on the pool's sounds (each at a random gain), then the
   generator for --generator-minutes on the pool's items (bf16 on CUDA).
3. On held-out scenes (seeds never trained on): pan r, MAE (degrees), AV-Align and event F1 of the
   per-object stems of (a) the same model untrained, (b) a centre-panned mono baseline, (c) the
   procedural engine, (d) the trained model at 8, the default and 25 sampler steps; and, as a
   diagnostic, the procedural stems through the trained codec and back (the ceiling of what the
   generator can reach through this codec).
4. Inference speed: seconds of 48 kHz stereo per second of compute for an 8 s clip, at 8, the
   default and 25 sampler steps, one stem and every stem of the scene; the default also with the
   sampler's CUDA graphs off; then where the time of one generation goes (features, video
   encoder, sampler, decode).
Writes into OUT (at most 4 files, none in a subfolder, as the GPU machine returns them):
results.md, results.json, run.log (everything printed) and model_and_logs.tar.gz holding model/
(the trained model as float16 safetensors, small enough to ship in resources/model) and logs/ (the
loss logs). --folders also writes model/ and logs/ unpacked. Nothing passes or fails.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import math
import random
import shutil
import statistics
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _source_checkout() -> None:
    """Make the repository importable as it is (no pip install): the package from ROOT, and
    resources/ as foley_assistant.resources, as pyproject.toml maps it when installed."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        importlib.import_module("foley_assistant.resources")
        return
    except ModuleNotFoundError:
        pass
    spec = importlib.util.spec_from_file_location("foley_assistant.resources", ROOT / "resources" / "__init__.py", submodule_search_locations=[str(ROOT / "resources")])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)


_source_checkout()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from foley_assistant.model.checkpoint import export_checkpoint, load_checkpoint  # noqa: E402
from foley_assistant.model.codec import StereoCodec  # noqa: E402
from foley_assistant.model.config import CodecConfig, GeneratorConfig, matched_generator, tiny_codec, tiny_generator  # noqa: E402
from foley_assistant.model.data import SILENT_PEAK, SyntheticItems, collate  # noqa: E402
from foley_assistant.model.device import pick_device  # noqa: E402
from foley_assistant.model.evaluate import centre_mono_engine, evaluate, held_out_examples, markdown_table, procedural_engine  # noqa: E402
from foley_assistant.model.generator import FlowGenerator  # noqa: E402
from foley_assistant.model.inference import NeuralModel, load_codec  # noqa: E402
from foley_assistant.model.train import TrainSettings, train_codec, train_generator  # noqa: E402

STARTED = time.perf_counter()


def say(text: str) -> None:
    print(f"[{time.perf_counter() - STARTED:7.1f} s] {text}", flush=True)


def _worker_init(_: int) -> None:
    import cv2

    cv2.setNumThreads(1)
    torch.set_num_threads(1)


class Pool:
    """Items from the DataLoader, gathered by a background thread; batches are drawn at random
    (the GPU consumes items far faster than CPUs render scenes, so each item is seen many times)."""

    def __init__(self, loader: DataLoader, capacity: int, seed: int) -> None:
        self.items: list[dict[str, Any]] = []
        self.capacity = capacity
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.added = 0
        self.rng = random.Random(seed)
        self.thread = threading.Thread(target=self._fill, args=(iter(loader),), daemon=True)
        self.thread.start()

    def _fill(self, source: Any) -> None:
        for shared in source:
            if self.stop.is_set():
                return
            # own copies: tensors from workers each hold a file descriptor while alive
            item = {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in shared.items()}
            item["audible"] = bool(item["audio"].abs().max() > SILENT_PEAK)
            del shared
            with self.lock:
                if len(self.items) < self.capacity:
                    self.items.append(item)
                else:
                    self.items[self.rng.randrange(self.capacity)] = item
                self.added += 1

    def wait_for(self, count: int, timeout_s: float = 600.0) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.items) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the data workers made only {len(self.items)} items in {timeout_s:.0f} s")
            time.sleep(0.2)

    def batches(self, size: int, audio_only: bool) -> Any:
        """Random batches; the codec's (`audio_only`) skip silent stems, as `data.codec_target` does."""
        while True:
            with self.lock:
                drawn = [self.items[self.rng.randrange(len(self.items))] for _ in range(size * (8 if audio_only else 1))]
            if audio_only:
                drawn.sort(key=lambda item: not item["audible"])  # audible first (a stable sort keeps the draw random)
            chosen = drawn[:size]
            yield {"audio": torch.stack([c["audio"] for c in chosen])} if audio_only else collate(chosen)


def _untrained(codec_config: CodecConfig, generator_config: GeneratorConfig, device: torch.device) -> NeuralModel:
    torch.manual_seed(1234)
    return NeuralModel(StereoCodec(codec_config).to(device).eval(), FlowGenerator(generator_config).to(device).eval(), device)


def _model_engine(model: NeuralModel, steps: int | None) -> Any:
    def engine(example: Any) -> np.ndarray:
        stems = model.generate(example.tracks, example.frames, example.stems.shape[-1], seed=7, steps=steps)
        return np.stack([stems[o.id] for o in example.tracks.objects])

    return engine


def _codec_round_trip(model: NeuralModel) -> Any:
    """The procedural stems through the trained codec and back: the best the generator can do."""
    from foley_assistant.model.inference import decode_latents

    def engine(example: Any) -> np.ndarray:
        with torch.no_grad():
            audio = torch.from_numpy(example.stems).to(model.device)
            return decode_latents(model.codec, model.codec.encode(audio)).float().cpu().numpy()

    return engine


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def measure_speed(model: NeuralModel, example: Any, steps_list: list[int], repeats: int, graphs: bool = True) -> list[dict[str, Any]]:
    """x realtime = audio seconds / compute seconds of `generate` (features from frames at the
    encoder's size, video encoder, sampling, decoding, copy to the host), median of `repeats`
    after a warm-up; `graphs` False runs the sampler's steps eagerly."""
    n = example.stems.shape[-1]
    seconds = n / model.sample_rate
    saved = model.graphs
    if not graphs:
        model.graphs = None
    rows = []
    for steps in steps_list:
        for label, targets in (("1 stem", [example.tracks.objects[0].id]), (f"{len(example.tracks.objects)} stems", None)):
            model.generate(example.tracks, example.frames, n, targets, steps=steps)  # warm-up (and graph capture)
            times = []
            for _ in range(repeats):
                _sync(model.device)
                start = time.perf_counter()
                model.generate(example.tracks, example.frames, n, targets, steps=steps)
                _sync(model.device)
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            stems = len(example.tracks.objects) if targets is None else 1
            mode = "graphs" if model.graphs is not None and model.graphs.failed is None else "eager"
            rows.append(
                {
                    "steps": steps,
                    "stems": stems,
                    "label": label,
                    "sampler": mode,
                    "seconds": median,
                    "x_realtime": seconds / median,
                    "x_realtime_per_stem": stems * seconds / median,
                }
            )
            say(f"speed: {seconds:.0f} s clip, {label}, {steps} steps ({mode}): {median * 1000:.1f} ms -> {seconds / median:.1f}x real time")
    model.graphs = saved
    return rows


def time_breakdown(model: NeuralModel, example: Any, steps: int, repeats: int) -> dict[str, float]:
    """Median milliseconds per stage of one generation of the first object's stem (the device is
    synchronised between stages, so the sum is a little above the plain timing)."""
    n = example.stems.shape[-1]
    target = [example.tracks.objects[0].id]
    model.generate(example.tracks, example.frames, n, target, steps=steps)
    runs: list[dict[str, float]] = []
    for _ in range(repeats):
        timings: dict[str, float] = {}
        model.generate(example.tracks, example.frames, n, target, steps=steps, timings=timings)
        runs.append(timings)
    stages = {stage: 1000 * statistics.median(run[stage] for run in runs) for stage in runs[0]}
    stages["total"] = sum(stages.values())
    say("time of one generation (ms): " + ", ".join(f"{stage} {ms:.1f}" for stage, ms in stages.items()))
    return stages


class _Tee:
    """Writes to a stream and to a log file."""

    def __init__(self, stream: Any, log: Any) -> None:
        self.stream, self.log = stream, log

    def write(self, text: str) -> int:
        self.log.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.log.flush()
        self.stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def pack(out: Path, model_dir: Path, logs: Path) -> Path:
    """OUT/model_and_logs.tar.gz with model/ and logs/ (one file: the GPU machine returns at most 8)."""
    archive = out / "model_and_logs.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(model_dir, arcname="model")
        tar.add(logs, arcname="logs")
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for results.md, results.json, run.log and model_and_logs.tar.gz")
    parser.add_argument("--smoke", action="store_true", help="tiny model, a few steps, on whatever device: checks that the run works")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--workers", type=int, default=None, help="DataLoader workers (default: CPU cores - 1)")
    parser.add_argument("--codec-minutes", type=float, default=2.25)
    parser.add_argument("--generator-minutes", type=float, default=3.75)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--eval-scenes", type=int, default=24)
    parser.add_argument("--eval-seconds", type=float, default=5.0)
    parser.add_argument("--pool", type=int, default=6000, help="items kept in memory")
    parser.add_argument("--work", type=Path, help="folder for the full training checkpoints (default: a temporary folder)")
    parser.add_argument("--folders", action="store_true", help="also write OUT/model/ and OUT/logs/ unpacked")
    parser.add_argument(
        "--from",
        dest="start_from",
        type=Path,
        help="a trained model folder: keep its codec as it is (no codec training) and train its generator further",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "run.log", "w", encoding="utf-8") as log_file:
        sys.stdout, sys.stderr = _Tee(sys.__stdout__, log_file), _Tee(sys.__stderr__, log_file)
        try:
            return run(args)
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__


def run(args: argparse.Namespace) -> int:
    import os

    device = pick_device(args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    workers = args.workers if args.workers is not None else max(1, (os.cpu_count() or 2) - 1)
    if args.smoke:
        codec_config = tiny_codec()
        generator_config = tiny_generator(codec_config)
        codec_settings = TrainSettings(steps=12, learning_rate=3e-3, warmup_steps=2, log_every=4, save_every=10_000)
        generator_settings = TrainSettings(steps=12, learning_rate=1e-3, warmup_steps=2, log_every=4, save_every=10_000)
        batch, pool_size, workers = 4, 64, min(workers, 2)
        eval_scenes, eval_seconds, speed_seconds, repeats = 2, 2.0, 2.0, 1
        steps_list = [2, generator_config.steps]
    else:
        codec_config = CodecConfig()
        generator_config = matched_generator(codec_config, GeneratorConfig())
        # the first GPU run's codec diverged at 2e-3 as its warm-up ended; 1e-3 with the level channel
        codec_settings = TrainSettings(steps=1_000_000, learning_rate=1e-3, warmup_steps=200, log_every=50, save_every=10_000, time_budget_s=60 * args.codec_minutes)
        generator_settings = TrainSettings(steps=1_000_000, learning_rate=5e-4, warmup_steps=200, log_every=50, save_every=10_000, time_budget_s=60 * args.generator_minutes)
        batch, pool_size = args.batch, args.pool
        eval_scenes, eval_seconds, speed_seconds, repeats = args.eval_scenes, args.eval_seconds, 8.0, 5
        steps_list = [8, generator_config.steps, 25]
    if args.start_from is not None:
        codec_config = CodecConfig.from_dict(load_checkpoint(args.start_from / "codec", "codec").config)
        generator_config = GeneratorConfig.from_dict(load_checkpoint(args.start_from / "generator", "generator").config)
    work = args.work or Path(tempfile.mkdtemp(prefix="foley-model-gpu-"))
    model_dir = work / "model"
    for part in ("codec", "generator"):
        if (model_dir / part).exists():
            shutil.rmtree(model_dir / part)
            (model_dir / f"{part}.log.jsonl").unlink(missing_ok=True)

    dataset = SyntheticItems(codec_config, generator_config, first_seed=0)
    loader = DataLoader(dataset, batch_size=None, num_workers=workers, worker_init_fn=_worker_init, prefetch_factor=4)
    pool = Pool(loader, pool_size, seed=0)
    pool.wait_for(batch)
    # asked only now: the data workers are forked before CUDA starts in this process
    hardware = torch.cuda.get_device_name(0) if device.type == "cuda" else f"{device.type} ({os.cpu_count()} cores)"
    say(f"device {device} ({hardware}), torch {torch.__version__}, {workers} data workers, batch {batch}")
    say(f"data: first {len(pool.items)} items ready")

    def log(record: dict[str, Any]) -> None:
        parts = ", ".join(f"{k} {record[k]:.3f}" for k in ("stft", "envelope", "balance") if k in record)
        say(f"{record['kind']} step {record['step']}: loss {record['loss']:.4f}{' (' + parts + ')' if parts else ''} (pool {len(pool.items)}, {pool.added} scenes made)")

    start = None
    if args.start_from is not None:
        shutil.copytree(args.start_from / "codec", model_dir / "codec")
        codec = load_codec(model_dir / "codec", device)
        start = load_checkpoint(args.start_from / "generator", "generator")
        say(f"codec from {args.start_from} (not trained here); generator training continues from its generator")
    else:
        codec = train_codec(model_dir / "codec", codec_config, pool.batches(batch, audio_only=True), codec_settings, device, log=log)
        say("codec trained")
    generator = train_generator(
        model_dir / "generator",
        generator_config,
        codec,
        pool.batches(batch, audio_only=False),
        generator_settings,
        device,
        start=start,
        log=log,
    )
    say(f"generator trained; {pool.added} scenes made in all")
    pool.stop.set()
    del codec, generator

    trained = NeuralModel.load(model_dir, args.device)
    untrained = _untrained(codec_config, generator_config, device)
    examples = held_out_examples(eval_scenes, eval_seconds, generator_config.frame_size, codec_config.sample_rate, codec_config.hop)
    say(f"evaluating on {len(examples)} held-out scenes of {eval_seconds:g} s ({sum(len(e.tracks.objects) for e in examples)} objects)")
    engines = {
        "(a) same model, untrained": _model_engine(untrained, None),
        "(b) centre-panned mono": centre_mono_engine,
        "(c) procedural engine": procedural_engine,
    }
    for steps in steps_list:
        default = " (default)" if steps == generator_config.steps else ""
        engines[f"(d) trained model, {steps} steps{default}"] = _model_engine(trained, steps)
    engines["(c) through the trained codec (ceiling of d)"] = _codec_round_trip(trained)
    results = evaluate(examples, engines)
    table = markdown_table(results)
    print(table, flush=True)
    speed_example = held_out_examples(1, speed_seconds, generator_config.frame_size, codec_config.sample_rate, codec_config.hop)[0]
    speed = measure_speed(trained, speed_example, steps_list, repeats)
    if device.type == "cuda":
        speed += measure_speed(trained, speed_example, [generator_config.steps], repeats, graphs=False)
    breakdown = time_breakdown(trained, speed_example, generator_config.steps, repeats)
    graphs_note = "off (not CUDA)" if trained.graphs is None else ("on" if trained.graphs.failed is None else f"failed, eager: {trained.graphs.failed}")

    shipped = work / "export" / "model"
    for part in ("codec", "generator"):
        export_checkpoint(model_dir / part, shipped / part)
    size_mb = sum(p.stat().st_size for p in shipped.rglob("*") if p.is_file()) / 1e6
    logs = work / "export" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    trained_here = ("generator",) if args.start_from is not None else ("codec", "generator")
    for part in trained_here:
        shutil.copy(model_dir / f"{part}.log.jsonl", logs / f"{part}.log.jsonl")
    archive = pack(args.out, shipped, logs)
    if args.folders:
        for folder in (shipped, logs):
            shutil.copytree(folder, args.out / folder.name, dirs_exist_ok=True)
    losses = {part: [json.loads(line) for line in (logs / f"{part}.log.jsonl").read_text().splitlines()] for part in trained_here}
    summary = {
        "hardware": hardware,
        "torch": torch.__version__,
        "device": str(device),
        "smoke": args.smoke,
        "codec_config": codec_config.to_dict(),
        "generator_config": generator_config.to_dict(),
        "training": {part: {"steps": rows[-1]["step"], "seconds": rows[-1]["seconds"], "first_loss": rows[0]["loss"], "last_loss": rows[-1]["loss"]} for part, rows in losses.items()},
        "scenes_made": pool.added,
        "eval": {
            "scenes": len(examples),
            "seconds_each": eval_seconds,
            "results": {k: {m: (None if isinstance(v, float) and math.isnan(v) else v) for m, v in row.items()} for k, row in results.items()},
        },
        "speed": speed,
        "cuda_graphs": graphs_note,
        "breakdown_ms": breakdown,
        "shipped_model_mb": round(size_mb, 2),
        "archive_mb": round(archive.stat().st_size / 1e6, 2),
        "total_seconds": round(time.perf_counter() - STARTED, 1),
        "command": " ".join([sys.executable, *sys.argv]),
    }
    (args.out / "results.json").write_text(json.dumps(summary, indent=2))
    speed_lines = [f"| steps | stems | sampler | ms per {speed_seconds:g} s clip | x real time | x real time per stem |", "| ---: | ---: | --- | ---: | ---: | ---: |"]
    speed_lines += [f"| {r['steps']} | {r['stems']} | {r['sampler']} | {r['seconds'] * 1000:.1f} | {r['x_realtime']:.1f} | {r['x_realtime_per_stem']:.1f} |" for r in speed]
    train_lines = [f"- {part}: {v['steps']} steps in {v['seconds']:.0f} s, loss {v['first_loss']:.4f} -> {v['last_loss']:.4f}" for part, v in summary["training"].items()]
    if args.start_from is not None:
        train_lines.insert(0, f"- codec: {args.start_from}'s, not trained in this run; the generator continued from its generator")
    stage_line = ", ".join(f"{stage} {ms:.1f}" for stage, ms in breakdown.items())
    markdown = "\n".join(
        [
            f"# Model run ({'smoke' if args.smoke else 'GPU'})",
            "",
            f"Hardware: {hardware}; torch {torch.__version__}; {workers} data workers; total {summary['total_seconds']:.0f} s; {pool.added} training scenes rendered.",
            f"Command: `{summary['command']}`",
            "",
            "Training:",
            *train_lines,
            "",
            f"Held-out synthetic scenes: {len(examples)} x {eval_seconds:g} s, per-object stems.",
            "",
            table,
            "",
            f"Inference speed ({speed_seconds:g} s clip, seconds of 48 kHz stereo per second of compute; CUDA graphs {graphs_note}):",
            "",
            *speed_lines,
            "",
            f"One generation ({generator_config.steps} steps, 1 stem, device synchronised between stages), ms: {stage_line}.",
            "",
            f"Shipped model (float16 safetensors): {size_mb:.1f} MB, in {archive.name} ({summary['archive_mb']:.1f} MB) with the loss logs.",
            "",
        ]
    )
    (args.out / "results.md").write_text(markdown)
    say(f"wrote {args.out / 'results.md'}, results.json, run.log and {archive.name} ({summary['archive_mb']:.1f} MB) in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
