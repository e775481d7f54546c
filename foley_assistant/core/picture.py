"""How a video file's coded pictures are shown: pixel aspect, display rotation/mirror, fields.

Analysis works in display space, the picture the editor sees: coded pixels stretched by the
sample aspect ratio (SAR), then rotated clockwise by `rotation` degrees and mirrored left-right
when `mirrored`. Any axis-aligned display matrix is one of these eight orientations.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

FIELD_ORDERS = ("progressive", "top field first", "bottom field first")
ROTATIONS = (0, 90, 180, 270)


@dataclass(frozen=True)
class PictureGeometry:
    """Coded size, pixel aspect, orientation and field order of a video stream."""

    coded_width: int
    coded_height: int
    sample_aspect: Fraction = Fraction(1)
    rotation: int = 0
    mirrored: bool = False
    field_order: str = "progressive"

    def __post_init__(self) -> None:
        if self.rotation not in ROTATIONS:
            raise ValueError(f"display rotation must be one of {ROTATIONS}, got {self.rotation}")
        if self.field_order not in FIELD_ORDERS:
            raise ValueError(f"field order must be one of {FIELD_ORDERS}, got {self.field_order!r}")
        if self.sample_aspect <= 0:
            raise ValueError(f"sample aspect ratio must be positive, got {self.sample_aspect}")

    @property
    def transposed(self) -> bool:
        """True when the display swaps width and height (a quarter turn)."""
        return self.rotation in (90, 270)

    @property
    def square_size(self) -> tuple[int, int]:
        """The coded picture in square pixels, before rotation (width stretched by the SAR)."""
        width = max(2, int(round(self.coded_width * self.sample_aspect / 2)) * 2)
        return width, self.coded_height

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) in square pixels as the editor sees the picture."""
        width, height = self.square_size
        return (height, width) if self.transposed else (width, height)

    @property
    def interlaced(self) -> bool:
        return self.field_order != "progressive"

    def is_plain(self) -> bool:
        """Square pixels, no rotation or mirror, progressive: nothing to say about it."""
        return self.sample_aspect == 1 and self.rotation == 0 and not self.mirrored and not self.interlaced

    def describe(self) -> str:
        """One line for the report: what was done to show the picture as the editor sees it."""
        width, height = self.display_size
        parts = [f"coded {self.coded_width}x{self.coded_height}"]
        if self.sample_aspect != 1:
            parts.append(f"pixel aspect {self.sample_aspect.numerator}:{self.sample_aspect.denominator}")
        if self.rotation:
            parts.append(f"rotated {self.rotation} degrees clockwise by its display matrix")
        if self.mirrored:
            parts.append("mirrored left-right by its display matrix")
        if self.interlaced:
            parts.append(f"interlaced ({self.field_order}), deinterlaced for analysis")
        return f"analyzed as displayed, {width}x{height}: " + ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The tracks file's "picture" object."""
        width, height = self.display_size
        return {
            "coded_size": [self.coded_width, self.coded_height],
            "sample_aspect": [self.sample_aspect.numerator, self.sample_aspect.denominator],
            "rotation": self.rotation,
            "mirrored": self.mirrored,
            "field_order": self.field_order,
            "display_size": [width, height],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PictureGeometry":
        """Read the "picture" object; unknown fields are ignored."""
        width, height = data["coded_size"]
        num, den = data.get("sample_aspect", [1, 1])
        return cls(
            coded_width=int(width),
            coded_height=int(height),
            sample_aspect=Fraction(int(num), int(den)),
            rotation=int(data.get("rotation", 0)),
            mirrored=bool(data.get("mirrored", False)),
            field_order=str(data.get("field_order", "progressive")),
        )
