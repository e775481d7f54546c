#!/usr/bin/env bash
# The GPU run of the neural model from a plain checkout (no pip install; needs torch, numpy, scipy,
# opencv-python-headless, safetensors). Usage: benchmarks/model_gpu.sh OUT_DIR [--smoke] [...]
# Writes OUT_DIR/results.md, results.json, run.log and model_and_logs.tar.gz (model/ in float16, to
# ship, and logs/). See docs/model.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: benchmarks/model_gpu.sh OUT_DIR [options of benchmarks/model_gpu.py]}"
shift
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" exec "${PYTHON:-python3}" -u benchmarks/model_gpu.py --out "$out" "$@"
