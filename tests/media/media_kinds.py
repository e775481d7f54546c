"""Small files of each kind editors receive, made in the test with PyAV from one display-space scene.

The scene (display space, square pixels): a mid-grey textured background, a bright square crossing
left to right at constant speed, and a hard cut at `CUT_S` after which the background and the
square's start change. `scene_picture(t)` draws the picture shown at time t; each writer turns the
pictures into the coded form of its kind (rotated, squeezed, woven into fields, timed...).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

CUT_S = Fraction(6, 5)  # the hard cut, seconds
DURATION_S = Fraction(2)
SQUARE = 0.12  # the square's side, fraction of the display's shorter side
SPEED = 0.30  # fraction of the display width per second


def _texture(width: int, height: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(70, 130, size=(max(2, height // 16), max(2, width // 16)))
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)


def square_center_x(t: float) -> float:
    """Where the square's centre is (fraction of the display width) at time t."""
    start = 0.15 if t < CUT_S else 0.25
    since = t if t < CUT_S else t - float(CUT_S)
    return start + SPEED * since


def scene_picture(t: float, width: int, height: int) -> np.ndarray:
    """The display-space RGB picture at time t."""
    background = _texture(width, height, 1 if t < CUT_S else 2)
    if t >= CUT_S:
        background = background * 0.6 + 20
    image = np.repeat(background[:, :, None], 3, axis=2)
    side = SQUARE * min(width, height)
    cx, cy = square_center_x(t) * width, (0.45 if t < CUT_S else 0.6) * height
    x0, x1 = int(round(cx - side / 2)), int(round(cx + side / 2))
    y0, y1 = int(round(cy - side / 2)), int(round(cy + side / 2))
    image[max(y0, 0) : y1, max(x0, 0) : x1] = (235, 225, 200)
    return np.clip(image, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Written:
    """A written file and the times (seconds) of the pictures in it, in order."""

    path: Path
    times: tuple[Fraction, ...]


def _encode(path: Path, pictures, times, rate, codec="libx264", pix_fmt="yuv420p", options=None, time_base=None, setup=None) -> Written:
    time_base = time_base or Fraction(1, rate)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate)
        stream.pix_fmt = pix_fmt
        stream.height, stream.width = pictures[0].shape[:2]
        stream.options = dict(options or {})
        stream.codec_context.time_base = time_base
        if setup is not None:
            setup(stream)
        for image, t in zip(pictures, times):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = int(round(t / time_base))
            frame.time_base = time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return Written(path, tuple(times))


def constant_times(rate: int, duration: Fraction = DURATION_S) -> list[Fraction]:
    return [Fraction(n, rate) for n in range(int(duration * rate))]


def square_pixel(path: Path, width: int, height: int, rate: int = 25) -> Written:
    """The control: the display pictures as they are, H.264 in MP4."""
    times = constant_times(rate)
    return _encode(path, [scene_picture(t, width, height) for t in times], times, rate)


def phone_portrait(path: Path, width: int = 180, height: int = 320, rate: int = 30, clockwise: int = 90) -> Written:
    """Coded landscape (height x width), shown portrait by a display matrix turning it `clockwise`."""
    times = constant_times(rate)
    coded = [np.rot90(scene_picture(t, width, height), k=clockwise // 90) for t in times]
    # PyAV takes the rotation counterclockwise, as FFmpeg reads it back
    return _encode(path, coded, times, rate, setup=lambda s: s.set_display_rotation(-clockwise))


def mirrored(path: Path, width: int = 320, height: int = 180, rate: int = 25) -> Written:
    """A selfie-style file: coded mirrored, put right by a display matrix with a horizontal flip."""
    times = constant_times(rate)
    coded = [scene_picture(t, width, height)[:, ::-1] for t in times]
    return _encode(path, coded, times, rate, setup=lambda s: s.set_display_rotation(0, hflip=True))


def anamorphic(path: Path, coded_width: int = 360, height: int = 288, rate: int = 25) -> Written:
    """SD 720x576 at half size with SAR 64:45: coded pixels squeezed horizontally."""
    display_width = int(round(coded_width * 64 / 45 / 2)) * 2
    times = constant_times(rate)
    coded = [cv2.resize(scene_picture(t, display_width, height), (coded_width, height), interpolation=cv2.INTER_AREA) for t in times]

    def setup(stream):
        stream.codec_context.sample_aspect_ratio = Fraction(64, 45)

    return _encode(path, coded, times, rate, setup=setup)


def avi_b_frames(path: Path, width: int = 320, height: int = 180, rate: int = 25) -> Written:
    """H.264 with B-frames in AVI, or raw Annex B for a .h264 path (no presentation times stored)."""
    times = constant_times(rate)
    return _encode(path, [scene_picture(t, width, height) for t in times], times, rate, options={"bf": "3", "b-adapt": "0", "g": "24"})


def phone_vfr(path: Path, width: int = 320, height: int = 180) -> Written:
    """30 fps, then 60 fps from 1.0 s, with one frame dropped at 1.5 s (timebase 1/600)."""
    times = [Fraction(n, 30) for n in range(30)] + [1 + Fraction(n, 60) for n in range(60) if n != 30]
    pictures = [scene_picture(t, width, height) for t in times]
    return _encode(path, pictures, times, 30, time_base=Fraction(1, 600))


def interlaced(path: Path, width: int = 320, height: int = 180, rate: int = 25) -> Written:
    """25i top field first in MPEG-TS: the top field shows time t, the bottom field t + 1/50."""
    times = constant_times(rate)
    woven = []
    for t in times:
        image = scene_picture(t, width, height).copy()
        image[1::2] = scene_picture(t + Fraction(1, 2 * rate), width, height)[1::2]
        woven.append(image)
    return _encode(path, woven, times, rate, options={"x264-params": "interlaced=1:tff=1"})


def deep_color(path: Path, codec: str, pix_fmt: str, transfer: str | None = None, width: int = 320, height: int = 180, rate: int = 25) -> Written:
    """10-bit footage (ProRes 4:2:2, or HEVC BT.2020 tagged HLG/PQ) with a full-range grey ramp on top."""
    times = constant_times(rate, Fraction(1))
    pictures = []
    for t in times:
        image = scene_picture(t, width, height)
        image[: height // 6] = np.linspace(0, 255, width, dtype=np.float64).astype(np.uint8)[None, :, None]
        pictures.append(image)

    def setup(stream: av.video.stream.VideoStream) -> None:
        stream.codec_context.color_primaries = 9  # BT.2020
        stream.codec_context.colorspace = 9  # BT.2020 non-constant luminance
        stream.codec_context.color_trc = {"hlg": 18, "pq": 16}[transfer]  # ARIB STD-B67, SMPTE ST 2084

    return _encode(path, pictures, times, rate, codec=codec, pix_fmt=pix_fmt, setup=setup if transfer else None)


def avi_held_frames(path: Path, width: int = 320, height: int = 180) -> Written:
    """50 fps AVI whose every picture chunk is followed by an empty one: 25 pictures a second."""
    times = constant_times(25)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=50)
        stream.pix_fmt = "yuv420p"
        stream.width, stream.height = width, height
        stream.codec_context.time_base = Fraction(1, 50)
        for number, t in enumerate(times):
            frame = av.VideoFrame.from_ndarray(scene_picture(t, width, height), format="rgb24")
            frame.pts, frame.time_base = 2 * number, Fraction(1, 50)
            for packet in stream.encode(frame):
                container.mux(packet)
                empty = av.Packet(0)
                empty.stream, empty.time_base = stream, packet.time_base
                empty.pts = empty.dts = packet.dts + 1
                container.mux(empty)
        container.mux(stream.encode(None))
    return Written(path, tuple(times))


# name: (maker, display size (width, height), nominal rate)
KINDS = {
    "portrait_90": (phone_portrait, (180, 320), 30),
    "portrait_270": (lambda p: phone_portrait(p, clockwise=270), (180, 320), 30),
    "upside_down_180": (lambda p: phone_portrait(p, clockwise=180), (180, 320), 30),
    "mirrored": (mirrored, (320, 180), 25),
    "anamorphic_sd": (anamorphic, (512, 288), 25),
    "avi_b_frames": (avi_b_frames, (320, 180), 25),
    "raw_h264_b_frames": (avi_b_frames, (320, 180), 25),
    "phone_vfr": (phone_vfr, (320, 180), 25),
    "interlaced_tff": (interlaced, (320, 180), 25),
}
SUFFIX = {  # a kind's file suffix, when not .mp4
    "avi_b_frames": ".avi",
    "raw_h264_b_frames": ".h264",
    "interlaced_tff": ".ts",
}
