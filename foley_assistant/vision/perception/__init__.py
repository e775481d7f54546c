"""Pretrained perception models shipped with the product (ONNX, run with onnxruntime).

Each model lives in `resources/perception/` as `<name>.onnx` beside a manifest `<name>.json` that
gives its sha256, licence and origin; nothing is ever downloaded. `shipped.session(name)` opens one.
"""
