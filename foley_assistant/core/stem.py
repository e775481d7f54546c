"""A stem: the rendered sound of one object in one shot (or the shot's ambience bed), and where it
belongs in the timeline."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

ENGINES = ("procedural", "library", "neural")
STEM_KINDS = ("object", "ambience")
AMBIENCE_OBJECT_ID = "AMB"  # the object id of a shot's ambience bed (its file: <shot>_AMB_<bed>.wav)


@dataclass(frozen=True)
class Stem:
    """One stereo stem. `path` is relative to the output folder (POSIX separators).

    `kind` is "object" (an object's placed sound; `label` is the object's) or "ambience" (the
    shot's ambience bed, not placed: `object_id` is AMBIENCE_OBJECT_ID and `label` the bed's name).
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

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {self.engine!r}")
        if self.kind not in STEM_KINDS:
            raise ValueError(f"stem kind must be one of {STEM_KINDS}, got {self.kind!r}")

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
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields})


def stem_file_stem(shot_id: str, object_id: str, label: str) -> str:
    """File name (without extension) of a stem: <shot>_<object>_<label>, label made file-safe."""
    safe = "".join(c if c.isalnum() or c in "-" else "-" for c in label.strip().lower()) or "object"
    return f"{shot_id}_{object_id}_{safe}"
