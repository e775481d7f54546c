"""The one place placement choices become render settings: lossless both ways, defaults in step."""

from __future__ import annotations

from dataclasses import fields

import pytest

from foley_assistant.acoustics.panning import PanLaw
from foley_assistant.core.errors import FoleyError
from foley_assistant.core.project_settings import LoudnessPolicy, Placement, ProjectSettings
from foley_assistant.pipeline.spine.placement import curve_settings, loudness_policy, loudness_settings, placement_of, project_stereo, render_stereo
from foley_assistant.spatial.curves import CurveSettings, OffscreenMode
from foley_assistant.spatial.loudness import LoudnessSettings
from foley_assistant.spatial.settings import BinauralSettings, DistanceModel, StereoSettings


def test_the_records_defaults_are_the_render_defaults():
    assert render_stereo(Placement(), 48000, 60.0) == StereoSettings()
    assert curve_settings(Placement()) == CurveSettings()
    assert loudness_settings(LoudnessPolicy()) == LoudnessSettings()
    assert placement_of(StereoSettings(), CurveSettings()) == Placement()


def test_every_render_setting_survives_the_record():
    stereo = StereoSettings(
        pan_law=PanLaw.TANGENT,
        distance_model=DistanceModel.LINEAR,
        reference_distance_m=1.5,
        rolloff=0.7,
        max_distance_m=60.0,
        air_absorption=0.5,
        doppler=True,
        speed_of_sound_m_s=340.0,
        interchannel_delay_ms=0.4,
        smoothing_ms=30.0,
        control_interval=16,
        binaural=BinauralSettings(head_radius_m=0.09, hrir_block=256),
    )
    curves = CurveSettings(offscreen=OffscreenMode.KEEP_PANNING, fade_s=0.8, edge_margin=0.05, handover_s=0.1)
    record = placement_of(stereo, curves, binaural=True)
    rebuilt = render_stereo(record, 44100, 80.0)
    skipped = {"sample_rate", "pan_reference_deg"}
    assert all(getattr(rebuilt, f.name) == getattr(stereo, f.name) for f in fields(StereoSettings) if f.name not in skipped)
    assert (rebuilt.sample_rate, rebuilt.pan_reference_deg) == (44100, 40.0)  # screen-locked at hfov 80
    assert curve_settings(record) == curves
    assert loudness_policy(LoudnessSettings(-16.0, -2.0)) == LoudnessPolicy(-16.0, -2.0)
    assert loudness_settings(LoudnessPolicy(scope="shot")).scope == "shot" and loudness_policy(LoudnessSettings(scope="shot")).scope == "shot"
    # binaural only when asked for: a request's head settings alone do not turn it on
    assert render_stereo(placement_of(stereo, curves), 48000, 60.0).binaural is None


def test_a_bad_record_is_one_clear_error():
    with pytest.raises(FoleyError, match="unknown distance model 'loud'"):
        project_stereo(ProjectSettings(placement=Placement(distance_model="loud")))
    with pytest.raises(FoleyError, match="unknown off-screen mode"):
        curve_settings(Placement(offscreen="away"))
    with pytest.raises(FoleyError, match="no SOFA file"):
        project_stereo(ProjectSettings(placement=Placement(binaural=True, sofa_path="/nowhere/h.sofa")))
    assert project_stereo(ProjectSettings(placement=Placement(binaural=True, sofa_path="/nowhere/h.sofa")), hrirs=False).binaural == BinauralSettings()
