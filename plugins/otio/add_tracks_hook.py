"""OTIO hook script `foley_assistant_add_tracks` on pre_adapter_write (loaded from plugin_manifest.json)."""

from foley_assistant.otio_plugin.foley_tracks import add_foley_tracks


def hook_function(in_timeline, argument_map=None):
    """The timeline with the foley tracks added when `-H foley=...` (or $FOLEY_ASSISTANT_OTIO_HOOK)
    asks for them; otherwise the timeline unchanged."""
    return add_foley_tracks(in_timeline, argument_map or {})
