"""The shipped-model loader: manifests, sha256 checks and clear errors."""

from __future__ import annotations

import hashlib
import json

import pytest

from foley_assistant.vision.perception import shipped


@pytest.fixture
def model_folder(tmp_path, monkeypatch):
    """A perception folder holding one fake 'model' file and its manifest."""
    payload = b"not really onnx"
    (tmp_path / "tiny.onnx").write_bytes(payload)
    manifest = {"name": "tiny", "file": "tiny.onnx", "sha256": hashlib.sha256(payload).hexdigest(), "licence": "MIT", "source": "test"}
    (tmp_path / "tiny.json").write_text(json.dumps(manifest))
    monkeypatch.setattr(shipped, "perception_folder", lambda: tmp_path)
    shipped.verified_path.cache_clear()
    yield tmp_path
    shipped.verified_path.cache_clear()


def test_a_file_matching_its_manifest_is_verified(model_folder):
    assert shipped.verified_path("tiny") == model_folder / "tiny.onnx"
    assert shipped.manifest("tiny").licence == "MIT"


def test_an_altered_file_is_refused_with_both_digests(model_folder):
    (model_folder / "tiny.onnx").write_bytes(b"altered")
    with pytest.raises(shipped.ModelUnavailable, match="does not match its manifest"):
        shipped.verified_path("tiny")


def test_a_missing_model_names_the_folder(model_folder):
    with pytest.raises(shipped.ModelUnavailable, match="no shipped model 'absent'"):
        shipped.manifest("absent")


def test_a_file_that_is_not_onnx_is_a_clear_error(model_folder):
    with pytest.raises(shipped.ModelUnavailable, match="could not be loaded as an ONNX model"):
        shipped.open_session(model_folder / "tiny.onnx")
