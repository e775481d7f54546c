"""The procedural engine: footsteps, modal impacts, engines, whooshes, cloth and ambience beds from
motion, numpy and scipy only.

`render_track(track, shot, ...)` is the public entry point: an object's track in, its dry sound
and the events that made it out (the training-data pipeline and the pipeline's generate stage
both go through it or through `ProceduralGenerator`).
"""

from foley_assistant.generators.procedural.ambience import AMBIENCES, render_ambience
from foley_assistant.generators.procedural.events import (
    SpeedCurve,
    cadence_steps_per_s,
    footfall_events,
    impact_events,
    presence_events,
    speed_curve,
    swish_events,
)
from foley_assistant.generators.procedural.generator import ProceduralGenerator, render_track
from foley_assistant.generators.procedural.voice_map import VoiceMap, VoiceSpec

__all__ = [
    "AMBIENCES",
    "ProceduralGenerator",
    "SpeedCurve",
    "VoiceMap",
    "VoiceSpec",
    "cadence_steps_per_s",
    "footfall_events",
    "impact_events",
    "presence_events",
    "render_ambience",
    "render_track",
    "speed_curve",
    "swish_events",
]
