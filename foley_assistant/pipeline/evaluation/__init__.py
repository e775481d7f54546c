"""Measuring made stems against the picture: spatial object-awareness and sync, for the CLI's `eval`."""
