import numpy as np
import pytest

from foley_assistant.eval.binaural import binaural_spatial_metrics
from foley_assistant.eval.spatial import stereo_spatial_metrics
from foley_assistant.spatial.curves import curves_from_track
from foley_assistant.spatial.render import render_stem
from foley_assistant.spatial.settings import BinauralSettings, StereoSettings
from tests.spatial.conftest import SR, TRAJECTORIES, make_shot, noise_burst


def _sweep_stem(settings=None):
    obj, shot = make_shot(TRAJECTORIES["sweep"])
    return obj, shot, render_stem(noise_burst(3.0), curves_from_track(obj, shot), settings or StereoSettings())


def test_a_mirrored_stem_scores_badly():
    obj, shot, stem = _sweep_stem()
    good = stereo_spatial_metrics(stem, SR, obj, shot)
    bad = stereo_spatial_metrics(stem[::-1], SR, obj, shot)
    assert good.pearson_r > 0.99 and good.spatial_av_align == 1.0 and good.sign_agreement == 1.0
    assert bad.pearson_r < -0.99 and bad.sign_agreement < 0.05 and bad.mae_deg > 15
    assert bad.spatial_av_align < 0.3  # the sound is heard where there is no box


def test_best_lag_finds_a_delay_of_the_sound():
    obj, shot, stem = _sweep_stem()
    assert stereo_spatial_metrics(stem, SR, obj, shot).best_lag_ms == pytest.approx(20, abs=10)  # the smoothing's lag
    late = np.pad(stem, ((0, 0), (int(0.1 * SR), 0)))[:, : stem.shape[1]]
    assert stereo_spatial_metrics(late, SR, obj, shot).best_lag_ms == pytest.approx(120, abs=10)
    early = stem[:, int(0.15 * SR) :]
    assert stereo_spatial_metrics(early, SR, obj, shot).best_lag_ms == pytest.approx(-130, abs=10)


def test_a_still_object_has_no_correlation_but_an_error():
    obj, shot = make_shot(np.full(75, 0.3))
    stem = render_stem(noise_burst(3.0), curves_from_track(obj, shot))
    metrics = stereo_spatial_metrics(stem, SR, obj, shot)
    assert metrics.pearson_r is None and metrics.best_lag_ms is None
    assert metrics.mae_deg < 0.1 and metrics.sign_agreement == 1.0
    assert metrics.to_dict()["pearson_r"] is None


def test_silent_frames_and_frames_without_a_box_are_not_scored():
    obj, shot = make_shot(TRAJECTORIES["exit"])
    stem = render_stem(noise_burst(3.0), curves_from_track(obj, shot))
    stem[:, : SR // 2] = 0.0
    metrics = stereo_spatial_metrics(stem, SR, obj, shot)
    box_seconds = float(shot.fps.seconds(obj.last_frame))
    assert metrics.frames == pytest.approx((box_seconds - 0.5) * 100, abs=2)


def test_binaural_metrics_from_itd_and_ild():
    obj, shot, stem = _sweep_stem(StereoSettings(binaural=BinauralSettings()))
    metrics = binaural_spatial_metrics(stem, SR, obj, shot)
    assert metrics.pearson_r >= 0.98 and metrics.mae_deg <= 3.0
    assert metrics.itd_mae_us < 20 and metrics.ild_mae_db < 1.5
    assert set(metrics.ild_mae_db_per_band) == {"500", "1000", "2000", "4000", "8000"}
    mirrored = binaural_spatial_metrics(stem[::-1], SR, obj, shot)
    assert mirrored.pearson_r < -0.95 and mirrored.itd_mae_us > 150 and mirrored.ild_mae_db > 3
