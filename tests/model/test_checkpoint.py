"""Checkpoints: bit-exact round trip with optimizer state, manifest checks, and no pickles ever."""

from __future__ import annotations

import json
import pickle

import pytest
import torch

from foley_assistant.core.digest import file_sha256
from foley_assistant.model.checkpoint import (
    MANIFEST_FILE,
    WEIGHTS_FILE,
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
)
from foley_assistant.model.codec import StereoCodec
from foley_assistant.model.config import CodecConfig, tiny_codec


def _trained_codec_with_optimizer():
    torch.manual_seed(1)
    codec = StereoCodec(tiny_codec())
    optimizer = torch.optim.AdamW(codec.parameters(), lr=1e-3)
    audio = torch.randn(2, 2, 1920) * 0.1
    for _ in range(2):
        optimizer.zero_grad()
        codec(audio)[0].pow(2).mean().backward()
        optimizer.step()
    return codec, optimizer


def test_round_trip_is_bit_exact_and_restores_the_optimizer(tmp_path):
    codec, optimizer = _trained_codec_with_optimizer()
    saved = Checkpoint("codec", codec.config.to_dict(), codec.state_dict(), {"step": 2, "losses": [{"step": 1, "loss": 0.5}]}, optimizer.state_dict())
    save_checkpoint(tmp_path / "codec", saved)
    loaded = load_checkpoint(tmp_path / "codec", "codec", with_optimizer=True)
    assert loaded.training["step"] == 2
    assert CodecConfig.from_dict(loaded.config) == codec.config
    for name, tensor in codec.state_dict().items():
        assert loaded.weights[name].dtype == tensor.dtype
        assert torch.equal(loaded.weights[name], tensor), name
    rebuilt = StereoCodec(CodecConfig.from_dict(loaded.config))
    rebuilt.load_state_dict(loaded.weights)
    audio = torch.randn(1, 2, 960 * 3)
    assert torch.equal(rebuilt(audio)[0], codec(audio)[0])
    fresh = torch.optim.AdamW(rebuilt.parameters(), lr=1e-3)
    fresh.load_state_dict(loaded.optimizer)
    for key, state in optimizer.state_dict()["state"].items():
        for name, value in state.items():
            assert torch.equal(fresh.state_dict()["state"][key][name], value)


def test_saving_again_replaces_the_checkpoint_whole(tmp_path):
    codec, _ = _trained_codec_with_optimizer()
    save_checkpoint(tmp_path / "codec", Checkpoint("codec", codec.config.to_dict(), codec.state_dict(), {"step": 1}))
    save_checkpoint(tmp_path / "codec", Checkpoint("codec", codec.config.to_dict(), codec.state_dict(), {"step": 7}))
    assert load_checkpoint(tmp_path / "codec").training["step"] == 7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codec"]


def test_a_changed_file_is_refused(tmp_path):
    codec, _ = _trained_codec_with_optimizer()
    folder = save_checkpoint(tmp_path / "codec", Checkpoint("codec", codec.config.to_dict(), codec.state_dict()))
    config = json.loads((folder / "config.json").read_text())
    config["config"]["latent_dim"] = 99
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="does not match its sha256"):
        load_checkpoint(folder)


def test_the_wrong_kind_is_refused(tmp_path):
    codec, _ = _trained_codec_with_optimizer()
    folder = save_checkpoint(tmp_path / "codec", Checkpoint("codec", codec.config.to_dict(), codec.state_dict()))
    with pytest.raises(CheckpointError, match="needed here"):
        load_checkpoint(folder, "generator")


class _Payload:
    """Unpickling this writes a marker file: proof that a pickle was executed."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_crafted_pickle_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "pickle_was_run"
    payload = pickle.dumps({"weight": _Payload(marker)})
    # 1. a pickle disguised as the weights file, with a manifest that vouches for it
    disguised = tmp_path / "disguised"
    disguised.mkdir()
    (disguised / WEIGHTS_FILE).write_bytes(payload)
    (disguised / "config.json").write_text(json.dumps({"format": "foley_assistant.checkpoint/1", "kind": "codec", "config": {}}))
    manifest = {"files": {name: file_sha256(disguised / name) for name in (WEIGHTS_FILE, "config.json")}}
    (disguised / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match="not a safetensors file"):
        load_checkpoint(disguised)
    # 2. a classic torch pickle next to a valid checkpoint
    codec, _ = _trained_codec_with_optimizer()
    folder = save_checkpoint(tmp_path / "codec", Checkpoint("codec", codec.config.to_dict(), codec.state_dict()))
    (folder / "pytorch_model.bin").write_bytes(payload)
    with pytest.raises(CheckpointError, match="pickled weights are never loaded"):
        load_checkpoint(folder)
    assert not marker.exists()


def test_a_missing_folder_says_what_to_do(tmp_path):
    with pytest.raises(CheckpointError, match="foley-assistant train"):
        load_checkpoint(tmp_path / "nothing")
