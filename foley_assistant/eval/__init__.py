"""Metrics shared by tests, benchmarks and the CLI: levels, spatial object-awareness (stereo and
binaural). Every metric reads the audio and the object's track, never the curves it was rendered
with."""
