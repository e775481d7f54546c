"""ProceduralGenerator end to end: length, timing, silence outside the life, determinism, voice map."""

from __future__ import annotations

import inspect
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from foley_assistant.core.errors import InputFileError
from foley_assistant.core.timebase import FrameRange
from foley_assistant.generators.base import DryAudio, DryGenerator
from foley_assistant.generators.procedural import ProceduralGenerator, VoiceMap
from foley_assistant.generators.procedural.voice_map import bundled_size_priors

SR = 48000


def _n_samples(scene: SimpleNamespace) -> int:
    return int(round(scene.shot.frame_range.duration / scene.shot.fps.fps * SR))


@pytest.fixture(scope="module")
def generator() -> ProceduralGenerator:
    return ProceduralGenerator()


def _kind(audio: DryAudio, kind: str) -> list:
    return [e for e in audio.events if e.kind == kind]


@pytest.fixture(scope="module")
def walk_render(scenes: SimpleNamespace) -> tuple[SimpleNamespace, DryAudio]:
    scene = scenes.walker(enter=10, leave=110)  # shot starts at media frame 1000; seen 0.4 s .. 4.44 s
    steps_only = ProceduralGenerator(voices={"person": {"voice": "footsteps"}})  # no cloth layer
    return scene, steps_only.generate(scene.obj, scene.shot, _n_samples(scene), SR, seed=7)


@pytest.fixture(scope="module")
def car_render(generator: ProceduralGenerator, scenes: SimpleNamespace) -> tuple[SimpleNamespace, DryAudio]:
    scene = scenes.car()
    return scene, generator.generate(scene.obj, scene.shot, _n_samples(scene), SR, seed=7)


def test_it_answers_the_dry_generator_call(generator: ProceduralGenerator) -> None:
    expected = list(inspect.signature(DryGenerator.generate).parameters)
    assert list(inspect.signature(ProceduralGenerator.generate).parameters) == expected
    assert generator.engine == "procedural"
    assert ProceduralGenerator(hfov_deg=45.0).hfov_deg == 45.0
    with pytest.raises(ValueError):
        ProceduralGenerator(hfov_deg=0.0)


@pytest.mark.parametrize("which", ["walker", "bouncing_ball", "car", "static_box"])
@pytest.mark.parametrize("extra", [0, 1234])
def test_output_is_exactly_n_samples_of_float32_and_never_clips(generator: ProceduralGenerator, scenes: SimpleNamespace, which: str, extra: int) -> None:
    scene = getattr(scenes, which)()
    n = _n_samples(scene) - 500 + extra  # shorter or longer than the shot: still exactly n
    audio = generator.generate(scene.obj, scene.shot, n, SR, seed=1)
    assert audio.samples.shape == (n,) and audio.samples.dtype == np.float32
    assert audio.sample_rate == SR
    assert np.all(np.isfinite(audio.samples)) and np.max(np.abs(audio.samples)) <= 1.0
    assert all(0 <= e.sample_index(SR) <= n for e in audio.events)
    assert len(audio.sources) == len(audio.events)


def test_footsteps_start_on_their_events(walk_render: tuple, scenes: SimpleNamespace) -> None:
    scene, audio = walk_render
    x = audio.samples.astype(np.float64)
    steps = _kind(audio, "footfall")
    assert audio.voice == "footsteps/concrete" and len(steps) >= 7
    onsets = scenes.onset_times(x, SR, threshold=0.05 * np.max(np.abs(x)), min_gap_s=0.2)
    assert len(onsets) == len(steps)
    errors = [abs(o - e.time_s) for o, e in zip(onsets, steps)]
    assert max(errors) < 0.005
    truth = np.array(scene.truth)  # and the events are the picture's footfalls
    assert max(np.min(np.abs(truth - e.time_s)) for e in steps) < 1 / 25
    assert [e.kind for e in audio.events if e.kind in ("entrance", "exit")] == ["entrance", "exit"]
    assert all(source == "footsteps/concrete" for source in audio.sources)


def test_a_person_rustles_between_steps(generator: ProceduralGenerator, scenes: SimpleNamespace) -> None:
    scene = scenes.walker(enter=10, leave=110)
    dressed = generator.generate(scene.obj, scene.shot, _n_samples(scene), SR, seed=7)
    plain = ProceduralGenerator(voices={"person": {"voice": "footsteps"}}).generate(scene.obj, scene.shot, _n_samples(scene), SR, seed=7)
    assert dressed.voice == "footsteps/concrete+cloth"
    rest = dressed.samples.astype(np.float64) - plain.samples  # the cloth layer alone
    first, last = round(0.6 * SR), round(4.2 * SR)
    rms = lambda a: float(np.sqrt(np.mean(a**2)))  # noqa: E731
    assert rms(rest[first:last]) > 10 ** (-56 / 20)  # it is there...
    assert rms(rest[first:last]) < 0.3 * rms(plain.samples[first:last].astype(np.float64))  # ...under the steps
    assert np.all(rest[: round(0.4 * SR)] == 0.0)  # and silent before the walker appears
    layer_log = [r for r in dressed.event_log() if "layer" in r]  # the layer is in the event log: from entrance to exit
    assert [(r["kind"], r["layer"], r["voice"], r["engine"], r["source"]) for r in layer_log] == [
        ("entrance", 1, "cloth", "procedural", "cloth"),
        ("exit", 1, "cloth", "procedural", "cloth"),
    ]
    assert len(dressed.event_log()) == len(dressed.events) + 2 and not plain.layers


def test_footsteps_peak_near_minus_12_dbfs_and_never_repeat(walk_render: tuple) -> None:
    _, audio = walk_render
    x = audio.samples.astype(np.float64)
    steps = [x[round(e.time_s * SR) : round(e.time_s * SR) + SR // 8] for e in _kind(audio, "footfall")]
    peaks_db = [20 * np.log10(np.max(np.abs(s))) for s in steps]
    # strength 0.7 at 1.4 m/s: -12 dBFS + 0.7 * 20 log10(0.7) = -14.2 dBFS, +-2.5 dB per step
    assert all(-17.0 < p < -11.5 for p in peaks_db)
    for a, b in zip(steps, steps[1:]):
        assert abs(np.corrcoef(a, b)[0, 1]) < 0.99
        spectrum_a, spectrum_b = np.abs(np.fft.rfft(a)), np.abs(np.fft.rfft(b))
        assert np.corrcoef(spectrum_a, spectrum_b)[0, 1] < 0.99


def test_silence_before_the_first_frame_and_after_the_release(walk_render: tuple, generator: ProceduralGenerator) -> None:
    scene, audio = walk_render
    x = audio.samples
    first = round(0.4 * SR)  # frame 1010 of a shot starting at frame 1000, 25 fps
    end = round(111 / 25 * SR)  # first sample after the last frame (1110)
    release = round(generator.voice_for("person").get("release_s") * SR)
    assert np.all(x[:first] == 0.0)
    assert np.all(x[end + release :] == 0.0)
    assert np.any(x[first : first + SR] != 0.0)


def test_the_engine_fades_in_at_the_first_frame_and_out_after_the_last(generator: ProceduralGenerator, scenes: SimpleNamespace) -> None:
    scene = scenes.car()
    late = replace(scene.obj, frames=tuple(f for f in scene.obj.frames if 20 <= f.frame <= 80))
    n = _n_samples(scene)
    audio = generator.generate(late, scene.shot, n, SR, seed=3)
    x = audio.samples
    start, end = round(20 / 25 * SR), round(81 / 25 * SR)
    release = round(generator.voice_for("car").get("release_s") * SR)
    assert np.all(x[:start] == 0.0) and np.all(x[end + release :] == 0.0)
    rms = lambda a: float(np.sqrt(np.mean(a.astype(np.float64) ** 2)))  # noqa: E731
    assert rms(x[start : start + SR // 50]) < 0.5 * rms(x[start + SR // 2 : start + SR])  # fading in
    assert [e.kind for e in audio.events] == ["entrance", "exit"]
    assert audio.events[0].time_s == pytest.approx(0.8) and audio.events[1].time_s == pytest.approx(81 / 25)
    assert audio.events[0].cause == "appears" and audio.sources == ("engine/car", "engine/car")


def test_a_car_passing_the_lens_in_three_frames_sounds_while_it_is_seen(generator: ProceduralGenerator, scenes: SimpleNamespace) -> None:
    """A continuous voice's fade-in is at most a quarter of a brief life: the engine of a car seen
    for three frames is at full level on them, not only in its release after it has gone."""
    scene = scenes.pass_by()
    audio = generator.generate(scene.obj, scene.shot, _n_samples(scene), SR, seed=3)
    x = audio.samples.astype(np.float64)
    per_frame = SR // scenes.FPS
    level = lambda k: 20 * np.log10(np.sqrt(np.mean(x[k * per_frame : (k + 1) * per_frame] ** 2)) + 1e-12)  # noqa: E731
    seen = [level(k) for k in range(30, 33)]
    after = [level(k) for k in range(33, 45)]
    assert np.mean(seen) > max(after) - 3.0  # (with a 0.25 s fade-in the three frames were 12 dB under the tail)
    assert level(29) < -100  # and nothing before it is seen


def test_the_engine_rises_in_pitch_and_level_as_the_car_speeds_up(car_render: tuple) -> None:
    scene, audio = car_render
    x = audio.samples.astype(np.float64)
    assert audio.voice == "engine/car"

    def pitch(start_s: float, length_s: float = 0.5) -> float:
        w = x[int(start_s * SR) : int((start_s + length_s) * SR)]
        w = w - w.mean()
        r = np.fft.irfft(np.abs(np.fft.rfft(w, 2 * len(w))) ** 2)[: len(w)]
        lo, hi = SR // 250, SR // 15
        lag = lo + int(np.flatnonzero(r[lo:hi] >= 0.9 * r[lo:hi].max())[0])
        return SR / lag

    cruise = pitch(1.0)
    assert cruise == pytest.approx((800 + 110 * 8.0) / 30, rel=0.04)  # 1680 rpm, 4 cylinders: 56 Hz
    assert pitch(3.4) > 1.15 * cruise and pitch(4.0) > pitch(3.4)
    level = lambda a, b: 20 * np.log10(np.sqrt(np.mean(x[int(a * SR) : int(b * SR)] ** 2)))  # noqa: E731
    assert level(0.5, 2.4) == pytest.approx(-18.0, abs=1.5)
    assert level(3.0, 4.4) > level(0.5, 2.4) + 2.0


def test_same_seed_same_sound_other_seed_other_sound(generator: ProceduralGenerator, scenes: SimpleNamespace) -> None:
    for scene in (scenes.walker(), scenes.bouncing_ball(), scenes.car()):
        n = _n_samples(scene)
        a = generator.generate(scene.obj, scene.shot, n, SR, seed=11).samples
        b = generator.generate(scene.obj, scene.shot, n, SR, seed=11).samples
        c = generator.generate(scene.obj, scene.shot, n, SR, seed=12).samples
        assert np.array_equal(a, b)
        assert not np.allclose(a, c, atol=1e-3)


def test_ball_impacts_sound_at_the_contacts(generator: ProceduralGenerator, scenes: SimpleNamespace) -> None:
    scene = scenes.bouncing_ball()
    audio = generator.generate(scene.obj, scene.shot, _n_samples(scene), SR, seed=5)
    hits = _kind(audio, "impact")
    assert audio.voice == "impacts/rubber" and len(hits) >= 4
    x = audio.samples.astype(np.float64)
    onsets = scenes.onset_times(x, SR, threshold=0.02 * np.max(np.abs(x)), min_gap_s=0.1)
    for contact in scene.truth[:4]:
        assert min(abs(o - contact) for o in onsets) < 0.005
    peaks = [np.max(np.abs(x[round(e.time_s * SR) : round(e.time_s * SR) + SR // 40])) for e in hits[:4]]
    assert peaks[0] > peaks[-1]
    assert [e.cause for e in hits[:2]] == ["landing", "bounce"]


def test_a_shot_that_starts_after_the_object_cuts_in_cleanly(generator: ProceduralGenerator, scenes: SimpleNamespace) -> None:
    scene = scenes.walker(enter=10, leave=110)
    later = replace(scene.shot, frame_range=FrameRange(1050, 80))  # object seen since frame 1010
    n = round(80 / 25 * SR)
    audio = generator.generate(scene.obj, later, n, SR, seed=2)
    assert audio.samples.shape == (n,)
    steps = _kind(audio, "footfall")
    assert all(0 <= e.time_s < 80 / 25 for e in audio.events) and steps
    assert "entrance" not in [e.kind for e in audio.events]  # it was already there when the shot began
    truth = np.array(scene.truth) - 50 / 25  # the walker's truth counts from frame 1000
    assert max(np.min(np.abs(truth - e.time_s)) for e in steps) < 1 / 25


def test_an_object_without_frames_is_silent(generator: ProceduralGenerator, scenes: SimpleNamespace) -> None:
    scene = scenes.walker()
    empty = replace(scene.obj, frames=())
    audio = generator.generate(empty, scene.shot, 4800, SR, seed=0)
    assert audio.samples.shape == (4800,) and not np.any(audio.samples) and audio.events == ()


def test_the_bundled_voice_map_and_its_lookup(generator: ProceduralGenerator) -> None:
    assert generator.voice_for("person").voice == "footsteps"
    assert generator.voice_for("Pedestrian").get("surface") == "concrete"
    assert generator.voice_for("car").voice == generator.voice_for("truck").voice == "engine"
    assert generator.voice_for("bus").get("cylinders") == 6
    assert generator.voice_for("sports_ball").get("material") == "rubber"
    unknown = generator.voice_for("giraffe")
    assert unknown.voice == "impacts" and unknown.get("material") == "wood"


def test_heights_come_from_the_map_then_the_size_priors_then_the_voice(generator: ProceduralGenerator) -> None:
    priors = bundled_size_priors()
    assert generator.voice_for("child").get("height_m") == 1.2  # set in voices.json
    assert generator.voice_for("person").get("height_m") == priors.get("person", 1.7)
    assert generator.voice_for("bus").get("height_m") == priors.get("bus", 1.5)  # same_as truck, own prior
    assert generator.voice_for("pedestrian").get("height_m") == 1.7  # no prior: the footsteps default
    assert generator.voice_for("giraffe").get("height_m") == 0.3  # no prior: the impacts default
    custom = ProceduralGenerator(voices={"person": {"voice": "footsteps", "height_m": 1.9}})
    assert custom.voice_for("person").get("height_m") == 1.9


def test_a_custom_voice_map_changes_the_voice(scenes: SimpleNamespace) -> None:
    scene = scenes.walker()
    custom = ProceduralGenerator(voices={"person": {"voice": "impacts", "material": "metal"}, "_doc": "mine"})
    chosen = custom.voice_for(scene.obj.label)
    audio = custom.render(scene.obj, scene.shot, _n_samples(scene), SR, 0, chosen)
    assert audio.voice == "impacts/metal" and _kind(audio, "impact") == []  # a walker never lands like a dropped thing
    # That voice makes no sound here, so the stem gets the generic movement voice, and says why.
    heard = custom.generate(scene.obj, scene.shot, _n_samples(scene), SR, seed=0)
    assert heard.voice == "cloth+impacts/plastic+whoosh" and "made no sound" in heard.reason
    assert np.max(np.abs(heard.samples)) > 10 ** (-40 / 20)
    quiet = ProceduralGenerator(voices={"person": {"voice": "footsteps", "level_db": -6}})
    loud = ProceduralGenerator(voices={"person": {"voice": "footsteps"}})
    a = quiet.generate(scene.obj, scene.shot, _n_samples(scene), SR, seed=0).samples
    b = loud.generate(scene.obj, scene.shot, _n_samples(scene), SR, seed=0).samples
    assert np.max(np.abs(a)) == pytest.approx(np.max(np.abs(b)) * 10 ** (-6 / 20), rel=1e-4)


@pytest.mark.parametrize(
    "data, words",
    [
        ({"car": {"voice": "engin"}}, ["car", "engin", "footsteps"]),
        ({"person": {"voice": "footsteps", "surfce": "wood"}}, ["person", "surfce", "surface"]),
        ({"person": {"voice": "footsteps", "surface": "lava"}}, ["lava", "concrete"]),
        ({"ball": {"voice": "impacts", "material": "jelly"}}, ["jelly", "rubber"]),
        ({"car": {"voice": "engine", "idle_rpm": 9000, "max_rpm": 5000}}, ["car", "idle_rpm"]),
        ({"a": {"same_as": "b"}, "b": {"same_as": "a"}}, ["loops"]),
        ({"a": {"same_as": "nothing"}}, ["nothing"]),
        ([1, 2], ["object"]),
    ],
)
def test_a_bad_voice_map_is_refused_with_a_useful_message(data: object, words: list[str]) -> None:
    with pytest.raises(InputFileError) as error:
        VoiceMap.from_dict(data)
    for word in words:
        assert word in str(error.value)


def test_every_bundled_entry_is_documented_and_valid() -> None:
    import json
    from importlib.resources import files

    raw = json.loads(files("foley_assistant.resources").joinpath("voices.json").read_text(encoding="utf-8"))
    assert "_doc" in raw and "_default" in raw
    for key in ("voice", "height_m", "level_db", "release_s", "surface", "material", "same_as", "idle_rpm", "cylinders", "preset", "tyre_noise", "layers", "library", "onset_m_s"):
        assert key in json.dumps(raw["_doc"])
    bundled = VoiceMap.bundled()
    assert {"person", "car", "truck", "motorcycle", "ball", "object"} <= set(bundled.entries)


def test_render_track_is_the_public_entry_point(scenes: SimpleNamespace) -> None:
    from foley_assistant.generators.procedural import render_track

    scene = scenes.bouncing_ball()
    default = render_track(scene.obj, scene.shot, seed=4)
    assert default.samples.shape == (round(scene.shot.frame_range.duration / 25 * SR),)
    assert default.voice == "impacts/rubber" and len(default.sources) == len(default.events)
    metal = render_track(scene.obj, scene.shot, seed=4, voice={"voice": "impacts", "material": "metal"}, sample_rate=44100, n_samples=44100)
    assert metal.voice == "impacts/metal" and metal.samples.shape == (44100,) and metal.sample_rate == 44100
    assert [e.time_s for e in metal.events if e.kind == "impact"] == [e.time_s for e in default.events if e.kind == "impact" and e.time_s < 1.0]
    assert np.array_equal(render_track(scene.obj, scene.shot, seed=4).samples, default.samples)


def test_voice_map_layers_presets_and_library_text() -> None:
    voices = VoiceMap.from_dict(
        {
            "person": {"voice": "footsteps", "surface": "snow", "layers": [{"voice": "cloth", "level_db": -8, "library": "anorak"}], "library": "boots snow"},
            "van": {"voice": "engine", "preset": "truck", "cylinders": 4},
            "kite": {"voice": "whoosh", "onset_m_s": 0.5, "reference_m_s": 4.0},
        }
    )
    person = voices.lookup("person")
    assert person.name == "footsteps/snow" and [layer.name for layer in person.layers] == ["cloth"]
    assert person.library_query("person") == "boots snow" and person.layers[0].library_query("person") == "anorak"
    van = voices.lookup("van")
    from foley_assistant.generators.procedural.voice_map import engine_spec

    spec = engine_spec(van.params)
    assert (spec.idle_rpm, spec.max_rpm, spec.cylinders) == (600.0, 2500.0, 4)  # the truck preset, 4 cylinders
    assert van.library_query("van") == "truck engine" and voices.lookup("kite").library_query("kite") == "whoosh"
    for bad, words in (
        ({"van": {"voice": "engine", "preset": "rocket"}}, ["rocket", "truck"]),
        ({"p": {"voice": "footsteps", "layers": [{"voice": "cloth", "height_m": 2}]}}, ["height_m", "layer"]),
        ({"p": {"voice": "footsteps", "layers": "cloth"}}, ["layers"]),
        ({"k": {"voice": "whoosh", "onset_m_s": 5, "reference_m_s": 2}}, ["whoosh", "onset_m_s"]),
        ({"p": {"voice": "footsteps", "library": 3}}, ["library"]),
    ):
        with pytest.raises(InputFileError) as error:
            VoiceMap.from_dict(bad)
        assert all(w in str(error.value) for w in words), str(error.value)


def test_every_bundled_label_renders(generator: ProceduralGenerator, scenes: SimpleNamespace) -> None:
    scene = scenes.walker()
    for label in generator.voices.entries:
        audio = generator.generate(scene.obj.with_label(label), scene.shot, 2 * SR, SR, seed=1)
        assert audio.samples.shape == (2 * SR,) and np.max(np.abs(audio.samples)) <= 1.0, label
