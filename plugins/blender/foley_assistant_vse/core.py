"""The add-on's logic without Blender: the OTIO timeline of the chosen movie strips, the command
line, and where the sound strips and their pan/volume keyframes go. Standard library only
(Blender's Python has neither OpenTimelineIO nor this package), so it is tested on its own.

Frames: the timeline written for the assistant starts at `origin` (the first chosen strip's first
frame), so its frame 0 is Blender frame `origin`; the assistant's placement plan counts from the
timeline's start, and a sound strip goes to `origin + record_frame`.
"""

import json
import os
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

CLI_ENV = "FOLEY_ASSISTANT_CLI"


class AddonError(Exception):
    """Something the editor can fix; the message says what."""


class MovieStrip:
    """What the add-on needs of a movie strip: where it sits and which frames of its file it shows.

    `record_start` is its first visible frame in the scene (frame_final_start), `duration` its
    visible length (frame_final_duration), `source_start` the file frame shown at `record_start`
    (frame_final_start - frame_start: the strip's own frame 0 is the file's first frame).
    """

    def __init__(self, name, filepath, channel, record_start, duration, source_start):
        self.name, self.filepath, self.channel = name, filepath, int(channel)
        self.record_start, self.duration, self.source_start = int(record_start), int(duration), int(source_start)


def scene_rate(fps, fps_base):
    """The scene's exact frame rate as (numerator, denominator): 24 / 1.001 is 24000/1001."""
    rate = Fraction(int(fps)) / Fraction(fps_base).limit_denominator(10000)
    return rate.numerator, rate.denominator


def _time(value, rate):
    return {"OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": float(value)}


def _range(start, duration, rate):
    return {"OTIO_SCHEMA": "TimeRange.1", "start_time": _time(start, rate), "duration": _time(duration, rate)}


def otio_timeline(name, rate, strips):
    """An OTIO JSON document (schemas of OTIO 0.15+) cutting the strips: one video track per
    channel, gaps between strips, frame 0 = the first strip's first frame. Returns (document, origin)."""
    if not strips:
        raise AddonError("select one or more movie strips first")
    fps = rate[0] / rate[1]
    origin = min(s.record_start for s in strips)
    tracks = []
    for channel in sorted({s.channel for s in strips}):
        children, cursor = [], origin
        for strip in sorted((s for s in strips if s.channel == channel), key=lambda s: s.record_start):
            if strip.record_start < cursor:
                raise AddonError("strips {!r} overlaps the one before it on channel {}".format(strip.name, channel))
            if strip.record_start > cursor:
                children.append({"OTIO_SCHEMA": "Gap.1", "name": "", "metadata": {}, "effects": [], "markers": [], "enabled": True, "source_range": _range(0, strip.record_start - cursor, fps)})
            reference = {
                "OTIO_SCHEMA": "ExternalReference.1",
                "name": "",
                "metadata": {},
                "available_range": None,
                "available_image_bounds": None,
                "target_url": Path(os.path.abspath(strip.filepath)).as_uri(),
            }
            children.append(
                {
                    "OTIO_SCHEMA": "Clip.2",
                    "name": strip.name,
                    "metadata": {"blender": {"channel": channel}},
                    "source_range": _range(strip.source_start, strip.duration, fps),
                    "effects": [],
                    "markers": [],
                    "enabled": True,
                    "media_references": {"DEFAULT_MEDIA": reference},
                    "active_media_reference_key": "DEFAULT_MEDIA",
                }
            )
            cursor = strip.record_start + strip.duration
        tracks.append(
            {"OTIO_SCHEMA": "Track.1", "name": "Channel {}".format(channel), "kind": "Video", "metadata": {}, "source_range": None, "effects": [], "markers": [], "enabled": True, "children": children}
        )
    document = {
        "OTIO_SCHEMA": "Timeline.1",
        "name": name,
        "metadata": {},
        "global_start_time": None,
        "tracks": {"OTIO_SCHEMA": "Stack.1", "name": "tracks", "metadata": {}, "source_range": None, "effects": [], "markers": [], "enabled": True, "children": tracks},
    }
    return document, origin


def write_json(document, path):
    """Write JSON atomically (temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    temporary.write_text(json.dumps(document, indent=1), encoding="utf-8")
    os.replace(temporary, path)


def cli_command(configured=""):
    """The foley-assistant program: the add-on's setting, $FOLEY_ASSISTANT_CLI, then PATH."""
    program = configured or os.environ.get(CLI_ENV) or shutil.which("foley-assistant")
    if not program or not (os.path.isfile(program) or shutil.which(program)):
        raise AddonError("foley-assistant was not found: set its path in the add-on's panel (or ${})".format(CLI_ENV))
    return [program]


def run_cli(command, arguments):
    """Run the assistant; returns stdout, or raises with the error line it printed."""
    try:
        done = subprocess.run(command + arguments, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    except OSError as exc:
        raise AddonError("could not run {}: {}".format(command[0], exc))
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise AddonError("foley-assistant {} failed: {}".format(arguments[0], lines[-1] if lines else done.returncode))
    return done.stdout


class SoundStripPlan:
    """One sound strip to add: file, channel, the frame its file starts on (`frame_start`), the
    frames trimmed off its start (`source_frame`: the stem's handle before the cut) and the frames
    it plays (`length`), and (frame, pan, volume) keyframes."""

    def __init__(self, name, filepath, channel, frame_start, keyframes, source_frame=0, length=None):
        self.name, self.filepath, self.channel, self.frame_start, self.keyframes = name, filepath, channel, frame_start, keyframes
        self.source_frame, self.length = source_frame, length


def sound_strips(plan, origin, first_channel, panned=True):
    """The sound strips for a placement plan (`placements --json`): one channel per lane from
    `first_channel` up; with `panned`, the mono dry source with pan and volume keyframes from the
    object's curves (Blender pans mono sources only; -1 left .. +1 right, as the plan's pan),
    otherwise the stereo stem as rendered, without keyframes. An ambience bed (no dry source) is
    always its stereo stem."""
    strips = []
    for offset, lane in enumerate(plan["lanes"]):
        for clip in lane["clips"]:
            use_dry = panned and bool(clip.get("dry"))
            keyframes = [(origin + point["frame"], max(-1.0, min(1.0, point["pan"])), point["gain"]) for point in clip["automation"]]
            strips.append(
                SoundStripPlan(
                    "{}_{}_{}".format(clip["shot"], clip["object"], clip["label"]),
                    clip["dry"] if use_dry else clip["stem"],
                    first_channel + offset,
                    origin + clip["record_frame"] - clip.get("source_frame", 0),  # the file starts a handle early
                    keyframes if use_dry else [],
                    clip.get("source_frame", 0),
                    clip.get("length_frames"),
                )
            )
    return strips


def first_free_channel(used_channels, lanes, highest=128):
    """The lowest channel above every used one with room for `lanes` channels."""
    first = max(used_channels, default=0) + 1
    if first + lanes - 1 > highest:
        raise AddonError("not enough free channels above the strips for {} lanes (Blender has {})".format(lanes, highest))
    return first
