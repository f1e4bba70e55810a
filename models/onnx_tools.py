"""Graph-level transforms of exported ONNX models: weight storage (q4, fp16), shared external
weights, and the size of the largest intermediate tensor."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# Initializers smaller than this stay inside the .onnx file (shape constants, small biases).
EXTERNAL_MIN_BYTES = 1024
EXTERNAL_ALIGN = 64
Q4_BLOCK = 32


def _consumers(graph: onnx.GraphProto, name: str) -> list[onnx.NodeProto]:
    return [n for n in graph.node if name in n.input]


def _rename_input(graph: onnx.GraphProto, old: str, new: str) -> None:
    for n in graph.node:
        for i, name in enumerate(n.input):
            if name == old:
                n.input[i] = new


def canonicalize_weights(model: onnx.ModelProto, min_bytes: int = EXTERNAL_MIN_BYTES) -> None:
    """Make every large constant a plain initializer used by name.

    The exporter aliases a weight used twice (one layer's weights in the image and grid streams)
    through Identity nodes, and bakes folded constants (resized pos-embeds, gathered rel-pos tables)
    into Constant nodes. Both would hide weights from quantization and from the shared weights file.
    """
    graph = model.graph
    inits = {i.name for i in graph.initializer}
    outputs = {o.name for o in graph.output}
    for node in list(graph.node):
        if node.op_type == "Identity" and node.input[0] in inits and node.output[0] not in outputs:
            _rename_input(graph, node.output[0], node.input[0])
            graph.node.remove(node)
        elif node.op_type == "Constant" and node.output[0] not in outputs:
            attr = node.attribute[0]
            if attr.name == "value" and len(attr.t.raw_data) >= min_bytes:
                tensor = onnx.TensorProto()
                tensor.CopyFrom(attr.t)
                tensor.name = node.output[0]
                graph.initializer.append(tensor)
                graph.node.remove(node)


def tie_transposed_weights(model: onnx.ModelProto) -> int:
    """Re-express a MatMul weight that is the transpose of another constant as a Transpose of it.

    The tied output head (hidden times the word embedding, transposed) reaches the graph as a
    folded copy of the embedding. Tied again, packages store the matrix once, and q4 leaves the
    head in the embedding's half precision: 4-bit noise there moves box coordinates, which are
    bin tokens whose logits differ by little (on 200 held-out UFO-Tiny scenes, seed 888: box
    AP@[.5:.95] 0.554 with a 4-bit head, 0.579 tied, fp32 0.582). Returns the count.
    """
    graph = model.graph

    def matmul_weight_only(name: str) -> bool:
        return all(n.op_type == "MatMul" and list(n.input).index(name) == 1 for n in _consumers(graph, name))

    def key(arr: np.ndarray) -> tuple[tuple[int, ...], bytes]:
        return arr.shape, hashlib.sha256(np.ascontiguousarray(arr).tobytes()).digest()

    matrices = [i for i in graph.initializer if len(i.dims) == 2 and i.data_type == TensorProto.FLOAT]
    sources = {key(numpy_helper.to_array(i)): i.name for i in matrices if not matmul_weight_only(i.name)}
    count = 0
    for init in matrices:
        source = sources.get(key(numpy_helper.to_array(init).T))
        if source is None or not matmul_weight_only(init.name):
            continue
        graph.initializer.remove(init)
        graph.node.insert(0, helper.make_node("Transpose", [source], [init.name], name=init.name + "_tied"))
        count += 1
    return count


# Shrink factors of a block's [min, max] range tried after the plain range, so the chosen range is
# never worse than min/max in squared error.
Q4_RANGE_SHRINK = np.arange(0.975, 0.49, -0.025)


def quantize_q4(w: np.ndarray, block: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Asymmetric 4-bit blocks along K of a (K, N) weight, in MatMulNBits' layout.

    Each block's range is its [min, max] (widened to hold 0) shrunk by the factor of
    Q4_RANGE_SHRINK that minimizes the block's squared reconstruction error: clipping a few
    outliers buys a finer step for the rest (measured on UFO-Tiny: 6.5% less error than min/max).

    Returns packed (N, K/block, block/2) uint8 (element 2i in the low nibble), scales (N*K/block)
    float32 and zero points (N * ceil(K/block / 2)) uint8, two per byte, low nibble first.
    dequant(q) = (q - zero_point) * scale.
    """
    k, n = w.shape
    blocks = k // block
    wt = w.T.reshape(n, blocks, block).astype(np.float32)
    lo0 = np.minimum(wt.min(-1), 0.0)
    hi0 = np.maximum(wt.max(-1), 0.0)
    scale, zp, q = _q4_codes(wt, lo0, hi0)
    best_err = _q4_error(wt, scale, zp, q)
    for shrink in Q4_RANGE_SHRINK:
        s, z, c = _q4_codes(wt, lo0 * shrink, hi0 * shrink)
        err = _q4_error(wt, s, z, c)
        better = err < best_err
        best_err = np.where(better, err, best_err)
        scale, zp = np.where(better, s, scale), np.where(better, z, zp)
        q = np.where(better[..., None], c, q)
    q = q.astype(np.uint8)
    packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
    zp = zp.astype(np.uint8)
    zp_pad = np.concatenate([zp, np.zeros((n, blocks % 2), np.uint8)], axis=1)
    zp_packed = (zp_pad[:, 0::2] | (zp_pad[:, 1::2] << 4)).astype(np.uint8)
    return packed, scale.reshape(-1), zp_packed.reshape(-1)


def _q4_codes(wt: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, ...]:
    """Scale, zero point and 4-bit codes (as floats) of blocks `wt` (..., block) over [lo, hi]."""
    scale = np.where(hi - lo == 0, 1.0, (hi - lo) / 15.0).astype(np.float32)
    zp = np.clip(np.round(-lo / scale), 0, 15)
    return scale, zp, np.clip(np.round(wt / scale[..., None]) + zp[..., None], 0, 15)


def _q4_error(wt: np.ndarray, scale: np.ndarray, zp: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Each block's squared error after dequantizing its codes."""
    return (((q - zp[..., None]) * scale[..., None] - wt) ** 2).sum(-1)


def dequantize_q4(packed: np.ndarray, scales: np.ndarray, zps: np.ndarray, k: int) -> np.ndarray:
    """Inverse of quantize_q4 up to rounding: the (K, N) weight MatMulNBits computes with."""
    n, blocks, half = packed.shape
    q = np.empty((n, blocks, half * 2), np.float32)
    q[..., 0::2] = packed & 0x0F
    q[..., 1::2] = packed >> 4
    zp_bytes = zps.reshape(n, -1)
    zp = np.empty((n, zp_bytes.shape[1] * 2), np.float32)
    zp[:, 0::2] = zp_bytes & 0x0F
    zp[:, 1::2] = zp_bytes >> 4
    w = (q - zp[:, :blocks, None]) * scales.reshape(n, blocks)[..., None]
    return w.reshape(n, k).T


def to_q4(model: onnx.ModelProto, block: int = Q4_BLOCK) -> int:
    """Replace MatMul by a constant (K, N) float weight with MatMulNBits (4-bit, weight-only).

    Runs on onnxruntime's WebGPU EP (unlike MatMulInteger / dynamic int8). Returns the count.
    """
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    done: set[str] = set()  # weights already quantized (a weight can feed several MatMuls)
    count = 0
    for idx, node in enumerate(list(graph.node)):
        if node.op_type != "MatMul" or node.input[1] not in inits:
            continue
        init = inits[node.input[1]]
        if init.data_type != TensorProto.FLOAT or len(init.dims) != 2 or init.dims[0] % block:
            continue
        k, n = init.dims
        base = f"{node.input[1]}_q4"
        if base not in done:
            packed, scales, zps = quantize_q4(numpy_helper.to_array(init), block)
            graph.initializer.extend(
                [
                    numpy_helper.from_array(packed, base),
                    numpy_helper.from_array(scales, base + "_scales"),
                    numpy_helper.from_array(zps, base + "_zp"),
                ]
            )
            done.add(base)
        new = helper.make_node(
            "MatMulNBits",
            [node.input[0], base, base + "_scales", base + "_zp"],
            list(node.output),
            name=(node.name or f"matmul{idx}") + "_q4",
            domain="com.microsoft",
            K=k,
            N=n,
            bits=4,
            block_size=block,
        )
        pos = list(graph.node).index(node)
        graph.node.remove(node)
        graph.node.insert(pos, new)
        if not _consumers(graph, init.name):
            graph.initializer.remove(init)
        count += 1
    if count and not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return count


def to_fp16_storage(model: onnx.ModelProto, min_elements: int = 16) -> int:
    """Store float initializers in half precision, each followed by a Cast back to float.

    Arithmetic, the residual stream and accumulations stay fp32 (the official code notes that fp16
    overflows); only the download halves. Works without the `shader-f16` GPU feature.
    """
    graph = model.graph
    casts = []
    count = 0
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT or int(np.prod(init.dims)) < min_elements:
            continue
        arr = numpy_helper.to_array(init)
        if np.abs(arr).max(initial=0) > 65504:
            continue  # would overflow half precision: keep fp32
        name = init.name
        half = numpy_helper.from_array(arr.astype(np.float16), name + "_fp16")
        init.CopyFrom(half)
        casts.append(
            helper.make_node("Cast", [name + "_fp16"], [name], name=name + "_cast", to=TensorProto.FLOAT)
        )
        count += 1
    for i, c in enumerate(casts):
        graph.node.insert(i, c)
    return count


@dataclass
class SharedWeights:
    """One external-data file shared by several graphs: identical tensors are stored once."""

    path: Path
    blob: bytearray = field(default_factory=bytearray)
    index: dict[str, tuple[int, int]] = field(default_factory=dict)

    def externalize(self, model: onnx.ModelProto) -> None:
        for init in model.graph.initializer:
            raw = init.raw_data
            if not raw:
                continue  # small typed-field constants stay inline
            if len(raw) < EXTERNAL_MIN_BYTES:
                continue
            key = hashlib.sha256(bytes([init.data_type]) + str(list(init.dims)).encode() + raw).hexdigest()
            if key not in self.index:
                self.blob.extend(b"\0" * (-len(self.blob) % EXTERNAL_ALIGN))
                self.index[key] = (len(self.blob), len(raw))
                self.blob.extend(raw)
            offset, length = self.index[key]
            init.ClearField("raw_data")
            init.data_location = TensorProto.EXTERNAL
            del init.external_data[:]
            for k, v in (("location", self.path.name), ("offset", str(offset)), ("length", str(length))):
                entry = init.external_data.add()
                entry.key, entry.value = k, v

    def write(self) -> None:
        self.path.write_bytes(bytes(self.blob))


def largest_intermediate(model: onnx.ModelProto) -> tuple[str, int]:
    """Name and byte size of the largest tensor of a graph with static input shapes.

    Shape inference with data propagation resolves the reshapes; a tensor it still cannot size
    (a float tensor that is not a scalar) is an error, so the check never passes by not looking.
    """
    inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    sizes = {
        TensorProto.FLOAT: 4,
        TensorProto.INT64: 8,
        TensorProto.FLOAT16: 2,
        TensorProto.BOOL: 1,
        TensorProto.INT32: 4,
        TensorProto.UINT8: 1,
    }
    best = ("", 0)
    for vi in [*inferred.graph.value_info, *inferred.graph.output]:
        t = vi.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else 0 for d in t.shape.dim]
        if not all(dims):
            # Only float tensors can be large here; index math (positions, shapes) is tiny.
            if dims and t.elem_type in (TensorProto.FLOAT, TensorProto.FLOAT16):
                raise ValueError(
                    f"cannot size {vi.name}: shape {[d.dim_param or d.dim_value for d in t.shape.dim]}"
                )
            continue
        nbytes = int(np.prod(dims)) * sizes.get(t.elem_type, 4)
        if nbytes > best[1]:
            best = (vi.name, nbytes)
    return best
