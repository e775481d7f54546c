"""Acoustic rules shared by placement, measurement and the project's settings: pan laws and the
screen-to-azimuth mapping (`panning`), and the spherical head model (`head`). numpy and the
standard library only; the lowest layer, under `core`."""
