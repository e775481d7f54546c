"""Placing dry sounds: pan laws, distance models, curves from tracks, stereo stems and mix."""
