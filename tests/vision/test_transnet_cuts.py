"""Shot cuts with the shipped TransNetV2 network: the model verifies against its manifest, its
streamed sliding windows equal the authors' windowing, and cuts are found on real footage (every
annotated cut within a frame, nothing on a hologram flicker or on cars crossing the frame) and on
generated scenes (a hard cut found, a one-frame white flash refused)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from foley_assistant.io.video import probe_video, read_frames
from foley_assistant.vision.analyze import ShotSplitter
from foley_assistant.vision.cuts import CutSettings, Transition
from foley_assistant.vision.perception import shipped
from foley_assistant.vision.perception.transnet import MODEL, MODEL_INT8, TransNetStream, network_thumbnail

FOOTAGE = Path(__file__).resolve().parents[2].parent / "shared" / "footage"


@pytest.fixture(scope="module")
def footage() -> Path:
    """The development clips with hand annotations, beside the repository (shared/footage)."""
    if not (FOOTAGE / "annotations").is_dir():
        pytest.skip(f"real footage not found at {FOOTAGE} (the shared development clips are beside the repository only on project machines)")
    return FOOTAGE


def boundary_probabilities(thumbs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(single, many) probabilities of every frame of a run of network thumbnails, streamed."""
    stream = TransNetStream()
    parts = [stream.push(thumb) for thumb in thumbs] + [stream.finish()]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def split(frames: list[np.ndarray], fps: float, settings: CutSettings | None = None) -> list[Transition]:
    """The boundaries `ShotSplitter` finds in a stream of frames, as analysis runs it."""
    splitter = ShotSplitter(fps, settings or CutSettings())
    for _ in splitter.run(enumerate(frames)):
        pass
    return splitter.transitions


def clip_cuts(folder: Path, name: str, gain: float = 1.0, settings: CutSettings | None = None) -> tuple[list[int], list[int]]:
    """(annotated cuts, cuts found) of a development clip decoded as analysis decodes it, its
    levels scaled by `gain`."""
    annotation = json.loads((folder / "annotations" / f"{name}.json").read_text())
    truth = [shot["frame_range"][0] for shot in annotation["shots"][1:]]
    media = folder / f"{name}.mp4"
    frames = [(image * gain + 0.5).astype(np.uint8) if gain != 1.0 else image for _, image in read_frames(media, analysis_width=320, gray=False)]
    found = split(frames, float(probe_video(media).rate), settings)
    assert all(t.kind == "cut" for t in found)
    return truth, [t.split for t in found]


@pytest.mark.parametrize("name", [MODEL, MODEL_INT8])
def test_the_shipped_model_matches_its_manifest_and_licence(name):
    info = shipped.manifest(name)
    assert shipped.verified_path(name) == info.path
    assert info.licence.startswith("MIT") and (info.path.parent / "LICENSES" / "transnetv2-MIT.txt").is_file()
    session = shipped.session(name, 1)
    assert [i.name for i in session.get_inputs()] == ["frames"]
    assert session.get_inputs()[0].shape[1:] == [100, 27, 48, 3]
    assert [o.name for o in session.get_outputs()] == ["single_frame", "many_hot"]


def test_streamed_windows_equal_the_authors_windowing():
    # 25 copies of the first frame, then frames 0..74: the first window, whose middle 50 frames
    # are frames 0..49; 130 frames take three windows, the last padded with the last frame.
    rng = np.random.default_rng(3)
    frames = rng.integers(0, 256, (130, 27, 48, 3), dtype=np.uint8)
    frames[60:] //= 3
    single, many = boundary_probabilities(frames)
    assert single.shape == many.shape == (130,)
    session = shipped.session(MODEL_INT8, 2)  # the stream's model
    first = np.concatenate([np.repeat(frames[:1], 25, 0), frames[:75]])[None]
    direct_single, direct_many = session.run(None, {"frames": first})
    np.testing.assert_allclose(single[:50], direct_single[0, 25:75], atol=1e-6)
    np.testing.assert_allclose(many[:50], direct_many[0, 25:75], atol=1e-6)
    last = np.concatenate([frames[75:], np.repeat(frames[-1:], 100 - 55, 0)])[None]
    np.testing.assert_allclose(single[100:], session.run(None, {"frames": last})[0][0, 25:55], atol=1e-6)
    stream = TransNetStream()
    returned = sum(len(stream.push(f)[0]) + len(stream.wait()[0]) for f in frames[:74])
    assert returned == 0 and len(stream.push(frames[74])[0]) + len(stream.wait()[0]) == 50  # frame 74 completes the first window
    assert stream.returned == 50 and len(stream.finish()[0]) == 25  # 75 frames pushed in all
    # Only frame 60 wanted: the window keeping frames 50..99 runs, the other two do not.
    sparse = TransNetStream()
    parts = [sparse.push(f, wanted=k == 60)[0] for k, f in enumerate(frames)] + [sparse.finish()[0]]
    got = np.concatenate(parts)
    assert (sparse.windows_run, sparse.windows_skipped) == (1, 2)
    np.testing.assert_allclose(got[50:100], single[50:100], atol=1e-6)
    assert not got[:50].any() and not got[100:].any()


def test_tears_of_steel_cuts_within_a_frame_and_none_on_the_flicker(footage):
    truth, found = clip_cuts(footage, "tears_of_steel")
    assert truth == [21, 65, 185]
    assert len(found) == len(truth) and all(abs(f - t) <= 1 for f, t in zip(found, truth)), found


def test_cars_crossing_caminandes_are_not_cuts(footage):
    truth, found = clip_cuts(footage, "caminandes")
    assert truth == [] and found == []


def test_the_network_finds_the_cuts_of_a_dim_picture_that_the_picture_test_misses(footage):
    # At 15 % of its levels the clip's cuts change the thumbnails by under 12 levels: the picture
    # alone finds none of them, the network is still sure of all three (and sees no flicker cut).
    truth, found = clip_cuts(footage, "tears_of_steel", gain=0.15)
    assert len(found) == 3 and all(abs(f - t) <= 1 for f, t in zip(found, truth)), found
    assert clip_cuts(footage, "tears_of_steel", gain=0.15, settings=CutSettings(network=False))[1] == []


def textured_scene(seed: int, count: int, height: int = 180, width: int = 320) -> list[np.ndarray]:
    """A locked-off picture of smooth coloured texture with a bright block moving across it."""
    rng = np.random.default_rng(seed)
    base = cv2.resize(rng.integers(0, 256, (9, 16, 3), dtype=np.uint8), (width, height), interpolation=cv2.INTER_CUBIC)
    detail = cv2.GaussianBlur(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), (0, 0), 2.0)
    picture = np.clip(0.7 * base + 0.3 * detail, 0, 255).astype(np.uint8)
    frames = []
    for k in range(count):
        frame = picture.copy()
        x = 20 + 3 * k
        frame[70:110, x : x + 30] = (230, 200, 60)
        frames.append(frame)
    return frames


def test_a_hard_cut_between_textured_scenes_is_found_and_a_white_flash_is_not():
    frames = textured_scene(1, 60) + textured_scene(2, 70)
    frames[95] = np.full_like(frames[95], 255)  # a one-frame white flash inside the second shot
    found = split(frames, 25.0)
    assert [(t.kind, t.split) for t in found] == [("cut", 60)]
    # the flash alone, with the network and the picture both consulted, is no boundary
    flash_only = textured_scene(2, 70)
    flash_only[30] = np.full_like(flash_only[30], 255)
    assert split(flash_only, 25.0) == []


def test_the_8_bit_network_gives_the_float_networks_probabilities():
    """The default cut network is the float one quantized (packaging/perception/quantize_models.py,
    calibrated on the walking clips and synthetic street scenes): on windows of other synthetic
    scenes with a cut between them, its probabilities are the float network's within 0.05, and
    both put the cut on the same frame."""
    from foley_assistant.synth import render_scene, street_scene

    thumbs = []
    for seed in (7, 8):
        frames, _ = render_scene(street_scene(seed, duration_s=2.2, width=320, height=180, pan_deg_per_s=3.0, noise_sigma=2.0))
        thumbs += [network_thumbnail(frame) for frame in frames]
    window = np.stack(thumbs[:100])[None]
    cut = 55  # the first scene's frames (2.2 s at 25 fps)
    float_single = shipped.session(MODEL, 1).run(None, {"frames": window})[0][0]
    int8_single = shipped.session(MODEL_INT8, 1).run(None, {"frames": window})[0][0]
    assert np.max(np.abs(float_single - int8_single)) < 0.05
    assert int(np.argmax(float_single)) == int(np.argmax(int8_single)) == cut - 1  # (two street scenes alike: about 0.17 both)


def test_network_thumbnail_is_the_networks_input():
    thumb = network_thumbnail(np.zeros((180, 320, 3), dtype=np.uint8))
    assert thumb.shape == (27, 48, 3) and thumb.dtype == np.uint8
    assert network_thumbnail(np.full((144, 176), 200, dtype=np.uint8)).shape == (27, 48, 3)
