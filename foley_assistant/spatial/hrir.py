"""Measured HRIRs from a SOFA file (read with `sofar`) and the binaural renderer that uses them.

The horizontal ring of the set (the measured elevation nearest 0) is used: the picture gives an
azimuth, not an elevation. SOFA azimuths run counter-clockwise (+ left); they are turned into this
project's convention (+ right) on reading. The impulse response for a direction between two
measured ones is the linear interpolation of its two neighbours on the ring.

Rendering: the source is cut into frames of 2B samples every B samples, each weighted by a
triangle (the triangles sum to one), convolved with the HRIR pair of the direction at the frame's
centre, and overlap-added. A direction change is therefore a linear cross-fade over 2B samples
between the two filters: no clicks. Frames are processed a group at a time (about
`RENDER_BLOCK_SAMPLES`), the unfinished overlap carried to the next group, so memory stays bounded
however long the sound is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from math import gcd
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.errors import InputFileError
from foley_assistant.spatial.control import RENDER_BLOCK_SAMPLES, ControlSpan, controls_of, per_sample_span
from foley_assistant.spatial.distance import settings_distance_gain
from foley_assistant.spatial.hrir_set import HrirSet
from foley_assistant.spatial.settings import BinauralSettings, StereoSettings
from foley_assistant.spatial.source import ShapedSource, mono_length, shaping_of_controls

log = logging.getLogger(__name__)


def _spherical_positions(sofa: object) -> np.ndarray:
    positions = np.atleast_2d(np.asarray(sofa.SourcePosition, dtype=np.float64))  # type: ignore[attr-defined]
    kind = str(getattr(sofa, "SourcePosition_Type", "spherical")).lower()
    if kind.startswith("cartesian"):
        x, y, z = positions[:, 0], positions[:, 1], positions[:, 2]
        azimuth = np.degrees(np.arctan2(y, x))
        elevation = np.degrees(np.arctan2(z, np.hypot(x, y)))
        return np.stack([azimuth, elevation], axis=1)
    return positions[:, :2]


def _ear_order(sofa: object) -> list[int]:
    """[left, right] receiver indices: SOFA's left ear sits at +y (y points left)."""
    receivers = np.asarray(getattr(sofa, "ReceiverPosition", np.zeros((2, 3))), dtype=np.float64).reshape(-1, 3)
    if receivers.shape[0] >= 2 and receivers[0, 1] < receivers[1, 1]:
        return [1, 0]
    return [0, 1]


def load_hrirs(path: str | Path, sample_rate: int = 48000) -> HrirSet:
    """Read a SOFA file of HRIRs (e.g. SimpleFreeFieldHRIR) and keep its horizontal ring, resampled
    to `sample_rate`. Problems with the file are a clear `InputFileError`."""
    from scipy.signal import resample_poly  # scipy.signal takes a second to import; only SOFA reading needs it

    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"no SOFA file at {path}. Point --sofa to an HRIR set in SOFA format (.sofa).")
    import sofar  # a heavy import (netCDF4), only when a SOFA file is used

    try:
        sofa = sofar.read_sofa(str(path), verify=False, verbose=False)
    except Exception as exc:  # noqa: BLE001 - netCDF/HDF5 raise many kinds; all mean "not a SOFA file"
        raise InputFileError(f"{path.name} could not be read as a SOFA file ({exc}). Give an HRIR set in SOFA format.") from exc
    data = getattr(sofa, "Data_IR", None)
    if data is None:
        raise InputFileError(f"{path.name} holds no impulse responses (Data.IR); it is not an HRIR set.")
    data = np.asarray(data, dtype=np.float64)
    if data.ndim != 3 or data.shape[1] != 2:
        raise InputFileError(f"{path.name} has impulse responses of shape {data.shape}; an HRIR set needs 2 ears (M x 2 x N).")
    file_rate = int(round(float(np.ravel(sofa.Data_SamplingRate)[0])))
    positions = _spherical_positions(sofa)
    if positions.shape[0] != data.shape[0]:
        positions = np.broadcast_to(positions, (data.shape[0], 2))
    elevations = positions[:, 1]
    ring_elevation = float(elevations[np.argmin(np.abs(elevations))])
    on_ring = np.flatnonzero(np.abs(elevations - ring_elevation) < 1e-6)
    azimuth = -positions[on_ring, 0]  # SOFA: + left; here: + right
    azimuth = (azimuth + 180.0) % 360.0 - 180.0
    order = np.argsort(azimuth, kind="stable")
    azimuth, rows = azimuth[order], on_ring[order]
    keep = np.r_[True, np.diff(azimuth) > 1e-9]
    hrirs = data[rows[keep]][:, _ear_order(sofa), :]
    notes = []
    if file_rate != sample_rate:
        common = gcd(file_rate, sample_rate)
        hrirs = resample_poly(hrirs, sample_rate // common, file_rate // common, axis=2)
        notes.append(f"resampled from {file_rate} Hz")
    if abs(ring_elevation) > 1e-6:
        notes.append(f"no measurements at 0 deg elevation; using the ring at {ring_elevation:g} deg")
        log.warning("%s: %s", path.name, notes[-1])
    return HrirSet(azimuth[keep], hrirs.astype(np.float32), sample_rate, str(path), ring_elevation, tuple(notes))


def render_hrirs(dry: np.ndarray, curves: SpatialCurves, settings: StereoSettings, block: int = RENDER_BLOCK_SAMPLES) -> np.ndarray:
    """Binaural stem (2, n) float32 through the measured HRIRs of `settings.binaural.hrirs`,
    about `block` samples (a whole number of frames) at a time; the result does not depend on
    `block`."""
    out = np.zeros((2, mono_length(dry)), dtype=np.float32)
    for start, part in hrir_blocks(dry, curves, settings, block):
        out[:, start : start + part.shape[1]] = part
    return out


def hrir_blocks(dry: np.ndarray, curves: SpatialCurves, settings: StereoSettings, block: int = RENDER_BLOCK_SAMPLES) -> Iterator[tuple[int, np.ndarray]]:
    """`render_hrirs` as consecutive (start, (2, m) float32 block) pairs."""
    binaural = settings.binaural or BinauralSettings()
    hrirs = binaural.hrirs
    if hrirs is None:
        raise ValueError("render_hrirs needs settings.binaural.hrirs (see load_hrirs)")
    n = mono_length(dry)
    if n == 0:
        return
    controls = controls_of(curves, n, settings)
    level = settings_distance_gain(controls.distance_m, settings) * controls.gain
    source = ShapedSource(dry, shaping_of_controls(controls, settings), settings)
    whole = ControlSpan(controls.interval, 0, n, controls.azimuth_deg, controls.distance_m, controls.gain)
    hop = binaural.hrir_block
    frames_count = -(-n // hop) + 1  # frame b is centred on sample b * hop
    pieces = -(-(2 * hop + hrirs.hrirs.shape[2] - 1) // hop)
    nfft = pieces * hop
    spectra = np.fft.rfft(hrirs.hrirs, nfft, axis=2)  # (directions, 2, bins), complex64
    azimuth = np.interp(np.arange(frames_count) * hop / controls.interval, np.arange(len(controls.azimuth_deg)), controls.azimuth_deg)
    lower, upper, weight = hrirs.interpolation(azimuth)
    weight = weight.astype(np.float32)[:, None, None]
    triangle = 1.0 - np.abs(np.arange(2 * hop, dtype=np.float32) - hop) / hop
    group = max(1, block // hop)
    # In "padded" positions (the source delayed by one hop, so frame 0 is centred on its start):
    # frame b covers [b hop, (b + 2) hop) and its convolution lands on [b hop, b hop + nfft).
    head = np.zeros(hop, dtype=np.float32)  # padded [f0 hop, (f0 + 1) hop): the first half of frame f0
    carry = np.zeros((2, (pieces - 1) * hop), dtype=np.float32)  # overlap not yet complete
    for f0 in range(0, frames_count, group):
        f1 = min(f0 + group, frames_count)
        count = f1 - f0
        fresh = np.zeros(count * hop, dtype=np.float32)  # padded [(f0 + 1) hop, (f1 + 1) hop) = source [f0 hop, f1 hop)
        stop = min(f1 * hop, n)
        if stop > f0 * hop:
            fresh[: stop - f0 * hop] = source.block(f0 * hop, stop, whole) * per_sample_span(level, controls.interval, f0 * hop, stop)
        buffer = np.concatenate([head, fresh])
        head = buffer[-hop:]
        frames = sliding_window_view(buffer, 2 * hop)[::hop][:count] * triangle
        w = weight[f0:f1]
        filters = (1 - w) * spectra[lower[f0:f1]] + w * spectra[upper[f0:f1]]  # (frames, 2, bins)
        convolved = np.fft.irfft(np.fft.rfft(frames, nfft, axis=1)[:, None, :] * filters, nfft, axis=2)
        summed = np.zeros((2, (count + pieces - 1) * hop), dtype=np.float32)
        summed[:, : carry.shape[1]] += carry
        for piece in range(pieces):
            chunk = convolved[:, :, piece * hop : (piece + 1) * hop]  # (frames, 2, hop)
            summed[:, piece * hop : piece * hop + count * hop] += chunk.transpose(1, 0, 2).reshape(2, -1)
        carry = summed[:, count * hop :]
        # padded [f0 hop, f1 hop) is complete: output samples [(f0 - 1) hop, (f1 - 1) hop)
        first, last = (f0 - 1) * hop, min((f1 - 1) * hop, n)
        if last > max(first, 0):
            yield max(first, 0), summed[:, max(first, 0) - first : last - first].copy()
