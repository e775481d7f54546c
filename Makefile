# Foley Assistant: `make demo` and `make test` work on a fresh machine with Python 3.11+.
# Everything is installed into .venv; system packages (Xvfb for the GUI screenshot test, PortAudio
# for playback) are installed with apt-get when this runs as root on Debian/Ubuntu, and otherwise
# skipped with a message (the tests that need them then skip with a reason).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := xvfb libportaudio2 libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon-x11-0 \
	libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 \
	libxcb-shape0 libxcb-xinerama0 libxcb-xkb1

.PHONY: demo test bench system-deps clean bpy-env test-blender package bench-packaging

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Foley Assistant needs Python 3.11 or newer (found " + sys.version.split()[0] + "); run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,model]'
	@# Ray (generate --executor ray): optional; its tests skip, saying why, where it cannot be installed.
	$(BIN)/python -m pip install --quiet -e '.[ray]' \
		|| echo "ray could not be installed: --executor ray will be refused and its tests skipped"
	@# EBU ear (ADM export): its pins (numpy~=1.14, lxml~=4.4, attrs<22) are stale; see pyproject.toml.
	$(BIN)/python -m pip install --quiet --no-deps 'ear==2.1.0' \
		|| echo "ear could not be installed: ADM export will be refused and its test skipped"
	@touch $(STAMP)

system-deps:
	@if command -v Xvfb >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q libxcb-cursor && ldconfig -p 2>/dev/null | grep -q libportaudio; then \
		echo "system packages: present"; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "system packages: installing $(SYSTEM_PACKAGES)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null) \
			|| echo "system packages: apt-get failed; the screenshot test will be skipped"; \
	else \
		echo "system packages: cannot install Xvfb/PortAudio here (not root or no apt-get); the tests that need them will be skipped"; \
	fi

demo: $(STAMP)
	$(BIN)/foley-assistant demo --out demo-output

test: $(STAMP) system-deps bpy-env
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/spatial.py
	$(BIN)/python benchmarks/timeline_io.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/gui.py

# The Blender add-on, headless in Blender itself: the `bpy` wheel (about 1 GB installed, bound to
# Python 3.11) in its own environment, so the main one stays light. `make test` sets it up when it
# can and runs the add-on's test in it; where bpy cannot be installed the test skips, saying why.
BPY_VENV := .venv-bpy
bpy-env:
	@if $(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then \
		[ -x $(BPY_VENV)/bin/python ] || $(PYTHON) -m venv $(BPY_VENV); \
		$(BPY_VENV)/bin/python -c 'import bpy' 2>/dev/null || $(BPY_VENV)/bin/python -m pip install --quiet 'bpy==5.0.1' \
			|| echo "bpy could not be installed: the Blender test will be skipped"; \
	else echo "bpy 5.0 needs Python 3.11 (run: make PYTHON=python3.11 test); the Blender test will be skipped"; fi

test-blender: $(STAMP) bpy-env
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/plugins/test_blender_addon.py

# The desktop app (PyInstaller, one folder; full and light variants) in dist/, smoke-run; slow and
# large, so never part of `make test`. Figures: make bench-packaging.
package: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[packaging]'
	packaging/build.sh all

bench-packaging: $(STAMP)
	$(BIN)/python benchmarks/app_packaging.py

clean:
	rm -rf $(VENV) $(BPY_VENV) demo-output .pytest_cache build dist
