"""The user's model store: where it is, installs that keep nothing on failure and replace nothing,
sha256 pinning (file and http URLs), integrity checks and removal of only its own files."""

from __future__ import annotations

import hashlib
import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from foley_assistant.core.errors import FoleyError
from foley_assistant.io import model_store
from foley_assistant.io.model_store import ModelStoreError

PAYLOAD = b"not really a model, but bytes to hash" * 1000
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def store(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "store"
    monkeypatch.setenv(model_store.STORE_ENV, str(folder))
    return folder


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "downloads" / "det.onnx"
    path.parent.mkdir()
    path.write_bytes(PAYLOAD)
    return path


def describe(path: Path) -> dict:
    """What a checker would say of the file, after checking it is inside the store and whole."""
    assert path.parent.name == "store" and path.name.startswith(".") and path.read_bytes() == PAYLOAD
    return {"format": "yolov8", "input": {"height": 640, "width": 640, "fixed": True}, "classes": ["person"] * 80}


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_store_folder_follows_the_override_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv(model_store.STORE_ENV, str(tmp_path / "mine"))
    assert model_store.store_folder() == tmp_path / "mine"
    monkeypatch.delenv(model_store.STORE_ENV)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert model_store.store_folder() == tmp_path / "data" / "foley-assistant" / "models"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert model_store.store_folder() == tmp_path / "home" / ".local" / "share" / "foley-assistant" / "models"


def test_install_from_a_path_writes_the_file_and_its_manifest(store, source):
    model = model_store.install_model(str(source), "det", ".onnx", describe, licence="Apache-2.0")
    assert files(store) == ["det.json", "det.onnx"]
    assert (store / "det.onnx").read_bytes() == PAYLOAD and model.sha256 == DIGEST
    manifest = json.loads((store / "det.json").read_text())
    assert manifest["schema"] == model_store.MANIFEST_SCHEMA and manifest["sha256"] == DIGEST
    assert manifest["source"] == str(source.resolve()) and manifest["format"] == "yolov8" and manifest["licence"] == "Apache-2.0"
    assert len(manifest["classes"]) == 80 and manifest["input"] == {"height": 640, "width": 640, "fixed": True}
    assert model_store.find_model("det") == model_store.UserModel.from_manifest(store / "det.json")
    assert model_store.integrity_problem(model) is None


def test_file_url_with_the_right_and_a_wrong_sha256(store, source):
    model = model_store.install_model(source.as_uri(), "det", ".onnx", describe, sha256=DIGEST.upper())
    assert model.source == source.as_uri() and model.sha256 == DIGEST
    wrong = "0" * 64
    with pytest.raises(ModelStoreError, match=f"has sha256 {DIGEST}, not the pinned {wrong}: .* nothing was installed"):
        model_store.install_model(source.as_uri(), "other", ".onnx", describe, sha256=wrong)
    assert files(store) == ["det.json", "det.onnx"]  # no partial file left behind


def test_http_download_needs_a_pinned_sha256_and_is_checked(store, source):
    with pytest.raises(ModelStoreError, match="a download needs its sha256 pinned: add --sha256"):
        model_store.install_model("http://127.0.0.1:9/det.onnx", "det", ".onnx", describe)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(source.parent)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/det.onnx"
        with pytest.raises(ModelStoreError, match="not the pinned"):
            model_store.install_model(url, "det", ".onnx", describe, sha256="f" * 64)
        assert files(store) == []
        model = model_store.install_model(url, "det", ".onnx", describe, sha256=DIGEST)
        assert model.source == url and (store / "det.onnx").read_bytes() == PAYLOAD
        with pytest.raises(ModelStoreError, match=r"cannot fetch .*/absent.onnx \(.*\)"):
            model_store.install_model(url.replace("det.onnx", "absent.onnx"), "absent", ".onnx", describe, sha256=DIGEST)
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "Bad Name"}, "cannot name a model: use 1-64 lower-case letters"),
        ({"name": "../escape"}, "cannot name a model"),
        ({"sha256": "abc"}, "is not a sha256: give the 64 hex digits"),
        ({"source": "ftp://example.org/det.onnx"}, "only file, http, https URLs are taken"),
        ({"source": "/no/such/model.onnx"}, "no model file at /no/such/model.onnx"),
    ],
)
def test_refusals_before_anything_is_read(store, source, kwargs, message):
    arguments = {"source": str(source), "name": "det", "sha256": None} | kwargs
    with pytest.raises(ModelStoreError, match=message):
        model_store.install_model(arguments["source"], arguments["name"], ".onnx", describe, sha256=arguments["sha256"])
    assert files(store) == []


def test_a_model_the_checker_refuses_leaves_nothing(store, source):
    def refuse(path: Path) -> dict:
        raise FoleyError("the outputs are not a detector's")

    with pytest.raises(ModelStoreError, match=f"{source.resolve()} was not installed: the outputs are not a detector's"):
        model_store.install_model(str(source), "det", ".onnx", refuse)
    assert files(store) == []


def test_nothing_is_replaced(store, source):
    store.mkdir()
    (store / "det.onnx").write_bytes(b"the user's own file")
    with pytest.raises(ModelStoreError, match="a model named 'det' is already installed"):
        model_store.install_model(str(source), "det", ".onnx", describe)
    assert (store / "det.onnx").read_bytes() == b"the user's own file" and files(store) == ["det.onnx"]
    model_store.install_model(str(source), "mine", ".onnx", describe)
    with pytest.raises(ModelStoreError, match="remove it first with `foley-assistant models remove mine`"):
        model_store.install_model(str(source), "mine", ".onnx", describe)


def test_integrity_problems_are_named(store, source):
    model = model_store.install_model(str(source), "det", ".onnx", describe)
    with open(model.path, "ab") as handle:
        handle.write(b"!")
    assert f"does not match its manifest (sha256 {hashlib.sha256(PAYLOAD + b'!').hexdigest()}, installed as {DIGEST})" in model_store.integrity_problem(model)
    model.path.unlink()
    assert model_store.integrity_problem(model) == f"its file {model.path} is missing"


def test_remove_takes_only_the_files_its_manifest_names(store, source):
    model_store.install_model(str(source), "det", ".onnx", describe)
    (store / "notes.txt").write_text("mine")
    (store / "det-old.onnx").write_bytes(b"mine too")
    removed = model_store.remove_model("det")
    assert removed.name == "det" and files(store) == ["det-old.onnx", "notes.txt"]
    with pytest.raises(ModelStoreError, match=r"no installed model named 'det' \(installed: none\)"):
        model_store.remove_model("det")


def test_unreadable_and_foreign_manifests_are_reported_not_listed(store, source):
    model_store.install_model(str(source), "det", ".onnx", describe)
    (store / "other.json").write_text('{"schema": "something else"}')
    (store / "broken.json").write_text("{")
    models, problems = model_store.installed_models()
    assert [m.name for m in models] == ["det"]
    assert len(problems) == 2 and any("not a Foley Assistant model manifest" in p for p in problems)
    (store / "evil.json").write_text(json.dumps({"schema": model_store.MANIFEST_SCHEMA, "name": "evil", "file": "../../etc/passwd", "format": "yolov8", "sha256": DIGEST}))
    with pytest.raises(ModelStoreError, match="damaged model manifest"):
        model_store.find_model("evil")
