"""Run inside the `bpy` environment (.venv-bpy) by tests/plugins/test_blender_addon.py:

    python blender_session.py SCENE.json RESULT.json

SCENE.json: {"fps": [24, 1], "cli": PATH, "panned": bool, "strips": [{"name", "path", "channel",
"frame_start", "offset_start", "duration", "select"}]}. Registers the add-on, builds the sequencer,
runs the operator as Blender would, and writes what the sequencer holds afterwards.
"""

import json
import sys
from pathlib import Path

import bpy
from bpy_extras import anim_utils

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plugins" / "blender"))
import foley_assistant_vse  # noqa: E402


def main(scene_path, result_path):
    spec = json.loads(Path(scene_path).read_text())
    foley_assistant_vse.register()
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = spec["fps"][0], spec["fps"][1]
    editor = scene.sequence_editor_create()
    for item in spec["strips"]:
        strip = editor.strips.new_movie(item["name"], item["path"], item["channel"], item["frame_start"])
        strip.frame_offset_start = item["offset_start"]
        strip.frame_final_duration = item["duration"]
        strip.select = item["select"]
    scene.foley_assistant.cli = spec["cli"]
    scene.foley_assistant.panned = spec["panned"]
    outcome = bpy.ops.sequencer.foley_assistant_generate()
    curves = {}
    if scene.animation_data and scene.animation_data.action:
        bag = anim_utils.action_get_channelbag_for_slot(scene.animation_data.action, scene.animation_data.action_slot)
        for curve in bag.fcurves:
            curves[curve.data_path] = [list(point.co) for point in curve.keyframe_points]
    sounds = [
        {
            "name": s.name,
            "path": bpy.path.abspath(s.sound.filepath),
            "channel": s.channel,
            "frame_start": s.frame_start,
            "frame_final_start": s.frame_final_start,
            "frame_offset_start": s.frame_offset_start,
            "duration": s.frame_final_duration,
            "pan": curves.get('sequence_editor.strips_all["{}"].pan'.format(s.name), []),
            "volume": curves.get('sequence_editor.strips_all["{}"].volume'.format(s.name), []),
        }
        for s in editor.strips
        if s.type == "SOUND"
    ]
    movies = [{"name": s.name, "frame_final_start": s.frame_final_start, "frame_final_duration": s.frame_final_duration} for s in editor.strips if s.type == "MOVIE"]
    Path(result_path).write_text(json.dumps({"outcome": sorted(outcome), "sounds": sounds, "movies": movies}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
