"""ViT-B at its real size: the 1120 px detection graphs export and stay under the memory cap.

The grounding graphs of a ViT-B-sized random checkpoint are exported and run in Node by
src/runtime/engine/vit-b.test.ts (through models.golden).
"""

from __future__ import annotations

import io

import onnx
import torch

from models import onnx_tools
from models.config import named_config
from models.graphs import DecoderGraph, GridEncoderGraph, kv_names
from models.ufo_vit import UFOViT

# Issue requirement: no intermediate over 256 MiB for ViT-B (spec §8.2's 4900x4900 trap).
MAX_INTERMEDIATE = 256 * 2**20
DET_PROMPT_TOKENS = 208  # spec §2: the COCO detection prompt


def _export(
    module: torch.nn.Module, args: tuple[torch.Tensor, ...], inputs: list[str], outputs: list[str]
) -> onnx.ModelProto:
    buf = io.BytesIO()
    with torch.no_grad():
        # Weights do not change shapes: leave them out so the test stays fast and small.
        torch.onnx.export(
            module, args, buf, input_names=inputs, output_names=outputs, opset_version=17, export_params=False
        )
    return onnx.load_from_string(buf.getvalue())


def test_vit_b_detection_graphs_at_1120_keep_every_intermediate_under_256_mib() -> None:
    # ViT-B's widths, heads and 1120 px grid with 4 of its 18 layers (window, global, window,
    # window): every tensor of a layer depends on those, not on the depth, and exporting all 18
    # layers takes minutes longer for the same answer.
    cfg = named_config("ufo-vit-b", depth=4, global_layers=(1,), mean_layers=(2, 3))
    net = UFOViT(cfg).eval().backbone
    enc = _export(
        GridEncoderGraph(net, 1120, 5),
        (torch.zeros(1, 3, 1120, 1120), torch.zeros(cfg.depth, 2, 12, DET_PROMPT_TOKENS, 64)),
        ["pixels", "text_kv"],
        ["grid_kv", "img_feat"],
    )
    name, size = onnx_tools.largest_intermediate(enc)
    assert size <= MAX_INTERMEDIATE, f"{name} is {size / 2**20:.0f} MiB"
    # The global layers' logits are processed in bands: the largest tensor is one band's logits.
    assert size >= 12 * 490 * 4900 * 4
    # A decode step of all 625 grid points at the longest detection answer (spec §4.4: 16 tokens).
    layers = cfg.window_layers
    dec = _export(
        DecoderGraph(net, layers, 8),
        (
            torch.zeros(625, 1, dtype=torch.long),
            torch.tensor([15]),
            torch.arange(625),
            torch.tensor([1.0]),
            *(torch.zeros(2, 625, 12, 16, 64) for _ in layers),
        ),
        ["ids", "pos", "rows", "temperature", *kv_names("past", len(layers))],
        ["next_id", "max_prob", "hidden", "topk_logp", "topk_ids", *kv_names("present", len(layers))],
    )
    name, size = onnx_tools.largest_intermediate(dec)
    assert size <= MAX_INTERMEDIATE, f"{name} is {size / 2**20:.0f} MiB"
