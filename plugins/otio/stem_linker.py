"""OTIO media linker `foley_assistant_stems` (loaded by OTIO from plugin_manifest.json)."""

from foley_assistant.otio_plugin.relink import relinked_reference


def link_media_reference(in_clip, media_linker_argument_map):
    """Our stem clips, pointed at the stem files under `root` (argument, or
    $FOLEY_ASSISTANT_STEMS_ROOT, or the current folder) when their recorded path is gone; any
    other clip's reference is returned unchanged."""
    return relinked_reference(in_clip, media_linker_argument_map or {})
