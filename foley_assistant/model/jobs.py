"""The model's jobs as the CLI runs them: train a model folder's codec or generator (from scratch,
resuming, or fine-tuning another model's checkpoint; on synthetic scenes or a folder of the
user's videos), and evaluate a model folder on held-out synthetic scenes."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import torch
from torch.utils.data import DataLoader

from foley_assistant.core.errors import FoleyError
from foley_assistant.model.checkpoint import CheckpointError, load_checkpoint
from foley_assistant.model.config import CodecConfig, GeneratorConfig, matched_generator, tiny_codec, tiny_generator
from foley_assistant.model.data import SyntheticItems, collate
from foley_assistant.model.device import pick_device
from foley_assistant.model.library_targets import LibrarySource, index_library
from foley_assistant.model.train import LogCallback, TrainSettings, train_codec, train_generator

SIZES = ("tiny", "small")


def configs_for(size: str) -> tuple[CodecConfig, GeneratorConfig]:
    """The codec and generator configs of a named size."""
    if size == "tiny":
        codec = tiny_codec()
        return codec, tiny_generator(codec)
    if size == "small":
        codec = CodecConfig()
        return codec, matched_generator(codec, GeneratorConfig())
    raise FoleyError(f"unknown model size {size!r}; choose one of {', '.join(SIZES)}")


def with_image_encoder(config: GeneratorConfig, spec: str) -> GeneratorConfig:
    """The config with the frozen ResNet-18 image stream, its weights file (a path, or "auto": the
    torch hub cache's) located and its sha256 recorded. Never downloads."""
    from foley_assistant.core.digest import file_sha256
    from foley_assistant.model.image_encoder import RESNET18, resolve_weights

    path = resolve_weights(spec)
    return replace(config, image_encoder=RESNET18, image_weights=str(path), image_weights_sha256=file_sha256(path))


def batches(dataset: Any, batch_size: int, workers: int) -> Iterator[dict[str, Any]]:
    """Endless collated batches from an iterable dataset, made by `workers` processes."""
    loader = DataLoader(
        dataset,
        batch_size=batch_size,
        num_workers=workers,
        collate_fn=collate if not getattr(dataset, "audio_only", False) else _collate_audio,
        persistent_workers=workers > 0,
        prefetch_factor=4 if workers > 0 else None,
        pin_memory=torch.cuda.is_available(),
        worker_init_fn=_one_thread,
    )
    return iter(loader)


def _one_thread(_: int) -> None:
    """Each data worker renders with one thread: the workers are the parallelism."""
    import cv2

    cv2.setNumThreads(1)
    torch.set_num_threads(1)


def _collate_audio(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"audio": torch.stack([item["audio"] for item in items])}


def _dataset(codec: CodecConfig, generator: GeneratorConfig, audio_only: bool, videos: Path | None, seed: int, library: LibrarySource | None = None) -> Any:
    if videos is not None:
        from foley_assistant.model.user_videos import VideoFolderItems

        return VideoFolderItems(videos, codec, generator, audio_only)
    return SyntheticItems(codec, generator, first_seed=seed, audio_only=audio_only, library=library)


def train_part(
    kind: str,
    model_dir: Path,
    settings: TrainSettings,
    batch_size: int,
    workers: int,
    size: str = "small",
    resume: bool = False,
    start_from: Path | None = None,
    device: str = "auto",
    videos: Path | None = None,
    log: LogCallback | None = None,
    image_encoder: str | None = None,
    library: Path | None = None,
) -> Path:
    """Train `kind` ("codec" or "generator") of the model folder; returns the checkpoint folder.

    The config comes from the checkpoint being resumed or fine-tuned, else from `size`. The
    generator needs the folder's trained codec. `image_encoder` (a new generator only): a local
    torchvision resnet18 weights file, or "auto" for the torch hub cache's, for the frozen
    pretrained second visual stream (`with_image_encoder`). `library` (the generator only, not
    with `videos`): the editor's SFX folder, whose sounds make the targets (`library_targets`).
    """
    if kind not in ("codec", "generator"):
        raise FoleyError(f"train what? 'codec' or 'generator', not {kind!r}")
    if library is not None and (kind != "generator" or videos is not None):
        raise FoleyError("--library makes the generator's targets from your sound effects on synthetic scenes: use it with `train generator`, without --videos.")
    folder = Path(model_dir) / kind
    if resume and start_from is not None:
        raise FoleyError("--resume continues this model's own training; --from starts from another model. Use one of them.")
    if folder.exists() and not resume:
        raise FoleyError(f"{folder} already exists: pass --resume to continue its training, or choose a new --model folder.")
    if image_encoder is not None and (kind != "generator" or resume or start_from is not None):
        raise FoleyError("--image-encoder adds the pretrained image stream to a new generator; a resumed or fine-tuned generator keeps its own config, and the codec has no visual input.")
    start = load_checkpoint(Path(start_from) / kind, kind) if start_from is not None else None
    codec_config, generator_config = configs_for(size)
    target = pick_device(device)
    if kind == "codec":
        if resume:
            codec_config = CodecConfig.from_dict(load_checkpoint(folder, "codec").config)
        elif start is not None:
            codec_config = CodecConfig.from_dict(start.config)
        data = batches(_dataset(codec_config, generator_config, True, videos, settings.seed), batch_size, workers)
        train_codec(folder, codec_config, data, settings, target, start, resume, log)
        return folder
    from foley_assistant.model.inference import load_codec

    codec_dir = Path(model_dir) / "codec"
    try:
        codec = load_codec(codec_dir, target)
    except CheckpointError as exc:
        raise FoleyError(f"the generator is trained on a codec's latents, and {exc} Train the codec first: `foley-assistant train codec --model {model_dir}`.") from exc
    generator_config = matched_generator(codec.config, generator_config)
    if resume:
        generator_config = GeneratorConfig.from_dict(load_checkpoint(folder, "generator").config)
    elif start is not None:
        generator_config = GeneratorConfig.from_dict(start.config)
        if (generator_config.latent_dim, generator_config.latent_rate) != (codec.config.latent_dim, codec.config.latent_rate):
            raise FoleyError(f"{start_from} was trained on another codec's latents; fine-tune with that model's codec (copy its codec/ into {model_dir}).")
    elif image_encoder is not None:
        generator_config = with_image_encoder(generator_config, image_encoder)
    source = index_library(library, Path(model_dir)) if library is not None else None
    data = batches(_dataset(codec.config, generator_config, False, videos, settings.seed, source), batch_size, workers)
    train_generator(folder, generator_config, codec, data, settings, target, start, resume, log)
    return folder


def evaluate_model(model_dir: Path, scenes: int = 8, duration_s: float = 4.0, device: str = "auto", steps: int | None = None, seed: int = 0, precision: str = "auto") -> dict[str, dict[str, float]]:
    """Metrics of the model's stems (at `precision`, see `device.inference_dtype`), the procedural
    engine and a centre-panned mono baseline on held-out synthetic scenes (see `evaluate`)."""
    from foley_assistant.model.evaluate import centre_mono_engine, evaluate, held_out_examples, procedural_engine
    from foley_assistant.model.inference import NeuralModel

    model = NeuralModel.load(model_dir, device, precision)
    examples = held_out_examples(scenes, duration_s, model.generator.config.frame_size, model.sample_rate, model.codec.hop)

    def neural(example: Any) -> Any:
        import numpy as np

        stems = model.generate(example.tracks, example.frames, example.stems.shape[-1], seed=seed, steps=steps)
        return np.stack([stems[o.id] for o in example.tracks.objects])

    return evaluate(examples, {"neural": neural, "procedural": procedural_engine, "centre mono": centre_mono_engine})


def take(iterator: Iterator[Any], count: int) -> list[Any]:
    """The next `count` items of an iterator."""
    return list(itertools.islice(iterator, count))
