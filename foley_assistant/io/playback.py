"""Sound out of the speakers through PortAudio (the `sounddevice` package).

`open_output` starts a stereo output stream that asks a `render(frames, dac_time)` function for
each block, passing the time the block will be heard on the stream's own clock (`time()`), which
the transport then uses as its clock. With no PortAudio library or no output device it raises
`AudioDeviceError`, whose message the app shows before it plays picture only.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Protocol

import numpy as np

from foley_assistant.core.errors import FoleyError

log = logging.getLogger(__name__)

BlockRenderer = Callable[[int, float], np.ndarray]


class AudioDeviceError(FoleyError):
    """No sound can be played on this machine (no PortAudio, or no output device)."""


class AudioOutput(Protocol):
    """A running output stream."""

    def time(self) -> float:
        """The stream's clock, seconds (the clock the DAC times are given on)."""
        ...

    @property
    def latency_s(self) -> float: ...

    def close(self) -> None: ...


class SoundDeviceOutput:
    """A sounddevice.OutputStream that plays what `render` returns."""

    def __init__(self, render: BlockRenderer, sample_rate: int, block_size: int = 512, device: Any = None) -> None:
        self._render = render
        sd = _sounddevice()
        try:
            sd.check_output_settings(device=device, channels=2, samplerate=sample_rate, dtype="float32")
            self._stream = sd.OutputStream(samplerate=sample_rate, channels=2, dtype="float32", blocksize=block_size, device=device, callback=self._callback, latency="low")
            self._stream.start()
        except Exception as exc:  # noqa: BLE001 - PortAudio reports no device in several ways
            raise AudioDeviceError(f"no audio output device could be opened ({exc}); playing picture only. Connect or enable a sound output and reopen the project to hear the stems.") from exc

    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if status:
            log.debug("audio output: %s", status)
        outdata[:] = self._render(frames, float(time_info.outputBufferDacTime))

    def time(self) -> float:
        return float(self._stream.time)

    @property
    def latency_s(self) -> float:
        return float(self._stream.latency)

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()


def _sounddevice() -> Any:
    try:
        import sounddevice
    except (ImportError, OSError) as exc:
        raise AudioDeviceError(f"audio playback needs the PortAudio library ({exc}); playing picture only. Install it (Debian/Ubuntu: apt-get install libportaudio2).") from exc
    return sounddevice


def open_output(render: BlockRenderer, sample_rate: int, block_size: int = 512) -> SoundDeviceOutput:
    """Start playing on the default output device; `AudioDeviceError` when there is none."""
    sd = _sounddevice()
    try:
        default = sd.query_devices(kind="output")
    except Exception as exc:  # noqa: BLE001 - PortAudioError or ValueError, by version
        raise AudioDeviceError(f"this machine has no audio output device ({exc}); playing picture only. Connect or enable a sound output to hear the stems.") from exc
    log.info("audio output: %s", default.get("name") if isinstance(default, dict) else default)
    return SoundDeviceOutput(render, sample_rate, block_size)
