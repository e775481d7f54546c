"""Synthetic training scenes, the train / model-eval commands, and fine-tuning material from a
folder of videos with sound (written here with PyAV)."""

from __future__ import annotations

import json
from fractions import Fraction

import av
import numpy as np

from foley_assistant.cli.main import main
from foley_assistant.model.config import tiny_codec, tiny_generator
from foley_assistant.model.scenes import HELD_OUT_SEED, make_example, random_scene


def test_examples_are_deterministic_and_varied():
    first = make_example(5, 1.0, (32, 56), n_samples=48000)
    again = make_example(5, 1.0, (32, 56), n_samples=48000)
    assert np.array_equal(first.stems, again.stems) and np.array_equal(first.frames, again.frames)
    assert first.stems.shape == (len(first.tracks.objects), 2, 48000)
    assert np.abs(first.mix).max() <= 0.95 + 1e-6
    specs = [random_scene(seed, 2.0, (32, 56)) for seed in range(40)]
    assert len({s.rate for s in specs}) >= 4
    assert {len(s.objects) for s in specs} == {1, 2, 3, 4}
    assert {o.kind for s in specs for o in s.objects} == {"walker", "car", "ball"}
    assert any(s.camera_pan_deg_per_s for s in specs) and any(s.occluder for s in specs)
    assert HELD_OUT_SEED > 10**8


def test_train_and_evaluate_from_the_command_line(tmp_path, capsys):
    model = tmp_path / "model"
    common = ["--model", str(model), "--size", "tiny", "--steps", "2", "--batch", "2", "--workers", "0", "--device", "cpu", "-q"]
    assert main(["train", "codec", *common]) == 0
    assert main(["train", "generator", *common]) == 0
    assert (model / "codec" / "weights.safetensors").is_file() and (model / "generator" / "sha256.json").is_file()
    assert len((model / "generator.log.jsonl").read_text().splitlines()) == 2
    assert main(["train", "codec", *common]) == 2  # exists: --resume or another folder
    assert "--resume" in capsys.readouterr().err
    assert main(["model-eval", "--model", str(model), "--scenes", "1", "--seconds", "1", "--steps", "2", "--device", "cpu", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert set(results) == {"neural", "procedural", "centre mono"}
    assert results["procedural"]["pearson_r"] > 0.9 and results["neural"]["objects"] >= 1


def test_generator_training_needs_a_codec(tmp_path, capsys):
    assert main(["train", "generator", "--model", str(tmp_path / "m"), "--size", "tiny", "--steps", "1", "--workers", "0", "--device", "cpu"]) == 2
    assert "Train the codec first" in capsys.readouterr().err


def _video_with_sound(path, seconds: float = 3.0) -> np.ndarray:
    """An MKV file: synthetic pictures (a walker) at 25 fps and a stereo tone with clicks; returns the sound."""
    from foley_assistant.synth import SceneRenderer, walker_scene

    renderer = SceneRenderer(walker_scene(3, duration_s=seconds, width=160, height=90))
    t = np.arange(int(seconds * 48000)) / 48000
    sound = np.stack([0.3 * np.sin(2 * np.pi * 440 * t), 0.1 * np.sin(2 * np.pi * 660 * t)]).astype(np.float32)
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 160, 90, "yuv420p"
        audio = container.add_stream("pcm_s16le", rate=48000, layout="stereo")
        for image in renderer.frames():
            container.mux(video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(video.encode())
        for start in range(0, sound.shape[1], 4800):
            piece = np.ascontiguousarray((sound[:, start : start + 4800].T * 32767).astype(np.int16).reshape(1, -1))
            frame = av.AudioFrame.from_ndarray(piece, format="s16", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = 48000, start, Fraction(1, 48000)
            container.mux(audio.encode(frame))
        container.mux(audio.encode())
    return sound


def test_a_folder_of_videos_gives_mix_windows(tmp_path):
    from foley_assistant.model.user_videos import VideoFolderItems

    folder = tmp_path / "videos"
    folder.mkdir()
    sound = _video_with_sound(folder / "take1.mkv")
    (folder / "notes.txt").write_text("not a video")
    codec = tiny_codec()
    generator = tiny_generator(codec)
    stream = iter(VideoFolderItems(folder, codec, generator))
    window = generator.window_frames * codec.hop
    first, second = next(stream), next(stream)
    assert first["audio"].shape == (2, window)
    assert np.allclose(first["audio"].numpy(), sound[:, :window], atol=2e-4)
    assert np.allclose(second["audio"].numpy(), sound[:, window : 2 * window], atol=2e-4)
    assert first["present"].any() and np.array_equal(first["target"].numpy(), first["present"].numpy().astype(np.float32))
    assert int(first["frame_index"].max()) < first["frames"].shape[0]
    assert first["frames"].shape[1:] == (3, *generator.frame_size)
