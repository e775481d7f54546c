"""Training items and batches (torch): synthetic scenes made on the fly by DataLoader workers.

An item is one window of one scene: the picture at the video encoder's size, the object slots
(features at latent frames, labels, presence), the target mask (one object, or every object for
the mix) and the target audio: that object's stereo stem, or the mix.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from foley_assistant.model.config import CodecConfig, GeneratorConfig
from foley_assistant.model.features import latent_to_video_frames, shot_conditioning, slots_for
from foley_assistant.model.generator import Conditioning
from foley_assistant.model.library_targets import LibrarySource
from foley_assistant.model.scenes import Example, make_example

MIX_PROBABILITY = 0.25
SILENT_PEAK = 1e-4


def example_item(example: Example, generator: GeneratorConfig, hop: int, rng: np.random.Generator, target: int | None = -1) -> dict[str, Any]:
    """One training item from a scene: `target` an object index, None for the mix, or -1 to draw
    (the mix with probability MIX_PROBABILITY, otherwise a random object)."""
    cond = shot_conditioning(example.tracks, example.frames, generator.frame_size, generator.labels)
    k = len(cond.object_ids)
    if target == -1:
        target = None if rng.random() < MIX_PROBABILITY else int(rng.integers(k))
    slots = slots_for(cond, target, generator.max_objects)
    n_latent = example.stems.shape[-1] // hop
    index = latent_to_video_frames(n_latent, generator.latent_rate, cond.fps, cond.n_video)
    objects = np.zeros((generator.max_objects, n_latent, cond.objects.shape[-1]), np.float32)
    labels = np.zeros(generator.max_objects, np.int64)
    present = np.zeros(generator.max_objects, bool)
    wanted = np.zeros(generator.max_objects, np.float32)
    for slot, obj in enumerate(slots):
        objects[slot] = cond.objects[obj][index]
        labels[slot] = cond.labels[obj]
        present[slot] = True
        wanted[slot] = 1.0 if target is None or obj == target else 0.0
    audio = example.mix if target is None else example.stems[target]
    frames = cond.frames if cond.frames is not None else np.zeros((1, *generator.frame_size, 3), np.uint8)
    return {
        "audio": torch.from_numpy(np.ascontiguousarray(audio[:, : n_latent * hop], dtype=np.float32)),
        "frames": torch.from_numpy(np.ascontiguousarray(frames.transpose(0, 3, 1, 2))),
        "has_frames": cond.frames is not None,
        "frame_index": torch.from_numpy(index),
        "objects": torch.from_numpy(objects),
        "labels": torch.from_numpy(labels),
        "present": torch.from_numpy(present),
        "target": torch.from_numpy(wanted),
    }


def collate(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Stack items; frame sequences (which differ with the frame rate) are padded at the end."""
    longest = max(item["frames"].shape[0] for item in items)
    frames = torch.zeros((len(items), longest, *items[0]["frames"].shape[1:]), dtype=torch.uint8)
    for i, item in enumerate(items):
        frames[i, : item["frames"].shape[0]] = item["frames"]
    batch = {key: torch.stack([item[key] for item in items]) for key in ("audio", "frame_index", "objects", "labels", "present", "target")}
    batch["frames"] = frames
    batch["has_frames"] = torch.tensor([bool(item["has_frames"]) for item in items])
    return batch


def batch_conditioning(batch: dict[str, Any]) -> Conditioning:
    """The generator's conditioning from a collated batch."""
    return Conditioning(
        frames=batch["frames"],
        frame_index=batch["frame_index"],
        has_frames=batch["has_frames"],
        objects=batch["objects"],
        labels=batch["labels"],
        present=batch["present"],
        target=batch["target"],
    )


class SyntheticItems(IterableDataset):
    """An endless stream of synthetic training items; each DataLoader worker renders its own seeds
    (seed = first_seed + worker + n * workers), all below the held-out range."""

    def __init__(self, codec: CodecConfig, generator: GeneratorConfig, first_seed: int = 0, audio_only: bool = False, library: LibrarySource | None = None) -> None:
        super().__init__()
        self.library = library
        self.codec = codec
        self.generator = generator
        self.first_seed = first_seed
        self.audio_only = audio_only

    def __iter__(self) -> Iterator[dict[str, Any]]:
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        seed = self.first_seed + worker
        window = self.generator.window_frames * self.codec.hop
        while True:
            example = make_example(seed, window / self.codec.sample_rate, self.generator.frame_size, self.codec.sample_rate, window, library=self.library)
            rng = np.random.default_rng([seed, 31])
            seed += workers
            if self.audio_only:
                yield {"audio": torch.from_numpy(codec_target(example, rng))}
            else:
                yield example_item(example, self.generator, self.codec.hop, rng)


def codec_target(example: Example, rng: np.random.Generator) -> np.ndarray:
    """Audio for codec training: the mix, or one object's stem when it is not silent."""
    audible = [k for k in range(len(example.stems)) if np.abs(example.stems[k]).max() > SILENT_PEAK]
    if audible and rng.random() < 0.5:
        return np.ascontiguousarray(example.stems[int(rng.choice(audible))])
    return np.ascontiguousarray(example.mix)
