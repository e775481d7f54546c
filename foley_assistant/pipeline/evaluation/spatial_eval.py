"""The `eval spatial` job: read a stem and a tracks file, measure the stem against one object."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from foley_assistant.acoustics.panning import PanLaw
from foley_assistant.core.errors import FoleyError, InputFileError
from foley_assistant.eval.binaural import binaural_spatial_metrics
from foley_assistant.eval.spatial import SpatialEvalSettings, stereo_spatial_metrics
from foley_assistant.io.audio import read_audio
from foley_assistant.io.json_files import read_tracks
from foley_assistant.pipeline.evaluation.cut import cut_of
from foley_assistant.pipeline.spine.single import pick_shot


def evaluate_spatial(
    stem_path: Path,
    tracks_path: Path,
    object_id: str,
    shot_id: str | None = None,
    hfov_deg: float = 60.0,
    pan_law: PanLaw = PanLaw.CONSTANT_POWER,
    binaural: bool = False,
) -> dict[str, Any]:
    """Object-awareness metrics of a two-channel stem whose first sample is the shot's first frame
    (the stems of `generate` are, once their handles are left out: `pipeline.evaluation.cut`;
    `render`'s are): the keys of CONTRACTS.md, plus the frame and event counts, plus ITD/ILD
    errors for a binaural stem."""
    audio, sample_rate = read_audio(stem_path)
    audio = cut_of(audio, stem_path)
    if audio.shape[0] != 2:
        raise InputFileError(f"{stem_path.name} has {audio.shape[0]} channel(s); the spatial metrics need a two-channel stem.")
    shot = pick_shot(read_tracks(tracks_path), shot_id)
    try:
        obj = shot.object(object_id)
    except KeyError as exc:
        raise FoleyError(str(exc.args[0])) from exc
    settings = SpatialEvalSettings(hfov_deg=hfov_deg, pan_law=pan_law)
    metrics = stereo_spatial_metrics(audio, sample_rate, obj, shot, settings).to_dict()
    if binaural:
        heard = binaural_spatial_metrics(audio, sample_rate, obj, shot, settings).to_dict()
        metrics.update({k: heard[k] for k in ("pearson_r", "mae_deg", "sign_agreement", "best_lag_ms")})
        metrics.update({k: heard[k] for k in ("itd_mae_us", "ild_mae_db", "ild_mae_db_per_band")})
    return metrics
