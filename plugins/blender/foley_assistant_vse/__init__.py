"""Foley Assistant for Blender's Video Sequencer (Sequencer > Sidebar > Foley).

Select movie strips and press Generate foley: the add-on writes an OTIO timeline of those strips,
runs `foley-assistant generate` on it, asks `foley-assistant placements` where each stem goes, and
adds one sound strip per object on new channels above the picture, at the right frames, with pan
(and volume) keyframes from the object's curves. See plugins/blender/README.md.
"""

import json
import os
import tempfile
import time

import bpy

from . import core

bl_info = {
    "name": "Foley Assistant",
    "author": "Foley Assistant",
    "version": (0, 1, 0),
    "blender": (4, 2, 0),
    "location": "Sequencer > Sidebar > Foley",
    "description": "Object-aware foley for the selected movie strips: a sound strip per moving object, panned where it is",
    "category": "Sequencer",
}


def _strips(editor):
    """The sequencer's top-level strips (Blender 4.4+ `strips`, earlier `sequences`)."""
    return editor.strips if hasattr(editor, "strips") else editor.sequences


def movie_strips(context):
    editor = context.scene.sequence_editor
    return [s for s in _strips(editor) if s.type == "MOVIE" and s.select] if editor else []


def work_folder(context):
    if bpy.data.filepath:
        return bpy.path.abspath("//foley_assistant")
    return os.path.join(tempfile.gettempdir(), "foley_assistant_blender")


class FoleyAssistantSettings(bpy.types.PropertyGroup):
    cli: bpy.props.StringProperty(name="Program", subtype="FILE_PATH", description="foley-assistant (empty: $FOLEY_ASSISTANT_CLI or PATH)")
    engine: bpy.props.EnumProperty(name="Engine", items=[("procedural", "Procedural", ""), ("library", "Library", ""), ("neural", "Neural", "")])
    panned: bpy.props.BoolProperty(name="Pan in Blender", default=True, description="Mono sources with pan/volume keyframes (on) or the stereo stems as rendered (off)")


class SEQUENCER_OT_foley_assistant_generate(bpy.types.Operator):
    """Make a sound strip per moving object of the selected movie strips"""

    bl_idname = "sequencer.foley_assistant_generate"
    bl_label = "Generate foley"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return context.scene is not None and context.scene.sequence_editor is not None

    def execute(self, context):
        try:
            added = self.generate(context)
        except core.AddonError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, "Foley Assistant: added {} sound strips".format(added))
        return {"FINISHED"}

    def generate(self, context):
        scene = context.scene
        settings = scene.foley_assistant
        chosen = [core.MovieStrip(s.name, bpy.path.abspath(s.filepath), s.channel, s.frame_final_start, s.frame_final_duration, s.frame_final_start - s.frame_start) for s in movie_strips(context)]
        rate = core.scene_rate(scene.render.fps, scene.render.fps_base)
        document, origin = core.otio_timeline(scene.name, rate, chosen)
        folder = os.path.join(work_folder(context), time.strftime("%Y%m%d-%H%M%S"))
        timeline = os.path.join(folder, "strips.otio")
        core.write_json(document, timeline)
        command = core.cli_command(settings.cli)
        out = os.path.join(folder, "foley")
        core.run_cli(command, ["generate", timeline, "--out", out, "--engine", settings.engine, "-q"])
        plan = json.loads(core.run_cli(command, ["placements", out, "--json", "--rate", "{}/{}".format(*rate)]))
        editor = scene.sequence_editor
        first = core.first_free_channel([s.channel for s in _strips(editor)], len(plan["lanes"]))
        planned = core.sound_strips(plan, origin, first, settings.panned)
        for item in planned:
            strip = _strips(editor).new_sound(item.name, item.filepath, item.channel, item.frame_start)
            if item.source_frame:  # trimmed to the cut: the handles stay in the file to extend into
                strip.frame_offset_start = item.source_frame
                strip.frame_final_duration = item.length
            for frame, pan, volume in item.keyframes:
                strip.pan = pan
                strip.keyframe_insert("pan", frame=frame)
                strip.volume = volume
                strip.keyframe_insert("volume", frame=frame)
        return len(planned)


class SEQUENCER_PT_foley_assistant(bpy.types.Panel):
    bl_label = "Foley Assistant"
    bl_space_type = "SEQUENCE_EDITOR"
    bl_region_type = "UI"
    bl_category = "Foley"

    def draw(self, context):
        settings = context.scene.foley_assistant
        layout = self.layout
        layout.prop(settings, "cli")
        layout.prop(settings, "engine")
        layout.prop(settings, "panned")
        layout.label(text="{} movie strips selected".format(len(movie_strips(context))))
        layout.operator(SEQUENCER_OT_foley_assistant_generate.bl_idname, icon="SOUND")


CLASSES = (FoleyAssistantSettings, SEQUENCER_OT_foley_assistant_generate, SEQUENCER_PT_foley_assistant)


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.Scene.foley_assistant = bpy.props.PointerProperty(type=FoleyAssistantSettings)


def unregister():
    del bpy.types.Scene.foley_assistant
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
