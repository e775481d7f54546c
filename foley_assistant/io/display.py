"""Display space: a decoded picture turned the way the editor sees it.

The container's display matrix (FFmpeg's AV_PKT_DATA_DISPLAYMATRIX, 3x3 in 16.16 fixed point,
row-vector form: p' = a*p + c*q, q' = b*p + d*q in y-down pixel coordinates) arrives as frame
side data. Axis-aligned matrices are read as a clockwise rotation plus an optional left-right
mirror (`core.picture.PictureGeometry`); `orient` applies them to a numpy picture.
"""

from __future__ import annotations

import struct
from fractions import Fraction

import av
import numpy as np

from foley_assistant.core.picture import ROTATIONS, PictureGeometry

# AVCodecContext.field_order: 0 unknown, 1 progressive, 2 TT, 3 BB, 4 TB, 5 BT (coded, displayed)
_TOP_FIRST = (2, 4)
_BOTTOM_FIRST = (3, 5)


def orient(image: np.ndarray, rotation: int, mirrored: bool) -> np.ndarray:
    """The picture rotated clockwise by `rotation` degrees, then mirrored left-right."""
    turned = np.rot90(image, k=-(rotation // 90)) if rotation else image
    if mirrored:
        turned = turned[:, ::-1]
    return np.ascontiguousarray(turned)


def orientation_of_matrix(matrix: tuple[int, ...]) -> tuple[int, bool]:
    """(clockwise rotation, mirrored) of an axis-aligned display matrix (9 ints, 16.16)."""
    a, b, _, c, d = (int(np.sign(v)) for v in matrix[:5])
    probe = np.arange(6).reshape(2, 3)
    if a == 0 and d == 0:
        shown, sx, sy = probe.T, c, b
    else:
        shown, sx, sy = probe, a, d
    if sx < 0:
        shown = shown[:, ::-1]
    if sy < 0:
        shown = shown[::-1, :]
    for rotation in ROTATIONS:
        for mirrored in (False, True):
            candidate = orient(probe, rotation, mirrored)
            if candidate.shape == shown.shape and np.array_equal(candidate, shown):
                return rotation, mirrored
    return 0, False  # not axis-aligned (a free rotation): shown as coded


def display_matrix(frame: av.VideoFrame) -> tuple[int, ...] | None:
    """The display matrix carried by a decoded frame, if any."""
    # Looked up by its type: PyAV's side-data container is a mapping whose iteration gave the
    # side data up to 18.1.0 and gives their types from 18.1.1 on.
    side = frame.side_data.get(av.sidedata.sidedata.Type.DISPLAYMATRIX)
    if side is None:
        return None
    data = bytes(side)
    return struct.unpack("<9i", data[:36]) if len(data) >= 36 else None


def field_order_of(codec_field_order: int, frame: av.VideoFrame) -> str:
    """ "progressive", "top field first" or "bottom field first" from the stream and a frame."""
    if codec_field_order in _BOTTOM_FIRST:
        return "bottom field first"
    if codec_field_order in _TOP_FIRST or frame.interlaced_frame:
        return "top field first"
    return "progressive"


def picture_geometry(stream: av.video.stream.VideoStream, first: av.VideoFrame | None) -> PictureGeometry:
    """Coded size, SAR, orientation and field order of a stream, read from its first picture."""
    context = stream.codec_context
    sar = stream.sample_aspect_ratio or context.sample_aspect_ratio
    sample_aspect = Fraction(sar.numerator, sar.denominator) if sar and sar.numerator > 0 and sar.denominator > 0 else Fraction(1)
    rotation, mirrored, field_order = 0, False, "progressive"
    width, height = context.width, context.height
    if first is not None:
        width, height = first.width, first.height
        matrix = display_matrix(first)
        if matrix is not None:
            rotation, mirrored = orientation_of_matrix(matrix)
        field_order = field_order_of(context.field_order, first)
    return PictureGeometry(width, height, sample_aspect, rotation, mirrored, field_order)
