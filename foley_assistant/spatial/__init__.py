"""Placing dry sounds: curves from tracks, pan laws, distance models, air absorption, Doppler,
stereo and binaural (spherical head or SOFA HRIRs) rendering, stems and mix, loudness."""
