"""The per-shot spine: analyze, then events, dry sources, placement, stems and levels, and the report of what was made; one way to make a shot for the CLI, the app and the plugins."""
