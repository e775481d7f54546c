"""CMX 3600 EDLs of the stem lanes, through otio-cmx3600-adapter.

An EDL describes one track (otio-cmx3600-adapter writes the first track it is given and accepts
at most one video and two audio tracks), counts in frames, and has no place for pan, level or
the sample offset. So each lane gets its own EDL of audio events at the lane's record timecodes,
referencing the stem files ("FROM CLIP NAME" and "FROM CLIP" comments; the file path as the
export gives it, relative to the EDL's folder); what an EDL cannot
hold is said in the notes returned.
"""

from __future__ import annotations

import os
from pathlib import Path

import opentimelineio as otio

from foley_assistant.core.errors import OutputError
from foley_assistant.core.safe_paths import safe_file_part
from foley_assistant.core.timebase import FrameRate
from foley_assistant.io.atomic import write_text_atomic

LEFT_OUT = (
    "an EDL holds one track and no automation: each lane was written to its own EDL; the cut's picture "
    "tracks, the pan and distance curves and the sub-frame sample offsets are not in them (use AAF or OTIO for those)"
)


def lane_edl_path(base: Path, number: int, lane: str) -> Path:
    """`cut.edl` -> `cut.01-person.edl` for the first lane."""
    safe = safe_file_part(lane, "lane")
    return base.with_name(f"{base.stem}.{number:02d}-{safe}{base.suffix or '.edl'}")


def write_lane_edls(
    title: str,
    lane_tracks: list[otio.schema.Track],
    base: str | os.PathLike[str],
    rate: FrameRate,
    global_start: otio.opentime.RationalTime | None,
) -> list[Path]:
    """Write one EDL per lane track (tracks counted in frames of `rate`); returns the files."""
    base = Path(base)
    written = []
    for number, track in enumerate(lane_tracks, start=1):
        timeline = otio.schema.Timeline(name=f"{title} {track.name}")
        lane = track.deepcopy()
        if global_start is not None and global_start.value > 0:
            # The writer counts record timecode from the track's start and ignores the timeline's
            # start time, so the start time goes in as a leading gap.
            lane.insert(0, otio.schema.Gap(duration=global_start.rescaled_to(float(rate)).round()))
        timeline.tracks.append(lane)
        # The writer insists on exactly one video track, and writes only the first track it is given.
        timeline.tracks.append(otio.schema.Track(name="V", kind=otio.schema.TrackKind.Video))
        try:
            text = otio.adapters.write_to_string(timeline, adapter_name="cmx_3600", rate=float(rate))
        except (otio.exceptions.OTIOError, ValueError) as exc:
            raise OutputError(f"the EDL writer could not write lane {track.name!r}: {exc}") from exc
        path = lane_edl_path(base, number, track.name)
        write_text_atomic(path, text)
        written.append(path)
    return written
