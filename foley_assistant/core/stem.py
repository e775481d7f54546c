"""A stem: the rendered sound of one object in one shot (or the shot's ambience bed), and where it
belongs in the timeline."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from foley_assistant.core.safe_paths import MAX_ID_LENGTH, check_stem_path, safe_file_part

ENGINES = ("procedural", "library", "neural")
STEM_KINDS = ("object", "ambience")
AMBIENCE_OBJECT_ID = "AMB"  # the object id of a shot's ambience bed (its file: <shot>_AMB_<bed>.wav)


@dataclass(frozen=True)
class Stem:
    """One stereo stem. `path` is relative to the output folder (POSIX separators).

    `kind` is "object" (an object's placed sound; `label` is the object's) or "ambience" (the
    shot's ambience bed, not placed: `object_id` is AMBIENCE_OBJECT_ID and `label` the bed's name).
    `take` counts the times the sound was made (1: by generate; each Regenerate adds one) and
    `seed` is the seed its engine was given (None where none applies, or an older file says
    nothing), so the project says how each stem was made.

    `record_start_sample` and `length_samples` are the cut: where the stem plays in the timeline.
    Its file holds `handle_start_samples` more before the cut and `handle_end_samples` after it
    (handles, for an editor to slip or extend), so the cut starts at sample `handle_start_samples`
    of the file.
    """

    shot_id: str
    object_id: str
    label: str
    path: str
    engine: str
    sample_rate: int
    record_start_sample: int
    length_samples: int
    lane: str = ""
    kind: str = "object"
    take: int = 1
    seed: int | None = None
    handle_start_samples: int = 0
    handle_end_samples: int = 0

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {self.engine!r}")
        if self.kind not in STEM_KINDS:
            raise ValueError(f"stem kind must be one of {STEM_KINDS}, got {self.kind!r}")
        if self.handle_start_samples < 0 or self.handle_end_samples < 0:
            raise ValueError(f"stem handles must not be negative, got {self.handle_start_samples} and {self.handle_end_samples}")

    @property
    def file_length_samples(self) -> int:
        """The samples in the stem's file: the cut and both handles."""
        return self.handle_start_samples + self.length_samples + self.handle_end_samples

    @property
    def is_ambience(self) -> bool:
        """Whether this is a shot's ambience bed (stereo as made, never panned)."""
        return self.kind == "ambience"

    @property
    def record_end_sample(self) -> int:
        return self.record_start_sample + self.length_samples

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Stem":
        """Read a stem a project file records; its path must be a file of the project's stems/
        folder (ValueError otherwise), so nothing read from a project can lead outside it."""
        if not isinstance(data, dict):
            raise TypeError(f"a stem must be a JSON object, got {type(data).__name__}")
        return cls(
            shot_id=str(data["shot_id"]),
            object_id=str(data["object_id"]),
            label=str(data["label"]),
            path=check_stem_path(data["path"]),
            engine=str(data["engine"]),
            sample_rate=_positive_int(data["sample_rate"], "sample_rate"),
            record_start_sample=_whole(data["record_start_sample"], "record_start_sample"),
            length_samples=_positive_int(data["length_samples"], "length_samples"),
            lane=str(data.get("lane", "")),
            kind=str(data.get("kind", "object")),
            take=_positive_int(data.get("take", 1), "take"),
            seed=None if data.get("seed") is None else _whole(data["seed"], "seed"),
            handle_start_samples=_whole(data.get("handle_start_samples", 0), "handle_start_samples"),
            handle_end_samples=_whole(data.get("handle_end_samples", 0), "handle_end_samples"),
        )


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**53:
        raise ValueError(f"stem {name} must be a whole number below 2^53, got {value!r}")
    return value


def _positive_int(value: Any, name: str) -> int:
    if _whole(value, name) <= 0:
        raise ValueError(f"stem {name} must be positive, got {value!r}")
    return value


def stem_file_stem(shot_id: str, object_id: str, label: str) -> str:
    """File name (without extension) of a stem: <shot>_<object>_<label>, every part made
    file-safe (`core.safe_paths`), the label in lower case with '-' between words."""
    safe = safe_file_part(label.strip().lower().replace("_", "-"), "object")
    return f"{safe_file_part(shot_id, 'shot', MAX_ID_LENGTH)}_{safe_file_part(object_id, 'object', MAX_ID_LENGTH)}_{safe}"
