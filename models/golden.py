"""Golden fixtures for the TypeScript runtime, written by the PyTorch oracle.

    python -m models.golden --package public/models/ufo-tiny --checkpoint runs/ufo-tiny.pth \
        --out src/runtime/engine/__fixtures__/ufo-tiny
    python -m models.golden --micro --out src/runtime/engine/__fixtures__/micro
    python -m models.golden --preset ufo-vit-b --random-seed 0 --bert-like-vocab --tasks grounding \
        --scenes 1 --out /tmp/vit-b    # what src/runtime/engine/vit-b.test.ts runs

For each case: the input image (PNG, so every decoder reads the same pixels), the model input
tensor, and the oracle's outputs of the task (token ids, first-token scores, boxes, masks as
row-major run lengths, label maps). The micro set also exports its package (random weights, all
three dtypes) and per-graph stage tensors, including the q4 graphs' expected outputs computed with
the dequantized weights, which pins the MatMulNBits packing.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from . import onnx_tools
from .checkpoint import load_checkpoint
from .config import TaskConfig
from .export import PRESETS, export_package
from .graphs import DecoderGraph, GridEncoderGraph, TextEncoderGraph
from .oracle import Oracle
from .scenes import SceneConfig, generate_scene
from .testing import bert_like_vocab
from .tokenizer import Tokenizer
from .ufo_vit import UFOViT, init_weights

GOLDEN_SEED = 31337  # scenes never used in training


def runs(mask: np.ndarray) -> list[int]:
    """Row-major run lengths of a binary mask, starting with a run of zeros."""
    flat = mask.reshape(-1).astype(np.uint8)
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    lengths = np.diff(bounds).tolist()
    return ([0] if flat.size and flat[0] else []) + lengths


class Writer:
    def __init__(self, out: Path) -> None:
        self.out = out
        (out / "bin").mkdir(parents=True, exist_ok=True)
        (out / "images").mkdir(exist_ok=True)

    def tensor(self, name: str, t: Tensor) -> dict[str, object]:
        arr = t.detach().cpu().numpy()
        dtype = (
            "float32"
            if arr.dtype.kind == "f"
            else "uint8"
            if arr.max(initial=0) < 256 and arr.min(initial=0) >= 0
            else "int64"
        )
        arr.astype(dtype).tofile(self.out / "bin" / f"{name}.bin")
        return {"file": f"bin/{name}.bin", "dtype": dtype, "dims": list(arr.shape)}

    def image(self, name: str, image: np.ndarray) -> str:
        Image.fromarray(image).save(self.out / "images" / f"{name}.png")
        return f"images/{name}.png"


def task_cases(oracle: Oracle, w: Writer, count: int, scene_config: SceneConfig) -> list[dict[str, object]]:
    cases: list[dict[str, object]] = []
    for i in range(count):
        scene = generate_scene(GOLDEN_SEED, i, scene_config)
        # Round-trip through PNG so the oracle sees exactly the pixels the runtime decodes.
        path = w.image(f"scene{i}", scene.image)
        image = np.asarray(Image.open(w.out / path).convert("RGB"))
        base = {"image": path, "width": image.shape[1], "height": image.shape[0]}
        for task, t in oracle.tasks.items():
            name = f"scene{i}_{task}"
            case: dict[str, object] = {**base, "task": task}
            if t.kind in ("refer-box", "refer-mask"):
                expr = scene.expressions[0].text if scene.expressions else "the shape"
                r = oracle.refer(task, image, expr)
                case.update(expression=expr, ids=r["ids"], probs=r["probs"], box=r["box"])
                if t.kind == "refer-mask":
                    mask = r["mask"]
                    # An empty mask is no mask, as the runtime reports it.
                    case["mask_runs"] = None if mask is None or not bool(mask.any()) else runs(mask.numpy())
                    if r["mask_logits"] is not None:
                        case["mask_logits"] = w.tensor(f"{name}_mask_logits", r["mask_logits"])
            elif t.kind == "caption":
                r = oracle.caption(task, image)
                case.update(ids=r["ids"], text=r["text"])
            elif t.kind == "grid-box":
                r = oracle.detection(task, image)
                dec = r["decode"]
                case.update(
                    grid_ids=dec.ids,
                    grid_scores=[p[0] for p in dec.probs],
                    batch_sizes=dec.batch_sizes,
                    boxes=r["boxes"].tolist(),
                    labels=r["labels"].tolist(),
                    scores=r["scores"].tolist(),
                )
            elif t.kind == "grid-mask":
                r = oracle.instance_segmentation(task, image)
                dec = r["decode"]
                case.update(
                    grid_ids=dec.ids,
                    grid_scores=[p[0] for p in dec.probs],
                    labels=r["labels"].tolist(),
                    scores=r["scores"].tolist(),
                    mask_runs=[runs(m.numpy()) for m in r["masks"]],
                )
            else:
                r = oracle.semantic_segmentation(task, image)
                dec = r["decode"]
                case.update(grid_ids=dec.ids, label_map=w.tensor(f"{name}_label_map", r["label_map"]))
            case["prompt_ids"] = r["prompt"]
            # Tasks at the same size and interpolation share one input tensor file.
            case["pixels"] = w.tensor(f"scene{i}_{t.image_size}_{t.interpolation}_pixels", r["pixels"])
            cases.append(case)
    return cases


def stage_cases(model: UFOViT, tok: Tokenizer, tasks: dict[str, TaskConfig], w: Writer) -> dict[str, object]:
    """Per-graph inputs and outputs of the micro model, fp32 and q4 (dequantized weights)."""
    net = model.backbone
    det = tasks["detection"]
    prompt = tok.prompt_ids(det.prompt)
    gen = torch.Generator().manual_seed(0)
    pixels = torch.randn(1, 3, det.image_size, det.image_size, generator=gen)
    out: dict[str, object] = {"prompt_ids": prompt, "pixels": w.tensor("stage_pixels", pixels)}
    for dtype, net_used in (("fp32", net), ("q4", _dequantized(model).backbone)):
        with torch.no_grad():
            text_kv = TextEncoderGraph(net_used)(torch.tensor([prompt]))
            feat, *grid_kv = GridEncoderGraph(net_used, det.image_size, det.grid_per_window)(pixels, text_kv)
            g = grid_kv[0].shape[1]
            ids = torch.full((g, 1), tok.id("[CLS]"))
            step = DecoderGraph(net_used, model.cfg.window_layers, 8)(
                ids, torch.tensor([0]), torch.arange(g), torch.tensor([1.0]), *grid_kv
            )
        out[dtype] = {
            "text_kv": w.tensor(f"stage_{dtype}_text_kv", text_kv),
            "grid_kv": [w.tensor(f"stage_{dtype}_grid_kv_{j}", kv) for j, kv in enumerate(grid_kv)],
            "img_feat": w.tensor(f"stage_{dtype}_img_feat", feat),
            "next_id": step[0].tolist(),
            "max_prob": w.tensor(f"stage_{dtype}_max_prob", step[1]),
            "hidden": w.tensor(f"stage_{dtype}_hidden", step[2]),
        }
    return out


def _dequantized(model: UFOViT) -> UFOViT:
    """A copy whose Linear weights are what the q4 graphs compute with (quantize, then dequantize)."""
    copy = UFOViT(model.cfg)
    copy.load_state_dict(model.state_dict())
    with torch.no_grad():
        for name, module in copy.named_modules():
            if isinstance(module, torch.nn.Linear) and module.in_features % onnx_tools.Q4_BLOCK == 0:
                w = module.weight.t().numpy()  # (K, N) as the exported MatMul holds it
                q = onnx_tools.dequantize_q4(*onnx_tools.quantize_q4(w, onnx_tools.Q4_BLOCK), k=w.shape[0])
                module.weight.copy_(torch.from_numpy(q.T.copy()))
    return copy.eval()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m models.golden", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--micro", action="store_true", help="the random-weight micro model, with stage tensors")
    ap.add_argument("--preset", default="ufo-tiny")
    ap.add_argument("--package", type=Path, help="an exported package of --checkpoint's weights")
    ap.add_argument("--checkpoint", type=Path)
    ap.add_argument(
        "--random-seed", type=int, help="random weights; the package is exported into OUT/package"
    )
    ap.add_argument(
        "--bert-like-vocab", action="store_true", help="a 30522-token stand-in for bert-base-uncased"
    )
    ap.add_argument("--tasks", help="comma-separated subset of the preset's tasks")
    ap.add_argument("--scenes", type=int, default=2)
    args = ap.parse_args(argv)
    shutil.rmtree(args.out, ignore_errors=True)
    w = Writer(args.out)
    preset_name = "micro" if args.micro else args.preset
    preset = PRESETS[preset_name]
    if args.bert_like_vocab:
        tok = Tokenizer.from_tokens(bert_like_vocab())
    else:
        assert preset.vocab is not None, f"{args.preset} needs --bert-like-vocab"
        tok = Tokenizer.from_tokens(preset.vocab())
    tasks = preset.tasks()
    if args.tasks:
        tasks = {t: tasks[t] for t in args.tasks.split(",")}
    cfg = preset.config(len(tok.vocab))
    random_seed = 0 if args.micro else args.random_seed
    scene_config = SceneConfig(min_side=64, max_side=96, max_objects=3) if args.micro else SceneConfig()
    if random_seed is not None:
        model = UFOViT(cfg)
        init_weights(model, random_seed)
        dtypes = ["fp32", "q4", "fp16"] if args.micro else ["fp32"]
        export_package(
            model, tok, tasks, args.out / "package", dtypes, preset_name, force=True, log=lambda _: None
        )
        package = "package"
    else:
        model = load_checkpoint(args.checkpoint, cfg, preset_name)
        package = str(args.package)
    oracle = Oracle(model, tok, tasks)
    golden: dict[str, object] = {
        "package": package,
        "cases": task_cases(oracle, w, args.scenes, scene_config),
    }
    if args.micro:
        golden["stages"] = stage_cases(model, tok, tasks, w)
    (args.out / "golden.json").write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
