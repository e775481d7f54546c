"""The procedural engine: footsteps, modal impacts and engines from motion, numpy and scipy only."""

from foley_assistant.generators.procedural.events import (
    SpeedCurve,
    cadence_steps_per_s,
    footfall_events,
    impact_events,
    speed_curve,
)
from foley_assistant.generators.procedural.generator import ProceduralGenerator
from foley_assistant.generators.procedural.voice_map import VoiceMap, VoiceSpec

__all__ = [
    "ProceduralGenerator",
    "SpeedCurve",
    "VoiceMap",
    "VoiceSpec",
    "cadence_steps_per_s",
    "footfall_events",
    "impact_events",
    "speed_curve",
]
