"""Object lanes: which audio track of the delivered timeline each stem goes on.

A foley editor's session is organised by element: all footsteps on their own track(s), cars on
theirs. Stems are laid on lanes named after their label; when two stems of a label overlap in
time (two people in one shot), the second goes to "<label> 2", and so on. Ambience beds, whatever
their kind (room, street...), share the lane "ambience" (and "ambience 2"... where they overlap).
"""

from __future__ import annotations

from dataclasses import replace

from foley_assistant.core.stem import Stem

AMBIENCE_LANE = "ambience"


def assign_lanes(stems: list[Stem]) -> list[tuple[str, list[Stem]]]:
    """Lanes in a stable order (by label, then number), each with its stems in record order.

    The returned stems carry their lane name in `Stem.lane`.
    """
    lanes: dict[str, list[list[Stem]]] = {}
    for stem in sorted(stems, key=lambda s: (s.record_start_sample, s.shot_id, s.object_id)):
        label_lanes = lanes.setdefault(AMBIENCE_LANE if stem.is_ambience else stem.label, [])
        for lane in label_lanes:
            if lane[-1].record_end_sample <= stem.record_start_sample:
                lane.append(stem)
                break
        else:
            label_lanes.append([stem])
    result = []
    for label in sorted(lanes):
        for number, lane in enumerate(lanes[label], start=1):
            name = label if number == 1 else f"{label} {number}"
            result.append((name, [replace(s, lane=name) for s in lane]))
    return result
