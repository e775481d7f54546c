"""The other takes of each stem as muted alternates, for the formats with no takes of an item
(OTIO, FCP 7 XML): beside each lane, a lane "<lane> alt 1" holding the first of the other takes
of each of its stems at the same record position, "<lane> alt 2" the second, and so on; every
clip on them is muted (disabled), so only the chosen take plays until the editor swaps one in.
"""

from __future__ import annotations

from dataclasses import replace

from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.project import Project
from foley_assistant.core.stem import Stem

Lanes = list[tuple[str, list[Stem]]]


def alternate_lanes(project: Project) -> Lanes:
    """The lanes of the other takes (see the module docstring), by take number within each stem;
    none when no stem has another take."""
    result: Lanes = []
    for lane, stems in project.lanes():
        others = [[take for take in project.takes_of(stem.shot_id, stem.object_id) if take.path != stem.path] for stem in stems]
        for rank in range(max((len(o) for o in others), default=0)):
            name = f"{lane} alt {rank + 1}"
            result.append((name, [replace(o[rank], lane=name) for o in others if len(o) > rank]))
    return result


def muted(lanes: Lanes) -> dict[str, StemMix]:
    """A muted mix for every stem on `lanes`, by stem path."""
    return {stem.path: StemMix(stem.path, mute=True) for _, stems in lanes for stem in stems}
