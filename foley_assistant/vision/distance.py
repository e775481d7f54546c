"""Distance of an object from the camera, from its box height and a class size prior.

Pinhole camera: f_px = (W / 2) / tan(hfov / 2) and Z = zoom * f_px * H_real / h_px, with W the
frame width, h_px the box height in pixels (square pixels), hfov the shot's horizontal field of
view (a setting, default 60 degrees, for the first frame) and zoom the focal length relative to
the first frame as measured from the camera's motion (1 without a zoom). Boxes cut by the top or bottom of the
frame do not show the whole height; their frames take the distance of the nearest uncut frames,
or the distance their visible part gives where that is nearer (the object is at least that tall).
Results are clamped to [min_m, max_m] and median-smoothed over a few frames.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib.resources import files

import numpy as np
from scipy.ndimage import median_filter


@lru_cache(maxsize=1)
def size_priors() -> dict[str, float]:
    """Real heights in metres per label, from resources/size_priors.json."""
    data = json.loads((files("foley_assistant.resources") / "size_priors.json").read_text(encoding="utf-8"))
    return {k: float(v) for k, v in data.items() if not k.startswith("_")}


def focal_length_px(frame_width: int, hfov_deg: float) -> float:
    """Focal length in pixels of a pinhole camera with this horizontal field of view."""
    return (frame_width / 2) / math.tan(math.radians(hfov_deg) / 2)


def distances_from_boxes(
    boxes: np.ndarray,
    label: str,
    frame_width: int,
    frame_height: int,
    hfov_deg: float = 60.0,
    min_m: float = 0.5,
    max_m: float = 200.0,
    zoom: np.ndarray | None = None,
) -> np.ndarray:
    """Distance in metres per box ([x0, y0, x1, y1] normalized rows); `zoom` per box (see above)."""
    priors = size_priors()
    real_height = priors.get(label, priors.get("default", 0.5))
    heights_px = np.maximum((boxes[:, 3] - boxes[:, 1]) * frame_height, 1.0)
    focal = focal_length_px(frame_width, hfov_deg) * (1.0 if zoom is None else np.asarray(zoom, dtype=np.float64))
    distance = focal * real_height / heights_px
    cut = (boxes[:, 1] <= 0.002) | (boxes[:, 3] >= 0.998)
    if cut.any() and not cut.all():
        whole = np.flatnonzero(~cut)
        # A cut box shows part of the object: it is no farther than that part puts it (a car
        # filling the frame as it passes the lens is nearer than where it was last seen whole).
        distance[cut] = np.minimum(np.interp(np.flatnonzero(cut), whole, distance[whole]), distance[cut])
    distance = np.clip(distance, min_m, max_m)
    if len(distance) >= 5:
        distance = median_filter(distance, size=5, mode="nearest")
    return distance
