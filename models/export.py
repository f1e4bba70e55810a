"""Export a UFO-ViT to a model package: config.json, tokenizer files and ONNX graphs per dtype.

    python -m models.export --preset ufo-vit-b --checkpoint ufo-vit-b-multi.pth --vocab vocab.txt \
        --out public/models/ufo-vit-b --dtype q4 --dtype fp16
    python -m models.export --preset micro --random-seed 0 --out /tmp/micro --dtype fp32

The package (a Hugging Face-style folder) is written to a temporary folder and renamed at the end;
an existing output is refused without --force. See models/PACKAGE.md for the format.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import onnx
import torch
from torch import nn

from . import onnx_tools
from .checkpoint import CheckpointError, load_checkpoint
from .config import NAMED_CONFIGS, TaskConfig, UfoVitConfig, named_config, official_tasks
from .graphs import DecoderGraph, FullEncoderGraph, GridEncoderGraph, TextEncoderGraph, kv_names
from .oracle import IMAGE_MEAN, IMAGE_STD, MASK_TOKENS
from .presets import (
    TINY_IMAGE_SIZE,
    build_vocab,
    micro_config,
    micro_tasks,
    tiny_config,
    tiny_tasks,
    tiny_train_tasks,
)
from .tokenizer import Tokenizer, VocabError
from .ufo_vit import UFOViT, init_weights

FORMAT_VERSION = 1
OPSET = 17
DTYPES = ("fp32", "fp16", "q4")
# Beam search reads the best 2 x beams continuations per beam; 8 allows up to 4 beams.
DECODER_TOPK = 8


class ExportError(ValueError):
    """The export cannot proceed; the message names the problem."""


@dataclass(frozen=True)
class Preset:
    config: Callable[[int], UfoVitConfig]  # vocabulary size -> architecture
    tasks: Callable[[], dict[str, TaskConfig]]  # what the package declares and the runtime decodes
    vocab: Callable[[], list[str]] | None  # built-in vocabulary, or None when --vocab is required
    # The tasks training assigns targets on, where they differ from the decoded ones (a grid).
    train_tasks: Callable[[], dict[str, TaskConfig]] | None = None


def _official(name: str) -> Preset:
    return Preset(lambda v: named_config(name, vocab_size=v), official_tasks, None)


PRESETS: dict[str, Preset] = {
    **{name: _official(name) for name in NAMED_CONFIGS},
    "ufo-tiny": Preset(tiny_config, tiny_tasks, lambda: build_vocab(2 * TINY_IMAGE_SIZE), tiny_train_tasks),
    "micro": Preset(micro_config, micro_tasks, lambda: build_vocab(128)),
}


# ------------------------------------------------------------------------------ graphs
@dataclass
class GraphSpec:
    module: nn.Module
    args: tuple[torch.Tensor, ...]
    inputs: list[str]
    outputs: list[str]
    dynamic: dict[str, dict[int, str]]
    meta: dict[str, object]


def graph_specs(
    model: UFOViT, tasks: dict[str, TaskConfig], tok: Tokenizer
) -> tuple[dict[str, GraphSpec], dict[str, dict[str, str]]]:
    """The graphs the declared tasks need, with tracing inputs, and each task's graph names."""
    net = model.backbone
    cfg = model.cfg
    h, d = cfg.num_heads, cfg.head_dim
    ids = torch.tensor([tok.prompt_ids("task : detection")])
    with torch.no_grad():
        text_kv = TextEncoderGraph(net)(ids)
    kv_dyn = {3: "prompt_len"}
    specs: dict[str, GraphSpec] = {
        "text_encoder": GraphSpec(
            TextEncoderGraph(net),
            (ids,),
            ["ids"],
            ["text_kv"],
            {"ids": {1: "prompt_len"}, "text_kv": kv_dyn},
            {},
        ),
    }
    uses: dict[str, dict[str, str]] = {}
    for name, t in tasks.items():
        grid = t.kind.startswith("grid")
        s = t.image_size
        enc = f"encoder_grid_{s}_{t.grid_per_window}" if grid else f"encoder_full_{s}"
        if enc not in specs:
            module: nn.Module = (
                GridEncoderGraph(net, s, t.grid_per_window) if grid else FullEncoderGraph(net, s)
            )
            pixels = torch.zeros(1, 3, s, s)
            kv_out = kv_names("grid_kv", len(cfg.window_layers)) if grid else kv_names("img_kv", cfg.depth)
            meta: dict[str, object] = {"image_size": s, "patches": s // cfg.patch_size}
            if grid:
                meta.update(grid_per_window=t.grid_per_window, grid_side=t.grid_side(cfg))
            specs[enc] = GraphSpec(
                module,
                (pixels, text_kv),
                ["pixels", "text_kv"],
                ["img_feat", *kv_out],
                {"text_kv": kv_dyn},
                meta,
            )
        dec = "decoder_grid" if grid else "decoder_full"
        if dec not in specs:
            layers = cfg.window_layers if grid else tuple(range(cfg.depth))
            n_prev, t_len, n = 3, 2, 2
            past = tuple(torch.randn(2, n_prev, h, t_len, d) for _ in layers)
            args = (
                torch.zeros(n, 1, dtype=torch.long),
                torch.tensor([1]),
                torch.tensor([0, 2]),
                torch.tensor([1.0]),
                *past,
            )
            past_in, present_out = kv_names("past", len(layers)), kv_names("present", len(layers))
            dyn: dict[str, dict[int, str]] = {
                "ids": {0: "batch"},
                "rows": {0: "batch"},
                "next_id": {0: "batch"},
                "max_prob": {0: "batch"},
                "hidden": {0: "batch"},
                "topk_logp": {0: "batch"},
                "topk_ids": {0: "batch"},
                **{p: {1: "past_batch", 3: "past_len"} for p in past_in},
                **{p: {1: "batch", 3: "present_len"} for p in present_out},
            }
            specs[dec] = GraphSpec(
                DecoderGraph(net, layers, DECODER_TOPK),
                args,
                ["ids", "pos", "rows", "temperature", *past_in],
                ["next_id", "max_prob", "hidden", "topk_logp", "topk_ids", *present_out],
                dyn,
                {"layers": list(layers), "topk": DECODER_TOPK},
            )
        uses[name] = {"encoder": enc, "decoder": dec}
    return specs, uses


def trace(spec: GraphSpec) -> onnx.ModelProto:
    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(
            spec.module,
            spec.args,
            buf,
            input_names=spec.inputs,
            output_names=spec.outputs,
            dynamic_axes=spec.dynamic,
            opset_version=OPSET,
            do_constant_folding=True,
        )
    return onnx.load_from_string(buf.getvalue())


# ------------------------------------------------------------------------------ package
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def task_json(name: str, t: TaskConfig, cfg: UfoVitConfig, graphs: dict[str, str]) -> dict[str, object]:
    out: dict[str, object] = {
        "kind": t.kind,
        "image_size": t.image_size,
        "interpolation": t.interpolation,
        "prompt": t.prompt,
        "max_length": t.max_length,
        **graphs,
    }
    if t.classes:
        out["classes"] = list(t.classes)
    if t.kind.startswith("grid"):
        side = t.grid_side(cfg)
        out["grid"] = {"per_window": t.grid_per_window, "side": side, "points": side * side}
    if t.num_bins:
        out["num_bins"] = t.num_bins
    if t.kind == "grid-box":
        out["max_detections"] = t.max_detections
        out["postprocess"] = {"nms": "soft-linear", "iou_threshold": 0.5, "min_score": 1e-3}
    elif t.kind == "grid-mask":
        out["max_detections"] = t.max_detections
        out["postprocess"] = {"nms": "matrix-gaussian", "sigma": 2.0, "filter_threshold": 0.05}
    elif t.kind == "caption":
        out["beams"], out["temperature"], out["length_penalty"] = t.beams, t.temperature, t.length_penalty
    return out


def package_config(
    name: str,
    cfg: UfoVitConfig,
    tasks: dict[str, TaskConfig],
    tok: Tokenizer,
    specs: dict[str, GraphSpec],
    uses: dict[str, dict[str, str]],
    dtypes: list[str],
) -> dict[str, object]:
    tokens = {
        k: tok.id(v)
        for k, v in (
            ("pad", "[PAD]"),
            ("unk", "[UNK]"),
            ("cls", "[CLS]"),
            ("sep", "[SEP]"),
            ("comma", ","),
            ("mask", "<MASK>"),
            ("dec", "[DEC]"),
            ("enc", "[ENC]"),
        )
    }
    if "background" in tok.vocab:
        tokens["background"] = tok.id("background")
    return {
        "format": "ufo-web-package",
        "format_version": FORMAT_VERSION,
        "name": name,
        "family": "ufo-vit",
        "model": cfg.to_json(),
        "tokens": tokens,
        "preprocess": {"mean": list(IMAGE_MEAN), "std": list(IMAGE_STD), "channel_order": "rgb"},
        "mask": {"tokens": MASK_TOKENS, "upsample": int(MASK_TOKENS**0.5), "threshold": 0.5},
        "tasks": {n: task_json(n, t, cfg, uses[n]) for n, t in tasks.items()},
        "graphs": {g: {"inputs": s.inputs, "outputs": s.outputs, **s.meta} for g, s in specs.items()},
        "dtypes": {
            dt: {
                "weights": f"onnx/weights{_suffix(dt)}.bin",
                "graphs": {g: f"onnx/{g}{_suffix(dt)}.onnx" for g in specs},
            }
            for dt in dtypes
        },
    }


def _suffix(dtype: str) -> str:
    return "" if dtype == "fp32" else f"_{dtype}"


def export_package(
    model: UFOViT,
    tok: Tokenizer,
    tasks: dict[str, TaskConfig],
    out: Path,
    dtypes: list[str],
    name: str,
    force: bool = False,
    card: str | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, object]:
    """Write the package atomically to `out`; returns its config."""
    out = Path(out)
    if out.exists() and not force:
        raise ExportError(f"{out} exists; pass --force to replace it")
    for dt in dtypes:
        if dt not in DTYPES:
            raise ExportError(f"unknown dtype {dt!r}; choose from {', '.join(DTYPES)}")
    if model.cfg.vocab_size != len(tok.vocab):
        raise ExportError(
            f"the model has {model.cfg.vocab_size} word embeddings but the tokenizer has {len(tok.vocab)} tokens"
        )
    model = model.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "onnx").mkdir(parents=True)
    try:
        specs, uses = graph_specs(model, tasks, tok)
        traced = {}
        for g, spec in specs.items():
            log(f"tracing {g}")
            traced[g] = trace(spec)
            onnx_tools.canonicalize_weights(traced[g])
            onnx_tools.tie_transposed_weights(traced[g])
        for dt in dtypes:
            shared = onnx_tools.SharedWeights(tmp / "onnx" / f"weights{_suffix(dt)}.bin")
            for g, proto in traced.items():
                m = onnx.ModelProto()
                m.CopyFrom(proto)
                if dt == "q4":
                    # 4-bit MatMul weights; the remaining constants (embeddings and the head
                    # tied to them, norms, biases) are stored in half precision. Arithmetic
                    # stays fp32 either way.
                    onnx_tools.to_q4(m)
                    onnx_tools.to_fp16_storage(m)
                elif dt == "fp16":
                    onnx_tools.to_fp16_storage(m)
                shared.externalize(m)
                onnx.save(m, str(tmp / "onnx" / f"{g}{_suffix(dt)}.onnx"))
            shared.write()
            log(f"wrote {dt}: {len(shared.blob) / 1e6:.2f} MB of weights")
        config = package_config(name, model.cfg, tasks, tok, specs, uses, dtypes)
        tok.write(tmp, model.cfg.max_text_positions)
        if card:
            (tmp / "README.md").write_text(card)
        files = sorted(p for p in tmp.rglob("*") if p.is_file())
        config["files"] = {
            str(p.relative_to(tmp)): {"bytes": p.stat().st_size, "sha256": _sha256(p)} for p in files
        }
        (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return config


# ------------------------------------------------------------------------------ CLI
def build_model(args: argparse.Namespace) -> tuple[UFOViT, Tokenizer, dict[str, TaskConfig]]:
    if args.preset not in PRESETS:
        raise ExportError(f"unknown preset {args.preset!r}; choose from {', '.join(PRESETS)}")
    preset = PRESETS[args.preset]
    if args.vocab:
        tok = Tokenizer.from_vocab_file(args.vocab)
    elif preset.vocab is not None:
        tok = Tokenizer.from_tokens(preset.vocab())
    else:
        raise ExportError(f"preset {args.preset} needs --vocab (the bert-base-uncased vocab.txt)")
    tasks = preset.tasks()
    if args.tasks:
        wanted = args.tasks.split(",")
        unknown = [t for t in wanted if t not in tasks]
        if unknown:
            raise ExportError(f"unknown task(s) {', '.join(unknown)}; {args.preset} has {', '.join(tasks)}")
        tasks = {t: tasks[t] for t in wanted}
    needed = [",", *({"background"} if any(t.kind == "grid-box" for t in tasks.values()) else set())]
    for word in needed:
        tok.id(word)
    cfg = preset.config(len(tok.vocab))
    if args.checkpoint:
        model = load_checkpoint(args.checkpoint, cfg, args.preset)
    else:
        model = UFOViT(cfg)
        init_weights(model, args.random_seed)
    return model, tok, tasks


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m models.export", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--preset", "--config", dest="preset", required=True, help=f"one of: {', '.join(PRESETS)}"
    )
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", type=Path, help="official .pth (mmengine container or bare state dict)")
    src.add_argument("--random-seed", type=int, help="export seeded random weights instead")
    ap.add_argument("--vocab", type=Path, help="vocab.txt (bert-base-uncased for the official models)")
    ap.add_argument("--tasks", help="comma-separated subset of the preset's tasks")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--dtype", action="append", choices=DTYPES, help="repeatable; default fp32")
    ap.add_argument("--name", help="package name (default: the output folder's name)")
    ap.add_argument("--force", action="store_true", help="replace an existing output folder")
    ap.add_argument("--card", type=Path, help="a Markdown model card to ship as README.md")
    args = ap.parse_args(argv)
    try:
        model, tok, tasks = build_model(args)
        card = args.card.read_text() if args.card else None
        export_package(
            model, tok, tasks, args.out, args.dtype or ["fp32"], args.name or args.out.name, args.force, card
        )
    except (ExportError, CheckpointError, VocabError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"error: {message}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
