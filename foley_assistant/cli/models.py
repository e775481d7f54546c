"""`foley-assistant models list|verify|install|remove`: the perception models analysis may use."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from foley_assistant.vision.perception.onnx_layouts import FORMATS

FORMAT_CHOICES = ("auto", *FORMATS, "torchvision")


def add_models_parser(commands: Any) -> None:
    """Register `models` and its actions."""
    models = commands.add_parser(
        "models",
        help="list, verify, install and remove the detector models analysis may use (nothing is fetched at run time)",
        description="The shipped models (nanodet, movenet, transnet) and your own detectors, kept in $FOLEY_ASSISTANT_MODELS "
        "(default $XDG_DATA_HOME/foley-assistant/models, i.e. ~/.local/share/foley-assistant/models). Use an installed model with "
        "`analyze --detector NAME` or `generate --detector NAME`.",
    )
    actions = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every model, shipped and installed, with its sha256 checked")
    listing.add_argument("--json", action="store_true", help="print JSON")
    verify = actions.add_parser("verify", help="check model files against their sha256 (exit 2 if one does not match)")
    verify.add_argument("name", nargs="?", help="only this model (default: all)")
    verify.add_argument("--json", action="store_true", help="print JSON")
    install = actions.add_parser(
        "install",
        help="install a detector from a file or a URL",
        description="Copy a detector into your model store after checking it: an ONNX export (YOLOv8/YOLO11, YOLOv5, YOLOX, "
        "YOLOv10/end-to-end, RT-DETR, NanoDet-Plus; 80 COCO classes; its layout found from its shapes) or torchvision weights "
        "(.pth/.safetensors). A download (http/https) needs --sha256; file:// URLs and paths may give one.",
    )
    install.add_argument("source", metavar="PATH_OR_URL", help="the model file, or an http(s):// or file:// URL")
    install.add_argument("--name", help="the name to install it as (lower-case letters, digits, - and _), used with --detector NAME (default: the file's name)")
    install.add_argument("--format", default="auto", choices=FORMAT_CHOICES, help="the export's layout (default auto: read from its shapes)")
    install.add_argument("--sha256", metavar="HEX", help="the file's expected sha256; required for http(s) downloads, checked before the file is kept")
    install.add_argument("--input-size", type=int, default=640, metavar="PIXELS", help="for a model without a fixed input size: its input's longer side (default 640)")
    install.add_argument("--architecture", help="torchvision weights: the builder they fit (default ssdlite320_mobilenet_v3_large)")
    install.add_argument("--licence", metavar="TEXT", help="the model's licence, kept in its manifest (e.g. AGPL-3.0 for ultralytics weights)")
    remove = actions.add_parser("remove", help="remove an installed model (its file and manifest)")
    remove.add_argument("name", help="the installed model's name")


def _table(rows: list[Any]) -> None:
    print(f"{'name':<16} {'origin':<9} {'format':<30} {'sha256':<14} state")
    for row in rows:
        print(f"{row.name:<16} {row.origin:<9} {row.format:<30} {row.sha256[:12]:<14} {row.state}")


def run_models(args: argparse.Namespace) -> int:
    """Run one `models` action; returns the exit code."""
    from foley_assistant.io.model_store import store_folder
    from foley_assistant.pipeline import models

    if args.models_command == "list":
        rows, problems = models.list_models()
        if args.json:
            print(json.dumps({"store": str(store_folder()), "models": [r.to_dict() for r in rows], "problems": problems}, indent=2))
        else:
            _table(rows)
            print(f"installed models: {store_folder()}")
        for problem in problems:
            print(f"note: {problem}", file=sys.stderr)
        return 0
    if args.models_command == "verify":
        rows = models.verify_models(args.name)
        if args.json:
            print(json.dumps([r.to_dict() for r in rows], indent=2))
        else:
            for row in rows:
                print(f"{row.name}: {row.state}" + (f" (sha256 {row.sha256})" if row.state == "ok" else ""))
        bad = [row for row in rows if row.state != "ok"]
        for row in bad:
            print(f"error: {row.name}: {row.state}", file=sys.stderr)
        return 2 if bad else 0
    if args.models_command == "install":
        model = models.install(args.source, args.name, args.format, args.sha256, args.input_size, args.architecture, args.licence)
        size = f", input {model.input['width']}x{model.input['height']}" if model.input else ""
        print(f"installed {model.name} ({model.format}{size}, sha256 {model.sha256}) -> {model.path}")
        print(f"use it with: foley-assistant analyze --detector {model.name} ...")
        return 0
    removed = models.remove(args.name)
    print(f"removed {removed.name} ({removed.path})")
    return 0
