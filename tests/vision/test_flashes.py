"""Flash frames: a jump of brightness that comes back within a few frames."""

from __future__ import annotations

from foley_assistant.vision.flashes import flash_frames


def test_a_one_frame_flash_and_a_two_frame_dip_are_flashes():
    levels = [100, 101, 99, 180, 100, 102, 101, 60, 58, 100, 101]
    assert flash_frames(levels) == {3, 7, 8}


def test_a_cut_to_a_brighter_shot_is_not_a_flash():
    assert flash_frames([100, 100, 101, 170, 171, 169, 170, 172]) == set()


def test_a_slow_fade_or_a_long_strobe_is_not_a_flash():
    assert flash_frames([100, 110, 120, 130, 140, 150, 160]) == set()
    assert flash_frames([100, 200, 200, 200, 200, 100, 100]) == set()  # longer than 3 frames


def test_the_light_must_come_back_to_where_it_was():
    assert flash_frames([100, 190, 130, 130, 130]) == set()  # a change of lighting, not a flash


def test_a_flash_in_a_shot_is_neither_a_cut_nor_an_object_and_the_walker_stays_one_track():
    import numpy as np

    from foley_assistant.synth import render_scene, walker_scene
    from foley_assistant.vision.analyze import analyze_frames
    from foley_assistant.vision.perception.nanodet import NanoDet

    spec = walker_scene(seed=3, duration_s=3.0, width=320, height=180)
    frames, truth = render_scene(spec)
    frames = list(frames)
    frames[40] = np.clip(frames[40].astype(np.int16) + 160, 0, 255).astype(np.uint8)  # a camera flash
    (part,) = analyze_frames(enumerate(frames), spec.rate, 320, 180, detector=NanoDet(threads=2))
    assert part.flashes == (40,)
    movers = [o for o in part.objects if o.mover]
    assert len(movers) == 1 and movers[0].label == "person"
    assert movers[0].first_frame < 30 and movers[0].last_frame > 50  # through the flash, unbroken
    assert all(f.box.area < 0.3 for o in part.objects for f in o.frames)  # no whole-picture "object"


def test_a_car_filling_the_frame_for_a_frame_is_not_a_flash():
    import numpy as np

    from foley_assistant.vision.flashes import same_picture

    rng = np.random.default_rng(1)
    scene = rng.uniform(40, 160, (54, 96, 3))
    flashed = np.clip(scene * 1.6 + 40, 0, 255)
    car = rng.uniform(60, 255, (54, 96, 3))  # another picture, brighter
    frames = [scene, scene, flashed, scene, scene, car, scene]
    levels = [float(f.mean()) for f in frames]
    assert flash_frames(levels) == {2, 5}  # brightness alone cannot tell them apart
    assert flash_frames(levels, lambda k, j: same_picture(frames[k], frames[j])) == {2}
