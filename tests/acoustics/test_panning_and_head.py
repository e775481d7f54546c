import numpy as np
import pytest

from foley_assistant.acoustics.head import (
    azimuth_from_itd,
    ear_angles_deg,
    expected_ild_db,
    head_shadow_alpha,
    woodworth_itd,
)
from foley_assistant.acoustics.panning import (
    PanLaw,
    azimuth_from_pan,
    azimuth_from_screen_x,
    pan_from_azimuth,
    pan_from_gains,
    pan_gains,
    screen_x_from_azimuth,
)


@pytest.mark.parametrize(
    ("law", "centre_db"),
    [(PanLaw.CONSTANT_POWER, -3.0103), (PanLaw.COMPROMISE, -4.5154), (PanLaw.LINEAR, -6.0206), (PanLaw.TANGENT, -3.0103)],
)
def test_pan_law_centre_levels_and_hard_sides(law, centre_db):
    assert law.centre_db == pytest.approx(centre_db, abs=1e-3)
    left, right = pan_gains(np.array([-1.0, 1.0]), law)
    np.testing.assert_allclose(left, [1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(right, [0.0, 1.0], atol=1e-12)


@pytest.mark.parametrize("law", list(PanLaw))
def test_pan_laws_invert_exactly(law):
    pans = np.linspace(-1, 1, 401)
    left, right = pan_gains(pans, law)
    np.testing.assert_allclose(pan_from_gains(left, right, law), pans, atol=1e-6)
    # only the ratio matters: scaled amplitudes give the same pan
    np.testing.assert_allclose(pan_from_gains(0.3 * left, 0.3 * right, law), pans, atol=1e-6)


def test_tangent_law_places_the_phantom_source_with_azimuth_positive_right():
    speaker = np.radians(30.0)
    for phi in (-25.0, -10.0, 0.0, 12.0, 30.0):
        left, right = pan_gains(pan_from_azimuth(phi, 30.0), PanLaw.TANGENT)
        assert (right - left) / (right + left) == pytest.approx(np.tan(np.radians(phi)) / np.tan(speaker), abs=1e-12)
        assert left**2 + right**2 == pytest.approx(1.0)
    left, right = pan_gains(pan_from_azimuth(20.0, 30.0), PanLaw.TANGENT)
    assert right > left  # + right


def test_screen_mapping_round_trips():
    x = np.linspace(-0.5, 1.5, 41)
    np.testing.assert_allclose(screen_x_from_azimuth(azimuth_from_screen_x(x, 70.0), 70.0), x, atol=1e-9)
    np.testing.assert_allclose(azimuth_from_screen_x([0.0, 0.5, 1.0], 60.0), [-30.0, 0.0, 30.0], atol=1e-9)
    pans = np.linspace(-1, 1, 21)
    np.testing.assert_allclose(pan_from_azimuth(azimuth_from_pan(pans, 35.0), 35.0), pans, atol=1e-12)
    assert pan_from_azimuth(80.0) == 1.0 and pan_from_azimuth(-120.0) == -1.0


def test_woodworth_itd_values_and_inverse():
    assert woodworth_itd(90.0) == pytest.approx(0.0875 / 343 * (np.pi / 2 + 1))  # about 0.656 ms
    assert woodworth_itd(-30.0) == pytest.approx(-woodworth_itd(30.0))
    assert woodworth_itd(120.0) == pytest.approx(woodworth_itd(60.0))  # folded front/back
    az = np.linspace(-89, 89, 179)
    np.testing.assert_allclose(azimuth_from_itd(woodworth_itd(az)), az, atol=0.05)


def test_brown_duda_alpha_and_ild_sign():
    assert head_shadow_alpha(0.0) == pytest.approx(2.0)
    assert head_shadow_alpha(150.0) == pytest.approx(0.1)
    left, right = ear_angles_deg(90.0)
    assert left == pytest.approx(180.0) and right == pytest.approx(0.0)
    assert expected_ild_db(8000.0, 60.0) > 10.0  # source on the right: the right ear is louder up high
    assert expected_ild_db(8000.0, -60.0) == pytest.approx(-expected_ild_db(8000.0, 60.0))
    assert abs(expected_ild_db(100.0, 60.0)) < 0.5  # the head casts no shadow at low frequencies
