"""Fixtures of the model tests: tiny randomly initialised models saved as real checkpoints."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the model tests need torch (pip install 'foley-assistant[model]')")


@pytest.fixture(autouse=True)
def _few_threads():
    """The CI machine has two cores shared with other work."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A model folder (codec/ + generator/) of tiny, randomly initialised models, with their
    latent statistics set as training would set them."""
    from foley_assistant.model.checkpoint import Checkpoint, save_checkpoint
    from foley_assistant.model.codec import StereoCodec
    from foley_assistant.model.config import tiny_codec, tiny_generator
    from foley_assistant.model.generator import FlowGenerator

    torch.manual_seed(0)
    codec_config = tiny_codec()
    generator_config = tiny_generator(codec_config)
    codec, generator = StereoCodec(codec_config), FlowGenerator(generator_config)
    with torch.no_grad():
        latent = codec.encode(torch.randn(2, 2, 20 * codec_config.hop) * 0.1)
        generator.latent_mean.copy_(latent.mean(dim=(0, 2)))
        generator.latent_std.copy_(latent.std(dim=(0, 2)))
    root = tmp_path_factory.mktemp("tiny_model")
    save_checkpoint(root / "codec", Checkpoint("codec", codec_config.to_dict(), codec.state_dict()))
    save_checkpoint(root / "generator", Checkpoint("generator", generator_config.to_dict(), generator.state_dict()))
    return root


@pytest.fixture
def probe_loss():
    """The flow-matching loss of a generator on a batch at fixed noise and flow times, so that two
    models (say untrained and trained from the same initial weights) compare exactly."""
    torch = pytest.importorskip("torch")
    from foley_assistant.model.data import batch_conditioning
    from foley_assistant.model.losses import flow_matching_loss

    @torch.no_grad()
    def loss(model, codec, batch) -> float:
        data = model.normalise(codec.encode(batch["audio"]))
        rng = torch.Generator().manual_seed(5)
        total = 0.0
        for t_value in (0.2, 0.5, 0.8):
            noise = torch.randn(data.shape, generator=rng)
            t = torch.full((data.shape[0],), t_value)
            total += float(flow_matching_loss(model((1 - t_value) * noise + t_value * data, t, batch_conditioning(batch)), noise, data))
        return total / 3

    return loss
