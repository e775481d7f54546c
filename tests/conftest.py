"""Shared fixtures: paths to bundled test data and small synthetic cuts built on demand."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # GUI tests never need a screen

FIXTURES = Path(__file__).parent / "fixtures"
TIMELINES = FIXTURES / "timelines"


@pytest.fixture
def corpus_timeline():
    """Path of a bundled corpus timeline by file name (from OpenTimelineIO's test data)."""

    def path(name: str) -> Path:
        return TIMELINES / name

    return path


@pytest.fixture(scope="session")
def small_cut(tmp_path_factory):
    """A two-shot synthetic cut at 25 fps, 320x180: a street (car + walker in the left third) and
    a bouncing ball. Returns the `SyntheticCut` (timeline path, and per shot its spec, the media
    frames used and the ground truth)."""
    from foley_assistant.core.timebase import FrameRate
    from foley_assistant.pipeline.demo import SyntheticShot, build_synthetic_cut
    from foley_assistant.synth import ObjectSpec, SceneSpec

    rate, handle = FrameRate(25), 6
    h = float(rate.seconds(handle))

    def scene(duration: float, objects: tuple, seed: int) -> SceneSpec:
        return SceneSpec(duration_s=duration + 2 * h, rate=rate, width=320, height=180, objects=objects, seed=seed)

    def shifted(path):
        return tuple((t + h, x, z) for t, x, z in path)

    shots = [
        SyntheticShot(
            "street",
            scene(2.8, (ObjectSpec("car", shifted(((-0.3, 13.0, 15.0), (3.1, -13.0, 15.0)))), ObjectSpec("walker", shifted(((-0.3, -5.0, 11.0), (3.1, -2.7, 8.5))))), 21),
            handle,
        ),
        SyntheticShot(
            "ball",
            scene(2.4, (ObjectSpec("ball", shifted(((-0.3, -1.5, 6.0), (2.7, 1.0, 6.0))), height_m=0.4, width_m=0.4),), 22),
            handle,
        ),
    ]
    return build_synthetic_cut(tmp_path_factory.mktemp("small_cut"), shots, name="small cut", start_timecode="10:00:00:00")


@pytest.fixture(scope="session")
def generated_small(small_cut, tmp_path_factory):
    """The small cut generated with the default engine: the output folder with its
    foley_project.json (read-only for tests: copy it with `project_copy` to edit)."""
    from foley_assistant.pipeline.generate import GenerateRequest, run_generate

    out = tmp_path_factory.mktemp("generated_small") / "out"
    run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=out))
    return out


@pytest.fixture
def project_copy(generated_small, tmp_path):
    """A private copy of the generated small project's output folder."""
    import shutil

    target = tmp_path / "project"
    shutil.copytree(generated_small, target)
    return target


#: a fixed BWF origination time (reproducible-builds convention), so that runs can be compared byte for byte
REPRODUCIBLE = {"SOURCE_DATE_EPOCH": "1700000000"}


def wav_digests(folder: Path) -> dict[str, str]:
    """sha256 of every WAV under `folder` (stems, dry sources, mixes), by path relative to it."""
    import hashlib

    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*/*.wav"))}


@pytest.fixture(scope="session")
def batch_reel(tmp_path_factory):
    """A three-shot synthetic reel (the demo's three kinds of shot at 320x180, 12 s of cut)."""
    from foley_assistant.pipeline.demo import build_synthetic_cut, reel_shots

    return build_synthetic_cut(tmp_path_factory.mktemp("batch_reel"), reel_shots(3), name="batch reel")


@pytest.fixture(scope="session")
def batch_reference(batch_reel, tmp_path_factory):
    """The reel generated serially, uninterrupted, with a fixed origination time: its folder."""
    from foley_assistant.pipeline.generate import GenerateRequest, run_generate

    out = tmp_path_factory.mktemp("batch_reference") / "out"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in REPRODUCIBLE.items():
            patch.setenv(name, value)
        result = run_generate(GenerateRequest(timeline_path=batch_reel.timeline_path, out_dir=out))
    assert result.status == "complete" and len(result.done_shots) == 3
    return out
