"""`import foley_assistant` and `foley-assistant --help` must not load torch or Qt."""

import subprocess
import sys

HEAVY = ("torch", "PySide6", "pyqtgraph")


def loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return {m for m in done.stdout.strip().split(",") if m}


def test_importing_the_package_is_light():
    assert loaded_after("import foley_assistant") == set()


def test_cli_help_is_light():
    code = "import contextlib, io\nfrom foley_assistant.cli.main import main\nwith contextlib.redirect_stdout(io.StringIO()):\n    try:\n        main(['--help'])\n    except SystemExit:\n        pass"
    assert loaded_after(code) == set()


def test_pipeline_and_stages_are_light():
    code = "import foley_assistant.pipeline.generate, foley_assistant.pipeline.demo, foley_assistant.cli.commands"
    assert loaded_after(code) == set()
