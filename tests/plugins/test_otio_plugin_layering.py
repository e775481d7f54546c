"""The OTIO plugin's imports keep the layering (it sits beside the CLI, over the pipeline).

import-linter cannot see it (plugins/otio is mapped into the package, outside the folder it scans
in an editable install), so its imports are read here."""

from __future__ import annotations

import ast

from tests.plugins.conftest import PLUGINS

ALLOWED_OURS = ("foley_assistant.pipeline", "foley_assistant.io", "foley_assistant.core", "foley_assistant.otio_plugin")
FORBIDDEN = ("torch", "PySide6", "pyqtgraph", "foley_assistant.gui", "foley_assistant.cli", "foley_assistant.model")


def imported_modules(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_plugin_imports_only_the_pipeline_and_below():
    files = sorted((PLUGINS / "otio").glob("*.py"))
    assert {f.name for f in files} >= {"relink.py", "foley_tracks.py", "stem_linker.py", "add_tracks_hook.py"}
    for path in files:
        for module in imported_modules(path.read_text()):
            assert not module.startswith(FORBIDDEN), f"{path.name} imports {module}"
            if module.startswith("foley_assistant"):
                assert module.startswith(ALLOWED_OURS), f"{path.name} imports {module}"


def test_the_check_sees_a_forbidden_import():
    assert "foley_assistant.gui.app" in imported_modules("from foley_assistant.gui.app import main")
