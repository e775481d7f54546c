"""The user's own detector models: a folder of model files, each beside the manifest written
when it was installed.

The folder is `$FOLEY_ASSISTANT_MODELS` when set, else `$XDG_DATA_HOME/foley-assistant/models`
(default `~/.local/share/foley-assistant/models`). A model `NAME` is the file `NAME.onnx` (or
`NAME.pth` / `NAME.safetensors` for torchvision weights) and its manifest `NAME.json`:
`{"schema", "name", "file", "format", "sha256", "source", "installed", "input", "classes",
"licence", "architecture"}`.

An install reads the source (a local path, or a `file://`, `http://` or `https://` URL; a
download needs a pinned sha256) into a temporary file inside the folder while hashing it,
checks the hash and the model (the caller's `describe`), then links it under its name, never
replacing a file that is there, and writes the manifest last (atomically). Only files named by
a manifest of this schema are ever removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from foley_assistant.core.digest import file_sha256
from foley_assistant.core.errors import FoleyError
from foley_assistant.io.atomic import write_json_atomic

STORE_ENV = "FOLEY_ASSISTANT_MODELS"
MANIFEST_SCHEMA = "foley_assistant.user_model/1"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
URL_SCHEMES = ("file", "http", "https")
DOWNLOAD_TIMEOUT_S = 60
_BLOCK = 1 << 20


class ModelStoreError(FoleyError):
    """A model cannot be installed, found or removed; the message says why and what to do."""


def store_folder() -> Path:
    """The folder of the user's models (see the module docstring); it may not exist yet."""
    override = os.environ.get(STORE_ENV)
    if override:
        return Path(override).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(data_home) / "foley-assistant" / "models"


@dataclass(frozen=True)
class UserModel:
    """An installed model, as its manifest describes it. `input` is what the model takes
    ({"height", "width", "fixed"}; None for torchvision weights); `classes` the names of its
    class ids; `architecture` the torchvision builder of torchvision weights."""

    name: str
    folder: Path
    file: str
    format: str
    sha256: str
    source: str
    installed: str
    input: dict[str, Any] | None = None
    classes: tuple[str, ...] = ()
    licence: str | None = None
    architecture: str | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def path(self) -> Path:
        """The model file."""
        return self.folder / self.file

    @property
    def manifest_path(self) -> Path:
        """The manifest file."""
        return self.folder / f"{self.name}.json"

    def to_dict(self) -> dict[str, Any]:
        """The manifest's JSON form."""
        return {
            "schema": MANIFEST_SCHEMA,
            "name": self.name,
            "file": self.file,
            "format": self.format,
            "sha256": self.sha256,
            "source": self.source,
            "installed": self.installed,
            "input": self.input,
            "classes": list(self.classes),
            "licence": self.licence,
            "architecture": self.architecture,
        }

    @classmethod
    def from_manifest(cls, path: Path) -> "UserModel":
        """Read a manifest; a file that is not one of ours is a `ModelStoreError`."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelStoreError(f"{path} is not a readable model manifest ({exc}).") from exc
        if not isinstance(data, dict) or data.get("schema") != MANIFEST_SCHEMA:
            raise ModelStoreError(f"{path} is not a Foley Assistant model manifest (no schema {MANIFEST_SCHEMA!r}).")
        try:
            name, file = str(data["name"]), str(data["file"])
            if name != path.stem or Path(file).name != file or not file.startswith(f"{name}."):
                raise ValueError(f"name {name!r} and file {file!r} do not match the manifest's name {path.stem!r}")
            return cls(
                name=name,
                folder=path.parent,
                file=file,
                format=str(data["format"]),
                sha256=str(data["sha256"]).lower(),
                source=str(data.get("source", "")),
                installed=str(data.get("installed", "")),
                input=data.get("input") if isinstance(data.get("input"), dict) else None,
                classes=tuple(str(c) for c in data.get("classes") or ()),
                licence=None if data.get("licence") is None else str(data["licence"]),
                architecture=None if data.get("architecture") is None else str(data["architecture"]),
                details=data,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelStoreError(f"{path} is a damaged model manifest ({exc}); remove it with `foley-assistant models remove {path.stem}`.") from exc


def check_name(name: str) -> str:
    """`name` if it can name a model: 1-64 lower-case letters, digits, '-' or '_', not starting
    with '-' or '_' (no dots or slashes: a name must never look like a path)."""
    if not NAME_PATTERN.match(name):
        raise ModelStoreError(f"{name!r} cannot name a model: use 1-64 lower-case letters, digits, '-' or '_' (e.g. yolov8s).")
    return name


def check_sha256(digest: str) -> str:
    """The hex digest in lower case, if it is 64 hex digits."""
    if not SHA256_PATTERN.match(digest.lower()):
        raise ModelStoreError(f"--sha256 {digest!r} is not a sha256: give the 64 hex digits (e.g. from `sha256sum MODEL`).")
    return digest.lower()


def installed_models(folder: Path | None = None) -> tuple[list[UserModel], list[str]]:
    """The models in the store, by name, and one line per manifest that cannot be read."""
    folder = store_folder() if folder is None else folder
    models, problems = [], []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            models.append(UserModel.from_manifest(path))
        except ModelStoreError as exc:
            problems.append(str(exc))
    return models, problems


def find_model(name: str, folder: Path | None = None) -> UserModel | None:
    """The installed model `name`, or None when there is none by that name."""
    folder = store_folder() if folder is None else folder
    if not NAME_PATTERN.match(name) or not (folder / f"{name}.json").is_file():
        return None
    return UserModel.from_manifest(folder / f"{name}.json")


def integrity_problem(model: UserModel, actual: str | None = None) -> str | None:
    """None when the model's file is there and matches its manifest's sha256; else what is
    wrong. `actual`: the file's sha256 when the caller has it (hashed here otherwise)."""
    if not model.path.is_file():
        return f"its file {model.path} is missing"
    actual = file_sha256(model.path) if actual is None else actual
    if actual != model.sha256:
        return f"{model.path} does not match its manifest (sha256 {actual}, installed as {model.sha256}): it was altered or damaged"
    return None


def is_url(source: str) -> bool:
    """Whether `source` is a URL (scheme://...) rather than a local path."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", source) is not None


def _open_source(source: str, sha256: str | None) -> tuple[Any, str]:
    """A readable binary stream of `source` and how to describe it in the manifest."""
    if not is_url(source):
        path = Path(source).expanduser()
        if not path.is_file():
            raise ModelStoreError(f"no model file at {path}. Give the path of the exported model, or a URL.")
        try:
            return open(path, "rb"), str(path.resolve())
        except OSError as exc:
            raise ModelStoreError(f"{path} cannot be read ({exc.strerror}).") from exc
    scheme = urllib.parse.urlsplit(source).scheme.lower()
    if scheme not in URL_SCHEMES:
        raise ModelStoreError(f"cannot fetch {source}: only {', '.join(URL_SCHEMES)} URLs are taken.")
    if scheme != "file" and sha256 is None:
        raise ModelStoreError(f"a download needs its sha256 pinned: add --sha256 HEX (the digest the model's publisher gives) to install {source}.")
    try:
        return urllib.request.urlopen(source, timeout=DOWNLOAD_TIMEOUT_S), source
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ModelStoreError(f"cannot fetch {source} ({getattr(exc, 'reason', exc)}). Check the URL and the connection, or download it and give its path.") from exc


def _copy_hashing(stream: Any, target: Path, source: str) -> str:
    digest = hashlib.sha256()
    try:
        with stream, open(target, "xb") as out:
            for block in iter(lambda: stream.read(_BLOCK), b""):
                digest.update(block)
                out.write(block)
    except (urllib.error.URLError, OSError) as exc:
        raise ModelStoreError(f"reading {source} failed part-way ({getattr(exc, 'reason', exc)}); nothing was installed.") from exc
    return digest.hexdigest()


def _link_new(temporary: Path, final: Path) -> None:
    """Give `temporary` the name `final`, refusing if anything has that name."""
    try:
        os.link(temporary, final)
    except FileExistsError as exc:
        raise ModelStoreError(f"{final} already exists and was not written by this install; nothing was replaced. Choose another --name.") from exc
    except OSError:  # a file system without hard links: check, then rename
        if final.exists():
            raise ModelStoreError(f"{final} already exists and was not written by this install; nothing was replaced. Choose another --name.") from None
        os.replace(temporary, final)
        return
    temporary.unlink()


def install_model(
    source: str,
    name: str,
    suffix: str,
    describe: Callable[[Path], dict[str, Any]],
    sha256: str | None = None,
    licence: str | None = None,
    folder: Path | None = None,
) -> UserModel:
    """Install the model at `source` (path or URL) as `name` with the file suffix `suffix`
    (".onnx", ".pth", ".safetensors"). `sha256`, when given, must match the bytes read (a
    download must give one). `describe(path)` checks the model file and returns the manifest's
    "format", "input", "classes" and "architecture" (raising a FoleyError to refuse it). Nothing
    is left behind when any step fails; nothing already in the folder is replaced."""
    check_name(name)
    sha256 = None if sha256 is None else check_sha256(sha256)
    folder = store_folder() if folder is None else folder
    final, manifest = folder / f"{name}{suffix}", folder / f"{name}.json"
    for existing in sorted(folder.glob(f"{name}.*")) if folder.is_dir() else []:
        raise ModelStoreError(f"a model named {name!r} is already installed ({existing}); remove it first with `foley-assistant models remove {name}` or choose another --name.")
    stream, described = _open_source(source, sha256)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        stream.close()
        raise ModelStoreError(f"cannot create the model folder {folder} ({exc.strerror}); set {STORE_ENV} to a folder you can write.") from exc
    temporary = folder / f".{name}.partial-{secrets.token_hex(4)}{suffix}"
    try:
        actual = _copy_hashing(stream, temporary, described)
        if sha256 is not None and actual != sha256:
            raise ModelStoreError(f"{described} has sha256 {actual}, not the pinned {sha256}: it is not the file expected (or was damaged on the way); nothing was installed.")
        try:
            details = describe(temporary)
        except FoleyError as exc:
            raise ModelStoreError(f"{described} was not installed: {exc}") from exc
        model = UserModel(
            name=name,
            folder=folder,
            file=final.name,
            format=str(details["format"]),
            sha256=actual,
            source=described,
            installed=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            input=details.get("input"),
            classes=tuple(details.get("classes", ())),
            licence=licence,
            architecture=details.get("architecture"),
        )
        _link_new(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)
    try:
        write_json_atomic(manifest, model.to_dict())
    except BaseException:
        final.unlink(missing_ok=True)
        raise
    return model


def remove_model(name: str, folder: Path | None = None) -> UserModel:
    """Remove the installed model `name`: its file and its manifest, nothing else."""
    model = find_model(check_name(name), folder)
    if model is None:
        known = ", ".join(m.name for m in installed_models(folder)[0]) or "none"
        raise ModelStoreError(f"no installed model named {name!r} (installed: {known}); see `foley-assistant models list`.")
    model.path.unlink(missing_ok=True)
    model.manifest_path.unlink()
    return model
