"""Every package folder is listed in pyproject.toml, and the bundled data is reachable."""

import json
import tomllib
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    mapped = config["tool"]["setuptools"]["package-dir"]  # packages kept in other folders (resources/, plugins/otio/)
    on_disk = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "foley_assistant").rglob("__init__.py")} | {
        name for name, folder in mapped.items() if (ROOT / folder / "__init__.py").is_file()
    }
    assert on_disk == listed
    assert set(mapped) == {"foley_assistant.resources", "foley_assistant.otio_plugin"}


def test_resources_are_installed_with_the_package():
    for name in ("voices.json", "size_priors.json"):
        data = json.loads((files("foley_assistant.resources") / name).read_text())
        assert data, name


def test_console_scripts_and_version_come_from_one_place():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["project"]["scripts"] == {
        "foley-assistant": "foley_assistant.cli.main:main",
        "foley-assistant-gui": "foley_assistant.gui.app:main",
    }
    assert config["project"]["dynamic"] == ["version"]
    assert config["tool"]["setuptools"]["dynamic"]["version"]["attr"] == "foley_assistant._version.__version__"
