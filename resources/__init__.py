"""Bundled data: label -> voice maps, size priors, presets. Edit the JSON files to change defaults."""
