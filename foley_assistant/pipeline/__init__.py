"""Jobs that string the stages together, as sub-packages that follow a shot:

- `spine/`: the one per-shot spine (analyze -> events -> dry sources -> placement -> stems ->
  levels) and the report of a run;
- `output/`: what a run writes into the output folder, as one set;
- `editing/`: the app's editing session (undoable edits, scratch renders, save) and its jobs;
- `handoff/`: exports to the editor's other tools and NLE placements;
- `evaluation/`: measuring made stems against the picture.

The top level holds the jobs the CLI runs whole (`generate`, `media_reel`, `demo`, `models`)
and `progress` (progress and cancellation). Each job takes a progress callback and a cancel
token; the CLI, the app and the plugins are faces of the same spine.
"""
