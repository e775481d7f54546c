"""The codec keeps when a sound happens, how loud it is and where it is, whatever its learned part
does: the first GPU-trained codec collapsed (its output was the same stationary noise for every
input, so the sync of everything made through it was zero); these tests would have caught it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_assistant.eval.sync import audio_onsets, event_scores
from foley_assistant.model.codec import LEVEL_CHANNEL, StereoCodec, channel_to_level, frame_level_db, level_to_channel, to_mid_side
from foley_assistant.model.config import CodecConfig, CodecVersionError, tiny_codec

SR = 48000
CLICKS_S = (0.113, 0.357, 0.52, 0.771, 1.049, 1.31, 1.64, 1.83)


def click_train(level_dbfs: float, pan: float = 0.6, seconds: float = 2.0) -> np.ndarray:
    """(2, n) float32: decaying 8 ms noise bursts at irregular CLICKS_S, panned (`pan` -1..1 towards
    the left), RMS of each burst about `level_dbfs`."""
    rng = np.random.default_rng(3)
    n = int(seconds * SR)
    mono = np.zeros(n)
    burst = int(0.008 * SR)
    shape = np.exp(-np.arange(burst) / (0.002 * SR))
    for t in CLICKS_S:
        start = int(t * SR)
        mono[start : start + burst] += rng.standard_normal(burst) * shape
    gain = 10 ** (level_dbfs / 20) / np.sqrt(np.mean(shape**2))
    left, right = np.sqrt((1 + pan) / 2), np.sqrt((1 - pan) / 2)
    return (np.stack([left * mono, right * mono]) * gain).astype(np.float32)


def envelope_db(audio: np.ndarray, frame: int = 960) -> np.ndarray:
    """Energy envelope of (2, n) audio in dB (floored at -120), in 20 ms frames: the codec's latent
    frames, where its level channel holds the envelope (the shape within a frame is the learned
    part's, checked through the onsets)."""
    n = audio.shape[-1] // frame * frame
    energy = (audio[:, :n] ** 2).sum(0).reshape(-1, frame).mean(1)
    return 10 * np.log10(np.maximum(energy, 1e-12))


def round_trip(codec: StereoCodec, audio: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return codec(torch.from_numpy(audio)[None])[0][0].numpy()


def onset_f1(made: np.ndarray, given: np.ndarray, window_s: float = 0.02) -> float:
    found, truth = audio_onsets(made, SR), audio_onsets(given, SR)
    scores = event_scores(found, truth, window_s)
    return 2 * scores.matched / max(1, scores.found + scores.truth)


def assert_keeps_time_level_and_place(codec: StereoCodec, audio: np.ndarray) -> None:
    out = round_trip(codec, audio)
    assert np.isfinite(out).all()
    assert onset_f1(out, audio) >= 0.9
    given, made = envelope_db(audio), envelope_db(out)
    loud = given > given.max() - 40
    assert np.corrcoef(given[loud], made[loud])[0, 1] > 0.9
    rms_in, rms_out = np.sqrt(np.mean(audio**2)), np.sqrt(np.mean(out**2))
    assert abs(20 * np.log10(rms_out / rms_in)) < 3.0
    balance_in = (audio[0] ** 2).sum() / (audio**2).sum()
    balance_out = (out[0] ** 2).sum() / (out**2).sum()
    assert balance_out == pytest.approx(balance_in, abs=0.05)


@pytest.mark.parametrize("level", [-55.0, -20.0])
def test_a_collapsed_decoder_still_keeps_onsets_level_and_place(level):
    """A decoder deaf to its latent (the collapse: its learned output the same pattern whatever the
    input) still makes bursts at the input's onsets, at its level and position."""
    torch.manual_seed(0)
    codec = StereoCodec(tiny_codec()).eval()
    with torch.no_grad():
        codec.decoder_in.weight.zero_()
        codec.decoder_in.bias.normal_(0.0, 1.0)
    audio = click_train(level)
    assert_keeps_time_level_and_place(codec, audio)
    # the latent's level channel is the input's level per frame
    with torch.no_grad():
        latent = codec.encode(torch.from_numpy(audio)[None])
        measured = frame_level_db(to_mid_side(torch.from_numpy(audio)[None]), codec.hop)
    assert torch.allclose(channel_to_level(latent[:, LEVEL_CHANNEL]), measured, atol=1e-3)


def test_a_decoder_that_overflows_still_gives_finite_audio_at_the_latents_level():
    """Off its training manifold a decoder's learned output can be 10^20 times too loud (seen with
    the first shipped model on the demo cut: NaN stems). The output stays finite and each frame
    keeps the level channel's level."""
    torch.manual_seed(2)
    codec = StereoCodec(tiny_codec()).eval()
    audio = torch.from_numpy(click_train(-30.0))[None]
    with torch.no_grad():
        latent = codec.encode(audio)
        codec.decoder_out.weight.mul_(1e22)
        out = codec.decode(latent)
        made = frame_level_db(to_mid_side(out), codec.hop, -200.0)
    assert torch.isfinite(out).all()
    wanted = channel_to_level(latent[:, LEVEL_CHANNEL])
    loud = wanted > wanted.max() - 30
    assert torch.allclose(made[loud], wanted[loud], atol=3.0)


def test_a_generated_level_above_full_scale_is_held_at_full_scale():
    codec = StereoCodec(tiny_codec()).eval()
    latent = torch.zeros(1, codec.config.latent_dim, 8)
    latent[:, LEVEL_CHANNEL] = level_to_channel(torch.full((1, 8), 12.0))
    with torch.no_grad():
        out = codec.decode(latent)
    level = frame_level_db(to_mid_side(out), codec.hop)
    assert float(level.max()) <= 0.5


def test_decoding_a_zero_latent_is_not_decoding_the_real_one():
    torch.manual_seed(1)
    codec = StereoCodec(tiny_codec()).eval()
    audio = torch.from_numpy(click_train(-30.0))[None]
    with torch.no_grad():
        latent = codec.encode(audio)
        real, zero = codec.decode(latent), codec.decode(torch.zeros_like(latent))
    assert float((real - zero).pow(2).mean().sqrt()) > 0.5 * float(real.pow(2).mean().sqrt())


def test_a_codec_of_the_old_latent_layout_is_refused_clearly():
    old = {k: v for k, v in CodecConfig().to_dict().items() if k != "version"}
    with pytest.raises(CodecVersionError, match="Train a new model"):
        CodecConfig.from_dict(old)
    assert CodecConfig.from_dict(CodecConfig().to_dict()) == CodecConfig()


def test_after_training_the_round_trip_keeps_onsets_level_and_place(tmp_path):
    """A tiny codec trained briefly (24 steps) (the training path: random gains, every loss) keeps a click
    train and a synthetic scene's footsteps: onsets within 20 ms, envelope, level and balance;
    and what it decodes depends on the latent."""
    from foley_assistant.model.scenes import HELD_OUT_SEED, make_example
    from foley_assistant.model.train import TrainSettings, train_codec

    crops = torch.from_numpy(np.stack([click_train(level, pan)[:, :15360] for level, pan in ((-40, 0.6), (-25, -0.3), (-50, 0.0), (-30, 0.9))]))

    def batches():
        while True:
            yield {"audio": crops}

    settings = TrainSettings(steps=24, learning_rate=3e-3, warmup_steps=2, log_every=4, save_every=100)
    codec = train_codec(tmp_path / "codec", tiny_codec(), batches(), settings, torch.device("cpu"))
    assert_keeps_time_level_and_place(codec, click_train(-35.0, pan=-0.5))
    scene = make_example(HELD_OUT_SEED + 7, 2.4, (32, 56), SR, 2400 * 48)
    walker = [k for k, o in enumerate(scene.tracks.objects) if o.label == "person"]
    assert walker, "scene HELD_OUT_SEED + 7 has a walker"
    assert_keeps_time_level_and_place(codec, scene.stems[walker[0]])
    with torch.no_grad():
        latent = codec.encode(torch.from_numpy(scene.stems[walker[0]])[None])
        real, zero = codec.decode(latent), codec.decode(torch.zeros_like(latent))
    assert float((real - zero).pow(2).mean().sqrt()) > 0.5 * float(real.pow(2).mean().sqrt())
