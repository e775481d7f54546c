#!/usr/bin/env bash
# Build the one-folder desktop app with PyInstaller and smoke-run what was built.
#
#   packaging/build.sh [full|light|all]      (default: all)
#
# Variants: full (with torch: the neural engine too) and light (no torch: procedural and library
# engines). Each lands in dist/<variant>/foley-assistant/ with the .desktop entry and icon under
# share/, and dist/<variant>/build-info.json records the build time and size for
# benchmarks/app_packaging.py. Needs the packaging extra (pip install -e '.[packaging]').
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
WHAT="${1:-all}"
case "$WHAT" in
    full|light) VARIANTS=("$WHAT") ;;
    all) VARIANTS=(full light) ;;
    *) echo "usage: packaging/build.sh [full|light|all]" >&2; exit 2 ;;
esac
"$PYTHON" -c 'import PyInstaller' 2>/dev/null || {
    echo "PyInstaller is not installed: run $PYTHON -m pip install -e '.[packaging]'" >&2; exit 2; }
if [ "${VARIANTS[0]}" = full ] || [ "${#VARIANTS[@]}" = 2 ]; then
    "$PYTHON" -c 'import torch' 2>/dev/null || {
        echo "the full variant needs torch (pip install torch==2.13.0); build the light one: packaging/build.sh light" >&2; exit 2; }
fi
VERSION="$("$PYTHON" -c 'from foley_assistant import __version__; print(__version__)')"
# A plain (not editable) install of the project to analyse: it has the folders pyproject.toml maps
# into the package (resources/, plugins/otio/) where an installed package has them.
STAGE="$ROOT/build/stage"
rm -rf "$STAGE"
"$PYTHON" -m pip install --quiet --no-deps --target "$STAGE" "$ROOT"
export FOLEY_STAGE="$STAGE"

smoke() {  # smoke-run a built app folder
    local app="$1" work
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' RETURN
    "$app/foley-assistant" --version | grep -qx "foley-assistant $VERSION"
    "$app/foley-assistant" --help >/dev/null
    "$app/foley-assistant" shots "$ROOT/tests/fixtures/timelines/simple.aaf" --json >/dev/null  # an adapter plugin (AAF) loads
    "$app/foley-assistant" demo --out "$work/demo" -q >/dev/null
    for file in timeline.otio project.rpp report.json foley_project.json; do
        [ -s "$work/demo/$file" ] || { echo "smoke: the demo wrote no $file" >&2; return 1; }
    done
    ls "$work/demo/stems/"*.wav >/dev/null
    "$app/foley-assistant" placements "$work/demo" --json >/dev/null
    QT_QPA_PLATFORM=offscreen FOLEY_ASSISTANT_STARTUP_PROBE=1 "$app/foley-assistant-gui" | grep -q '^main-window-shown '
}

for variant in "${VARIANTS[@]}"; do
    dist="$ROOT/dist/$variant"
    echo "== building $variant into $dist"
    started=$(date +%s.%N)
    FOLEY_VARIANT="$variant" "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath "$dist" --workpath "$ROOT/build/pyinstaller-$variant" "$ROOT/packaging/foley_assistant.spec"
    finished=$(date +%s.%N)
    app="$dist/foley-assistant"
    install -D -m 644 "$ROOT/packaging/foley-assistant.desktop" "$app/share/applications/foley-assistant.desktop"
    install -D -m 644 "$ROOT/resources/foley-assistant.png" "$app/share/icons/hicolor/256x256/apps/foley-assistant.png"
    install -D -m 644 "$ROOT/resources/foley-assistant.svg" "$app/share/icons/hicolor/scalable/apps/foley-assistant.svg"
    bytes=$(du -sb "$app" | cut -f1)
    build_s=$("$PYTHON" -c "print(round($finished - $started, 1))")
    echo "== smoke-running $variant"
    smoke "$app"
    printf '{"variant": "%s", "version": "%s", "build_s": %.1f, "bytes": %d}\n' "$variant" "$VERSION" "$build_s" "$bytes" > "$dist/build-info.json"
    echo "== $variant: built in ${build_s}s, $(du -sh "$app" | cut -f1) ($bytes bytes), smoke run passed"
done
