"""The optional pretrained image encoder (a frozen ResNet-18 from the user's local weights): its
weights load strictly from a torchvision-named .pth or .safetensors and nothing else; its features;
a generator with the stream trains, round-trips through a checkpoint bit-exactly with the same
weights file and refuses clearly without it; a generator without it is unchanged."""

from __future__ import annotations

import itertools
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from foley_assistant.cli.main import main
from foley_assistant.model.checkpoint import Checkpoint, save_checkpoint
from foley_assistant.model.config import GeneratorConfig, tiny_codec, tiny_generator
from foley_assistant.model.generator import Conditioning, FlowGenerator
from foley_assistant.model.image_encoder import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    RESNET18_FILE,
    FrozenImageEncoder,
    ImageWeightsError,
    ResNet18Trunk,
    load_trunk,
    read_weights,
)
from foley_assistant.model.jobs import with_image_encoder


def _torchvision_resnet18_names() -> set[str]:
    """The tensor names of torchvision's `resnet18().state_dict()`, written out from its layout."""

    def bn(prefix: str) -> list[str]:
        return [f"{prefix}.{n}" for n in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")]

    names = ["conv1.weight", *bn("bn1"), "fc.weight", "fc.bias"]
    for layer in range(1, 5):
        for block in range(2):
            p = f"layer{layer}.{block}"
            names += [f"{p}.conv1.weight", *bn(f"{p}.bn1"), f"{p}.conv2.weight", *bn(f"{p}.bn2")]
            if layer > 1 and block == 0:
                names += [f"{p}.downsample.0.weight", *bn(f"{p}.downsample.1")]
    return set(names)


def _random_state(seed: int = 0) -> dict[str, torch.Tensor]:
    """A randomly initialised ResNet-18 state dict as torchvision saves it (classifier included,
    BatchNorm statistics made non-trivial so that evaluation mode matters)."""
    torch.manual_seed(seed)
    trunk = ResNet18Trunk()
    state = trunk.state_dict()
    for name, tensor in state.items():
        if name.endswith("running_mean"):
            tensor.normal_(0.0, 0.1)
        elif name.endswith("running_var"):
            tensor.uniform_(0.5, 1.5)
    return {**state, "fc.weight": torch.randn(1000, 512) * 0.01, "fc.bias": torch.zeros(1000)}


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory) -> Path:
    """A random ResNet-18 saved as torchvision's file (state_dict via torch.save)."""
    path = tmp_path_factory.mktemp("hub") / RESNET18_FILE
    torch.save(_random_state(), path)
    return path


@pytest.fixture(autouse=True)
def _empty_torch_home(tmp_path, monkeypatch):
    """The hub cache is an empty temporary folder: the user's own cache is never looked at."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))


def test_the_trunk_has_torchvision_names_and_loads_pth_and_safetensors(tmp_path, weights_file):
    assert set(ResNet18Trunk().state_dict()) | {"fc.weight", "fc.bias"} == _torchvision_resnet18_names()
    state = _random_state()
    from_pth = load_trunk(weights_file)
    exported = tmp_path / "resnet18.safetensors"
    save_file({k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}, str(exported))
    from_safetensors = load_trunk(exported)
    for name, tensor in from_pth.state_dict().items():
        assert torch.equal(tensor, state[name]), name
        assert torch.equal(from_safetensors.state_dict()[name], tensor), name
    assert not from_pth.training and not any(p.requires_grad for p in from_pth.parameters())


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: s.pop("layer3.1.conv2.weight"), "missing layer3.1.conv2.weight"),
        (lambda s: s.__setitem__("layer5.0.conv1.weight", torch.zeros(1)), "unexpected layer5.0.conv1.weight"),
        (lambda s: s.__setitem__("conv1.weight", torch.zeros(64, 3, 3, 3)), "conv1.weight is (64, 3, 3, 3)"),
    ],
)
def test_other_weights_are_refused_by_name(tmp_path, change, message):
    state = _random_state()
    change(state)
    path = tmp_path / "wrong.pth"
    torch.save(state, path)
    with pytest.raises(ImageWeightsError, match="does not hold torchvision resnet18 weights") as caught:
        load_trunk(path)
    assert message in str(caught.value)


class _Payload:
    """A pickled object that would create a file when unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_pickled_object_is_never_unpickled(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / RESNET18_FILE
    torch.save({**_random_state(), "extra": _Payload(marker)}, path)
    with pytest.raises(ImageWeightsError, match="only plain tensors are read"):
        read_weights(path)
    assert not marker.exists()
    torch.save(ResNet18Trunk(), tmp_path / "module.pth")  # a whole module, not its state dict
    with pytest.raises(ImageWeightsError, match="only plain tensors are read"):
        load_trunk(tmp_path / "module.pth")


def test_features_are_imagenet_normalised_pooled_and_deterministic(weights_file):
    trunk = load_trunk(weights_file)
    encoder = FrozenImageEncoder(trunk, size=32)
    generator = torch.Generator().manual_seed(1)
    frames = torch.randint(0, 256, (2, 5, 3, 32, 56), dtype=torch.uint8, generator=generator)
    features = encoder(frames)
    assert features.shape == (2, 5, 512) and not features.requires_grad
    assert torch.equal(features, encoder(frames))
    mean, std = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        expected = trunk((frames[1].float() / 255.0 - mean) / std)
    assert torch.allclose(features[1], expected, atol=1e-5)
    with torch.no_grad():  # the trunk ends as torchvision's resnet18 does: global average pooling of layer4
        x = (frames[1].float() / 255.0 - mean) / std
        x = trunk.maxpool(trunk.relu(trunk.bn1(trunk.conv1(x))))
        x = trunk.layer4(trunk.layer3(trunk.layer2(trunk.layer1(x))))
    assert torch.allclose(expected, torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1), atol=1e-5)
    assert (features[0, 0] - features[0, 1]).abs().max() > 1e-3  # other pictures, other features
    assert FrozenImageEncoder(trunk, size=48)(frames[:, :2]).shape == (2, 2, 512)  # resized to a 48 px short side


def _image_config(weights: Path) -> GeneratorConfig:
    return with_image_encoder(replace(tiny_generator(tiny_codec()), window_frames=16, overlap_frames=4), str(weights))


def _conditioning(seed: int, frames: int = 12, latent: int = 16, batch: int = 2) -> Conditioning:
    g = torch.Generator().manual_seed(seed)
    return Conditioning(
        frames=torch.randint(0, 256, (batch, frames, 3, 32, 56), dtype=torch.uint8, generator=g),
        frame_index=torch.linspace(0, frames - 1, latent).long().repeat(batch, 1),
        has_frames=torch.ones(batch, dtype=torch.bool),
        objects=torch.randn(batch, 4, latent, 14, generator=g),
        labels=torch.zeros(batch, 4, dtype=torch.long),
        present=torch.tensor([[True, True, False, False]] * batch),
        target=torch.tensor([[1.0, 0.0, 0.0, 0.0]] * batch),
    )


def test_the_stream_is_frozen_and_kept_out_of_the_checkpoint(weights_file):
    config = _image_config(weights_file)
    assert config.image_weights == str(weights_file.resolve()) and len(config.image_weights_sha256 or "") == 64
    model = FlowGenerator(config).train()
    names = set(model.state_dict())
    assert {"image_proj.weight", "image_proj.bias"} <= names
    assert not any(n.startswith("image.") or "layer4" in n for n in names)
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in FlowGenerator(tiny_generator(tiny_codec())).parameters()) + 513 * 48
    assert model.image is not None and not model.image.trunk.training  # BatchNorm stays in evaluation mode
    cond = _conditioning(0)
    with_picture = model.encode_visual(cond)
    model.image_proj.weight.data.zero_()
    model.image_proj.bias.data.zero_()
    assert (with_picture - model.encode_visual(cond)).abs().max() > 1e-3  # the stream reaches the visual vector


def test_a_generator_with_the_image_stream_learns(tmp_path, weights_file, tiny_model_dir, probe_loss):
    from foley_assistant.model.data import SyntheticItems, collate
    from foley_assistant.model.inference import load_codec
    from foley_assistant.model.train import TrainSettings, train_generator

    codec = load_codec(tiny_model_dir / "codec")
    config = _image_config(weights_file)
    batch = collate(list(itertools.islice(iter(SyntheticItems(codec.config, config, first_seed=40)), 4)))
    settings = TrainSettings(steps=30, learning_rate=5e-3, warmup_steps=2, log_every=1, save_every=100)

    trained = train_generator(tmp_path / "generator", config, codec, itertools.repeat(batch), settings, torch.device("cpu"))
    torch.manual_seed(settings.seed)  # as train_generator starts: the same initial weights
    untrained = FlowGenerator(config).eval()
    untrained.latent_mean.copy_(trained.latent_mean)
    untrained.latent_std.copy_(trained.latent_std)
    assert len((tmp_path / "generator.log.jsonl").read_text().splitlines()) == 30
    before, after = probe_loss(untrained, codec, batch), probe_loss(trained, codec, batch)
    assert after < 0.85 * before, (before, after)
    moved = (trained.image_proj.weight - untrained.image_proj.weight).norm() / untrained.image_proj.weight.norm()
    assert moved > 0.02, float(moved)  # learned from the picture (weight decay alone moves it by 0.1 %)
    assert torch.equal(trained.image.trunk.layer4[1].bn2.running_mean, untrained.image.trunk.layer4[1].bn2.running_mean)


def _saved(tmp_path: Path, weights: Path) -> tuple[Path, FlowGenerator]:
    torch.manual_seed(3)
    model = FlowGenerator(_image_config(weights)).eval()
    folder = save_checkpoint(tmp_path / "generator", Checkpoint("generator", model.config.to_dict(), model.state_dict()))
    return folder, model


def _output(model: FlowGenerator) -> tuple[torch.Tensor, torch.Tensor]:
    """The velocity and the visual vectors of fixed inputs."""
    with torch.no_grad():
        x = torch.randn(2, 16, model.config.latent_dim, generator=torch.Generator().manual_seed(4))
        return model(x, torch.tensor([0.3, 0.7]), _conditioning(1)), model.encode_visual(_conditioning(1))


def test_a_checkpoint_with_the_stream_round_trips_with_its_weights_file(tmp_path, weights_file):
    from foley_assistant.model.inference import load_generator

    local = tmp_path / "weights" / RESNET18_FILE
    local.parent.mkdir()
    shutil.copy(weights_file, local)
    folder, model = _saved(tmp_path, local)
    document = json.loads((folder / "config.json").read_text())
    assert document["config"]["image_encoder"] == "resnet18" and document["config"]["image_weights"] == str(local.resolve())
    assert (folder / "weights.safetensors").stat().st_size < 1_000_000  # the 45 MB trunk is not copied in
    loaded = load_generator(folder)
    for a, b in zip(_output(model), _output(loaded)):
        assert torch.equal(a, b)

    moved = tmp_path / "torch_home" / "hub" / "checkpoints" / RESNET18_FILE  # the same file, now in the hub cache
    moved.parent.mkdir(parents=True)
    shutil.move(local, moved)
    assert torch.equal(_output(load_generator(folder))[1], _output(model)[1])

    moved.unlink()
    with pytest.raises(ImageWeightsError, match=f"it needs {RESNET18_FILE}") as caught:
        load_generator(folder)
    assert str(local.resolve()) in str(caught.value) and str(moved) in str(caught.value)

    torch.save(_random_state(seed=1), local)  # another file under the same name
    with pytest.raises(ImageWeightsError, match="not the ones this generator was trained with"):
        load_generator(folder)


def test_a_generator_without_the_stream_is_unchanged(tiny_model_dir):
    from foley_assistant.model.checkpoint import load_checkpoint
    from foley_assistant.model.inference import load_generator

    checkpoint = load_checkpoint(tiny_model_dir / "generator", "generator")
    assert checkpoint.config["image_encoder"] is None
    old_style = {k: v for k, v in checkpoint.config.items() if not k.startswith("image_")}  # a config from before the stream
    old_config = GeneratorConfig.from_dict(old_style)
    assert old_config.image_encoder is None
    model = load_generator(tiny_model_dir / "generator")
    assert model.image is None and set(model.state_dict()) == set(checkpoint.weights)
    old_model = FlowGenerator(old_config).eval()
    old_model.load_state_dict(checkpoint.weights)
    for a, b in zip(_output(model), _output(old_model)):
        assert torch.equal(a, b)


def test_the_command_line_records_the_weights_and_refuses_what_is_missing(tmp_path, weights_file, tiny_model_dir, capsys):
    model = tmp_path / "model"
    common = ["--model", str(model), "--size", "tiny", "--steps", "1", "--batch", "2", "--workers", "0", "--device", "cpu", "-q"]
    assert main(["train", "codec", *common, "--image-encoder", str(weights_file)]) == 2
    assert "--image-encoder adds the pretrained image stream to a new generator" in capsys.readouterr().err
    shutil.copytree(tiny_model_dir / "codec", model / "codec")
    assert main(["train", "generator", *common, "--image-encoder", "auto"]) == 2
    err = capsys.readouterr().err
    assert f"no {RESNET18_FILE} in the torch hub cache" in err and "Nothing is downloaded" in err
    assert main(["train", "generator", *common, "--image-encoder", str(tmp_path / "nowhere.pth")]) == 2
    assert "no weights file at" in capsys.readouterr().err
    hub = tmp_path / "torch_home" / "hub" / "checkpoints"
    hub.mkdir(parents=True)
    shutil.copy(weights_file, hub / RESNET18_FILE)
    assert main(["train", "generator", *common, "--image-encoder", "auto"]) == 0
    config = json.loads((model / "generator" / "config.json").read_text())["config"]
    assert config["image_encoder"] == "resnet18" and config["image_weights"] == str((hub / RESNET18_FILE).resolve())
    from foley_assistant.core.digest import file_sha256

    assert config["image_weights_sha256"] == file_sha256(weights_file)
