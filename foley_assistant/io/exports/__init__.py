"""Hand-offs to sound editors' tools: project files a DAW opens with the stems already in place.

- `rpp`: a REAPER project (.rpp), one track per object, the stems as items at their record
  positions, the object's pan and volume as track automation.

Exporters take plain, DAW-neutral descriptions (tracks, items, envelope points in seconds) and
write text atomically; they never read or render audio themselves.
"""
