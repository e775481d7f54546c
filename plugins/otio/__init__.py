"""Foley Assistant's OpenTimelineIO plugin (installed as `foley_assistant.otio_plugin`).

OTIO finds it through the `opentimelineio.plugins` entry point of the package and reads
`plugin_manifest.json` beside this file:

- media linker `foley_assistant_stems` (`stem_linker.py`, logic in `relink.py`): points the clips of
  our stem tracks at their files again after a generate folder was moved
  (`otioconvert -m foley_assistant_stems -M root=FOLDER ...`);
- hook script `foley_assistant_add_tracks` on `pre_adapter_write` (`add_tracks_hook.py`, logic in
  `foley_tracks.py`): adds the foley tracks to a timeline as it is written, from a generate folder
  or by running generate (`otioconvert -H foley=generate ...`). It does nothing unless asked.

See plugins/otio/README.md.
"""
