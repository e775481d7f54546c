"""Mono float32 samples made a block at a time and held in memory or, when long, in a temporary file.

A long shot's dry source is hours of samples; holding it whole would make memory grow with the
shot. `SampleWriter` takes consecutive float32 blocks and gives back either a plain array (a
short sound: up to `SPILL_SAMPLES`, exactly what an engine gave before) or `SpilledSamples`: the
samples in an anonymous temporary file (unlinked as it is made, so nothing is left behind, even
after a kill), read back a span at a time by slicing, the way the renderers and writers read a
dry source. `np.asarray` of it reads it whole (for checks and short uses), and it pickles as
a plain array (a worker process hands it to its driver whole).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any, Union

import numpy as np

#: Samples kept in memory before a sound goes to its temporary file (8 MB of float32).
SPILL_SAMPLES = 2**21
#: Samples per block when spilled samples are read or rescaled whole.
READ_BLOCK = 2**18
_ITEM = np.dtype(np.float32).itemsize


class SpilledSamples:
    """float32 mono samples in a temporary file: `len`, `shape`, `dtype`, slicing (`x[a:b]`, a new
    array read from the file), `blocks()`, and `scale(gain)` in place, a block at a time."""

    def __init__(self, handle: Any, n_samples: int) -> None:
        self._handle = handle
        self._n = n_samples

    def __len__(self) -> int:
        return self._n

    @property
    def shape(self) -> tuple[int]:
        return (self._n,)

    @property
    def size(self) -> int:
        return self._n

    @property
    def ndim(self) -> int:
        return 1

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float32)

    def __getitem__(self, key: slice) -> np.ndarray:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("spilled samples are read by contiguous slices (x[a:b])")
        start, stop, _ = key.indices(self._n)
        return self._read(start, max(start, stop))

    def _read(self, start: int, stop: int) -> np.ndarray:
        out = np.empty(stop - start, dtype=np.float32)
        view = memoryview(out).cast("B")
        done = 0
        while done < len(view):
            got = os.preadv(self._handle.fileno(), [view[done:]], (start * _ITEM) + done)
            if got <= 0:
                raise OSError(f"the temporary file of a sound ended early ({done} of {len(view)} bytes)")
            done += got
        return out

    def _write(self, start: int, block: np.ndarray) -> None:
        data = memoryview(np.ascontiguousarray(block, dtype=np.float32)).cast("B")
        done = 0
        while done < len(data):
            done += os.pwrite(self._handle.fileno(), data[done:], start * _ITEM + done)

    def blocks(self, size: int = READ_BLOCK) -> Iterator[np.ndarray]:
        """The samples as consecutive float32 arrays of `size` (the last shorter)."""
        for start in range(0, self._n, size):
            yield self._read(start, min(start + size, self._n))

    def scale(self, gain: float) -> None:
        """Multiply every sample by `gain` in place (float32 arithmetic, as `x *= gain` on an array)."""
        for start in range(0, self._n, READ_BLOCK):
            block = self._read(start, min(start + READ_BLOCK, self._n))
            block *= gain
            self._write(start, block)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        whole = self._read(0, self._n)
        return whole if dtype is None else whole.astype(dtype)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (np.asarray, (self._read(0, self._n),))


#: A dry source as the spine holds it: a plain array, or long samples in their temporary file.
Samples = Union[np.ndarray, SpilledSamples]


class SampleWriter:
    """Collects consecutive float32 blocks of a sound of known length; `finish` gives the samples.

    Up to `spill` samples (default `SPILL_SAMPLES`) stay in memory (the result is one array); past that the blocks go to
    an anonymous temporary file in `folder` (default: the system's temporary folder)."""

    def __init__(self, n_samples: int, spill: int | None = None, folder: str | None = None) -> None:
        self._n = n_samples
        self._parts: list[np.ndarray] = []
        self._handle: Any = None
        self._done = 0
        if n_samples > (SPILL_SAMPLES if spill is None else spill):
            self._handle = tempfile.TemporaryFile(dir=folder, prefix="foley-assistant-sound-")

    def write(self, block: np.ndarray) -> None:
        """Append the next block (cast to float32)."""
        block = np.asarray(block, dtype=np.float32)
        if self._done + len(block) > self._n:
            raise ValueError(f"{self._done + len(block)} samples written to a sound of {self._n}")
        if self._handle is None:
            self._parts.append(block)
        else:
            SpilledSamples(self._handle, self._n)._write(self._done, block)
        self._done += len(block)

    def restart(self) -> None:
        """Forget what was written (the sound is written again from its first sample)."""
        self._parts, self._done = [], 0

    def finish(self) -> Samples:
        """The samples written (all `n_samples` of them)."""
        if self._done != self._n:
            raise ValueError(f"a sound of {self._n} samples was given {self._done}")
        if self._handle is None:
            if len(self._parts) == 1:
                return self._parts[0]
            return np.concatenate(self._parts) if self._parts else np.zeros(0, dtype=np.float32)
        return SpilledSamples(self._handle, self._n)


def sample_blocks(samples: Samples, size: int = READ_BLOCK) -> Iterator[np.ndarray]:
    """Consecutive float32 blocks of an array or of spilled samples."""
    if isinstance(samples, SpilledSamples):
        yield from samples.blocks(size)
        return
    for start in range(0, len(samples), size):
        yield np.asarray(samples[start : start + size], dtype=np.float32)


def samples_peak(samples: Samples) -> float:
    """The largest magnitude of the samples (0 when there are none), a block at a time."""
    return max((float(np.max(np.abs(block))) for block in sample_blocks(samples) if len(block)), default=0.0)


class _OneChannel:
    """Spilled samples as one-channel audio given by its blocks (`shape` (1, n), `blocks()`)."""

    def __init__(self, samples: SpilledSamples) -> None:
        self._samples = samples

    @property
    def shape(self) -> tuple[int, int]:
        return (1, len(self._samples))

    def blocks(self) -> Iterator[np.ndarray]:
        for block in self._samples.blocks():
            yield block[None, :]


def one_channel(samples: Samples) -> Any:
    """Mono samples as a (1, n) array, or, when spilled, as one-channel audio read a block at a time."""
    return _OneChannel(samples) if isinstance(samples, SpilledSamples) else np.asarray(samples)[None, :]
