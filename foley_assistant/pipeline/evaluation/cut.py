"""The cut of a stem read for evaluation: its handles left out.

A stem written by `generate` may run on past its cut (handles); the metrics measure a file whose
first sample is the shot's first frame. A file inside a project folder (stems/ or dry/ beside
its foley_project.json) is trimmed to the cut its project records; any other file is taken as it is.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from foley_assistant.core.errors import FoleyError
from foley_assistant.io.json_files import read_project
from foley_assistant.pipeline.output.deliver import PROJECT_FILE, dry_path_of


def cut_of(audio: np.ndarray, path: Path) -> np.ndarray:
    """`audio` (channels, n) read from `path`, trimmed to its cut when a project records it."""
    path = Path(path).resolve()
    project_file = path.parent.parent / PROJECT_FILE
    if path.parent.name not in ("stems", "dry") or not project_file.is_file():
        return audio
    try:
        project = read_project(project_file)
    except FoleyError:
        return audio
    relative = f"{path.parent.name}/{path.name}"
    for stem in project.stems:
        if relative in (stem.path, dry_path_of(stem)):
            return audio[:, stem.handle_start_samples : stem.handle_start_samples + stem.length_samples]
    return audio
